// Package ratelimit counts events per key in a sliding window and says when
// a key has had too many: failed logins per email, and authentication
// requests per client address. Counts live in the process; each instance
// limits on its own.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"socrates/internal/clock"
)

// Limiter allows at most Max events per key within Window.
type Limiter struct {
	name     string
	max      int
	window   time.Duration
	now      clock.Clock
	refusals Refusals

	mu     sync.Mutex
	events map[string][]time.Time
	sweep  time.Time
}

// Refusals is told each time a limiter refuses (the server's metrics).
type Refusals interface {
	Refused(limiter string)
}

// New returns a limiter of max events per window; name labels its
// refusals, which refusals (nil for none) counts.
func New(name string, max int, window time.Duration, now clock.Clock, refusals Refusals) *Limiter {
	return &Limiter{name: name, max: max, window: window, now: now, refusals: refusals, events: map[string][]time.Time{}}
}

// recent drops a key's events older than the window; l.mu is held.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= l.window {
		i++
	}
	ev = ev[i:]
	if len(ev) == 0 {
		delete(l.events, key)
	} else {
		l.events[key] = ev
	}
	return ev
}

// Blocked reports whether key has reached the limit, and when it may try
// again; a block counts as a refusal.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := l.recent(key, now)
	if len(ev) < l.max {
		return false, 0
	}
	if l.refusals != nil {
		l.refusals.Refused(l.name)
	}
	return true, l.window - now.Sub(ev[0])
}

// Add records an event for key.
func (l *Limiter) Add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.events[key] = append(l.recent(key, now), now)
	if now.Sub(l.sweep) > l.window {
		// Forget idle keys now and then, so memory stays bounded.
		for k := range l.events {
			l.recent(k, now)
		}
		l.sweep = now
	}
}

// Allow records an event for key unless it has reached the limit.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if blocked, wait := l.Blocked(key); blocked {
		return false, wait
	}
	l.Add(key)
	return true, 0
}

type clientKey struct{}

// WithClient returns ctx carrying the client's network address.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// Client returns the client address of ctx, or "" when unknown.
func Client(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}
