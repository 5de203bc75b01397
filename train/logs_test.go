package train

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/internal/parquettest"
	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
)

// simLog writes a simulated log of the fixture queries and misspellings into dir and returns its path and
// the injected corrections.
func simLog(t testing.TB, dir string, opts simulate.Options, wopts querylog.WriteOptions) (string, *simulate.Stats, []simulate.Truth) {
	t.Helper()
	f, err := os.Open("testdata/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	opts.Queries, err = simulate.LoadQueries(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err = os.Open("testdata/misspellings.tsv")
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := simulate.LoadPairs(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	opts.Misspellings = simulate.MisspellingsFromPairs(pairs)
	path := filepath.Join(dir, "log.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := querylog.NewWriter(out, wopts)
	if err != nil {
		t.Fatal(err)
	}
	stats, truth, err := simulate.Run(opts, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, stats, truth
}

// readPairs parses typed<TAB>intended<TAB>count lines.
func readPairs(t testing.TB, data []byte) map[[2]string]int64 {
	t.Helper()
	m := map[[2]string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("bad line %q", sc.Text())
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		m[[2]string{f[0], f[1]}] += n
	}
	return m
}

// TestMinerRecoversTruth checks the targets of the miner on a simulated log with refinements, bots, repeats
// and garbage rows: precision ≥ 0.95 and recall ≥ 0.80 of the injected corrections, weighted by count.
//
// Recall is measured twice. With MinSupport 1 it is the recall of the session rules against every injected
// correction. With the default MinSupport 2, a correction typed once (most random typos in a multi-word
// query) is dropped by design, so recall is measured against the corrections the log holds at least twice;
// the recall against all of them is logged.
func TestMinerRecoversTruth(t *testing.T) {
	dir := t.TempDir()
	path, stats, truth := simLog(t, dir, simulate.Options{Sessions: 20000, Seed: 7, GarbageRate: 0.01}, querylog.WriteOptions{RowGroupRows: 4096})
	if stats.Refinements == 0 || stats.Bots == 0 || stats.Garbage == 0 || stats.Behaviours["repeat"] == 0 {
		t.Fatalf("the log lacks noise: %v", stats)
	}
	want := map[[2]string]int64{}
	for _, p := range truth {
		want[[2]string{mine.Normalize(p.Typed), mine.Normalize(p.Intended)}] += int64(p.Count)
	}
	for _, support := range []int64{1, 2} {
		var mined, examples bytes.Buffer
		c := NewCounter()
		rep, err := c.AddLogs(context.Background(), []string{path}, LogOptions{MinSupport: support, Mined: &mined, Examples: &examples, TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		got := readPairs(t, mined.Bytes())
		var minedTotal, right int64
		for k, n := range got {
			minedTotal += n
			if want[k] > 0 {
				right += n
			}
		}
		var all, recovered, recoverable, recoveredOfRecoverable int64
		for k, n := range want {
			all += n
			if got[k] > 0 {
				recovered += n
			}
			if n >= support {
				recoverable += n
				if got[k] > 0 {
					recoveredOfRecoverable += n
				}
			}
		}
		precision := float64(right) / float64(minedTotal)
		recall := float64(recoveredOfRecoverable) / float64(recoverable)
		t.Logf("support %d: %d sessions, %d rows, %d corrections (%d distinct), %d typed at least %d times; "+
			"mined %d (%d distinct): precision %.4f, recall %.4f (of all corrections: %.4f)", support,
			stats.Sessions, stats.Rows, all, len(want), recoverable, support, minedTotal, len(got), precision, recall,
			float64(recovered)/float64(all))
		if precision < 0.95 || recall < 0.80 {
			t.Errorf("support %d: precision %.3f (want ≥ 0.95), recall %.3f (want ≥ 0.80)", support, precision, recall)
		}
		if rep.Sessions.Bots < int64(stats.Bots)*9/10 {
			t.Errorf("%d bot sessions skipped, %d in the log", rep.Sessions.Bots, stats.Bots)
		}
		if rep.Read.SkippedRows() == 0 {
			t.Errorf("garbage rows not counted: %v", rep.Read)
		}
		// The examples keep the log's mix: corrections are the share of them that they are of the searches.
		if e := rep.Examples; e.Corrections == 0 || e.CorrectionShare <= 0 || e.CorrectionShare >= 1 ||
			math.Abs(float64(e.Corrections)-e.CorrectionShare*float64(e.Corrections+e.Correct)) > 1.5 {
			t.Errorf("examples not in the log's mix: %+v", e)
		}
		if rep.Pairs.TokensFed == 0 || rep.Vocabulary == 0 {
			t.Errorf("nothing counted: %+v", rep)
		}
		if _, err := c.Bundle(Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "speller-logs-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestAddLogsReproducible trains twice, with different partitioning, reader and worker counts, and expects
// the same model, examples and counts.
func TestAddLogsReproducible(t *testing.T) {
	dir := t.TempDir()
	path, _, _ := simLog(t, dir, simulate.Options{Sessions: 3000, Seed: 3}, querylog.WriteOptions{RowGroupRows: 1000})
	train := func(opts LogOptions) ([]byte, string, *LogReport) {
		var ex bytes.Buffer
		opts.Examples = &ex
		opts.MaxExamples = 100
		opts.Seed = 9
		c := NewCounter()
		rep, err := c.AddLogs(context.Background(), []string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Bundle(Options{BuildTime: fixedTime})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := b.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), ex.String(), rep
	}
	m1, ex1, r1 := train(LogOptions{Partitions: 3, PartitionWorkers: 1, Read: querylog.ReadOptions{Workers: 1}})
	m2, ex2, r2 := train(LogOptions{Partitions: 7, PartitionWorkers: 2, Read: querylog.ReadOptions{Workers: 2}})
	if !bytes.Equal(m1, m2) || ex1 != ex2 {
		t.Fatal("training depends on partitioning or scheduling")
	}
	if r1.Sessions != r2.Sessions || !reflect.DeepEqual(r1.Pairs, r2.Pairs) || r1.Queries != r2.Queries {
		t.Fatalf("reports differ:\n%+v\n%+v", r1, r2)
	}
	if n := strings.Count(ex1, "\n"); n == 0 || n > 100 {
		t.Fatalf("%d examples, want 1 to 100", n)
	}
}

// TestAddLogsBalancedExamples: with BalancedExamples, as many corrections as correct queries.
func TestAddLogsBalancedExamples(t *testing.T) {
	dir := t.TempDir()
	path, _, _ := simLog(t, dir, simulate.Options{Sessions: 3000, Seed: 3}, querylog.WriteOptions{})
	var ex bytes.Buffer
	rep, err := NewCounter().AddLogs(context.Background(), []string{path},
		LogOptions{Examples: &ex, MaxExamples: 100, Seed: 9, BalancedExamples: true})
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Examples; e.Corrections == 0 || e.Corrections != e.Correct || e.CorrectionShare != 0 {
		t.Errorf("examples not balanced: %+v", e)
	}
	if n := strings.Count(ex.String(), "\n"); n != rep.Examples.Corrections+rep.Examples.Correct {
		t.Errorf("%d rows written, report %+v", n, rep.Examples)
	}
}

// TestAddLogsBounded caps the distinct queries and checks that the rarest are dropped and counted.
func TestAddLogsBounded(t *testing.T) {
	dir := t.TempDir()
	path, _, _ := simLog(t, dir, simulate.Options{Sessions: 3000, Seed: 5}, querylog.WriteOptions{})
	c := NewCounter()
	rep, err := c.AddLogs(context.Background(), []string{path}, LogOptions{MaxQueries: 40, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	q := rep.Queries
	if q.Distinct > 40 || q.PrunedDistinct == 0 || q.PrunedSearches == 0 {
		t.Fatalf("queries %+v", q)
	}
	if q.Searches+q.PrunedSearches != rep.Sessions.Searches-rep.Sessions.BotSearches {
		t.Fatalf("searches %+v do not add up to %+v", q, rep.Sessions)
	}
}

func TestAddLogsErrors(t *testing.T) {
	dir := t.TempDir()
	good, _, _ := simLog(t, dir, simulate.Options{Sessions: 200, Seed: 1}, querylog.WriteOptions{})
	noQuery := filepath.Join(dir, "noquery.parquet")
	{
		f, _ := os.Create(noQuery)
		w, err := querylog.NewWriter(f, querylog.WriteOptions{OmitColumns: []string{querylog.ColQuery}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(querylog.Row{SessionID: "s", TS: querylog.MinTS, Query: "x"})
		w.Close()
		f.Close()
	}
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)

	tests := []struct {
		name  string
		paths []string
		want  string
		is    error
	}{
		{"no file", nil, "no log file", nil},
		{"missing", []string{filepath.Join(dir, "nope-*.parquet")}, "no such file", nil},
		{"missing column", []string{noQuery}, `missing required column "query"`, querylog.ErrMissingColumn},
		{"truncated", []string{truncated}, "truncated.parquet", nil},
		{"directory", []string{dir + "/"}, "directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := NewCounter().AddLogs(context.Background(), tt.paths, LogOptions{TempDir: dir})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "train: ") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, not %v", err, tt.is)
			}
			if rep == nil {
				t.Fatal("nil report")
			}
		})
	}
	// A truncated file beside a good one is an error, unless unreadable files are skipped: then it is
	// reported.
	_, err := NewCounter().AddLogs(context.Background(), []string{good, truncated}, LogOptions{TempDir: dir})
	if !errors.Is(err, querylog.ErrUnreadableFile) || !strings.Contains(err.Error(), "truncated.parquet") {
		t.Fatalf("truncated beside a good file: err = %v", err)
	}
	rep, err := NewCounter().AddLogs(context.Background(), []string{good, truncated},
		LogOptions{TempDir: dir, Read: querylog.ReadOptions{SkipUnreadableFiles: true}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read.FilesFailed != 1 || len(rep.Read.Errors) == 0 || rep.Read.RowsKept == 0 {
		t.Fatalf("read report %v", rep.Read)
	}
	// Cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewCounter().AddLogs(ctx, []string{good}, LogOptions{TempDir: dir}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "speller-logs-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestAddLogsMaxSkipped checks that a log losing more than MaxSkipped of its rows, to an unreadable row group
// or to malformed rows, is an error that says what was lost and why, and that a smaller loss is not.
func TestAddLogsMaxSkipped(t *testing.T) {
	dir := t.TempDir()
	garbage, _, _ := simLog(t, filepath.Join(dir), simulate.Options{Sessions: 400, Seed: 2, GarbageRate: 0.05}, querylog.WriteOptions{})
	clean := filepath.Join(dir, "clean")
	os.Mkdir(clean, 0o755)
	corrupt, _, _ := simLog(t, clean, simulate.Options{Sessions: 400, Seed: 3}, querylog.WriteOptions{RowGroupRows: 200})
	lost, err := parquettest.CorruptRowGroup(corrupt, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		path       string
		maxSkipped float64
		want       []string // in the error; none: success
	}{
		{"garbage rows, default", garbage, 0, []string{"more than the 1.00% allowed", "rows bad_timestamp", "rows empty_query"}},
		{"garbage rows, allowed", garbage, 0.2, nil},
		{"garbage rows, no limit", garbage, 1, nil},
		{"unreadable row group, default", corrupt, 0, []string{fmt.Sprintf("%d rows in 1 unreadable row groups", lost), "row group 1"}},
		{"unreadable row group, none allowed", corrupt, -1, []string{"more than the 0.00% allowed"}},
		{"unreadable row group, allowed", corrupt, 0.5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := NewCounter().AddLogs(context.Background(), []string{tt.path}, LogOptions{TempDir: dir, MaxSkipped: tt.maxSkipped})
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if rep.Read.SkippedShare() == 0 || rep.Vocabulary == 0 {
					t.Fatalf("nothing skipped or learnt: %v", rep.Read)
				}
				return
			}
			if !errors.Is(err, ErrTooManySkipped) {
				t.Fatalf("err = %v, want %v", err, ErrTooManySkipped)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

// TestLogVocabulary checks that only tokens of searches with results, seen MinCount times, enter the
// vocabulary, besides the background list.
func TestLogVocabulary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.parquet")
	rows := tinyRows()
	f, _ := os.Create(path)
	w, _ := querylog.NewWriter(f, querylog.WriteOptions{})
	w.Write(rows...)
	w.Close()
	f.Close()
	c := NewCounter()
	if err := c.AddUnigrams(strings.NewReader("scarf 10\n"), 1, &SourceReport{}); err != nil {
		t.Fatal(err)
	}
	rep, err := c.AddLogs(context.Background(), []string{path}, LogOptions{MinSupport: 1, MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bundle(Options{BuildTime: fixedTime})
	if err != nil {
		t.Fatal(err)
	}
	for w, want := range map[string]bool{"red": true, "dress": true, "scarf": true, "dres": false, "zzyzx": false} {
		if _, ok := b.LM.ID(w); ok != want {
			t.Errorf("%q in vocabulary: %v, want %v", w, ok, want)
		}
	}
	if rep.Pairs.TokensFed != 1 || rep.Pairs.Top[0] != (PairCount{"dres", "dress", 2}) {
		t.Errorf("pairs %+v", rep.Pairs)
	}
}

// tinyRows is a small hand-made log: two corrections of dres, a refinement, a repeat, a query without
// results seen often (zzyzx) and a bot.
func tinyRows() []querylog.Row {
	const t0 = 1767225600000 // 2026-01-01
	r := func(s string, sec int64, q string, results, clicks int64) querylog.Row {
		return querylog.Row{SessionID: s, TS: t0 + sec*1000, Query: q, Results: results, HasResults: true, Clicks: clicks, HasClicks: true}
	}
	rows := []querylog.Row{
		r("a", 0, "red dres", 0, 0), r("a", 8, "red dress", 40, 1),
		r("b", 100, "dres", 0, 0), r("b", 110, "dress", 90, 2),
		r("c", 200, "dress", 90, 0), r("c", 210, "red dress", 40, 1),
		r("d", 300, "red dress", 40, 1), r("d", 305, "red dress", 40, 1),
		r("e", 400, "zzyzx", 0, 0), r("f", 401, "zzyzx", 0, 0), r("g", 402, "zzyzx", 0, 0),
		r("h", 500, "Red Dress", 40, 1),
		{SessionID: "i", TS: t0, Query: "no results column"},
	}
	for i := range 60 {
		rows = append(rows, r("bot", 600+int64(i), "scarf", 10, 0))
	}
	return rows
}

func TestSpillRoundTrip(t *testing.T) {
	rows := append(tinyRows(),
		querylog.Row{SessionID: "x", TS: querylog.MaxTS - 1, Query: "ü ✓ \x00", Results: 1 << 40, HasResults: true},
		querylog.Row{SessionID: "x", TS: querylog.MinTS, Query: "back in time", Clicks: 3, HasClicks: true},
		querylog.Row{SessionID: "y", TS: querylog.MinTS, Query: "jewlery", SpellCorrection: "jewelry",
			SpellAction: querylog.ActionAutoCorrect, SpellFeedback: querylog.FeedbackRejected},
		querylog.Row{SessionID: "y", TS: querylog.MinTS + 1, Query: "dres", SpellCorrection: "dress",
			SpellAction: querylog.ActionDidYouMean},
	)
	dir := t.TempDir()
	sp, err := newSpill(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.write(rows[:5]); err != nil {
		t.Fatal(err)
	}
	if err := sp.write(rows[5:]); err != nil {
		t.Fatal(err)
	}
	if err := sp.finish(); err != nil {
		t.Fatal(err)
	}
	var got []rec
	for i := range sp.parts {
		data, err := os.ReadFile(sp.parts[i].path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err = decodeSpill(got, string(data)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(rows) || sp.rows.Load() != int64(len(rows)) {
		t.Fatalf("%d records, want %d", len(got), len(rows))
	}
	seen := map[rec]int{}
	for _, r := range got {
		if r.hash != logsum.Hash(r.session) {
			t.Fatalf("record %+v: wrong hash", r)
		}
		r.hash = 0
		seen[r]++
	}
	for _, r := range rows {
		want := rec{session: r.SessionID, Search: mine.Search{TS: r.TS, Query: r.Query, Results: -1, Clicks: -1}}
		if r.HasResults {
			want.Results = r.Results
		}
		if r.HasClicks {
			want.Clicks = r.Clicks
		}
		want.Correction, want.Action, want.Feedback = r.SpellCorrection, uint8(r.SpellAction), uint8(r.SpellFeedback)
		if seen[want] == 0 {
			t.Fatalf("row %+v lost", r)
		}
		seen[want]--
	}
}

func FuzzDecodeSpill(f *testing.F) {
	var b []byte
	for i, r := range tinyRows()[:6] {
		last, lastTS := "", int64(0)
		if i > 0 {
			last, lastTS = tinyRows()[i-1].SessionID, tinyRows()[i-1].TS
		}
		b = appendRecord(b, r.SessionID, logsum.Search(&r), last, lastTS)
	}
	frame := append(appendUvarint(nil, len(b)), b...)
	f.Add(frame)
	spelled := querylog.Row{SessionID: "s", TS: 5, Query: "dres", SpellCorrection: "dress",
		SpellAction: querylog.ActionAutoCorrect, SpellFeedback: querylog.FeedbackRejected}
	r := appendRecord(nil, spelled.SessionID, logsum.Search(&spelled), "", 0)
	f.Add(append(appendUvarint(nil, len(r)), r...))
	f.Add(frame[:len(frame)-3])
	f.Add([]byte{0x02, 0x01, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := decodeSpill(nil, string(data))
		if err != nil && !errors.Is(err, errSpillCorrupt) {
			t.Fatalf("error %v does not wrap errSpillCorrupt", err)
		}
		for _, r := range recs {
			if r.session == "" || r.Results < -1 || r.Clicks < -1 {
				t.Fatalf("bad record %+v", r)
			}
		}
	})
}

func appendUvarint(b []byte, n int) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

func TestSampleByCount(t *testing.T) {
	var p []PairCount
	for i := range 100 {
		p = append(p, PairCount{strconv.Itoa(i), "_", int64(1 + 99*(i%2))})
	}
	s1 := sampleByCount(p, 20, newRand(1))
	s2 := sampleByCount(p, 20, newRand(1))
	if len(s1) != 20 || !reflect.DeepEqual(s1, s2) {
		t.Fatalf("not reproducible: %v %v", s1, s2)
	}
	heavy := 0
	for _, x := range s1 {
		if x.Count == 100 {
			heavy++
		}
	}
	if heavy < 15 {
		t.Fatalf("%d of 20 heavy items: the sample ignores counts", heavy)
	}
	if got := sampleByCount(p[:5], 20, newRand(1)); len(got) != 5 {
		t.Fatalf("%d", len(got))
	}
}

var fixedTime = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// TestAddLogsHoldOut: the held-out sessions enter no count (the searches counted and held out add up to
// those of a run without holding out), the examples come from them, and a share out of range is refused.
func TestAddLogsHoldOut(t *testing.T) {
	dir := t.TempDir()
	path, _, _ := simLog(t, dir, simulate.Options{Sessions: 3000, Seed: 3}, querylog.WriteOptions{})
	run := func(share float64) (*LogReport, string, error) {
		var ex bytes.Buffer
		rep, err := NewCounter().AddLogs(context.Background(), []string{path},
			LogOptions{Examples: &ex, MaxExamples: 1000, Seed: 9, HoldOut: share})
		return rep, ex.String(), err
	}
	all, _, err := run(0)
	if err != nil {
		t.Fatal(err)
	}
	held, ex, err := run(0.2)
	if err != nil {
		t.Fatal(err)
	}
	h := held.HeldOut
	if h.Share != 0.2 || h.Sessions == 0 || h.Searches == 0 || all.HeldOut.Sessions != 0 {
		t.Fatalf("held out: %+v (without: %+v)", h, all.HeldOut)
	}
	if got := held.Queries.Searches + h.Searches; got != all.Queries.Searches {
		t.Errorf("searches counted %d + held out %d = %d, want %d", held.Queries.Searches, h.Searches, got,
			all.Queries.Searches)
	}
	if frac := float64(h.Sessions) / float64(held.Sessions.Sessions-held.Sessions.Bots); frac < 0.15 || frac > 0.25 {
		t.Errorf("%.3f of the sessions held out, want about 0.2 (%+v)", frac, held.Sessions)
	}
	if held.Pairs.Mined >= all.Pairs.Mined {
		t.Errorf("pairs mined %d with sessions held out, %d without", held.Pairs.Mined, all.Pairs.Mined)
	}
	if e := held.Examples; e.Corrections == 0 || e.Correct == 0 || e.Corrections+e.Correct != strings.Count(ex, "\n") {
		t.Errorf("examples %+v:\n%s", e, ex)
	}
	if _, _, err := run(0.6); err == nil || !strings.Contains(err.Error(), "held-out share") {
		t.Errorf("share 0.6: %v", err)
	}
}

// TestAddLogsFeedback: the answers to the corrections shown feed the feedback table from the sessions the
// model learns from only, per correction and per changed token, with enough support; the held-out sessions'
// answers become examples: an accepted offer a correction, a refused automatic correction a correct query.
func TestAddLogsFeedback(t *testing.T) {
	const share = 0.3
	var trainIDs, heldIDs []string
	for i := 0; len(trainIDs) < 40 || len(heldIDs) < 40; i++ {
		id := fmt.Sprintf("s%d", i)
		if logsum.HeldOut(logsum.Hash(id), share) {
			heldIDs = append(heldIDs, id)
		} else {
			trainIDs = append(trainIDs, id)
		}
	}
	const t0 = 1767225600000
	var rows []querylog.Row
	shown := func(ids []string, n int, q, corr string, a querylog.SpellAction, f querylog.SpellFeedback) {
		for _, id := range ids[:n] {
			rows = append(rows, querylog.Row{SessionID: id, TS: t0 + int64(len(rows))*1000, Query: q, Results: 10,
				HasResults: true, Clicks: 1, HasClicks: true, SpellCorrection: corr, SpellAction: a, SpellFeedback: f})
		}
	}
	ac, dym := querylog.ActionAutoCorrect, querylog.ActionDidYouMean
	shown(trainIDs[0:], 6, "Jewlery Box", "jewelry box", ac, querylog.FeedbackRejected)
	shown(trainIDs[10:], 2, "jewlery ring", "jewelry ring", ac, querylog.FeedbackRejected)
	shown(trainIDs[20:], 2, "dres", "dress", dym, querylog.FeedbackAccepted) // thin
	shown(heldIDs[0:], 8, "lamp", "lump", ac, querylog.FeedbackRejected)
	shown(heldIDs[10:], 8, "tabel", "table", dym, querylog.FeedbackAccepted)
	shown(heldIDs[20:], 8, "chiar", "chair", dym, querylog.FeedbackNone)
	path := filepath.Join(t.TempDir(), "log.parquet")
	parquettestWrite(t, path, rows)
	var ex bytes.Buffer
	c := NewCounter()
	rep, err := c.AddLogs(context.Background(), []string{path}, LogOptions{HoldOut: share, Examples: &ex})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]model.FeedbackCount{
		model.FeedbackKey(model.LevelQuery, "jewlery box", "jewelry box"): {AutoCorrect: 6, Rejected: 6},
		model.FeedbackKey(model.LevelToken, "jewlery", "jewelry"):         {AutoCorrect: 8, Rejected: 8},
	}
	if !reflect.DeepEqual(c.feedback, want) {
		t.Errorf("feedback table %v, want %v", c.feedback, want)
	}
	if f := rep.Feedback; f.AutoCorrect != 8 || f.Rejected != 8 || f.DidYouMean != 2 || f.Accepted != 2 ||
		f.Corrections != 3 || f.QueryEntries != 1 || f.TokenEntries != 1 {
		t.Errorf("report %+v", f)
	}
	got := readExamples(ex.String())
	for _, line := range []string{"lamp\t_", "tabel\ttable"} {
		if !got[line] {
			t.Errorf("example %q missing:\n%s", line, ex.String())
		}
	}
	for _, line := range []string{"chiar\tchair", "dres\tdress", "jewlery box\t_", "tabel\t_"} {
		if got[line] {
			t.Errorf("example %q:\n%s", line, ex.String())
		}
	}
	if e := rep.Examples; e.FeedbackAccepted != 8 || e.FeedbackRejected != 8 {
		t.Errorf("example report %+v", e)
	}
}

// readExamples returns the typed<TAB>expected of example lines.
func readExamples(s string) map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Split(line, "\t")
		if len(f) >= 2 {
			m[f[0]+"\t"+f[1]] = true
		}
	}
	return m
}

func parquettestWrite(t *testing.T, path string, rows []querylog.Row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := querylog.NewWriter(f, querylog.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
