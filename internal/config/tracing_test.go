package config

import (
	"io"
	"testing"
)

func TestTracingIsOffWithoutOTELVariables(t *testing.T) {
	c, err := Load(nil, envOf(map[string]string{"OTEL_SERVICE_NAME": "api"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tracing.Enabled() || c.Tracing.Endpoint != "" {
		t.Fatalf("tracing on without an endpoint: %+v", c.Tracing)
	}
}

func TestTracingFromOTELVariables(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		endpoint string
		sampler  string
		arg      float64
	}{
		{"base endpoint gets the signal path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}, "http://collector:4318/v1/traces", "parentbased_always_on", 1},
		{"traces endpoint is used as is", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b/otlp/traces"}, "https://b/otlp/traces", "parentbased_always_on", 1},
		{"otlp exporter alone uses the default endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, defaultOTLPTracesEndpoint, "parentbased_always_on", 1},
		{"sampler and ratio", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, "http://c:4318/v1/traces", "parentbased_traceidratio", 0.25},
		{"sdk disabled wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, "", "", 1},
		{"exporter none wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, "", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(nil, envOf(tc.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Tracing
			if got.Endpoint != tc.endpoint || (tc.endpoint != "" && (got.Sampler != tc.sampler || got.SamplerArg != tc.arg)) || got.ServiceName != "socrates" {
				t.Fatalf("got %+v, want endpoint %q sampler %q arg %v", got, tc.endpoint, tc.sampler, tc.arg)
			}
		})
	}
}

func TestTracingRefusesWhatItCannotDo(t *testing.T) {
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		{"OTEL_TRACES_EXPORTER": "zipkin"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "sometimes"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
	} {
		if _, err := Load(nil, envOf(env), io.Discard); err == nil {
			t.Errorf("%v: accepted", env)
		}
	}
}

func TestMetricsAddrDefaults(t *testing.T) {
	dev, err := Load(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if dev.MetricsAddr != "" {
		t.Fatalf("development serves /metrics on the main port, got METRICS_ADDR %q", dev.MetricsAddr)
	}
	prod, err := Load(nil, envOf(map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://x/y", "JWT_SECRET": "0123456789abcdef0123456789abcdef"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if prod.MetricsAddr != DefaultMetricsAddr {
		t.Fatalf("production METRICS_ADDR %q, want %q", prod.MetricsAddr, DefaultMetricsAddr)
	}
	set, err := Load(nil, envOf(map[string]string{"METRICS_ADDR": "0.0.0.0:9100"}), io.Discard)
	if err != nil || set.MetricsAddr != "0.0.0.0:9100" {
		t.Fatalf("METRICS_ADDR: %v %q", err, set.MetricsAddr)
	}
	if _, err := Load(nil, envOf(map[string]string{"METRICS_ADDR": "9100"}), io.Discard); err == nil {
		t.Fatal("METRICS_ADDR without a host:port accepted")
	}
}
