package httpserver

import (
	"cmp"
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"

	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/database"
	"socrates/internal/gqlws"
	"socrates/internal/loaders"
)

// newGraphQLHandler configures the gqlgen server: transports (websocket
// graphql-transport-ws, GET, POST, SSE), limits, error presentation and
// per-operation loaders.
func newGraphQLHandler(o Options, m *Metrics) *handler.Server {
	srv := handler.New(o.Schema)
	initWS := auth.WebsocketInit(o.Auth, o.Live)
	origins := originPatterns(o.AllowedOrigins)
	srv.AddTransport(websocketTransport{Transport: gqlws.New(gqlws.Options{
		Init: func(ctx context.Context, payload map[string]any) (context.Context, error) {
			next, err := initWS(ctx, payload)
			switch {
			case err == nil || auth.Refused(err):
			case database.Unavailable(err):
				o.Logger.WarnContext(ctx, "websocket authentication: database unavailable", "request_id", RequestID(ctx), "error", err.Error())
			default:
				o.Logger.ErrorContext(ctx, "websocket authentication failed", "request_id", RequestID(ctx), "error", err.Error())
			}
			return next, err
		},
		Refused:        auth.Refused,
		InitTimeout:    cmp.Or(o.WSInitTimeout, 10*time.Second),
		KeepAlive:      o.KeepAlive,
		ReadLimit:      o.MaxBodyBytes,
		OriginPatterns: origins,
		ShareKey:       viewerKey,
	}), logger: o.Logger})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(get{logger: o.Logger})
	srv.AddTransport(sse{logger: o.Logger})
	srv.AddTransport(post{logger: o.Logger})
	srv.AddTransport(multipartForm{logger: o.Logger})

	// The document limits come before APQ, so that APQ keeps only
	// checked documents (see documentLimits).
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(o.Limits.Tokens)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(refuseIntrospection{})
	}
	srv.Use(documentLimits{limits: o.Limits, cache: queries})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(singleRootSubscription{})
	if o.MaxComplexity > 0 {
		srv.Use(complexityLimit(o.Schema.Schema(), o.MaxComplexity))
	}

	if o.FieldMiddleware != nil {
		srv.AroundFields(o.FieldMiddleware)
	}
	// Without a tracer provider no tracing middleware is installed at all:
	// the fields' path stays exactly as it is untraced.
	var tracer trace.Tracer
	if o.TracerProvider != nil {
		tracer = o.TracerProvider.Tracer(tracerName)
		srv.AroundRootFields(traceRootFields(tracer))
	}
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverFunc(o.Logger))

	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx)
		kind, name := "unknown", op.OperationName
		if op.Operation != nil {
			kind = string(op.Operation.Operation)
			if name == "" {
				name = op.Operation.Name
			}
		}
		o.Logger.DebugContext(ctx, "graphql operation", "request_id", RequestID(ctx),
			"operation", name, "type", kind)
		if kind == string(ast.Mutation) {
			if pr := auth.FromContext(ctx); pr != nil && pr.ReadOnly {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
					Message:    "this API token has the READ scope only; mutations need WRITE",
					Extensions: map[string]any{"code": string(apperr.Forbidden)},
				}}})
			}
		}
		return next(ctx)
	})
	// Queries run at most MaxConcurrentQueries at a time; the others wait
	// their turn (within their timeout). On a few cores, running more at
	// once only interleaves them: each takes longer, and all of them hold
	// their results in memory together.
	queryGate := newGate(o.MaxConcurrentQueries)
	// Each response gets fresh loaders: once for a query or mutation, and
	// once per event of a subscription, whose connection may live for hours.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) (resp *graphql.Response) {
		ctx = loaders.Attach(ctx, o.Loaders.New())
		// An error dispatched before any operation exists (a request
		// refused before it was parsed) has no operation context.
		kind := "unknown"
		var op *graphql.OperationContext
		if graphql.HasOperationContext(ctx) {
			if op = graphql.GetOperationContext(ctx); op.Operation != nil {
				kind = string(op.Operation.Operation)
			}
		}
		defer func() { withCost(ctx, resp) }()
		if kind == string(ast.Subscription) {
			return next(ctx)
		}
		if tracer != nil && op != nil {
			var span trace.Span
			ctx, span = operationSpan(ctx, tracer, op)
			defer func() { endOperationSpan(span, resp) }()
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(ctx, o.QueryTimeout)
		defer cancel()
		if kind == string(ast.Query) {
			resp = queryGate.run(ctx, next)
		} else {
			resp = next(ctx)
		}
		outcome := "ok"
		if resp != nil && len(resp.Errors) > 0 {
			outcome = "error"
		}
		m.operations.WithLabelValues(kind, outcome).Inc()
		m.opDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
		return resp
	})
	return srv
}

// withCost adds extensions.cost to every response (of a query, a mutation
// or each event of a subscription):
// {requested, limit}, the operation's complexity as the limit that
// refuses it computes it, and that limit. A refused operation carries it too, so a
// client sees by how much it went over. Nothing is added without a limit
// or before an operation was parsed.
func withCost(ctx context.Context, resp *graphql.Response) {
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	st := extension.GetComplexityStats(ctx)
	if st == nil {
		return
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["cost"] = map[string]int{"requested": st.Complexity, "limit": st.ComplexityLimit}
}

// gate bounds how many operations run at once.
type gate struct {
	slots chan struct{}
}

// newGate returns a gate for n operations at once; n < 1 means no bound.
func newGate(n int) *gate {
	if n < 1 {
		return &gate{}
	}
	return &gate{slots: make(chan struct{}, n)}
}

// run runs next once a slot is free, or answers TIMEOUT when ctx ends
// first.
func (g *gate) run(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if g.slots == nil {
		return next(ctx)
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    "the server was too busy to start the operation in time",
			Extensions: map[string]any{"code": string(apperr.Timeout)},
		}}}
	}
	defer func() { <-g.slots }()
	return next(ctx)
}

// originPatterns converts allowed origins (full URLs or "*") into the host
// patterns the websocket library checks.
func originPatterns(allowed []string) []string {
	var out []string
	for _, o := range allowed {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			o = u.Host
		}
		out = append(out, o)
	}
	return out
}

// viewerKey names what a subscription's results depend on besides its
// document and variables: the user, and whether the credential may only
// read. Subscriptions of one key and document run once for all their
// subscribers (gqlws.Options.ShareKey); anonymous ones are not shared.
func viewerKey(ctx context.Context) string {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return ""
	}
	return strconv.FormatInt(pr.UserID, 10) + "/" + strconv.FormatBool(pr.ReadOnly)
}
