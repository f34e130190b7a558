package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Authenticator turns a bearer credential into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Principal, error)
}

// Authenticate implements Authenticator for access tokens.
func (t *Tokens) Authenticate(_ context.Context, token string) (*Principal, error) {
	return t.Verify(token)
}

// ErrMalformedHeader is returned for an Authorization value that is not
// "Bearer <token>".
var ErrMalformedHeader = errors.New(`authorization must be "Bearer <token>"`)

// ErrRepeatedHeader is returned for a request with more than one
// Authorization header: which one holds the credential is ambiguous.
var ErrRepeatedHeader = errors.New("the request has more than one Authorization header; send one")

// bearer extracts the token of an Authorization value; ok is false when the
// value is empty.
func bearer(value string) (token string, ok bool, err error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", false, nil
	}
	scheme, token, found := strings.Cut(value, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", true, ErrMalformedHeader
	}
	return token, true, nil
}

// Middleware authenticates the Authorization header of each request. A
// request without one continues anonymously; one with a bad credential, or
// with the header repeated, is answered by reject and goes no further.
func Middleware(a Authenticator, reject func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header.Values("Authorization")) > 1 {
				reject(w, r, ErrRepeatedHeader)
				return
			}
			token, ok, err := bearer(r.Header.Get("Authorization"))
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			var p *Principal
			if err == nil {
				p, err = a.Authenticate(r.Context(), token)
			}
			if err != nil {
				reject(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// Errors that end a websocket connection's credential.
var (
	// ErrCredentialExpired ends a connection whose access token or API
	// token expired.
	ErrCredentialExpired = errors.New("the credential expired")
	// ErrCredentialRevoked ends a connection whose API token was revoked.
	ErrCredentialRevoked = errors.New("the API token was revoked")
)

// Refused reports whether err refuses a credential (malformed, invalid,
// expired or revoked) rather than reports a failure to check it.
func Refused(err error) bool {
	return errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrMalformedHeader)
}

// Live tracks the websocket connections opened with each API token, so that
// revoking the token closes them.
type Live struct {
	mu    sync.Mutex
	conns map[int64]map[*context.CancelCauseFunc]struct{}
}

// NewLive returns an empty registry.
func NewLive() *Live { return &Live{conns: map[int64]map[*context.CancelCauseFunc]struct{}{}} }

// track registers a connection's cancel under its token until ctx ends.
func (l *Live) track(ctx context.Context, tokenID int64, cancel context.CancelCauseFunc) {
	l.mu.Lock()
	if l.conns[tokenID] == nil {
		l.conns[tokenID] = map[*context.CancelCauseFunc]struct{}{}
	}
	l.conns[tokenID][&cancel] = struct{}{}
	l.mu.Unlock()
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.conns[tokenID], &cancel)
		if len(l.conns[tokenID]) == 0 {
			delete(l.conns, tokenID)
		}
	})
}

// Revoke closes every websocket connection opened with a token and returns
// how many it closed.
func (l *Live) Revoke(tokenID int64) int {
	l.mu.Lock()
	var cancels []*context.CancelCauseFunc
	for c := range l.conns[tokenID] {
		cancels = append(cancels, c)
	}
	l.mu.Unlock()
	for _, c := range cancels {
		(*c)(ErrCredentialRevoked)
	}
	return len(cancels)
}

// WebsocketInit authenticates the connection_init payload of a websocket:
// an "Authorization" entry (any letter case) holding "Bearer <token>", or an
// "authToken" entry holding the token. Without either, the principal of the
// upgrade request (if any) stays. A bad credential answers an error for
// which Refused is true (the transport closes with 4403); a failure to
// check it, another error. The returned context ends when the credential
// expires (cause ErrCredentialExpired) and, for an API token, when the
// token is revoked (cause ErrCredentialRevoked); clients reconnect with a
// fresh one.
func WebsocketInit(a Authenticator, live *Live) func(ctx context.Context, payload map[string]any) (context.Context, error) {
	return func(ctx context.Context, payload map[string]any) (context.Context, error) {
		var token string
		var err error
		for k, v := range payload {
			s, isString := v.(string)
			switch {
			case strings.EqualFold(k, "authorization"):
				if !isString {
					err = ErrMalformedHeader
					break
				}
				var ok bool
				if token, ok, err = bearer(s); !ok {
					token = ""
				}
			case strings.EqualFold(k, "authToken") && token == "" && err == nil:
				if !isString {
					err = ErrMalformedHeader
					break
				}
				token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Bearer "))
			}
		}
		if err != nil {
			return ctx, err
		}
		if token == "" {
			return ctx, nil
		}
		p, err := a.Authenticate(ctx, token)
		if err != nil {
			if Refused(err) {
				return ctx, err
			}
			return ctx, fmt.Errorf("authenticate websocket: %w", err)
		}
		ctx = WithPrincipal(ctx, p)
		var cancel context.CancelCauseFunc
		if p.ExpiresAt != nil {
			var stop context.CancelFunc
			ctx, stop = context.WithDeadlineCause(ctx, *p.ExpiresAt, ErrCredentialExpired)
			context.AfterFunc(ctx, stop)
		}
		ctx, cancel = context.WithCancelCause(ctx)
		if p.TokenID != nil {
			live.track(ctx, *p.TokenID, cancel)
		} else {
			context.AfterFunc(ctx, func() { cancel(nil) })
		}
		return ctx, nil
	}
}

// Chain sends tokens that start with APIPrefix to API, and the rest to JWT.
type Chain struct {
	APIPrefix string
	API       Authenticator
	JWT       Authenticator
}

// Authenticate implements Authenticator.
func (c Chain) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if strings.HasPrefix(token, c.APIPrefix) {
		return c.API.Authenticate(ctx, token)
	}
	return c.JWT.Authenticate(ctx, token)
}
