// Command spelld serves spelling corrections over gRPC (speller.v1.SpellerService, health, reflection), with
// an optional admin HTTP port for metrics, readiness and pprof, and an optional HTTP/JSON port for the same
// API (with its OpenAPI document and, with --demo, a demo search page). It reloads the model when its file changes
// and on SIGHUP, and shuts down gracefully on SIGTERM or SIGINT within the --drain budget.
//
//	spelld                                  # the embedded model on :50051
//	spelld --model en.model --admin :9090
//	spelld --tls-cert cert.pem --tls-key key.pem
//	spelld --http 127.0.0.1:8080 --demo     # JSON at /v1/correct, a search page at /
//	spelld --version                        # the build and the embedded model's version
//
// Run "spelld -h" for the flags.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spellwright/speller/internal/buildinfo"
	"github.com/spellwright/speller/server"
	"github.com/spellwright/speller/server/httpapi"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the server until a signal stops it and returns the exit code: 0 after a clean shutdown, 1 on
// failure, 2 for a usage error. Only --version writes to stdout.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spelld", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts       server.Options
		listen     = fs.String("listen", ":50051", "gRPC listen `address`")
		admin      = fs.String("admin", "", "admin HTTP listen `address` for /metrics, /healthz, /readyz, /debug/pprof/ (default: off)")
		certFile   = fs.String("tls-cert", "", "TLS certificate `file` (PEM); with --tls-key")
		keyFile    = fs.String("tls-key", "", "TLS private key `file` (PEM); with --tls-cert")
		drain      = fs.Duration("drain", 10*time.Second, "shutdown budget: health delay plus the time for calls in flight to finish")
		drainDelay = fs.Duration("drain-delay", 2*time.Second, "part of --drain spent NOT_SERVING before refusing calls, for load balancers to notice")
		logLevel   = fs.String("log-level", "info", "log `level`: debug, info, warn, error")
		watch      = fs.Bool("watch", true, "reload the --model file when it changes (SIGHUP reloads either way)")
		version    = fs.Bool("version", false, "print the build's module version and VCS revision and the embedded model's version, and exit")
		httpAddr   = fs.String("http", "", "HTTP/JSON API listen `address`: POST /v1/correct, POST /v1/correct:batch, GET /v1/model, GET /v1/openapi.json (default: off)")
		demo       = fs.Bool("demo", false, "serve a demo search page at / of the --http port")
	)
	opts.MaxQueryBytes, opts.MaxTokens = 1024, 32
	opts.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spelld: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *version {
		return printVersion(stdout, stderr)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "spelld: --log-level: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *demo && *httpAddr == "" {
		fmt.Fprintln(stderr, "spelld: --demo needs --http")
		return 2
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(stderr, "spelld: --tls-cert and --tls-key go together")
		return 2
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Error("spelld: tls", "err", err)
			return 1
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	opts.Logger = log
	opts.ShutdownDelay = min(*drainDelay, *drain)

	// A model file that is not there is a mistake of the command line (or of a volume not mounted): say so
	// before listening, rather than starting a server that can never serve. A file that is there but does
	// not load fails below, after the first load.
	if opts.ModelPath != "" {
		if fi, err := os.Stat(opts.ModelPath); err != nil {
			log.Error("spelld: --model: no model to serve", "err", err)
			return 1
		} else if !fi.Mode().IsRegular() {
			log.Error("spelld: --model: no model to serve", "err", fmt.Sprintf("%s is not a regular file", opts.ModelPath))
			return 1
		}
	}

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Error("spelld: listen", "err", err)
		return 1
	}
	s := server.New(opts)
	serveErr := make(chan error, 3)
	go func() { serveErr <- s.Serve(lis) }()
	log.Info("listening", "addr", lis.Addr().String(), "tls", opts.TLS != nil)
	if *admin != "" {
		alis, err := net.Listen("tcp", *admin)
		if err != nil {
			log.Error("spelld: admin listen", "err", err)
			return 1
		}
		hs := &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- fmt.Errorf("admin: %w", hs.Serve(alis)) }()
		defer hs.Close()
		log.Info("admin serving", "addr", alis.Addr().String())
	}
	var httpServer *http.Server
	if *httpAddr != "" {
		hlis, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			log.Error("spelld: http listen", "err", err)
			return 1
		}
		api, err := httpapi.New(s, httpapi.Options{Demo: *demo, TLS: opts.TLS != nil})
		if err != nil {
			log.Error("spelld: http", "err", err)
			return 1
		}
		defer api.Close()
		httpServer = &http.Server{Handler: api, TLSConfig: opts.TLS,
			ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
			IdleTimeout: 2 * time.Minute}
		go func() {
			if opts.TLS != nil {
				serveErr <- fmt.Errorf("http: %w", httpServer.ServeTLS(hlis, "", ""))
			} else {
				serveErr <- fmt.Errorf("http: %w", httpServer.Serve(hlis))
			}
		}()
		defer httpServer.Close()
		log.Info("http serving", "addr", hlis.Addr().String(), "demo", *demo)
	}
	// The first load happens while already listening: health says NOT_SERVING until it is done.
	if err := s.Reload(); err != nil {
		log.Error("spelld: no model to serve", "err", err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // nothing was ever served: no drain
		s.Shutdown(ctx)
		return 1
	}
	log.Info("serving", "addr", lis.Addr().String(), "tls", opts.TLS != nil)
	if *watch {
		go func() {
			if err := s.Watch(context.Background()); err != nil {
				log.Error("spelld: model file changes will be missed (SIGHUP still reloads)", "err", err)
			}
		}()
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	for {
		select {
		case err := <-serveErr:
			log.Error("spelld: serve", "err", err)
			return 1
		case sg := <-sig:
			if sg == syscall.SIGHUP {
				s.Reload() // a failure is logged and keeps the model serving
				continue
			}
			log.Info("signal: shutting down", "signal", sg.String(), "budget", drain.String())
			ctx, cancel := context.WithTimeout(context.Background(), *drain)
			err := s.Shutdown(ctx)
			if httpServer != nil && err == nil {
				// The HTTP calls go through the gRPC server, which has stopped: the last ones have their
				// answers, and the ones since got 503. What is left is writing them out.
				err = httpServer.Shutdown(ctx)
			}
			cancel()
			if err != nil {
				log.Warn("spelld: calls were cut off at the end of the drain budget", "err", err)
			}
			return 0
		}
	}
}

// printVersion prints what the binary was built from and the embedded model's version (internal/buildinfo, the
// same lines as speller --version), and returns the exit code.
func printVersion(stdout, stderr io.Writer) int {
	if err := buildinfo.WriteBinary(stdout, "spelld"); err != nil {
		fmt.Fprintf(stderr, "spelld: --version: %v\n", err)
		return 1
	}
	return 0
}
