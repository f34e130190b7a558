package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestNoExporterWithoutConfiguration(t *testing.T) {
	tr, err := New(context.Background(), Options{ServiceName: "socrates"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() || tr.exporter != nil || tr.sdk != nil {
		t.Fatalf("tracing built an exporter without an endpoint: %+v", tr)
	}
	if _, ok := tr.Provider().(noop.TracerProvider); !ok {
		t.Fatalf("provider %T, want the no-op one", tr.Provider())
	}
	_, span := tr.Provider().Tracer("t").Start(context.Background(), "x")
	if span.IsRecording() {
		t.Fatal("a span of the no-op provider records")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOTLPExporterForAnEndpoint(t *testing.T) {
	// Nothing is sent before a span ends, and none does here.
	tr, err := New(context.Background(), Options{Endpoint: "http://127.0.0.1:1/v1/traces", ServiceName: "socrates", Sampler: "parentbased_always_on", SamplerArg: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Enabled() {
		t.Fatal("no exporter for an endpoint")
	}
	if _, ok := tr.Provider().(*sdktrace.TracerProvider); !ok {
		t.Fatalf("provider %T, want the SDK's", tr.Provider())
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSamplers(t *testing.T) {
	for name, want := range map[string]string{
		"always_on": "AlwaysOnSampler", "always_off": "AlwaysOffSampler", "traceidratio": "TraceIDRatioBased",
		"parentbased_always_on": "ParentBased{root:AlwaysOnSampler", "parentbased_always_off": "ParentBased{root:AlwaysOffSampler",
		"parentbased_traceidratio": "ParentBased{root:TraceIDRatioBased", "": "ParentBased{root:AlwaysOnSampler",
	} {
		if got := sampler(name, 0.5).Description(); !strings.HasPrefix(got, want) {
			t.Errorf("%q: %s, want %s…", name, got, want)
		}
	}
}

func TestRedactHidesStringLiterals(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT * FROM users WHERE email = 'a@b.c' AND id = 3`: `SELECT * FROM users WHERE email = '?' AND id = 3`,
		`INSERT INTO t (a, b) VALUES ('it''s', '\x0102')`:      `INSERT INTO t (a, b) VALUES ('?', '?')`,
		`UPDATE t SET a = 'unterminated`:                       `UPDATE t SET a = '?'`,
		`SELECT 1`:                                             `SELECT 1`,
	} {
		if got := Redact(in, 1000); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Redact(strings.Repeat("x", 50), 10); len(got) != 10 {
		t.Errorf("not cut: %q", got)
	}
}

func TestLogHandlerAddsTheTraceID(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := New(context.Background(), Options{Exporter: exp, ServiceName: "socrates"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("component", "test")
	ctx, span := tr.Provider().Tracer("t").Start(context.Background(), "x")
	logger.InfoContext(ctx, "inside")
	span.End()
	logger.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if want := "trace_id=" + span.SpanContext().TraceID().String(); !strings.Contains(lines[0], want) || !strings.Contains(lines[0], "component=test") {
		t.Fatalf("line inside the span %q lacks %s", lines[0], want)
	}
	if strings.Contains(lines[1], "trace_id") {
		t.Fatalf("line outside any span has a trace id: %q", lines[1])
	}
}
