package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spellwright/speller/internal/editdist"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

func TestPercentile(t *testing.T) {
	hundred := make([]int64, 100)
	for i := range hundred {
		hundred[i] = int64(i + 1)
	}
	for _, c := range []struct {
		vals []int64
		p    float64
		want int64
	}{
		{hundred, 50, 50},
		{hundred, 90, 90},
		{hundred, 99, 99},
		{hundred, 99.9, 100},
		{hundred, 100, 100},
		{hundred, 0.001, 1},
		{[]int64{7}, 50, 7},
		{[]int64{7}, 99.9, 7},
		{[]int64{1, 2}, 50, 1},
		{[]int64{1, 2}, 50.1, 2},
		{nil, 50, 0},
	} {
		if got := percentile(c.vals, c.p); got != c.want {
			t.Errorf("percentile(%d values, %g) = %d, want %d", len(c.vals), c.p, got, c.want)
		}
	}
}

func TestRecorderSummary(t *testing.T) {
	r := newRecorder(4)
	for i, d := range []time.Duration{3 * time.Millisecond, time.Millisecond, 0, 2 * time.Millisecond} {
		slot := r.take()
		if slot != i {
			t.Fatalf("take = %d, want %d", slot, i)
		}
		r.set(slot, d, d != 0) // the 0 is a failed call
	}
	if slot := r.take(); slot != -1 {
		t.Fatalf("take on a full recorder = %d, want -1", slot)
	}
	if r.taken() != 4 {
		t.Fatalf("taken = %d, want 4", r.taken())
	}
	l := summarize(r.latencies(r.taken()))
	want := Latency{Count: 3, Mean: 2000, P50: 2000, P90: 3000, P99: 3000, P999: 3000, Max: 3000}
	if l != want {
		t.Errorf("summary = %+v, want %+v", l, want)
	}
	if got := summarize([]int64{1234567}); got.P50 != 1234.6 {
		t.Errorf("1234567ns = %gµs, want 1234.6", got.P50)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:50051", "127.1.2.3:1", "[::1]:50051", "localhost:50051", "LocalHost:0", "[::ffff:127.0.0.1]:80"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%q) = %v, want nil", addr, err)
		}
	}
	for _, addr := range []string{":50051", "0.0.0.0:50051", "[::]:50051", "10.0.0.1:50051", "192.168.1.2:80", "example.com:443",
		"localhost.example.com:1", "127.0.0.1", "127.0.0.1:", "[fe80::1]:80", "128.0.0.1:1"} {
		if err := checkLoopback(addr); err == nil {
			t.Errorf("checkLoopback(%q) = nil, want an error", addr)
		}
	}
}

