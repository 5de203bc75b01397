package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"

	"github.com/spellwright/speller/internal/cputime"
)

// config is what one load run does.
type config struct {
	addr           string        // target, loopback only
	empty          bool          // the target is the empty server (--serve-empty), not spelld
	duration       time.Duration // measured part of the run
	warmup         time.Duration // unmeasured part before it, same load
	timeout        time.Duration // per-call deadline
	concurrency    int           // closed loop: workers, one request in flight each
	rate           float64       // open loop: arrivals per second (0: closed loop)
	maxOutstanding int           // open loop: most requests in flight; arrivals beyond wait, and the wait counts
	conns          int           // gRPC client connections, used round-robin
	maxRequests    int           // most requests measured; the run stops early when reached
	readyTimeout   time.Duration // how long to wait for the target to serve before the run
	serverPID      int           // when > 0, the target's process, whose CPU time is measured (Linux)
	order          string        // the query stream: orderCycle, orderOnce or orderZipf
	zipfS          float64       // orderZipf: the exponent
}

func (c config) mode() string {
	if c.rate > 0 {
		return "open"
	}
	return "closed"
}

func (c config) target() string {
	if c.empty {
		return "empty"
	}
	return "spelld"
}

// Result is the outcome of a run, printed as text or, with --json, as one JSON object.
type Result struct {
	Mode           string           `json:"mode"`   // "closed" (fixed concurrency) or "open" (fixed arrival rate)
	Target         string           `json:"target"` // "spelld" or "empty" (the --serve-empty floor)
	Addr           string           `json:"addr"`
	Method         string           `json:"method"`
	Concurrency    int              `json:"concurrency,omitempty"`
	RateQPS        float64          `json:"rate_qps,omitempty"`
	MaxOutstanding int              `json:"max_outstanding,omitempty"`
	Conns          int              `json:"conns"`
	WarmupS        float64          `json:"warmup_s"`
	DurationS      float64          `json:"duration_s"`
	TimeoutS       float64          `json:"timeout_s"`
	MaxRequests    int              `json:"max_requests"`
	Queries        int              `json:"queries"`
	QuerySource    string           `json:"query_source"`
	Order          string           `json:"order"`            // the query stream: "cycle", "once" or "zipf"
	ZipfS          float64          `json:"zipf_s,omitempty"` // order zipf: the exponent
	Distinct       int              `json:"distinct_queries"` // the queries the stream draws from
	Sent           int64            `json:"sent"`             // requests sent, warmup included
	RepeatShare    float64          `json:"repeat_share"`     // of the requests sent, those whose query was sent before in the run
	Requests       int              `json:"requests"`         // measured: sent in the measured window
	OK             int              `json:"ok"`
	Errors         map[string]int64 `json:"errors"`             // by gRPC code
	NotSent        int64            `json:"not_sent,omitempty"` // open loop: arrivals of the window still unsent at the hard deadline
	MaxSendLagUS   float64          `json:"max_send_lag_us,omitempty"`
	Waited         int64            `json:"waited_for_slot,omitempty"` // open loop: arrivals that found max_outstanding in flight
	StoppedBy      string           `json:"stopped_by"`                // "duration", "max-requests", "queries" (order once: all sent) or "interrupted"
	ElapsedS       float64          `json:"elapsed_s"`                 // from the start of the measured window to the last answer
	QPS            float64          `json:"qps"`                       // measured requests answered (ok or not) per second of elapsed_s
	LatencyUS      Latency          `json:"latency_us"`                // of the successful requests; open loop: from the scheduled send time
	ClientProcs    int              `json:"client_gomaxprocs"`
	ClientCPUUS    float64          `json:"client_cpu_us_per_req,omitempty"`
	ServerCPUUS    float64          `json:"server_cpu_us_per_req,omitempty"`
}

const correctMethod = "/speller.v1.SpellerService/Correct"

