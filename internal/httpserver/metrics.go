package httpserver

import (
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxModelLabels bounds the distinct model names the provider series
// carry: a project's model is chosen by its administrators, so names past
// the bound are counted as "other" rather than growing the registry.
const maxModelLabels = 50

// Metrics are the Prometheus series the server exports on /metrics, in a
// registry of its own. Besides HTTP and GraphQL, it counts what other
// components report through their own observer interfaces (language-model
// calls, subscriptions, rate limits, loader batches), which its methods
// satisfy.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	operations  *prometheus.CounterVec
	opDuration  *prometheus.HistogramVec
	openStreams prometheus.Gauge

	llmCalls      *prometheus.CounterVec
	llmDuration   *prometheus.HistogramVec
	llmTokens     *prometheus.CounterVec
	llmCost       *prometheus.CounterVec
	llmFallbacks  *prometheus.CounterVec
	subscriptions prometheus.Gauge
	dropped       prometheus.Counter
	refusals      *prometheus.CounterVec
	batchKeys     *prometheus.HistogramVec

	modelsMu sync.Mutex
	models   map[string]struct{}
}

// NewMetrics returns the server's series, with the Go runtime's, the
// process's and db's pool statistics.
func NewMetrics(db *sql.DB) *Metrics {
	m := &Metrics{
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
		llmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_llm_calls_total", Help: "Language-model provider calls by provider, model and outcome (ok, error, timeout, canceled).",
		}, []string{"provider", "model", "outcome"}),
		llmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "socrates_llm_call_duration_seconds", Help: "Language-model provider call latency by provider.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120},
		}, []string{"provider"}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_llm_tokens_total", Help: "Tokens sent to (input) and received from (output) language-model providers.",
		}, []string{"provider", "model", "direction"}),
		llmCost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_llm_cost_usd_total", Help: "List-price cost of language-model calls in USD.",
		}, []string{"provider", "model"}),
		llmFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_llm_fallbacks_total", Help: "Counselor operations the built-in engine answered instead of the chosen provider, by provider and operation.",
		}, []string{"provider", "operation"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "socrates_subscriptions", Help: "Live subscriptions to events in this process.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "socrates_subscribers_dropped_total", Help: "Subscribers dropped for falling too far behind.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socrates_rate_limit_refusals_total", Help: "Requests refused by a rate limiter, by limiter.",
		}, []string{"limiter"}),
		batchKeys: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "socrates_loader_batch_keys", Help: "Keys per dataloader batch, by loader.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500},
		}, []string{"loader"}),
		models: map[string]struct{}{},
	}
	m.registry.MustRegister(m.requests, m.duration, m.operations, m.opDuration, m.openStreams,
		m.llmCalls, m.llmDuration, m.llmTokens, m.llmCost, m.llmFallbacks,
		m.subscriptions, m.dropped, m.refusals, m.batchKeys,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "socrates"))
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ProviderCall records one language-model call: its outcome, latency,
// tokens and list-price cost.
func (m *Metrics) ProviderCall(provider, model, outcome string, latency time.Duration, inputTokens, outputTokens int, costUSD float64) {
	model = m.modelLabel(model)
	m.llmCalls.WithLabelValues(provider, model, outcome).Inc()
	m.llmDuration.WithLabelValues(provider).Observe(latency.Seconds())
	m.llmTokens.WithLabelValues(provider, model, "input").Add(float64(inputTokens))
	m.llmTokens.WithLabelValues(provider, model, "output").Add(float64(outputTokens))
	m.llmCost.WithLabelValues(provider, model).Add(costUSD)
}

// Fallback records a counselor operation the built-in engine answered
// because the chosen provider failed or could not be used.
func (m *Metrics) Fallback(provider, operation string) {
	m.llmFallbacks.WithLabelValues(provider, operation).Inc()
}

// modelLabel returns model, or "other" once maxModelLabels other names
// have been seen.
func (m *Metrics) modelLabel(model string) string {
	m.modelsMu.Lock()
	defer m.modelsMu.Unlock()
	if _, ok := m.models[model]; ok {
		return model
	}
	if len(m.models) >= maxModelLabels {
		return "other"
	}
	m.models[model] = struct{}{}
	return model
}

// SubscriptionOpened counts a live subscription.
func (m *Metrics) SubscriptionOpened() { m.subscriptions.Inc() }

// SubscriptionClosed uncounts a subscription that ended.
func (m *Metrics) SubscriptionClosed() { m.subscriptions.Dec() }

// SubscriberDropped counts a subscriber dropped for being too slow.
func (m *Metrics) SubscriberDropped() { m.dropped.Inc() }

// Refused counts a request refused by the named rate limiter.
func (m *Metrics) Refused(limiter string) { m.refusals.WithLabelValues(limiter).Inc() }

// ObserveBatch records the number of keys of one loader batch.
func (m *Metrics) ObserveBatch(loader string, keys int) {
	m.batchKeys.WithLabelValues(loader).Observe(float64(keys))
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
	if strings.HasPrefix(path, "/projects/") {
		return exportRoute
	}
	return "other"
}

func (m *Metrics) observeHTTP(r *http.Request, status int, elapsed time.Duration) {
	rt := route(r.URL.Path)
	m.requests.WithLabelValues(rt, r.Method, strconv.Itoa(status)).Inc()
	if status != http.StatusSwitchingProtocols {
		m.duration.WithLabelValues(rt).Observe(elapsed.Seconds())
	}
}
