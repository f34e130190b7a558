// Package apperr defines the errors services return and the codes clients
// see in extensions.code. A Validation error becomes userErrors in a mutation
// payload; every other *Error becomes a top-level GraphQL error. Any other
// error is internal: logged, never shown.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code is a stable machine-readable error class, sent as extensions.code.
type Code string

// The top-level error codes of the API contract.
const (
	Unauthenticated    Code = "UNAUTHENTICATED"
	Forbidden          Code = "FORBIDDEN"
	NotFound           Code = "NOT_FOUND"
	BadUserInput       Code = "BAD_USER_INPUT"
	RateLimited        Code = "RATE_LIMITED"
	ComplexityExceeded Code = "COMPLEXITY_LIMIT_EXCEEDED"
	Unavailable        Code = "UNAVAILABLE"
	Internal           Code = "INTERNAL"
)

// Error is an error a client may see, with its code.
type Error struct {
	Code    Code
	Message string
	// RetryAfter, when positive, is how long the client should wait
	// before trying again; it is sent as extensions.retryAfter and the
	// Retry-After header.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// RetryAfterSeconds returns RetryAfter in whole seconds, rounded up (at
// least 1 when RetryAfter is positive, 0 otherwise).
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// RateLimitedFor reports that the client made too many attempts and may
// try again after wait.
func RateLimitedFor(wait time.Duration) *Error {
	e := &Error{Code: RateLimited, RetryAfter: wait}
	e.Message = fmt.Sprintf("too many attempts; try again in %s", time.Duration(e.RetryAfterSeconds())*time.Second)
	return e
}

// UnavailableNow reports that the service cannot reach or write its
// database at the moment; the client may try again shortly.
func UnavailableNow() *Error {
	return &Error{Code: Unavailable, RetryAfter: time.Second,
		Message: "the database cannot serve this operation right now (unreachable, read-only or full); try again shortly"}
}

// New returns an *Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrUnauthenticated is returned when an operation needs a signed-in principal.
var ErrUnauthenticated = &Error{Code: Unauthenticated, Message: "authentication required"}

// NotFoundf reports that an object does not exist or the viewer may not see
// it; the two are deliberately indistinguishable. NotFoundOf gives the
// usual message; NotFoundf is for one that says more.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// NotFoundOf reports that the thing named by what ("session", "API token")
// does not exist or the viewer may not see it, with the message
// "<what> not found".
func NotFoundOf(what string) *Error { return NotFoundf("%s not found", what) }

// IsNotFound reports whether err means that something does not exist: a
// client NOT_FOUND error, or an error whose chain holds a value that says
// so through a NotFound() bool method (the store's missing-row error).
func IsNotFound(err error) bool {
	if e, ok := As(err); ok && e.Code == NotFound {
		return true
	}
	var missing interface{ NotFound() bool }
	return errors.As(err, &missing) && missing.NotFound()
}

// NotFoundAs returns the client's NOT_FOUND of what (see NotFoundOf) when
// IsNotFound(err), and err otherwise (nil for nil). A missing row, or a
// refusal that must not tell that something else exists (a project hidden
// from the viewer), then reads as the thing the client asked for.
func NotFoundAs(err error, what string) error {
	if IsNotFound(err) {
		return NotFoundOf(what)
	}
	return err
}

// Forbiddenf reports that the viewer may see an object but not do this to it.
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }

// BadInputf reports malformed arguments (ids, cursors, page sizes).
func BadInputf(format string, args ...any) *Error { return New(BadUserInput, format, args...) }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FieldError is one validation failure, reported to the client as a UserError.
type FieldError struct {
	Field   []string
	Code    string
	Message string
}

// Validation is a list of validation failures. Services return it before
// writing anything, or from inside a transaction so that it rolls back.
type Validation struct {
	Errors []FieldError
}

// Error implements error.
func (v *Validation) Error() string {
	parts := make([]string, len(v.Errors))
	for i, e := range v.Errors {
		parts[i] = strings.Join(e.Field, ".") + ": " + e.Message
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Invalid returns a Validation with one failure on the given input field.
func Invalid(field, code, format string, args ...any) *Validation {
	v := &Validation{}
	v.Add(field, code, format, args...)
	return v
}

// Add records a failure on an input field (the path is input.<field>).
func (v *Validation) Add(field, code, format string, args ...any) {
	path := []string{"input"}
	if field != "" {
		path = append(path, field)
	}
	v.Errors = append(v.Errors, FieldError{Field: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns v when it holds failures and nil otherwise.
func (v *Validation) Err() error {
	if v == nil || len(v.Errors) == 0 {
		return nil
	}
	return v
}

// AsValidation returns the *Validation in err's chain, if any.
func AsValidation(err error) (*Validation, bool) {
	var v *Validation
	ok := errors.As(err, &v)
	return v, ok
}

// Validation codes shared by services.
const (
	CodeRequired     = "REQUIRED"
	CodeTooLong      = "TOO_LONG"
	CodeTooShort     = "TOO_SHORT"
	CodeInvalid      = "INVALID"
	CodeTaken        = "TAKEN"
	CodeInvalidState = "INVALID_STATE"
	CodeCredentials  = "INVALID_CREDENTIALS"
	CodeInvalidToken = "INVALID_TOKEN"
	CodeNotReady     = "NOT_READY"
	// CodeTooLarge refuses an uploaded file over the size limit.
	CodeTooLarge = "TOO_LARGE"
	// CodeUnsupportedType refuses an uploaded file of a type not allowed.
	CodeUnsupportedType = "UNSUPPORTED_TYPE"
	// CodeNoText refuses an uploaded PDF with no extractable text.
	CodeNoText = "NO_TEXT"
)
