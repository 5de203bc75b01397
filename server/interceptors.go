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
)

// The interceptors, outermost first: the standard gRPC metrics (metrics.grpc), log, count, limit (speller calls only), recover. Recovery is innermost so
// that a panic becomes an INTERNAL error that the others log and count like any other.

// logUnary logs each call: at debug level when it succeeds, at error level for INTERNAL, UNKNOWN and
// DATA_LOSS (bugs), and at info level for the other errors (the client's fault or load). At the default level
// (info) a healthy server logs nothing per request.
func (s *Server) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	attrs := []slog.Attr{slog.String("method", info.FullMethod), slog.Duration("duration", time.Since(start))}
	if r, ok := req.(interface{ GetRequestId() string }); ok && r.GetRequestId() != "" {
		attrs = append(attrs, slog.String("request_id", r.GetRequestId()))
	}
	s.logCall(ctx, err, attrs)
	return resp, err
}

// logStream logs each stream (health Watch, reflection) like logUnary.
func (s *Server) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	s.logCall(ss.Context(), err, []slog.Attr{slog.String("method", info.FullMethod), slog.Duration("duration", time.Since(start))})
	return err
}

func (s *Server) logCall(ctx context.Context, err error, attrs []slog.Attr) {
	st := status.Convert(err)
	level := slog.LevelDebug
	switch st.Code() {
	case codes.OK:
	case codes.Internal, codes.Unknown, codes.DataLoss:
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("code", st.Code().String()))
	if err != nil {
		attrs = append(attrs, slog.String("err", st.Message()))
	}
	s.log.LogAttrs(ctx, level, "rpc", attrs...)
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

// limitUnary sheds speller calls with RESOURCE_EXHAUSTED when MaxInFlight are already running. Health and
// reflection are not limited: an overloaded server is still alive, and saying so keeps it in rotation.
func (s *Server) limitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, limitedPrefix) {
		return handler(ctx, req)
	}
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if n > int64(s.opts.MaxInFlight) {
		s.metrics.shed.Inc()
		return nil, toStatus(fmt.Errorf("%w: %d requests in flight, the limit is %d; retry later", errOverloaded, n-1, s.opts.MaxInFlight))
	}
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	return handler(ctx, req)
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
