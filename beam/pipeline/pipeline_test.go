package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
	"github.com/spellwright/speller/train"
)

var fixedTime = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// simLog writes a simulated log with garbage rows, from the trainer's test fixtures.
func simLog(t *testing.T, path string, seed int64, sessions int) {
	t.Helper()
	read := func(name string) *os.File {
		f, err := os.Open(filepath.Join("..", "..", "train", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var opts simulate.Options
	f := read("queries.txt")
	q, err := simulate.LoadQueries(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	f = read("misspellings.tsv")
	pairs, err := simulate.LoadPairs(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	opts.Queries, opts.Misspellings = q, simulate.MisspellingsFromPairs(pairs)
	opts.Sessions, opts.Seed, opts.GarbageRate = sessions, seed, 0.02
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := querylog.NewWriter(out, querylog.WriteOptions{RowGroupRows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := simulate.Run(opts, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// bundle builds the model of sums with the local trainer's policy.
func bundle(t *testing.T, s *logsum.Sums, opts train.LogOptions) []byte {
	t.Helper()
	c := train.NewCounter()
	if err := c.AddSums(context.Background(), s, opts, &train.LogReport{}); err != nil {
		t.Fatal(err)
	}
	return encode(t, c)
}

func encode(t *testing.T, c *train.Counter) []byte {
	t.Helper()
	b, err := c.Bundle(train.Options{BuildTime: fixedTime})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPrismMatchesLocal: the pipeline on Prism, over a simulated log with 2% garbage rows, gives the sums
// from which the local trainer's policy builds the very bundle `speller train --log` builds.
func TestPrismMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.parquet")
	simLog(t, log, 5, 4000)
	opts := train.LogOptions{HoldOut: 0.1, MaxSkipped: 0.05}

	c := train.NewCounter()
	rep, err := c.AddLogs(context.Background(), []string{log}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read.SkippedRows() == 0 || rep.Pairs.KeptDistinct == 0 || rep.HeldOut.Sessions == 0 {
		t.Fatalf("the log has no garbage, no kept pair or no held-out session: %+v", rep)
	}
	local := encode(t, c)

	// The directory holds an earlier run's sums, with the same shard count: its totals go first, and its
	// shards are replaced.
	out := filepath.Join(dir, "sums")
	earlier := logsum.New(opts.Rules())
	earlier.Queries["stale query"] = &logsum.QueryStat{Searches: 1}
	if err := earlier.WriteDir(out, 3); err != nil {
		t.Fatal(err)
	}
	if err := RemoveTotals(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, logsum.TotalsFile)); !os.IsNotExist(err) {
		t.Fatalf("RemoveTotals left %s: %v", logsum.TotalsFile, err)
	}
	if _, err := logsum.ReadDir(out); !errors.Is(err, logsum.ErrIncomplete) {
		t.Fatalf("ReadDir without totals: %v, want ErrIncomplete", err)
	}
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, Config{Logs: []string{log}, Out: out, Shards: 3, Rules: opts.Rules(), FlushEntries: 500}); err != nil {
		t.Fatal(err)
	}
	res, err := prism.Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	// The counters say what the local report says was read and skipped.
	got := map[string]int64{}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "speller" {
			got[c.Key.Name] += c.Result()
		}
	}
	want := map[string]int64{"rows_read": rep.Read.RowsRead, "rows_kept": rep.Read.RowsKept}
	for reason, n := range rep.Read.Skipped {
		want["skipped_"+reason] = n
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("counter %s = %d, want %d (the local report's); counters: %v", name, got[name], n, got)
		}
	}
	sums, err := logsum.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := bundle(t, sums, opts); !bytes.Equal(got, local) {
		t.Fatalf("the bundle of the pipeline's sums (%d bytes) differs from the local trainer's (%d bytes)", len(got), len(local))
	}
}

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}
