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

// Code is a stable machine-readable class of a top-level error, sent as
// extensions.code.
type Code string

// The top-level error codes of the API contract; TopLevelCodes lists them
// all, and the schema's description of UserError documents each.
const (
	// Unauthenticated: no valid credential, or the operation needs a
	// signed-in user.
	Unauthenticated Code = "UNAUTHENTICATED"
	// Forbidden: the viewer may see the object but not do this.
	Forbidden Code = "FORBIDDEN"
	// NotFound: no such object, or the viewer may not see it; the two are
	// not told apart.
	NotFound Code = "NOT_FOUND"
	// BadUserInput: a malformed id, cursor, page size or argument, or a
	// document over a size limit.
	BadUserInput Code = "BAD_USER_INPUT"
	// ParseFailed: the document does not parse (gqlgen's code, which
	// the server also gives).
	ParseFailed Code = "GRAPHQL_PARSE_FAILED"
	// ValidationFailed: the document does not validate against the schema
	// (gqlgen's code, which the server also gives).
	ValidationFailed Code = "GRAPHQL_VALIDATION_FAILED"
	// ComplexityExceeded: the operation would cost more than the server's
	// complexity limit.
	ComplexityExceeded Code = "COMPLEXITY_LIMIT_EXCEEDED"
	// IntrospectionDisabled: introspection is switched off on this server.
	IntrospectionDisabled Code = "INTROSPECTION_DISABLED"
	// PersistedQueryNotFound: an automatic persisted query hash the server
	// does not know (gqlgen's code, named here so it is documented).
	PersistedQueryNotFound Code = "PERSISTED_QUERY_NOT_FOUND"
	// RateLimited: too many attempts; the error says how long to wait.
	RateLimited Code = "RATE_LIMITED"
	// Timeout: the operation ran longer than the query timeout, or waited
	// that long for its turn.
	Timeout Code = "TIMEOUT"
	// Unavailable: the database cannot be reached or written just now.
	Unavailable Code = "UNAVAILABLE"
	// Internal: the server failed; the message names the request id.
	Internal Code = "INTERNAL"
	// BadRequest: the HTTP request is malformed; GraphQL did not run.
	BadRequest Code = "BAD_REQUEST"
	// PayloadTooLarge: the HTTP request body is over the limit; GraphQL
	// did not run.
	PayloadTooLarge Code = "PAYLOAD_TOO_LARGE"
	// MethodNotAllowed: the endpoint does not take the HTTP method; GraphQL
	// did not run.
	MethodNotAllowed Code = "METHOD_NOT_ALLOWED"
)

// TopLevelCodes returns every top-level error code, in the order they are
// declared.
func TopLevelCodes() []Code {
	return []Code{
		Unauthenticated, Forbidden, NotFound, BadUserInput, ParseFailed, ValidationFailed,
		ComplexityExceeded, IntrospectionDisabled, PersistedQueryNotFound, RateLimited,
		Timeout, Unavailable, Internal, BadRequest, PayloadTooLarge, MethodNotAllowed,
	}
}

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
	Code    UserCode
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
func Invalid(field string, code UserCode, format string, args ...any) *Validation {
	v := &Validation{}
	v.Add(field, code, format, args...)
	return v
}

// Add records a failure on an input field (the path is input.<field>).
func (v *Validation) Add(field string, code UserCode, format string, args ...any) {
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

// UserCode is a stable machine-readable code of a validation failure, sent
// as UserError.code in a mutation's payload.
type UserCode string

// The userError codes of the API contract; UserCodes lists them all, and
// the schema's description of UserError.code documents each.
const (
	// CodeRequired: a value is missing or empty after trimming.
	CodeRequired UserCode = "REQUIRED"
	// CodeTooShort: a value is shorter than its minimum.
	CodeTooShort UserCode = "TOO_SHORT"
	// CodeTooLong: a value is longer than its maximum.
	CodeTooLong UserCode = "TOO_LONG"
	// CodeInvalid: a value is malformed or not allowed.
	CodeInvalid UserCode = "INVALID"
	// CodeTaken: the email already belongs to an account.
	CodeTaken UserCode = "TAKEN"
	// CodeInvalidState: the object is not in a state that allows this (an
	// archived project, a paused session, a decided conflict). The
	// generation download also answers it, as a top-level code.
	CodeInvalidState UserCode = "INVALID_STATE"
	// CodeCredentials: the email or password (or currentPassword) is wrong.
	CodeCredentials UserCode = "INVALID_CREDENTIALS"
	// CodeInvalidToken: the refresh token is unknown, expired, used or
	// revoked.
	CodeInvalidToken UserCode = "INVALID_TOKEN"
	// CodeExhausted: every question of the bank has been asked in the
	// session.
	CodeExhausted UserCode = "EXHAUSTED"
	// CodeQuestionInProgress: another question was asked in the session at
	// the same moment.
	CodeQuestionInProgress UserCode = "QUESTION_IN_PROGRESS"
	// CodeAlreadyAnswered: the question already has an answer.
	CodeAlreadyAnswered UserCode = "ALREADY_ANSWERED"
	// CodeDuplicate: the project already has a specification with this key
	// and value.
	CodeDuplicate UserCode = "DUPLICATE"
	// CodePhaseGate: the project cannot move to that phase yet.
	CodePhaseGate UserCode = "PHASE_GATE"
	// CodeNotConfigured: the server cannot store provider keys (it has no
	// encryption key).
	CodeNotConfigured UserCode = "NOT_CONFIGURED"
	// CodeAlreadyMember: the user is already a member of the team.
	CodeAlreadyMember UserCode = "ALREADY_MEMBER"
	// CodeNotAMember: the user is not a member of the team.
	CodeNotAMember UserCode = "NOT_A_MEMBER"
	// CodeUserNotFound: no registered user has this email.
	CodeUserNotFound UserCode = "USER_NOT_FOUND"
	// CodeLastOwner: a team keeps at least one OWNER.
	CodeLastOwner UserCode = "LAST_OWNER"
	// CodeNotShared: the project is not shared with this team.
	CodeNotShared UserCode = "NOT_SHARED"
	// CodeNotReady: the project is not ready for code generation; one
	// failure per blocker.
	CodeNotReady UserCode = "NOT_READY"
	// CodeTooLarge refuses an uploaded file over the size limit.
	CodeTooLarge UserCode = "TOO_LARGE"
	// CodeUnsupportedType refuses an uploaded file of a type not allowed.
	CodeUnsupportedType UserCode = "UNSUPPORTED_TYPE"
	// CodeNoText refuses an uploaded PDF with no extractable text.
	CodeNoText UserCode = "NO_TEXT"
)

// UserCodes returns every userError code, in the order they are declared.
func UserCodes() []UserCode {
	return []UserCode{
		CodeRequired, CodeTooShort, CodeTooLong, CodeInvalid, CodeTaken, CodeInvalidState,
		CodeCredentials, CodeInvalidToken, CodeExhausted, CodeQuestionInProgress,
		CodeAlreadyAnswered, CodeDuplicate, CodePhaseGate, CodeNotConfigured,
		CodeAlreadyMember, CodeNotAMember, CodeUserNotFound, CodeLastOwner, CodeNotShared,
		CodeNotReady, CodeTooLarge, CodeUnsupportedType, CodeNoText,
	}
}
