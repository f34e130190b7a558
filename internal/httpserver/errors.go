package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
	"socrates/internal/database"
)

// errorPresenter turns resolver errors into what clients see: an
// apperr.Error keeps its message and code (and its wait in whole seconds
// as extensions.retryAfter, which the HTTP transports copy into the
// Retry-After header); errors gqlgen itself raised
// (parsing, validation, argument coercion) keep theirs with BAD_USER_INPUT
// when they have none; a database that cannot be reached or written is
// UNAVAILABLE (logged at WARN); anything else is logged with the request id
// and answered with a bare INTERNAL.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if _, ok := apperr.As(err); !ok && database.Unavailable(err) {
			logger.WarnContext(ctx, "database unavailable", "request_id", RequestID(ctx), "error", err.Error())
			err = apperr.UnavailableNow()
		}
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if e, ok := apperr.As(err); ok {
			gqlErr.Message = e.Message
			setCode(gqlErr, e.Code)
			if s := e.RetryAfterSeconds(); s > 0 {
				gqlErr.Extensions["retryAfter"] = s
			}
			return gqlErr
		}
		var raw *gqlerror.Error
		if errors.As(err, &raw) && raw.Err == nil {
			if gqlErr.Extensions["code"] == nil {
				setCode(gqlErr, apperr.BadUserInput)
			}
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) {
			gqlErr.Message = "the operation took too long and was stopped"
			gqlErr.Extensions = map[string]any{"code": string(apperr.Timeout)}
			return gqlErr
		}
		id := RequestID(ctx)
		if errors.Is(err, context.Canceled) {
			logger.InfoContext(ctx, "operation cancelled", "request_id", id, "error", err.Error())
		} else {
			logger.ErrorContext(ctx, "internal error", "request_id", id, "path", gqlErr.Path.String(), "error", err.Error())
		}
		gqlErr.Message = "internal error (request id " + id + ")"
		gqlErr.Extensions = map[string]any{"code": string(apperr.Internal), "requestId": id}
		gqlErr.Err = nil
		return gqlErr
	}
}

// setCode sets e's extensions.code, as a string.
func setCode(e *gqlerror.Error, code apperr.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}

// recoverFunc turns a resolver panic into an internal error; the server keeps
// serving.
func recoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx),
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return fmt.Errorf("resolver panic: %v", p)
	}
}
