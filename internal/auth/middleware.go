package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"
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
// request without one continues anonymously; one with a bad credential is
// answered by reject and goes no further.
func Middleware(a Authenticator, reject func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// CloseCodeUnauthorized is the websocket close code for a rejected
// connection_init, as graphql-transport-ws specifies.
const CloseCodeUnauthorized = 4403

// WebsocketInit authenticates the connection_init payload of a websocket:
// an "Authorization" entry (any letter case) holding "Bearer <token>", or an
// "authToken" entry holding the token. Without either, the principal of the
// upgrade request (if any) stays. A bad credential closes the socket with 4403.
func WebsocketInit(a Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
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
		if err == nil && token != "" {
			var p *Principal
			if p, err = a.Authenticate(ctx, token); err == nil {
				return WithPrincipal(ctx, p), nil, nil
			}
		}
		if err != nil {
			msg := "unauthorized"
			if errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrMalformedHeader) {
				msg += ": " + err.Error()
			}
			ctx = transport.WithWebsocketCloseCode(ctx, CloseCodeUnauthorized)
			return transport.AppendCloseReason(ctx, "unauthorized"), nil, errors.New(msg)
		}
		return ctx, nil, nil
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
