package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// maxStatement bounds the statement text a span carries.
const maxStatement = 2000

// QueryHook is a bun query hook that makes a client span of each SQL
// statement run inside a traced request, with the database system, the
// operation, the table and the statement's text with its string literals
// replaced by '?' (bun writes arguments into the text; strings carry
// emails, hashes and keys, which do not belong in traces). Statements run
// outside any span (migrations, the event listener) make none.
type QueryHook struct {
	tracer trace.Tracer
	system string
}

// NewQueryHook returns the hook; system is the semantic-convention name
// of the database ("postgresql" or "sqlite").
func NewQueryHook(tp trace.TracerProvider, system string) *QueryHook {
	return &QueryHook{tracer: tp.Tracer("socrates/internal/store"), system: system}
}

// BeforeQuery starts the statement's span.
func (h *QueryHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	op := e.Operation()
	name, table := op, ""
	if e.IQuery != nil {
		if table = e.IQuery.GetTableName(); table != "" {
			name += " " + table
		}
	}
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", h.system),
		attribute.String("db.operation.name", op),
		attribute.String("db.query.text", Redact(e.Query, maxStatement)),
	}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	ctx, _ = h.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

// AfterQuery ends the statement's span, with its error if it failed.
func (h *QueryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	if e.Result != nil {
		if n, err := e.Result.RowsAffected(); err == nil {
			span.SetAttributes(attribute.Int64("db.response.returned_rows", n))
		}
	}
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) {
		span.RecordError(e.Err)
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}

// Redact returns query with each single-quoted string literal (quotes
// doubled inside, as SQL escapes them) replaced by '?', cut to at most
// limit bytes.
func Redact(query string, limit int) string {
	var b strings.Builder
	b.Grow(min(len(query), limit))
	in := false
	for i := 0; i < len(query) && b.Len() < limit; i++ {
		c := query[i]
		switch {
		case in && c == '\'' && i+1 < len(query) && query[i+1] == '\'':
			i++ // an escaped quote inside the literal
		case in && c == '\'':
			in = false
			b.WriteString("?'")
		case in:
		case c == '\'':
			in = true
			b.WriteByte('\'')
		default:
			b.WriteByte(c)
		}
	}
	if in {
		b.WriteString("?'")
	}
	s := b.String()
	if len(s) > limit {
		s = s[:limit]
	}
	return s
}
