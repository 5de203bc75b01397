package server

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// The interceptors, outermost first: the standard gRPC metrics (metrics.grpc), log, count, limit (speller calls only), recover. Recovery is innermost so
// that a panic becomes an INTERNAL error that the others log and count like any other.

// logUnary logs each call: at debug level when it succeeds or is shed (RESOURCE_EXHAUSTED: logShed warns about
// those, aggregated), at error level for INTERNAL, UNKNOWN and DATA_LOSS (bugs), and at info level for the
// other errors (the client's fault). At the default level (info) a healthy server logs nothing per request.
func (s *Server) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	s.logCall(ctx, err, func() []slog.Attr {
		attrs := callAttrs(info.FullMethod, start)
		if r, ok := req.(interface{ GetRequestId() string }); ok && r.GetRequestId() != "" {
			attrs = append(attrs, slog.String("request_id", r.GetRequestId()))
		}
		return attrs
	})
	return resp, err
}

// logStream logs each stream (health Watch, reflection) like logUnary.
func (s *Server) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	s.logCall(ss.Context(), err, func() []slog.Attr { return callAttrs(info.FullMethod, start) })
	return err
}

// callAttrs returns the attributes every call's record starts with: its method, and its duration since start.
func callAttrs(method string, start time.Time) []slog.Attr {
	return []slog.Attr{slog.String("method", method), slog.Float64("duration_seconds", time.Since(start).Seconds())}
}

// logCall logs a call that ended with err, at a level that depends on its code, with the attributes attrs
// returns: called only when the level is logged, so that a call that succeeds costs no allocation when debug
// logs are off (the default).
func (s *Server) logCall(ctx context.Context, err error, attrs func() []slog.Attr) {
	code := status.Code(err)
	level := slog.LevelDebug
	switch code {
	case codes.OK, codes.ResourceExhausted:
	case codes.Internal, codes.Unknown, codes.DataLoss:
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	as := append(attrs(), slog.String("code", code.String()))
	if err != nil {
		as = append(as, slog.String("err", status.Convert(err).Message()))
	}
	s.log.LogAttrs(ctx, level, "rpc", as...)
}

// countUnary records the call in the request counter and latency histogram.
func (s *Server) countUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	s.metrics.observe(info.FullMethod, status.Code(err), time.Since(start))
	return resp, err
}

// countStream records streams like countUnary.
func (s *Server) countStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	s.metrics.observe(info.FullMethod, status.Code(err), time.Since(start))
	return err
}

// limitUnary admits speller calls while the work running stays within MaxInFlight, and sheds the others at
// once with RESOURCE_EXHAUSTED (they do not queue). The work of a call is the number of queries it carries
// (weight): 1 for Correct and GetModelInfo, the number of requests for CorrectBatch, because a batch of a
// thousand queries keeps a CPU busy as long as a thousand single calls; but a batch counts at most a quarter
// of MaxInFlight (batchWeight), so that it is admitted whenever the server is no more than three quarters
// busy, instead of waiting, shed again and again, for a moment when it is idle. A batch larger than MaxBatch
// is INVALID_ARGUMENT. Health and reflection are not limited: an overloaded server is still alive, and saying
// so keeps it in rotation.
func (s *Server) limitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, limitedPrefix) {
		return handler(ctx, req)
	}
	n := int64(1)
	if b, ok := req.(*spellerv1.CorrectBatchRequest); ok {
		size := len(b.GetRequests())
		if size > s.opts.MaxBatch {
			return nil, toStatus(fmt.Errorf("correct batch: %w: %d requests, the limit is %d (--max-batch); split the batch",
				errInvalidArgument, size, s.opts.MaxBatch))
		}
		n = s.batchWeight(size)
	}
	running, ok := s.admit(n)
	if !ok {
		s.metrics.shed.Inc()
		s.logShed(ctx, running)
		return nil, toStatus(fmt.Errorf("%w: %d queries in flight, %d more asked, the limit is %d; retry later", errOverloaded, running, n, s.opts.MaxInFlight))
	}
	defer s.inFlight.Add(-n)
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	return handler(ctx, req)
}

// batchWeight is the work a CorrectBatch of size queries counts against MaxInFlight: its size, at least 1 and
// at most a quarter of MaxInFlight (at least 1).
func (s *Server) batchWeight(size int) int64 {
	return int64(max(1, min(size, s.opts.MaxInFlight/4)))
}

// admit adds n queries to those in flight if that keeps them within MaxInFlight, and reports whether it did
// and how many were running before.
func (s *Server) admit(n int64) (running int64, ok bool) {
	for {
		running = s.inFlight.Load()
		if running+n > int64(s.opts.MaxInFlight) {
			return running, false
		}
		if s.inFlight.CompareAndSwap(running, running+n) {
			return running, true
		}
	}
}

// shedLogEvery is the shortest time between two warnings about shed calls.
const shedLogEvery = 10 * time.Second

// logShed logs a warning at most once per shedLogEvery with the number of calls shed since the last warning
// (each shed call is logged at debug level by logCall, like every call): a saturated server sheds thousands
// of calls a second, and one log line each would add to the load (speller_shed_requests_total counts every
// one).
func (s *Server) logShed(ctx context.Context, running int64) {
	s.shedSince.Add(1)
	now := time.Now().UnixNano()
	last := s.shedLogged.Load()
	if last != 0 && now-last < int64(shedLogEvery) || !s.shedLogged.CompareAndSwap(last, now) {
		return
	}
	attrs := []any{"shed", s.shedSince.Swap(0), "in_flight", running, "limit", s.opts.MaxInFlight}
	if last != 0 {
		attrs = append(attrs, "since_seconds", time.Duration(now-last).Seconds())
	}
	s.log.WarnContext(ctx, "shedding load: calls refused with RESOURCE_EXHAUSTED by the in-flight limit", attrs...)
}

// limitedPrefix starts the full names of the methods limitUnary limits.
var limitedPrefix = "/" + serviceName + "/"

// recoverUnary turns a panic into an INTERNAL error, logs it with its stack and counts it: one bad call
// does not take the server down.
func (s *Server) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, s.recovered(ctx, info.FullMethod, r)
		}
	}()
	return handler(ctx, req)
}

// recoverStream is recoverUnary for streams.
func (s *Server) recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.recovered(ss.Context(), info.FullMethod, r)
		}
	}()
	return handler(srv, ss)
}

func (s *Server) recovered(ctx context.Context, method string, r any) error {
	s.metrics.panics.Inc()
	s.log.ErrorContext(ctx, "panic in rpc", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	return toStatus(fmt.Errorf("server: %s: internal error", method)) // the details are in the log, not for clients
}
