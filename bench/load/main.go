// Command load measures the throughput and latency of spelld's Correct under load, and the floor under it:
// the same calls answered by an empty handler.
//
//	go run ./bench/load --addr 127.0.0.1:50051 --concurrency 32           # closed loop: 32 callers
//	go run ./bench/load --addr 127.0.0.1:50051 --rate 2000                # open loop: 2000 arrivals/s
//	go run ./bench/load --serve-empty 127.0.0.1:50052 &                   # the floor, in its own process
//	go run ./bench/load --empty --addr 127.0.0.1:50052 --concurrency 32
//	go run ./bench/load --empty --concurrency 32                          # the same; starts the empty server itself
//
// Closed loop (--concurrency N): N workers, each sending its next request when the answer to the previous
// one arrives; it finds the maximum throughput, and its latencies are those of a saturated server. Open loop
// (--rate QPS): requests arrive on a fixed schedule whatever the server does, at most --max-outstanding in
// flight; latency is measured from each request's scheduled send time, so a stall of the server shows in
// the latency of every request it delayed instead of slowing the load down (no coordinated omission).
//
// The queries are the first column of the TSV files given with --queries (typed<TAB>expected, repeatable,
// globs allowed; file names after the flags count too), mixed and shuffled with a fixed seed. By default
// they are ../shared/data/misspellings/dev/*.tsv next to the repository, or, when that is absent, a built-in
// list of shopping queries. Every worker cycles through them from its own starting point.
//
// --serve-empty ADDR serves a SpellerService whose Correct returns an empty response at once: run it as a
// separate process so that client and server do not share a Go runtime, and point --empty at it. --check
// only waits until the target serves (health SERVING and a Correct call answered), for scripts.
//
// Only loopback targets are accepted (127.0.0.0/8, ::1, localhost): this is a load generator. The run stops
// by itself after --warmup plus --duration, or sooner after --max-requests measured requests; every call has
// the deadline --timeout. Latencies are those of the successful calls, recorded in a preallocated slice and
// sorted (exact percentiles); errors are counted by gRPC code. bench/load.sh runs the whole benchmark.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// mainCode runs the command and returns its exit code: 0 on success, 1 on failure, 2 for a usage error.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg        config
		queries    listFlag
		jsonOut    = fs.Bool("json", false, "print the result as one JSON object")
		check      = fs.Bool("check", false, "only wait (up to --ready-timeout) until the target serves, then exit")
		serveAddr  = fs.String("serve-empty", "", "serve the empty SpellerService on this loopback `address` instead of sending load")
		serveFor   = fs.Duration("serve-for", 15*time.Minute, "with --serve-empty: stop serving after this long")
		addrWasSet bool
	)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:50051", "target gRPC `address` (loopback only)")
	typos := fs.Int("typos", 0, "also send `n` variants of each query, each with one random typo in one word (seeded): more distinct queries for --order once")
	misspelled := fs.Float64("misspelled", 1, "share of the --queries rows sent as typed (misspelled); the others send the expected, correct query")
	fs.Var(&queries, "queries", "query `file` (typed<TAB>expected) or glob, repeatable (default: "+sharedQueryGlob+" next to the repository, else a built-in list)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured duration")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warmup before it, at the same load")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "closed loop: workers, each with one request in flight")
	fs.Float64Var(&cfg.rate, "rate", 0, "open loop: arrival rate in requests per `second` (instead of --concurrency)")
	fs.IntVar(&cfg.maxOutstanding, "max-outstanding", 256, "open loop: most requests in flight")
	fs.IntVar(&cfg.conns, "conns", 4, "gRPC client connections, used round-robin")
	fs.BoolVar(&cfg.empty, "empty", false, "the target is the empty server (--serve-empty): measure the floor; without --addr, start one")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Second, "deadline of each call")
	fs.IntVar(&cfg.maxRequests, "max-requests", 5_000_000, "stop after this many measured requests")
	fs.DurationVar(&cfg.readyTimeout, "ready-timeout", 10*time.Second, "how long to wait for the target to serve")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "the target's `pid`, to report its CPU time per request (Linux)")
	fs.StringVar(&cfg.order, "order", orderCycle, "the query stream: cycle (the queries in turn, again and again), once (each distinct query once: traffic that never repeats; the run stops when all are sent) or zipf (drawn by a Zipf law over the distinct queries)")
	fs.Float64Var(&cfg.zipfS, "zipf-s", 1, "--order zipf: the exponent s, P(rank k) ∝ 1/k^s")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: load [flags] [query files...]\n       load --serve-empty ADDR")
		fs.PrintDefaults()
	}

	// Flags and query file names may be mixed: "--queries a.tsv b.tsv --json".
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		rest = fs.Args()
		for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			queries = append(queries, rest[0])
			rest = rest[1:]
		}
		if len(rest) == 0 {
			break
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	addrWasSet = set["addr"]
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "load: "+format+"\n", a...)
		return 2
	}

	if *serveAddr != "" {
		if err := checkLoopback(*serveAddr); err != nil {
			return usage("--serve-empty: %v", err)
		}
		return serveEmpty(*serveAddr, *serveFor, stdout, stderr)
	}
	switch {
	case cfg.duration <= 0 || cfg.warmup < 0 || cfg.timeout <= 0:
		return usage("--duration and --timeout must be positive, --warmup not negative")
	case set["rate"] && set["concurrency"]:
		return usage("--rate (open loop) and --concurrency (closed loop) exclude each other")
	case cfg.rate < 0 || cfg.concurrency <= 0 || cfg.maxOutstanding <= 0 || cfg.conns <= 0 || cfg.maxRequests <= 0:
		return usage("--rate must not be negative; --concurrency, --max-outstanding, --conns and --max-requests must be positive")
	case *typos < 0 || *typos > 1000:
		return usage("--typos must be in 0..1000")
	case cfg.concurrency > 100_000 || cfg.maxOutstanding > 100_000 || cfg.conns > 1000:
		return usage("--concurrency and --max-outstanding are at most 100000, --conns at most 1000")
	}
	if cfg.rate > 0 && cfg.rate*(cfg.warmup+cfg.duration).Seconds() > 1e9 {
		return usage("--rate: too many arrivals")
	}

	if cfg.empty && !addrWasSet {
		addr, stopServer, err := spawnEmpty(cfg.warmup+cfg.duration+cfg.timeout+time.Minute, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "load: --empty: %v\n", err)
			return 1
		}
		defer stopServer()
		cfg.addr = addr
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return usage("--addr: %v", err)
	}

	qs, source, err := loadQueries(queries, ".", *misspelled)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 1
	}
	if *typos > 0 {
		qs = withTypos(qs, *typos, querySeed)
		source += fmt.Sprintf(", and %d variants of each with one typo", *typos)
	}
	stream, err := newStream(cfg.order, qs, cfg.zipfS, querySeed)
	if err != nil {
		return usage("%v", err)
	}
	ccs, err := dial(cfg.addr, cfg.conns)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 1
	}
	defer closeAll(ccs)
	if err := waitReady(ctx, ccs, cfg.empty, cfg.readyTimeout); err != nil {
		fmt.Fprintf(stderr, "load: %s: %v\n", cfg.addr, err)
		return 1
	}
	if *check {
		return 0
	}
	clients := make([]spellerv1.SpellerServiceClient, len(ccs))
	for i, cc := range ccs {
		clients[i] = spellerv1.NewSpellerServiceClient(cc)
	}
	r := run(ctx, cfg, clients, stream)
	r.QuerySource = source
	if *jsonOut {
		b, _ := json.Marshal(r)
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		printText(stdout, r)
	}
	if r.OK == 0 {
		fmt.Fprintln(stderr, "load: no request succeeded")
		return 1
	}
	return 0
}

