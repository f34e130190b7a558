package httpserver

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"socrates/internal/apperr"
)

// tracerName names the tracer of the HTTP and GraphQL spans.
const tracerName = "socrates/internal/httpserver"

// traceHTTP makes a server span of each request, continuing the caller's
// trace from its traceparent header. Websockets and SSE streams are left
// out (a span open for hours helps nobody; their events' operations are
// traced on their own), and so are health checks and metrics scrapes.
// HTTP metrics stay Prometheus's: the span carries no meter.
func traceHTTP(tp trace.TracerProvider, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "http",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(func(r *http.Request) bool {
			switch r.URL.Path {
			case "/healthz", "/readyz", "/metrics":
				return false
			}
			return !isStream(r)
		}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return r.Method + " " + route(r.URL.Path)
		}),
	)
}

// operationSpan starts the span of a query or mutation, named by its type
// and its name (its first root field when it has none), with its
// complexity when the complexity limit measured it.
func operationSpan(ctx context.Context, tracer trace.Tracer, op *graphql.OperationContext) (context.Context, trace.Span) {
	kind, name := "unknown", op.OperationName
	if op.Operation != nil {
		kind = string(op.Operation.Operation)
		if name == "" {
			name = op.Operation.Name
		}
	}
	attrs := []attribute.KeyValue{attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)}
	spanName := kind
	if name != "" {
		spanName += " " + name
	} else if op.Operation != nil {
		for _, sel := range op.Operation.SelectionSet {
			if f, ok := sel.(*ast.Field); ok {
				spanName += " " + f.Name
				break
			}
		}
	}
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		attrs = append(attrs, attribute.Int("graphql.operation.complexity", stats.Complexity))
	}
	return tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
}

// endOperationSpan records the response's errors on the span and ends it.
func endOperationSpan(span trace.Span, resp *graphql.Response) {
	if resp != nil && len(resp.Errors) > 0 {
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
		code, _ := resp.Errors[0].Extensions["code"].(string)
		if code == "" || code == string(apperr.Internal) || code == string(apperr.Timeout) || code == string(apperr.Unavailable) {
			span.SetStatus(codes.Error, resp.Errors[0].Message)
		}
	}
	span.End()
}

// traceRootFields makes a span of each root field's resolution, which
// covers the reads below it. Nested fields get none: a span per field of
// a large list would cost more than the read it describes.
func traceRootFields(tracer trace.Tracer) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		fc := graphql.GetRootFieldContext(ctx)
		if fc == nil {
			return next(ctx)
		}
		parent := fc.Object
		if fc.Field.ObjectDefinition != nil {
			parent = fc.Field.ObjectDefinition.Name
		}
		ctx, span := tracer.Start(ctx, parent+"."+fc.Field.Name,
			trace.WithAttributes(attribute.String("graphql.field.parent", parent), attribute.String("graphql.field.name", fc.Field.Name)))
		defer span.End()
		return next(ctx)
	}
}