// bench is one run in progress.
type bench struct {
	cfg     config
	clients []spellerv1.SpellerServiceClient
	queries *stream
	rec     *recorder

	start, from, end time.Time // warmup starts, measurement starts, measurement ends

	byCode   [codes.Unauthenticated + 1]atomic.Int64
	stopped  atomic.Bool
	stopOnce sync.Once
	stopAt   time.Time     // when sending stopped; set before stopCh closes
	stopWhy  string        // why: "duration", "max-requests" or "interrupted"
	stopCh   chan struct{} // closed when sending stops
	maxLag   atomic.Int64  // open loop: ns
	waited   atomic.Int64  // open loop: measured arrivals that found maxOutstanding requests in flight
	lastDone atomic.Int64  // when the last measured request ended, ns since start
	notSent  atomic.Int64
}

// dial opens n client connections to addr. Each grpc.ClientConn has its own HTTP/2 connection.
func dial(addr string, n int) ([]*grpc.ClientConn, error) {
	var ccs []*grpc.ClientConn
	for range n {
		cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll(ccs)
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		ccs = append(ccs, cc)
	}
	return ccs, nil
}

func closeAll(ccs []*grpc.ClientConn) {
	for _, cc := range ccs {
		cc.Close()
	}
}

// waitReady waits, up to timeout, until the target serves on every connection: its health service says
// SERVING (a server without one is asked directly) and a Correct call succeeds. It also checks that the
// target is what cfg.empty says it is: the empty server answers an empty response, spelld never does.
func waitReady(ctx context.Context, ccs []*grpc.ClientConn, empty bool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for _, cc := range ccs {
		for {
			last = probe(ctx, cc, empty)
			if last == nil || errors.Is(last, errWrongTarget) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("not ready after %v: %w", timeout, last)
			case <-time.After(100 * time.Millisecond):
			}
		}
		if last != nil {
			return last
		}
	}
	return nil
}

var errWrongTarget = errors.New("wrong target")

func probe(ctx context.Context, cc *grpc.ClientConn, empty bool) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	h, err := healthpb.NewHealthClient(cc).Check(ctx,
		&healthpb.HealthCheckRequest{Service: spellerv1.SpellerService_ServiceDesc.ServiceName})
	switch {
	case status.Code(err) == codes.Unimplemented:
	case err != nil:
		return fmt.Errorf("health: %w", err)
	case h.GetStatus() != healthpb.HealthCheckResponse_SERVING:
		return fmt.Errorf("health: %v", h.GetStatus())
	}
	resp, err := spellerv1.NewSpellerServiceClient(cc).Correct(ctx, &spellerv1.CorrectRequest{Query: "helo world"})
	if err != nil {
		return fmt.Errorf("probe Correct: %w", err)
	}
	isEmpty := resp.GetModelVersion() == "" && resp.GetAction() == spellerv1.Action_ACTION_UNSPECIFIED
	switch {
	case empty && !isEmpty:
		return fmt.Errorf("%w: --empty, but the server answered a real correction (model %q): it is not the empty server",
			errWrongTarget, resp.GetModelVersion())
	case !empty && isEmpty:
		return fmt.Errorf("%w: the server answered an empty response: it looks like the empty server (--serve-empty); pass --empty",
			errWrongTarget)
	}
	return nil
}

