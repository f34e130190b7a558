package httpserver

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series the server exports on /metrics, in a
// registry of its own.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	operations  *prometheus.CounterVec
	opDuration  *prometheus.HistogramVec
	openStreams prometheus.Gauge
}

func newMetrics(db *sql.DB) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "socrates_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_graphql_operations_total", Help: "GraphQL operations by type and outcome.",
		}, []string{"type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "socrates_graphql_operation_duration_seconds", Help: "GraphQL query and mutation latency.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type"}),
		openStreams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "socrates_open_streams", Help: "Open websocket and SSE connections.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.operations, m.opDuration, m.openStreams,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "socrates"))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// route maps a path onto a small fixed set of labels.
func route(path string) string {
	switch path {
	case "/query", "/", "/healthz", "/readyz", "/metrics", "/schema.graphql":
		return path
	}
	if len(path) > 5 && path[:5] == "/ide/" {
		return "/ide/"
	}
	return "other"
}

func (m *metrics) observeHTTP(r *http.Request, status int, elapsed time.Duration) {
	rt := route(r.URL.Path)
	m.requests.WithLabelValues(rt, r.Method, strconv.Itoa(status)).Inc()
	if status != http.StatusSwitchingProtocols {
		m.duration.WithLabelValues(rt).Observe(elapsed.Seconds())
	}
}
