// Package ratelimit counts attempts per key in fixed windows and says when
// a key has had too many: failed logins per email, and authentication
// requests per client address. The counts live in the database, so every
// instance on it sees the same ones; each check is one statement.
package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"socrates/internal/clock"
)

// Counter keeps attempt counts where every instance sees them.
type Counter interface {
	// CountAttempt adds an attempt for key and returns the attempts in its
	// current window and when that window started.
	CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error)
	// Attempts returns the attempts in key's current window and when it
	// started.
	Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error)
	// SweepAttempts deletes the counts of keys that start with prefix whose
	// windows started before before.
	SweepAttempts(ctx context.Context, prefix string, before time.Time) error
}

// Limiter allows at most max attempts per key in each window. A window
// starts with a key's first attempt after the last one ended, so at most
// max attempts fall in any window, and up to twice that around the moment
// one ends and the next starts.
type Limiter struct {
	counter  Counter
	name     string
	max      int
	window   time.Duration
	now      clock.Clock
	refusals Refusals

	mu    sync.Mutex
	swept time.Time
}

// Refusals is told each time a limiter refuses (the server's metrics).
type Refusals interface {
	Refused(limiter string)
}

// New returns a limiter named name (which keeps its keys apart from other
// limiters', and labels its refusals) of max attempts per window;
// refusals may be nil.
func New(counter Counter, name string, max int, window time.Duration, now clock.Clock, refusals Refusals) *Limiter {
	return &Limiter{counter: counter, name: name, max: max, window: window, now: now, refusals: refusals}
}

// refused counts a refusal.
func (l *Limiter) refused() {
	if l.refusals != nil {
		l.refusals.Refused(l.name)
	}
}

func (l *Limiter) key(k string) string { return l.name + "|" + k }

// Allow counts an attempt for key and reports whether it is within the
// limit, and otherwise how long until the window ends.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	now := l.now()
	hits, start, err := l.counter.CountAttempt(ctx, l.key(key), now, l.window)
	if err != nil {
		return false, 0, fmt.Errorf("%s limit: %w", l.name, err)
	}
	if err := l.sweep(ctx, now); err != nil {
		return false, 0, err
	}
	if hits > l.max {
		l.refused()
		return false, start.Add(l.window).Sub(now), nil
	}
	return true, 0, nil
}

// Blocked reports whether key has reached the limit, and when it may try
// again; it counts nothing.
func (l *Limiter) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	now := l.now()
	hits, start, err := l.counter.Attempts(ctx, l.key(key), now, l.window)
	if err != nil {
		return false, 0, fmt.Errorf("%s limit: %w", l.name, err)
	}
	if hits < l.max {
		return false, 0, nil
	}
	l.refused()
	return true, start.Add(l.window).Sub(now), nil
}

// Add counts an attempt for key.
func (l *Limiter) Add(ctx context.Context, key string) error {
	now := l.now()
	if _, _, err := l.counter.CountAttempt(ctx, l.key(key), now, l.window); err != nil {
		return fmt.Errorf("%s limit: %w", l.name, err)
	}
	return l.sweep(ctx, now)
}

// sweep deletes this limiter's ended windows, at most once per window per
// process, so the table holds about one row per key active in the last
// window.
func (l *Limiter) sweep(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	due := now.Sub(l.swept) >= l.window
	if due {
		l.swept = now
	}
	l.mu.Unlock()
	if !due {
		return nil
	}
	if err := l.counter.SweepAttempts(ctx, l.name+"|", now.Add(-l.window)); err != nil {
		return fmt.Errorf("%s limit: %w", l.name, err)
	}
	return nil
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