// run runs the load described by cfg against clients, with the queries qs, and returns the result. The run
// stops by itself: sending stops at the end of the warmup plus the duration, or earlier when maxRequests
// have been measured, and every call has a deadline of cfg.timeout.
func run(parent context.Context, cfg config, clients []spellerv1.SpellerServiceClient, queries *stream) *Result {
	b := &bench{cfg: cfg, clients: clients, queries: queries, rec: newRecorder(cfg.maxRequests), stopCh: make(chan struct{})}
	b.start = time.Now()
	b.from = b.start.Add(cfg.warmup)
	b.end = b.from.Add(cfg.duration)
	// The hard deadline: nothing outlives it, whatever the target does.
	ctx, cancel := context.WithDeadline(parent, b.end.Add(cfg.timeout+time.Second))
	defer cancel()

	// CPU time is sampled when the measured window starts and when the last request has ended, so that it
	// covers the work of the measured requests (and of the warmup requests still in flight at its start).
	var cpu struct {
		client0, client1, server0, server1 time.Duration
		ok                                 bool
	}
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		select {
		case <-time.After(time.Until(b.from)):
		case <-b.stopCh:
			return
		}
		var err error
		cpu.client0 = cputime.Process()
		if cfg.serverPID > 0 {
			cpu.server0, err = pidCPU(cfg.serverPID)
		}
		cpu.ok = err == nil
	}()

	if cfg.rate > 0 {
		b.openLoop(ctx)
	} else {
		b.closedLoop(ctx)
	}
	why := "duration"
	if err := parent.Err(); err != nil {
		why = "interrupted"
	}
	b.stop(time.Now(), why) // also ends the sampler if it still waits
	<-sampled
	if cpu.ok {
		cpu.client1 = cputime.Process()
		if cfg.serverPID > 0 {
			cpu.server1, _ = pidCPU(cfg.serverPID)
		}
	}

	n := b.rec.taken()
	lat := b.rec.latencies(n)
	r := &Result{
		Mode: cfg.mode(), Target: cfg.target(), Addr: cfg.addr, Method: correctMethod,
		Conns: cfg.conns, WarmupS: cfg.warmup.Seconds(), DurationS: cfg.duration.Seconds(),
		TimeoutS: cfg.timeout.Seconds(), MaxRequests: cfg.maxRequests, Queries: len(queries.reqs),
		Requests: n, OK: len(lat), Errors: map[string]int64{},
		LatencyUS: summarize(lat), ClientProcs: gomaxprocs(), StoppedBy: b.stopWhy,
		Order: queries.order, Distinct: queries.distinct(), Sent: queries.taken(),
	}
	if queries.order == orderZipf {
		r.ZipfS = cfg.zipfS
	}
	if r.Sent > 0 {
		r.RepeatShare = round3(float64(queries.repeats.Load()) / float64(r.Sent))
	}
	if cfg.rate > 0 {
		r.RateQPS, r.MaxOutstanding = cfg.rate, cfg.maxOutstanding
		r.NotSent, r.Waited = b.notSent.Load(), b.waited.Load()
		r.MaxSendLagUS = float64(b.maxLag.Load()/100) / 10
	} else {
		r.Concurrency = cfg.concurrency
	}
	for c := range b.byCode {
		if v := b.byCode[c].Load(); v > 0 && codes.Code(c) != codes.OK {
			r.Errors[codes.Code(c).String()] = v
		}
	}
	// The measured requests were sent in [from, min(end, stopAt)), and answered by lastDone: the rate they
	// were answered at is their number over the longer of the two spans. (In an open loop that the server
	// cannot keep up with, the answers come long after the window: the rate is the server's, not the
	// offered one.)
	window := b.end.Sub(b.from)
	if b.stopAt.Before(b.end) {
		window = max(b.stopAt.Sub(b.from), 0)
	}
	window = max(window, b.start.Add(time.Duration(b.lastDone.Load())).Sub(b.from))
	r.ElapsedS = round3(window.Seconds())
	if window > 0 {
		r.QPS = round1(float64(n) / window.Seconds())
	}
	if n > 0 {
		if d := cpu.client1 - cpu.client0; cpu.ok && d > 0 {
			r.ClientCPUUS = round1(float64(d.Microseconds()) / float64(n))
		}
		if d := cpu.server1 - cpu.server0; d > 0 {
			r.ServerCPUUS = round1(float64(d.Microseconds()) / float64(n))
		}
	}
	return r
}

// stop ends sending, for the reason why; the first call wins.
func (b *bench) stop(t time.Time, why string) {
	b.stopOnce.Do(func() {
		b.stopAt, b.stopWhy = t, why
		b.stopped.Store(true)
		close(b.stopCh)
	})
}

func (b *bench) call(ctx context.Context, c spellerv1.SpellerServiceClient, req *spellerv1.CorrectRequest) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	_, err := c.Correct(ctx, req)
	return err
}

