package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// emptyService is a SpellerService whose Correct answers an empty response at once: the floor of what a
// Correct call costs (gRPC, HTTP/2, protobuf, loopback TCP) with no spelling work and no interceptors.
type emptyService struct {
	spellerv1.UnimplementedSpellerServiceServer
}

var emptyResponse = &spellerv1.CorrectResponse{}

func (emptyService) Correct(context.Context, *spellerv1.CorrectRequest) (*spellerv1.CorrectResponse, error) {
	return emptyResponse, nil
}

// newEmptyServer returns a gRPC server with emptyService and a health service that says SERVING.
func newEmptyServer() *grpc.Server {
	s := grpc.NewServer()
	spellerv1.RegisterSpellerServiceServer(s, emptyService{})
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	h.SetServingStatus(spellerv1.SpellerService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, h)
	return s
}

// serveEmpty serves the empty server on addr (loopback only) until SIGINT or SIGTERM, or until maxLife has
// passed, so that a forgotten server does not run forever. It writes "listening ADDR" to out once it
// accepts connections (ADDR with the real port when addr asked for port 0).
func serveEmpty(addr string, maxLife time.Duration, out, errOut io.Writer) int {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(errOut, "load: --serve-empty: %v\n", err)
		return 1
	}
	s := newEmptyServer()
	done := make(chan error, 1)
	go func() { done <- s.Serve(lis) }()
	fmt.Fprintf(out, "listening %s\n", lis.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sig)
	life := time.NewTimer(maxLife)
	defer life.Stop()
	select {
	case err := <-done:
		fmt.Fprintf(errOut, "load: --serve-empty: %v\n", err)
		return 1
	case sg := <-sig:
		fmt.Fprintf(errOut, "load: --serve-empty: %v: stopping\n", sg)
	case <-life.C:
		fmt.Fprintf(errOut, "load: --serve-empty: --serve-for %v has passed: stopping\n", maxLife)
	}
	stopped := make(chan struct{})
	go func() { s.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		s.Stop()
	}
	return 0
}