func TestLoadQueries(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.tsv")
	b := filepath.Join(dir, "b.tsv")
	os.WriteFile(a, []byte("# comment\nhelo\thello\n\n  wrld \tworld\n"), 0o644)
	os.WriteFile(b, []byte("recieve\treceive\nnotab\n"), 0o644)
	qs, src, err := loadQueries([]string{filepath.Join(dir, "*.tsv")}, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(qs, "|")
	if len(qs) != 4 || !strings.Contains(src, "a.tsv, b.tsv") {
		t.Fatalf("queries %q from %q", got, src)
	}
	for _, q := range []string{"helo", "wrld", "recieve", "notab"} {
		if !strings.Contains("|"+got+"|", "|"+q+"|") {
			t.Errorf("query %q missing from %q", q, got)
		}
	}
	again, _, _ := loadQueries([]string{a, b}, dir, 1)
	if strings.Join(again, "|") != got {
		t.Errorf("the shuffle is not fixed: %q then %q", got, again)
	}
	if _, _, err := loadQueries([]string{filepath.Join(dir, "missing.tsv")}, dir, 1); err == nil {
		t.Error("a missing file: no error")
	}
	empty := filepath.Join(dir, "empty.tsv")
	os.WriteFile(empty, []byte("# nothing\n"), 0o644)
	if _, _, err := loadQueries([]string{empty}, dir, 1); err == nil {
		t.Error("a file without queries: no error")
	}
	// With no misspelled share, every row sends its expected side (a one-column row its only one).
	correct, _, _ := loadQueries([]string{a, b}, dir, 0)
	for _, q := range []string{"hello", "world", "receive", "notab"} {
		if !strings.Contains("|"+strings.Join(correct, "|")+"|", "|"+q+"|") {
			t.Errorf("query %q missing from %q", q, correct)
		}
	}
	// Outside the repository, with no files: the built-in list.
	qs, src, err = loadQueries(nil, dir, 1)
	if err != nil || len(qs) != len(builtinQueries) || !strings.HasPrefix(src, "built-in") {
		t.Errorf("default outside the repository: %d queries from %q, %v", len(qs), src, err)
	}
}

// TestWithTypos: each query keeps its place among its variants, which differ from it by one edit in one word of
// three letters or more, with the letters given; a query without such a word has none; the same seed gives
// the same list.
func TestWithTypos(t *testing.T) {
	qs := []string{"red dress", "a b", "to be or", "jewelry  box for women", "日本語 text"}
	got := withTypos(qs, 4, 7)
	if len(got) != len(qs)+3*4 {
		t.Fatalf("%d queries, want %d: %q", len(got), len(qs)+3*4, got)
	}
	if slices.Equal(got[:len(qs)], qs) {
		t.Errorf("not shuffled: the queries first, %q", got)
	}
	if again := withTypos(qs, 4, 7); !slices.Equal(got, again) {
		t.Errorf("not reproducible: %q then %q", got, again)
	}
	for _, q := range qs {
		if !slices.Contains(got, q) {
			t.Errorf("query %q missing", q)
		}
	}
	variants := 0
	for _, v := range got {
		if slices.Contains(qs, v) {
			continue
		}
		vw := strings.Fields(v)
		found := false
		for _, q := range qs {
			qw := strings.Fields(q)
			if len(qw) != len(vw) || q == "a b" || q == "to be or" {
				continue
			}
			diff := 0
			for i := range qw {
				if qw[i] != vw[i] {
					diff++
					if d := editdist.OSA([]rune(qw[i]), []rune(vw[i]), 5, nil); d > 1 || utf8.RuneCountInString(qw[i]) < 3 {
						diff = 99
					}
				}
			}
			found = found || diff <= 1
		}
		if !found {
			t.Errorf("variant %q is not one edit in one long word of a query", v)
		}
		variants++
	}
	if variants == 0 {
		t.Error("no variant differs from its query")
	}
}

func TestParseStatCPU(t *testing.T) {
	stat := "4137 (my (odd) cmd) R 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 1 0 100 200 300"
	d, err := parseStatCPU(stat)
	if err != nil || d != 4*time.Second {
		t.Errorf("parseStatCPU = %v, %v; want 4s", d, err)
	}
	if _, err := parseStatCPU("1 (x) R 2 3"); err == nil {
		t.Error("a short stat: no error")
	}
}

// startEmpty serves the empty server in-process on a free loopback port for the test.
func startEmpty(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newEmptyServer()
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func TestEndToEnd(t *testing.T) {
	addr := startEmpty(t)
	ctx := context.Background()
	ccs, err := dial(addr, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(ccs)
	if err := waitReady(ctx, ccs, false, 5*time.Second); !errors.Is(err, errWrongTarget) {
		t.Fatalf("waitReady on the empty server without --empty = %v, want errWrongTarget", err)
	}
	if err := waitReady(ctx, ccs, true, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	clients := []spellerv1.SpellerServiceClient{spellerv1.NewSpellerServiceClient(ccs[0]), spellerv1.NewSpellerServiceClient(ccs[1])}
	base := config{addr: addr, empty: true, timeout: 5 * time.Second, conns: 2, maxOutstanding: 32}

	t.Run("closed", func(t *testing.T) {
		cfg := base
		cfg.concurrency, cfg.warmup, cfg.duration, cfg.maxRequests = 4, 100*time.Millisecond, time.Second, 300
		start := time.Now()
		r := run(ctx, cfg, clients, mustStream(t, orderCycle, builtinQueries))
		if el := time.Since(start); el > cfg.warmup+cfg.duration+time.Second {
			t.Errorf("the run took %v", el)
		}
		if r.Requests != 300 || r.OK != 300 || len(r.Errors) != 0 || r.LatencyUS.Count != 300 {
			t.Errorf("requests %d, ok %d, errors %v, latencies %d; want 300 ok", r.Requests, r.OK, r.Errors, r.LatencyUS.Count)
		}
		// A few hundred calls on loopback take well under the second: the count ends the run.
		if r.StoppedBy != "max-requests" || r.QPS <= 0 || r.ElapsedS >= 1 {
			t.Errorf("stopped by %q after %gs at %g qps; want max-requests early", r.StoppedBy, r.ElapsedS, r.QPS)
		}
		l := r.LatencyUS
		if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
			t.Errorf("latency %+v", l)
		}
	})
	t.Run("open", func(t *testing.T) {
		cfg := base
		cfg.rate, cfg.warmup, cfg.duration, cfg.maxRequests = 400, 100*time.Millisecond, 500*time.Millisecond, 1000
		r := run(ctx, cfg, clients, mustStream(t, orderCycle, builtinQueries))
		// 400/s for 0.5s: 200 arrivals in the window, on a fixed schedule.
		if r.Requests+int(r.NotSent) != 200 || r.OK != r.Requests || r.StoppedBy != "duration" {
			t.Errorf("requests %d, not sent %d, ok %d, stopped by %q; want 200 arrivals, all ok", r.Requests, r.NotSent, r.OK, r.StoppedBy)
		}
		if r.Mode != "open" || r.RateQPS != 400 || r.Concurrency != 0 || r.LatencyUS.P50 <= 0 {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("once", func(t *testing.T) {
		cfg := base
		cfg.concurrency, cfg.warmup, cfg.duration, cfg.maxRequests = 4, 0, 5*time.Second, 1000
		qs := append(slices.Clone(builtinQueries), builtinQueries[:10]...) // duplicates are sent once
		r := run(ctx, cfg, clients, mustStream(t, orderOnce, qs))
		if r.StoppedBy != "queries" || r.Requests != len(builtinQueries) || r.Sent != int64(len(builtinQueries)) ||
			r.RepeatShare != 0 || r.Distinct != len(builtinQueries) {
			t.Errorf("stopped by %q, requests %d, sent %d, repeats %g, distinct %d; want every distinct query once",
				r.StoppedBy, r.Requests, r.Sent, r.RepeatShare, r.Distinct)
		}
	})
}

func mustStream(t *testing.T, order string, qs []string) *stream {
	t.Helper()
	st, err := newStream(order, qs, 1, querySeed)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStream checks the three orders: cycle repeats after one pass, once never repeats and ends, zipf draws
// the head far more often than the tail, and the repeat share counts what was sent before.
func TestStream(t *testing.T) {
	qs := []string{"a", "b", "c", "a"}
	cyc := mustStream(t, orderCycle, qs)
	var got []string
	for range 8 {
		r, ok := cyc.take()
		if !ok {
			t.Fatal("cycle: exhausted")
		}
		got = append(got, r.Query)
	}
	if want := []string{"a", "b", "c", "a", "a", "b", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("cycle = %q, want %q", got, want)
	}
	if cyc.repeats.Load() != 5 { // the second "a" of the list, and the whole second pass
		t.Errorf("cycle repeats = %d, want 5", cyc.repeats.Load())
	}
	once := mustStream(t, orderOnce, qs)
	got = got[:0]
	for {
		r, ok := once.take()
		if !ok {
			break
		}
		got = append(got, r.Query)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) || once.repeats.Load() != 0 || once.taken() != 3 {
		t.Errorf("once = %q (repeats %d, taken %d), want %q once each", got, once.repeats.Load(), once.taken(), want)
	}
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprint("q", i)
	}
	z := mustStream(t, orderZipf, many)
	counts := map[string]int{}
	for range 100000 {
		r, _ := z.take()
		counts[r.Query]++
	}
	// P(rank 1) = 1/H(1000) ≈ 0.134; rank 2 half of it; rank 1000 a thousandth.
	if c := counts["q0"]; c < 12500 || c > 14500 {
		t.Errorf("zipf: the head query %d times in 100000, want about 13400", c)
	}
	if c0, c1 := counts["q0"], counts["q1"]; math.Abs(float64(c0)/float64(c1)-2) > 0.2 {
		t.Errorf("zipf: head %d, second %d, want a ratio of 2", c0, c1)
	}
	for _, bad := range []struct {
		order string
		s     float64
	}{{"random", 1}, {orderZipf, 0}, {orderZipf, -1}, {orderZipf, math.NaN()}} {
		if _, err := newStream(bad.order, qs, bad.s, 1); err == nil {
			t.Errorf("newStream(%q, s %v) = nil error", bad.order, bad.s)
		}
	}
	if _, err := newStream(orderCycle, nil, 1, 1); err == nil {
		t.Error("newStream without queries = nil error")
	}
}

func TestMainCode(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:50051"},
		{"--addr", "10.1.2.3:50051"},
		{"--serve-empty", ":0"},
		{"--rate", "100", "--concurrency", "4"},
		{"--duration", "0s"},
		{"--conns", "0"},
		{"--order", "random"},
		{"--order", "zipf", "--zipf-s", "0"},
		{"--typos", "-1"},
	} {
		var out, errOut bytes.Buffer
		if code := mainCode(ctx, args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut.String())
		}
	}

	addr := startEmpty(t)
	q := filepath.Join(t.TempDir(), "q.tsv")
	os.WriteFile(q, []byte("helo\thello\nrecieve\treceive\n"), 0o644)
	var out, errOut bytes.Buffer
	args := []string{"--addr", addr, "--queries", q, q, "--empty", "--warmup", "0s", "--duration", "300ms",
		"--concurrency", "2", "--conns", "1", "--max-requests", "200", "--json"}
	if code := mainCode(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Target != "empty" || r.Mode != "closed" || r.Queries != 4 || r.Concurrency != 2 || r.OK == 0 || r.Requests > 200 {
		t.Errorf("result %+v", r)
	}
	// --typos adds variants: the once stream sends more distinct queries.
	out.Reset()
	args = []string{"--addr", addr, "--queries", q, "--empty", "--warmup", "0s", "--duration", "5s", "--order", "once",
		"--typos", "3", "--concurrency", "2", "--conns", "1", "--json"}
	if code := mainCode(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("--typos: exit %d: %s", code, errOut.String())
	}
	r = Result{}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Distinct <= 2 || r.Distinct > 8 || r.Sent != int64(r.Distinct) || !strings.Contains(r.QuerySource, "3 variants") {
		t.Errorf("--typos 3 over 2 queries: %d distinct, %d sent, from %q; want 3 to 8, each once", r.Distinct, r.Sent, r.QuerySource)
	}
	out.Reset()
	if code := mainCode(ctx, []string{"--addr", addr, "--check", "--empty"}, &out, &errOut); code != 0 {
		t.Errorf("--check: exit %d: %s", code, errOut.String())
	}
	if code := mainCode(ctx, []string{"--addr", addr, "--check", "--ready-timeout", "2s"}, &out, &errOut); code != 1 {
		t.Errorf("--check without --empty on the empty server: exit %d, want 1", code)
	}
}