// done records the outcome of the measured request in slot, sent (or due) at t0.
func (b *bench) done(slot int, t0 time.Time, err error) {
	now := time.Now()
	b.rec.set(slot, now.Sub(t0), err == nil)
	for at := int64(now.Sub(b.start)); ; {
		old := b.lastDone.Load()
		if at <= old || b.lastDone.CompareAndSwap(old, at) {
			break
		}
	}
	c := status.Code(err)
	if int(c) >= len(b.byCode) {
		c = codes.Unknown
	}
	b.byCode[c].Add(1)
}

// closedLoop runs cfg.concurrency workers, each sending its next request when the answer to the previous
// one arrives. A request is measured when it is sent within the measured window.
func (b *bench) closedLoop(ctx context.Context) {
	var wg sync.WaitGroup
	for w := range b.cfg.concurrency {
		wg.Go(func() {
			client := b.clients[w%len(b.clients)]
			for !b.stopped.Load() && ctx.Err() == nil {
				t := time.Now()
				if !t.Before(b.end) {
					return
				}
				req, ok := b.queries.take()
				if !ok {
					b.stop(t, "queries")
					return
				}
				slot := -1
				if !t.Before(b.from) {
					if slot = b.rec.take(); slot < 0 {
						b.stop(t, "max-requests")
						return
					}
				}
				err := b.call(ctx, client, req)
				if slot >= 0 {
					b.done(slot, t, err)
				}
			}
		})
	}
	wg.Wait()
}

// job is one arrival of the open loop.
type job struct {
	sched    time.Time // when the request was due to be sent: latency is measured from here
	measured bool
	req      *spellerv1.CorrectRequest
}

// openLoop sends requests at cfg.rate per second on a fixed schedule, whatever the answers do. At most
// cfg.maxOutstanding are in flight; an arrival that finds them all busy waits for one to finish, and since
// latency is measured from the scheduled send time, that wait counts: a slow server is not allowed to slow
// the load down and hide its own latency (coordinated omission). Arrivals still waiting at the hard
// deadline are counted as not sent.
func (b *bench) openLoop(ctx context.Context) {
	jobs := make(chan job) // unbuffered: handing over an arrival needs a free worker
	var wg sync.WaitGroup
	var rr atomic.Uint64
	for range b.cfg.maxOutstanding {
		wg.Go(func() {
			for j := range jobs {
				slot := -1
				if j.measured {
					if slot = b.rec.take(); slot < 0 {
						b.stop(time.Now(), "max-requests")
						continue
					}
				}
				client := b.clients[rr.Add(1)%uint64(len(b.clients))]
				err := b.call(ctx, client, j.req)
				if slot >= 0 {
					b.done(slot, j.sched, err)
				}
			}
		})
	}
	interval := float64(time.Second) / b.cfg.rate
	// arrival returns the index of the first arrival scheduled at or after t.
	arrival := func(t time.Time) int { return int(math.Ceil(float64(t.Sub(b.start)) / interval)) }
	last := arrival(b.end) // arrivals 0..last-1 are due before the end
schedule:
	for i := 0; i < last && !b.stopped.Load(); i++ {
		sched := b.start.Add(time.Duration(float64(i) * interval))
		if d := time.Until(sched); d > 0 {
			time.Sleep(d)
		}
		req, ok := b.queries.take()
		if !ok {
			b.stop(sched, "queries")
			break
		}
		j := job{sched: sched, measured: !sched.Before(b.from), req: req}
		handed := false
		select {
		case jobs <- j:
			handed = true
		default: // all maxOutstanding requests are in flight: wait for one to end
		}
		if !handed {
			if j.measured {
				b.waited.Add(1)
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				// Every arrival of the measured window from this one on is left unsent.
				b.notSent.Add(int64(last - max(i, arrival(b.from))))
				break schedule
			}
		}
		if j.measured {
			lag := int64(time.Since(sched))
			for {
				old := b.maxLag.Load()
				if lag <= old || b.maxLag.CompareAndSwap(old, lag) {
					break
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
