// Package httpapi serves the speller API as JSON over HTTP, beside gRPC and from the same service definition:
// the grpc-gateway handlers generated from proto/speller/v1/speller_http.yaml (POST /v1/correct,
// POST /v1/correct:batch, GET /v1/model), the OpenAPI document of that mapping at GET /v1/openapi.json, and
// optionally a demo search page at /.
//
// Every HTTP call becomes a call to the gRPC server itself over an in-memory connection, so it passes through
// the same interceptors as any gRPC call: input limits, load shedding, logging, metrics, tracing and panic
// recovery all have one implementation. (grpc-gateway's other mode, RegisterSpellerServiceHandlerServer,
// would call the service's methods directly and bypass all of them.) The cost is a protobuf encoding and an
// HTTP/2 exchange in memory each way, on top of the HTTP/1.1 and JSON work that any HTTP API pays
// (BenchmarkCorrect compares the two APIs end to end).
// gRPC status codes become HTTP status codes as grpc-gateway maps them (INVALID_ARGUMENT 400,
// RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL 500), with a JSON body
// {"code": 3, "message": "…", "details": []}.
//
//	h, err := httpapi.New(s, httpapi.Options{Demo: true}) // s is a *server.Server
//	defer h.Close()
//	err = http.Serve(lis, h)
package httpapi

import (
	"context"
	"crypto/tls"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// GRPCServer is the gRPC server the HTTP calls go to: server.Server, or a grpc.Server.
type GRPCServer interface {
	// Serve accepts connections on lis until the server stops.
	Serve(lis net.Listener) error
}

// Options configure a Handler. The zero value serves the API without the demo page.
type Options struct {
	// Demo serves the demo search page at /.
	Demo bool
	// TLS says the gRPC server serves TLS (its credentials apply to every listener, the in-memory one
	// included), so the in-memory client must speak it too.
	TLS bool
	// MaxBodyBytes bounds a request body (default 4 MiB, gRPC's default limit on a received message);
	// a longer body is refused with 400.
	MaxBodyBytes int64
}

// Handler is the HTTP face of a gRPC server. It is an http.Handler, safe for concurrent use.
type Handler struct {
	mux  *http.ServeMux
	lis  *memListener
	conn *grpc.ClientConn
}

//go:embed demo
var demoFiles embed.FS

// New returns the HTTP handler of srv: it starts serving srv on an in-memory listener and connects to it.
// Close releases both.
func New(srv GRPCServer, opts Options) (*Handler, error) {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 4 << 20
	}
	lis := newMemListener()
	// Serve returns when the server stops or Close closes the listener; HTTP calls then fail with
	// UNAVAILABLE (503), as gRPC calls would.
	go srv.Serve(lis)
	creds := insecure.NewCredentials()
	if opts.TLS {
		// The connection is an in-memory pipe to this very server and never leaves the process: there is
		// nobody to authenticate, so the server's certificate is accepted whatever names it holds.
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient("passthrough:///in-memory",
		grpc.WithContextDialer(lis.dial),
		grpc.WithTransportCredentials(creds),
		// The server bounds what it sends (batch and alternatives limits); the client takes it all.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
	if err != nil {
		lis.Close()
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	gw := runtime.NewServeMux(runtime.WithIncomingHeaderMatcher(forwardHeader))
	if err := spellerv1.RegisterSpellerServiceHandler(context.Background(), gw, conn); err != nil {
		conn.Close()
		lis.Close()
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	h := &Handler{mux: http.NewServeMux(), lis: lis, conn: conn}
	h.mux.Handle("/v1/", http.MaxBytesHandler(gw, opts.MaxBodyBytes))
	h.mux.HandleFunc("GET /v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(spellerv1.OpenAPI)
	})
	if opts.Demo {
		sub, err := fs.Sub(demoFiles, "demo")
		if err != nil {
			panic(err) // the embedded directory exists: the build put it there
		}
		h.mux.Handle("/", http.FileServerFS(sub))
	}
	return h, nil
}

// ServeHTTP serves the API, the OpenAPI document and the demo page. Responses forbid content sniffing and
// framing, and scripts or styles from anywhere but this server (the demo page needs no more).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	h.mux.ServeHTTP(w, r)
}

// Close closes the in-memory connection to the gRPC server; calls still running fail.
func (h *Handler) Close() error {
	err := h.conn.Close()
	h.lis.Close()
	return err
}

// forwardHeader says which HTTP headers become metadata of the gRPC call. The W3C trace context keeps its
// name, so that a trace started by the frontend continues through the gRPC server's spans; the other headers
// go grpc-gateway's default way (the permanent HTTP headers, prefixed with "grpcgateway-").
func forwardHeader(key string) (string, bool) {
	switch k := strings.ToLower(key); k {
	case "traceparent", "tracestate", "baggage":
		return k, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// memListener is a net.Listener whose connections are in-memory pipes, made by dial.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept waits for the next dial.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and dial fail; the connections made stay open.
func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr is a placeholder: the listener has no network address.
func (l *memListener) Addr() net.Addr { return memAddr{} }

// dial connects to the listener: it returns one end of a pipe once Accept took the other.
func (l *memListener) dial(ctx context.Context, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	var err error
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		err = net.ErrClosed
	case <-ctx.Done():
		err = ctx.Err()
	}
	client.Close()
	server.Close()
	return nil, err
}

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "httpapi" }
