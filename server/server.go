// Package server is the gRPC spelling service: one constructor builds the gRPC server with its interceptors
// (panic recovery, logging, metrics, a load-shedding in-flight limit, optional OpenTelemetry tracing), the
// speller.v1 service, gRPC health and reflection. The model lives behind an atomic pointer: Reload (called by
// the file watcher and on SIGHUP) loads and checks a new bundle and swaps it in without dropping a request,
// and a bundle that fails to load leaves the old one serving. Each loaded model has an LRU cache of answers
// bounded in bytes (Options.CacheBytes) for the queries that repeat. AdminHandler serves /metrics, /healthz,
// /readyz and /debug/pprof/.
//
//	s := server.New(server.Options{ModelPath: "en.model"})
//	go s.Serve(lis) // NOT_SERVING until a model is loaded
//	err := s.Reload()
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/spellwright/speller/internal/lru"
	"github.com/spellwright/speller/model"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/spell"
)

// Options configure a Server. The zero value works: it serves the embedded default model in plaintext.
type Options struct {
	// ModelPath is the model bundle to serve; "" serves the embedded default model (data.Default), which
	// Watch has nothing to watch for.
	ModelPath string
	// MaxQueryBytes and MaxTokens bound a query (defaults 1024 and 32, see spell.Options); longer queries
	// get INVALID_ARGUMENT.
	MaxQueryBytes, MaxTokens int
	// MaxInFlight is how many queries the speller calls running may carry at once (a Correct or
	// GetModelInfo call counts 1, a CorrectBatch call the number of its queries, at most a quarter of
	// MaxInFlight, so that a large batch is admitted whenever the server is at most three quarters busy);
	// a call that would go beyond is shed at once with RESOURCE_EXHAUSTED instead of queueing without bound, so that a client
	// retries on another replica while this one is saturated. The default, 64·GOMAXPROCS, is far above what
	// the CPUs can run in parallel (a query takes about a millisecond of CPU) but low enough that a queue of
	// that many queries still drains within the usual client deadlines.
	MaxInFlight int
	// MaxBatch is the most queries a CorrectBatch call may carry (default 1000).
	MaxBatch int
	// StreamWorkers is how many long-lived goroutines run the calls (grpc.NumStreamWorkers; default
	// 16·GOMAXPROCS, at most maxStreamWorkers; negative: none, a new goroutine per call). New starts them,
	// Shutdown stops them. A correction needs a deeper stack than a new
	// goroutine starts with, and growing it (copying the stack) took a tenth of the server's CPU on new
	// queries; a worker keeps its grown stack from call to call. A call that finds every worker busy runs on a
	// new goroutine, as without workers.
	StreamWorkers int
	// CacheBytes bounds the memory of the response cache of each model (default 16 MiB; negative: no
	// cache). Search traffic repeats itself (the head queries are most of it), and an answer depends only on
	// the query, the zero-results flag and max_alternatives, so a repeated query is answered from the cache
	// in well under a microsecond instead of a correction's tens. Requests with their own protected or
	// never-suggest terms are not cached. The cache belongs to the model: a reload starts an empty one.
	// Each entry counts the memory it holds (entryBytes: the query and the response's structs and strings):
	// on the default model, about 1 KB for a query of 3 words and 5 KB for one of 32 (BenchmarkCacheEntryBytes:
	// the estimate is within a few percent of the heap), so the default holds some 16,000 short queries or
	// 3,300 long ones, about the memory of the 10,000 entries of earlier versions. speller_cache_bytes and speller_cache_entries show what it holds.
	CacheBytes int64
	// CacheSize, when positive, bounds the number of answers the response cache holds as well (default 0:
	// none, the bytes bound it; negative: no cache). Deprecated: entries of long queries cost ten times
	// those of short ones, so bound the cache with CacheBytes.
	CacheSize int
	// TokenCache is how many tokens' candidates the corrector of each model keeps (spell.Options.TokenCache:
	// default 16,384, about 15 MB; negative: none). It serves the queries the response cache misses: new
	// queries are mostly made of tokens seen before.
	TokenCache int
	// NoNeighbours turns off the neighbour table of each model's corrector (spell.Options.Neighbours: every
	// vocabulary word's candidates one edit away, about 7 MB and 1.2 s of CPU in the background after a load
	// for 125,000 words), with which most tokens of a query need no index look-up. The answers are the same.
	NoNeighbours bool
	// ShutdownDelay is how long Shutdown waits, after health turns NOT_SERVING, for load balancers to
	// notice before it stops accepting calls (default 0; a few seconds in production).
	ShutdownDelay time.Duration
	// ReloadDebounce is how long Watch waits after the last change of the model file before reloading it
	// (default 200ms), so that a burst of events gives one reload.
	ReloadDebounce time.Duration
	// TLS, when set, serves gRPC over TLS.
	TLS *tls.Config
	// Logger receives the request and reload logs (default: JSON on stderr at level info).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = 1024
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 32
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 64 * runtime.GOMAXPROCS(0)
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.StreamWorkers == 0 {
		o.StreamWorkers = 16 * runtime.GOMAXPROCS(0)
	}
	o.StreamWorkers = min(o.StreamWorkers, maxStreamWorkers)
	if o.CacheBytes == 0 {
		o.CacheBytes = 16 << 20
	}
	if o.ReloadDebounce <= 0 {
		o.ReloadDebounce = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return o
}

// maxStreamWorkers bounds Options.StreamWorkers: each worker is a goroutine that keeps its grown stack, and a
// server runs at most MaxInFlight calls at once anyway (64·GOMAXPROCS by default).
const maxStreamWorkers = 1 << 14

// serviceName is the name of the speller service, as health checks and reflection know it.
var serviceName = spellerv1.SpellerService_ServiceDesc.ServiceName

// Server is the spelling service. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	grpc    *grpc.Server
	health  *health.Server
	metrics *metrics
	tracer  *trace.TracerProvider // nil when tracing is off

	current  atomic.Pointer[loaded] // nil until the first successful Reload
	reloadMu sync.Mutex             // serialises Reload
	inFlight atomic.Int64           // queries of the speller calls running (see limitUnary)
	// shedSince counts the calls shed since the last warning about them, logged at shedLogged (Unix ns).
	shedSince, shedLogged atomic.Int64
	stopping              atomic.Bool // Shutdown was called
	stopOnce              sync.Once
	done                  chan struct{} // closed by Shutdown: ends Watch

	// hook, when set (by tests only), is called at the start of every speller RPC.
	hook func(ctx context.Context, method string)
}

