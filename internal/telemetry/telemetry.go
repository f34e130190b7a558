// Package telemetry sets up OpenTelemetry tracing and holds the pieces of
// instrumentation the layers share: a bun query hook that makes a span of
// each SQL statement, and a slog handler that adds the trace id to every
// log line written inside a recording span.
//
// Tracing is off unless an exporter is configured: the tracer provider is
// then OpenTelemetry's no-op one, nothing is exported, and the server
// installs none of its HTTP, field or SQL instrumentation. The provider is
// passed through constructors; the process-wide OpenTelemetry globals are
// never set.
package telemetry

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Options configure tracing.
type Options struct {
	// Endpoint is the OTLP/HTTP traces URL; empty (with no Exporter) turns
	// tracing off.
	Endpoint string
	// ServiceName and ServiceVersion name the process in every span's
	// resource; OTEL_RESOURCE_ATTRIBUTES adds to them.
	ServiceName    string
	ServiceVersion string
	// Sampler names an OTEL_TRACES_SAMPLER sampler; SamplerArg is its
	// ratio.
	Sampler    string
	SamplerArg float64
	// Exporter, when set, receives every span synchronously instead of
	// an OTLP exporter (tests use an in-memory one).
	Exporter sdktrace.SpanExporter
}

// Tracing is the tracer provider of a process.
type Tracing struct {
	provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider
	exporter sdktrace.SpanExporter
}

// New returns the tracing o asks for: an SDK provider that exports to
// o.Exporter or over OTLP/HTTP to o.Endpoint, else a no-op provider with
// no exporter. The OTLP exporter also honours the process's
// OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION and _CERTIFICATE
// variables, and the batch processor OTEL_BSP_*. Nothing is sent until a
// span ends.
func New(ctx context.Context, o Options) (*Tracing, error) {
	if o.Exporter == nil && o.Endpoint == "" {
		return &Tracing{provider: noop.NewTracerProvider()}, nil
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			attribute.String("service.name", o.ServiceName),
			attribute.String("service.version", o.ServiceVersion),
		),
		// Later detectors win: OTEL_RESOURCE_ATTRIBUTES may override.
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sampler(o.Sampler, o.SamplerArg))}
	exporter := o.Exporter
	if exporter != nil {
		opts = append(opts, sdktrace.WithSyncer(exporter))
	} else {
		exporter, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(o.Endpoint))
		if err != nil {
			return nil, fmt.Errorf("OTLP trace exporter for %s: %w", o.Endpoint, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exporter))
	}
	sdk := sdktrace.NewTracerProvider(opts...)
	return &Tracing{provider: sdk, sdk: sdk, exporter: exporter}, nil
}

// sampler returns the sampler an OTEL_TRACES_SAMPLER name stands for.
func sampler(name string, ratio float64) sdktrace.Sampler {
	switch name {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

// Provider returns the tracer provider: the SDK's when tracing is on, a
// no-op one otherwise.
func (t *Tracing) Provider() trace.TracerProvider { return t.provider }

// Enabled reports whether spans are recorded and exported, that is
// whether an exporter was created.
func (t *Tracing) Enabled() bool { return t.exporter != nil }

// Shutdown exports the spans still buffered and stops the exporter; a
// no-op when tracing is off.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	if err := t.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracing: %w", err)
	}
	return nil
}
