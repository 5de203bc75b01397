package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
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

// TestLongNonASCIIKeys: a query of more than 200 bytes of non-ASCII text, whose pair key is not UTF-8 (the
// uvarint length of the typed query is a byte ≥ 0x80), goes through the shuffle unchanged: the pipeline's
// sums are the local trainer's.
func TestLongNonASCIIKeys(t *testing.T) {
	long := strings.Repeat("élégante robe de soirée brodée à la main ", 6) + "dentelle"
	typo := strings.Repeat("élégante robe de soirée brodée à la main ", 6) + "dentele"
	if len(typo) < 200 {
		t.Fatalf("query of %d bytes", len(typo))
	}
	if k := logsum.PairKey(typo, long, false); utf8.ValidString(k) {
		t.Fatalf("pair key %q is valid UTF-8: the test tests nothing", k)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log.parquet")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	w, err := querylog.NewWriter(f, querylog.WriteOptions{RowGroupRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	ts := fixedTime.UnixMilli()
	for i := range 5 {
		id := fmt.Sprintf("séance-ü-%d", i)
		if err := w.Write(
			querylog.Row{SessionID: id, TS: ts, Query: typo, HasResults: true, HasClicks: true},
			querylog.Row{SessionID: id, TS: ts + 5000, Query: long, Results: 40, HasResults: true, Clicks: 1, HasClicks: true},
		); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	opts := train.LogOptions{}
	local, _, err := train.SumLogs(context.Background(), []string{log}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if local.Pairs[[2]string{typo, long}] == nil {
		t.Fatalf("the local trainer mined no pair %q → %q: %v", typo, long, local.Pairs)
	}

	out := filepath.Join(dir, "sums")
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, Config{Logs: []string{log}, Out: out, Shards: 2, Rules: opts.Rules()}); err != nil {
		t.Fatal(err)
	}
	if _, err := prism.Execute(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got, err := logsum.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Counts, local.Counts) || !reflect.DeepEqual(got.Held, local.Held) || got.Mined != local.Mined {
		t.Fatalf("pipeline sums\n%+v\nlocal sums\n%+v", got.Counts, local.Counts)
	}
}

// TestNoStringCoder: no PCollection of the pipeline is coded as UTF-8 text (Beam's string coder), and the
// shuffled entries carry no string.
func TestNoStringCoder(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, Config{Logs: []string{"x.parquet"}, Out: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	edges, _, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	pb, err := graphx.Marshal(edges, &graphx.Options{Environment: &pipepb.Environment{}})
	if err != nil {
		t.Fatal(err)
	}
	for id, c := range pb.GetComponents().GetCoders() {
		if urn := c.GetSpec().GetUrn(); urn == "beam:coder:string_utf8:v1" {
			t.Errorf("coder %s is %s", id, urn)
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeOf(entry{}), reflect.TypeOf(logsum.Value{})} {
		for i := range typ.NumField() {
			if fl := typ.Field(i); fl.Type.Kind() == reflect.String {
				t.Errorf("%s.%s is a string", typ, fl.Name)
			}
		}
	}
}
