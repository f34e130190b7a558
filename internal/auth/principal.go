// Package auth authenticates requests: password hashing, JWT access tokens,
// the principal carried in a request context, and the HTTP and websocket
// entry points that put it there.
package auth

import (
	"context"
	"time"
)

// Principal is who a request acts for.
type Principal struct {
	// UserID is the authenticated user.
	UserID int64
	// TokenID is set when the request authenticated with an API token.
	TokenID *int64
	// ReadOnly is set for an API token without the WRITE scope.
	ReadOnly bool
	// ExpiresAt is when the credential stops being valid, if it does.
	ExpiresAt *time.Time
}

// IsToken reports whether the principal is an API token.
func (p *Principal) IsToken() bool { return p != nil && p.TokenID != nil }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of ctx, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
