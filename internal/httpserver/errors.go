package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
)

// errorPresenter turns resolver errors into what clients see: an
// apperr.Error keeps its message and code; errors gqlgen itself raised
// (parsing, validation, argument coercion) keep theirs with BAD_USER_INPUT
// when they have none; anything else is logged with the request id and
// answered with a bare INTERNAL.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if e, ok := apperr.As(err); ok {
			gqlErr.Message = e.Message
			setCode(gqlErr, string(e.Code))
			return gqlErr
		}
		var raw *gqlerror.Error
		if errors.As(err, &raw) && raw.Err == nil {
			if gqlErr.Extensions["code"] == nil {
				setCode(gqlErr, string(apperr.BadUserInput))
			}
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) {
			gqlErr.Message = "the operation took too long and was stopped"
			gqlErr.Extensions = map[string]any{"code": "TIMEOUT"}
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

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
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

// writeJSONError answers a request that never reached the GraphQL executor
// with a GraphQL-shaped error body.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}
