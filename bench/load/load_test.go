package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		r := run(ctx, cfg, clients, builtinQueries)
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
		r := run(ctx, cfg, clients, builtinQueries)
		// 400/s for 0.5s: 200 arrivals in the window, on a fixed schedule.
		if r.Requests+int(r.NotSent) != 200 || r.OK != r.Requests || r.StoppedBy != "duration" {
			t.Errorf("requests %d, not sent %d, ok %d, stopped by %q; want 200 arrivals, all ok", r.Requests, r.NotSent, r.OK, r.StoppedBy)
		}
		if r.Mode != "open" || r.RateQPS != 400 || r.Concurrency != 0 || r.LatencyUS.P50 <= 0 {
			t.Errorf("result %+v", r)
		}
	})
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
	out.Reset()
	if code := mainCode(ctx, []string{"--addr", addr, "--check", "--empty"}, &out, &errOut); code != 0 {
		t.Errorf("--check: exit %d: %s", code, errOut.String())
	}
	if code := mainCode(ctx, []string{"--addr", addr, "--check", "--ready-timeout", "2s"}, &out, &errOut); code != 1 {
		t.Errorf("--check without --empty on the empty server: exit %d, want 1", code)
	}
}
