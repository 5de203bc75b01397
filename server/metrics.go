package server

import (
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc/codes"
)

// metrics are the server's Prometheus metrics, in a registry of its own (with the Go and process
// collectors), served by AdminHandler at /metrics. The standard gRPC server metrics of the grpc-ecosystem
// interceptors, for every service (speller, health, reflection) and labelled grpc_service, grpc_method,
// grpc_type and grpc_code, so that the usual gRPC dashboards and alerts work unchanged:
//
//	grpc_server_started_total                     calls started
//	grpc_server_handled_total                     calls ended, by code
//	grpc_server_msg_received_total, grpc_server_msg_sent_total
//	grpc_server_handling_seconds                  latency histogram, 50µs to 1s
//
// and the speller's own:
//
//	speller_requests_total{method,code}           calls by full method and gRPC code
//	speller_request_duration_seconds{method}      latency histogram, 50µs to 1s
//	speller_corrections_total{action}             answers by action (none, did_you_mean, auto_correct)
//	speller_cache_requests_total{result}          cacheable Correct queries answered from the cache ("hit") or not ("miss")
//	speller_cache_bytes                           memory of the response cache of the model serving (estimated, see entryBytes)
//	speller_cache_entries                         answers in it
//	speller_in_flight_requests                    speller calls running
//	speller_in_flight_queries                     queries of the speller calls running (the in-flight limit's measure)
//	speller_shed_requests_total                   speller calls refused by the in-flight limit
//	speller_panics_total                          panics recovered
//	speller_model_info{version}                   1 for the model serving
//	speller_model_load_seconds                    how long loading the serving model took
//	speller_model_loaded_timestamp_seconds        when it was loaded
//	speller_model_reloads_total{result}           loads that succeeded ("success") or failed ("failure"), and reloads
//	                                              skipped because the file had not changed ("unchanged")
type metrics struct {
	reg             *prometheus.Registry
	grpc            *grpcprom.ServerMetrics
	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	corrections     *prometheus.CounterVec
	cache           *prometheus.CounterVec
	inFlight        prometheus.Gauge
	inFlightQueries prometheus.GaugeFunc // registered by inFlightGauge
	shed            prometheus.Counter
	panics          prometheus.Counter
	modelInfo       *prometheus.GaugeVec
	loadSeconds     prometheus.Gauge
	loadedAt        prometheus.Gauge
	reloads         *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		grpc: grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets(prometheus.ExponentialBucketsRange(50e-6, 1, 16)))),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speller_requests_total", Help: "gRPC calls by full method and status code.",
		}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "speller_request_duration_seconds", Help: "Latency of gRPC calls by full method.",
			Buckets: prometheus.ExponentialBucketsRange(50e-6, 1, 16),
		}, []string{"method"}),
		corrections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speller_corrections_total", Help: "Queries answered, by action.",
		}, []string{"action"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speller_cache_requests_total", Help: "Cacheable queries answered from the response cache (hit) or corrected (miss).",
		}, []string{"result"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "speller_in_flight_requests", Help: "Speller calls running.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "speller_shed_requests_total", Help: "Speller calls refused with RESOURCE_EXHAUSTED by the in-flight limit.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "speller_panics_total", Help: "Panics recovered in gRPC handlers.",
		}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "speller_model_info", Help: "1 for the version of the model serving.",
		}, []string{"version"}),
		loadSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "speller_model_load_seconds", Help: "Seconds it took to load and index the model serving.",
		}),
		loadedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "speller_model_loaded_timestamp_seconds", Help: "Unix time when the model serving was loaded.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speller_model_reloads_total", Help: "Model loads by result (success, failure; a failure leaves the previous model serving), and reloads skipped because the model file had not changed (unchanged).",
		}, []string{"result"}),
	}
	for _, a := range []string{"none", "did_you_mean", "auto_correct"} {
		m.corrections.WithLabelValues(a)
	}
	for _, r := range []string{"success", "failure", "unchanged"} {
		m.reloads.WithLabelValues(r)
	}
	for _, r := range []string{"hit", "miss"} {
		m.cache.WithLabelValues(r)
	}
	m.reg.MustRegister(m.grpc, m.requests, m.latency, m.corrections, m.cache, m.inFlight, m.shed, m.panics,
		m.modelInfo, m.loadSeconds, m.loadedAt, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(method string, code codes.Code, d time.Duration) {
	m.requests.WithLabelValues(method, code.String()).Inc()
	m.latency.WithLabelValues(method).Observe(d.Seconds())
}

// inFlightGauge exports the queries in flight that load reports (the admission counter), read at each scrape.
func (m *metrics) inFlightGauge(load func() int64) {
	m.inFlightQueries = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "speller_in_flight_queries", Help: "Queries of the speller calls running (a CorrectBatch call counts its queries, at most a quarter of --max-in-flight, which bounds it).",
	}, func() float64 { return float64(load()) })
	m.reg.MustRegister(m.inFlightQueries)
}

// cacheGauges exports the size of the response cache that size reports, read at each scrape.
func (m *metrics) cacheGauges(size func() (entries int, bytes int64)) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "speller_cache_bytes", Help: "Memory of the response cache of the model serving, in bytes (estimated; --cache-bytes bounds it).",
		}, func() float64 { _, b := size(); return float64(b) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "speller_cache_entries", Help: "Answers in the response cache of the model serving.",
		}, func() float64 { n, _ := size(); return float64(n) }))
}

// modelLoaded records a successful load.
func (m *metrics) modelLoaded(version string, took time.Duration, at time.Time) {
	m.reloads.WithLabelValues("success").Inc()
	m.modelInfo.Reset()
	m.modelInfo.WithLabelValues(version).Set(1)
	m.loadSeconds.Set(took.Seconds())
	m.loadedAt.Set(float64(at.UnixNano()) / 1e9)
}
