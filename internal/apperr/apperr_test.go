package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"socrates/internal/apperr"
	"socrates/internal/store"
)

func TestNotFoundOf(t *testing.T) {
	e := apperr.NotFoundOf("API token")
	if e.Code != apperr.NotFound || e.Message != "API token not found" {
		t.Fatalf("got %s %q", e.Code, e.Message)
	}
}

func TestIsNotFound(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"a missing row", store.ErrNotFound, true},
		{"a wrapped missing row", fmt.Errorf("session 7: %w", store.ErrNotFound), true},
		{"a client NOT_FOUND", apperr.NotFoundOf("project"), true},
		{"a wrapped client NOT_FOUND", fmt.Errorf("lock: %w", apperr.NotFoundOf("project")), true},
		{"FORBIDDEN", apperr.Forbiddenf("no"), false},
		{"a validation", apperr.Invalid("x", apperr.CodeInvalid, "no"), false},
		{"an internal error", errors.New("not found"), false},
		{"nil", nil, false},
	} {
		if got := apperr.IsNotFound(c.err); got != c.want {
			t.Errorf("%s: IsNotFound = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNotFoundAs(t *testing.T) {
	if err := apperr.NotFoundAs(nil, "session"); err != nil {
		t.Errorf("nil became %v", err)
	}
	for _, err := range []error{fmt.Errorf("read: %w", store.ErrNotFound), apperr.NotFoundOf("project")} {
		e, ok := apperr.As(apperr.NotFoundAs(err, "session"))
		if !ok || e.Code != apperr.NotFound || e.Message != "session not found" {
			t.Errorf("%v became %v", err, e)
		}
	}
	for _, err := range []error{apperr.Forbiddenf("no"), apperr.ErrUnauthenticated, errors.New("disk")} {
		if got := apperr.NotFoundAs(err, "session"); got != err {
			t.Errorf("%v became %v", err, got)
		}
	}
}