// checkLoopback accepts host:port addresses whose host is a loopback IP (127.0.0.0/8, ::1) or localhost.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if port == "" {
		return fmt.Errorf("%q: no port", addr)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("%q is not a loopback address (127.0.0.0/8, ::1 or localhost): load goes to this machine only", addr)
	}
	return nil
}

func printText(w io.Writer, r *Result) {
	load := fmt.Sprintf("closed loop, concurrency %d", r.Concurrency)
	if r.Mode == "open" {
		load = fmt.Sprintf("open loop, %g requests/s, at most %d outstanding", r.RateQPS, r.MaxOutstanding)
	}
	fmt.Fprintf(w, "load      %s, %d conns -> %s at %s (%s)\n", load, r.Conns, r.Target, r.Addr, r.Method)
	fmt.Fprintf(w, "run       warmup %gs, duration %gs (stopped by %s), call timeout %gs\n", r.WarmupS, r.DurationS, r.StoppedBy, r.TimeoutS)
	fmt.Fprintf(w, "queries   %s\n", r.QuerySource)
	order := r.Order
	if r.Order == orderZipf {
		order = fmt.Sprintf("zipf, s = %g", r.ZipfS)
	}
	fmt.Fprintf(w, "stream    %s over %d distinct queries: %d sent, %.1f%% of them repeats\n", order, r.Distinct, r.Sent, 100*r.RepeatShare)
	errs := "none"
	if len(r.Errors) > 0 {
		var parts []string
		for c, n := range r.Errors {
			parts = append(parts, fmt.Sprintf("%s %d", c, n))
		}
		sort.Strings(parts)
		errs = strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "requests  %d in %.3fs: %.1f qps, %d ok, errors: %s\n", r.Requests, r.ElapsedS, r.QPS, r.OK, errs)
	if r.Mode == "open" {
		fmt.Fprintf(w, "schedule  max send lag %.1f µs, %d arrivals waited for a free slot, %d not sent\n", r.MaxSendLagUS, r.Waited, r.NotSent)
	}
	l := r.LatencyUS
	fmt.Fprintf(w, "latency   µs (ok calls): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
	cpu := fmt.Sprintf("client %.1f µs/req (GOMAXPROCS %d)", r.ClientCPUUS, r.ClientProcs)
	if r.ServerCPUUS > 0 {
		cpu += fmt.Sprintf(", server %.1f µs/req", r.ServerCPUUS)
	}
	fmt.Fprintf(w, "cpu       %s\n", cpu)
}
