// Package auth authenticates requests: password hashing, JWT access tokens,
// the principal carried in a request context, and the HTTP and websocket
// entry points that put it there.
package auth

import "context"

// Principal is who a request acts for.
type Principal struct {
	// UserID is the authenticated user.
	UserID int64
}

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
