package server

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
)

// tracingWanted reports whether the environment asks for traces, following the OpenTelemetry variables:
// OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) with OTEL_TRACES_EXPORTER unset. OTEL_TRACES_EXPORTER=none, or
// OTEL_SDK_DISABLED=true, turns tracing off; other exporters are not built in (warn is their name).
func tracingWanted(getenv func(string) string) (on bool, warn string) {
	if getenv("OTEL_SDK_DISABLED") == "true" {
		return false, ""
	}
	switch exp := getenv("OTEL_TRACES_EXPORTER"); exp {
	case "otlp":
		return true, ""
	case "", "none":
		return exp == "" && (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""), ""
	default:
		return false, exp
	}
}

// tracing returns the server option that traces every call with OpenTelemetry (otelgrpc, W3C trace-context
// propagation) and the provider to flush at shutdown, or nil, nil when the environment does not ask for
// traces (tracingWanted). Spans go over OTLP/gRPC to the collector that the standard OTEL_EXPORTER_OTLP_*
// variables name (default localhost:4317); the exporter connects lazily and never blocks a call. The
// service is named "speller" unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise.
func tracing(log *slog.Logger, getenv func(string) string) (grpc.ServerOption, *trace.TracerProvider) {
	on, unsupported := tracingWanted(getenv)
	if unsupported != "" {
		log.Warn("tracing off: unsupported OTEL_TRACES_EXPORTER (only otlp and none)", "exporter", unsupported)
	}
	if !on {
		return nil, nil
	}
	ctx := context.Background()
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		log.Error("tracing off: OTLP exporter", "err", err)
		return nil, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "speller")),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // later detectors win: the environment overrides the name
	)
	if err != nil {
		log.Warn("tracing: resource", "err", err) // res is still usable
	}
	// The SDK reports export failures through the global handler: send them to our log, not to stderr.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "err", err) }))
	tp := trace.NewTracerProvider(trace.WithBatcher(exp), trace.WithResource(res))
	log.Info("tracing on: OTLP/gRPC exporter")
	return grpc.StatsHandler(otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(tp),
		otelgrpc.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
	)), tp
}
