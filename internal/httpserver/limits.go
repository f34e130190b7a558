package httpserver

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
	"socrates/internal/querylimit"
)

// documentLimits refuses documents over the limits before gqlgen validates
// them, and operations over the depth, alias and introspection limits
// before they run.
//
// gqlgen's executor (CreateOperationContext) runs, in order: the
// OperationParameterMutators, then parseQuery (query cache lookup, or parse
// and validate with every rule in one walk), then the
// OperationContextMutators. The only hook between receiving a document and
// validating it is therefore an OperationParameterMutator, and it sees the
// raw text, so it parses the document itself (under the token limit) and
// measures it. A custom validation rule would come too late: the rules
// share one walk, so a rule cannot stop OverlappingFieldsCanBeMerged from
// running beside it. The extra parse is paid only on query cache misses: a
// cached document passed these checks and validation before.
//
// This extension is registered before automatic persisted queries, so a
// document is checked before the APQ cache keeps its text, and a request
// that sends only a hash (an empty query here) gets a text that was checked
// when it was registered. The operation's checks run again after
// validation (MutateOperationContext), which also covers cache hits and
// hash-only requests, whose operation name may differ from the one first
// checked.
type documentLimits struct {
	limits querylimit.Limits
	cache  graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = documentLimits{}

// ExtensionName implements graphql.HandlerExtension.
func (documentLimits) ExtensionName() string { return "DocumentLimits" }

// Validate implements graphql.HandlerExtension.
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (d documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if _, ok := d.cache.Get(ctx, p.Query); ok {
		return nil
	}
	return d.limits.Check(p.Query, p.OperationName)
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (d documentLimits) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Doc == nil {
		return nil
	}
	return d.limits.CheckOperation(rc.Doc, rc.OperationName)
}

// complexityLimit bounds the complexity of an operation's data: the
// introspection fields `__schema` and `__type` and every `__typename` cost
// nothing (introspection has its own limits in querylimit).
func complexityLimit(schema *ast.Schema, limit int) *extension.ComplexityLimit {
	free := map[string]struct{}{}
	for name, def := range schema.Types {
		switch def.Kind {
		case ast.Object, ast.Interface, ast.Union:
			free[name+".__typename"] = struct{}{}
		}
	}
	if schema.Query != nil {
		free[schema.Query.Name+".__schema"] = struct{}{}
		free[schema.Query.Name+".__type"] = struct{}{}
	}
	return extension.FixedComplexityLimit(limit, complexity.WithIgnoreFields(free))
}

// refusalStatus wraps an HTTP transport so that a request refused by a
// limit before it runs answers 400 when the response is
// application/graphql-response+json, as the GraphQL-over-HTTP spec asks of
// a request error there. With application/json the spec asks for 200,
// which gqlgen already answers for these errors; its answers to parse and
// validation errors (422, or 400) are left as they are.
type refusalStatus struct {
	graphql.Transport
}

// Do implements graphql.Transport.
func (t refusalStatus) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	sw := &refusalWriter{ResponseWriter: w}
	t.Transport.Do(sw, r, refusalRecorder{GraphExecutor: exec, refused: &sw.refused})
}

// refusalRecorder notes when the executor refuses an operation by a limit.
type refusalRecorder struct {
	graphql.GraphExecutor
	refused *bool
}

// CreateOperationContext implements graphql.GraphExecutor.
func (e refusalRecorder) CreateOperationContext(ctx context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	rc, errs := e.GraphExecutor.CreateOperationContext(ctx, p)
	for _, err := range errs {
		switch err.Extensions["code"] {
		case querylimit.CodeLimit, string(apperr.ComplexityExceeded), CodeIntrospectionDisabled:
			*e.refused = true
		}
	}
	return rc, errs
}

// refusalWriter turns the 200 of a refused request into 400 when the
// response is application/graphql-response+json.
type refusalWriter struct {
	http.ResponseWriter
	refused     bool
	wroteHeader bool
}

// WriteHeader implements http.ResponseWriter.
func (w *refusalWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if w.refused && code == http.StatusOK && w.Header().Get("Content-Type") == "application/graphql-response+json" {
		code = http.StatusBadRequest
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *refusalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Write implements http.ResponseWriter.
func (w *refusalWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