// loaded is a model ready to serve. It is immutable: a reload swaps in a new one, and a request uses the
// one it loaded at its start until it ends.
type loaded struct {
	corrector *spell.Corrector
	bundle    *model.Bundle
	version   string
	loadedAt  time.Time
	file      fileID // the file it was loaded from, identified before it was read
	// cache holds the answers of this model (nil: none); see Options.CacheBytes. Its responses are shared
	// by every call that hits them and must not be modified.
	cache *lru.Cache[cacheKey, answer]
}

// answer is a Correct response and its action, for the metrics.
type answer struct {
	resp   *spellerv1.CorrectResponse
	action spell.Action
}

// cacheKey is what an answer depends on, for a request without its own terms.
type cacheKey struct {
	query           string
	zeroResults     bool
	maxAlternatives int32
}

// New returns a server with no model: health says NOT_SERVING and speller calls fail with UNAVAILABLE until
// Reload succeeds. Tracing is on when the environment asks for it (see tracing). It starts the stream workers
// (Options.StreamWorkers), which Shutdown stops.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		health:  health.NewServer(),
		metrics: newMetrics(),
		done:    make(chan struct{}),
	}
	s.metrics.inFlightGauge(s.inFlight.Load)
	s.metrics.cacheGauges(func() (int, int64) {
		if l := s.current.Load(); l != nil {
			return l.cache.Len(), l.cache.Bytes()
		}
		return 0, 0
	})
	sopts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.metrics.grpc.UnaryServerInterceptor(), s.logUnary, s.countUnary, s.limitUnary, s.recoverUnary),
		grpc.ChainStreamInterceptor(s.metrics.grpc.StreamServerInterceptor(), s.logStream, s.countStream, s.recoverStream),
		grpc.ForceServerCodecV2(newCodec()),
	}
	if opts.StreamWorkers > 0 {
		sopts = append(sopts, grpc.NumStreamWorkers(uint32(opts.StreamWorkers)))
	}
	if opts.TLS != nil {
		sopts = append(sopts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	if opt, tp := tracing(s.log, os.Getenv); tp != nil {
		sopts = append(sopts, opt)
		s.tracer = tp
	}
	s.grpc = grpc.NewServer(sopts...)
	spellerv1.RegisterSpellerServiceServer(s.grpc, &service{s: s})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.metrics.grpc.InitializeMetrics(s.grpc) // every method's series exist at 0 from the start
	for _, name := range []string{"", serviceName} {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	return s
}

// Serve accepts gRPC connections on lis until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	err := s.grpc.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Ready reports whether the server serves: a model is loaded and Shutdown was not called.
func (s *Server) Ready() bool {
	return s.current.Load() != nil && !s.stopping.Load()
}

// Shutdown stops the server within the budget of ctx, in three steps:
//
//  1. Health turns NOT_SERVING for every service and /readyz answers 503, so that load balancers and
//     orchestrators stop sending new calls. Calls that still arrive are served normally.
//  2. It waits ShutdownDelay for them to notice (health checkers poll every few seconds), or less if the
//     budget ends first.
//  3. GracefulStop: the listeners close, clients are told to go away, and the calls in flight finish,
//     within what is left of the budget. When the budget runs out first, Stop closes every connection and
//     cancels the calls still running (their clients see UNAVAILABLE or CANCELED).
//
// So the budget (spelld --drain) must cover ShutdownDelay plus the slowest call. Corrections take
// milliseconds, so most of the budget is the delay; what outlives it is mostly long-lived streams such as
// health Watch, which never end on their own. Shutdown returns ctx.Err() when it had to Stop, nil when
// everything finished in time. Later calls do nothing and return nil.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		close(s.done)
		s.health.Shutdown()
		s.log.Info("shutting down", "delay", s.opts.ShutdownDelay.String())
		t := time.NewTimer(s.opts.ShutdownDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		stopped := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-ctx.Done():
			err = ctx.Err()
			s.log.Warn("shutdown budget exhausted; cancelling the calls still running", "err", err)
			s.grpc.Stop()
			<-stopped
		}
		if s.tracer != nil {
			// Flush the last spans, briefly: the process is about to exit either way.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			if terr := s.tracer.Shutdown(fctx); terr != nil {
				s.log.Warn("flushing traces failed", "err", terr)
			}
			cancel()
		}
		s.log.Info("stopped")
	})
	return err
}
