package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"socrates/internal/ratelimit"
	"socrates/internal/testenv"
)

// TestFixedWindowsInTheDatabase checks the limiter on each database: max
// attempts per window, a wait to the window's end, keys and limiters apart,
// a new window once one ends, counts shared by two limiters on one
// database (as two instances are), and ended windows swept.
func TestFixedWindowsInTheDatabase(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		st := testenv.StartServer(t, dbURL).App.Store
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		refused := refusals{}
		a := ratelimit.New(st, "test", 3, time.Minute, clock, refused)
		b := ratelimit.New(st, "test", 3, time.Minute, clock, refused) // another instance
		other := ratelimit.New(st, "other", 3, time.Minute, clock, nil)

		allow := func(l *ratelimit.Limiter, key string) (bool, time.Duration) {
			t.Helper()
			ok, wait, err := l.Allow(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return ok, wait
		}
		for i, l := range []*ratelimit.Limiter{a, b, a} {
			if ok, _ := allow(l, "k"); !ok {
				t.Fatalf("attempt %d refused", i+1)
			}
			now = now.Add(10 * time.Second)
		}
		if ok, wait := allow(b, "k"); ok || wait != 30*time.Second {
			t.Fatalf("4th attempt, through the other instance: allowed %v, wait %v; want refused, 30s", ok, wait)
		}
		if refused["test"] != 1 {
			t.Fatalf("refusals %v, want one for the limiter", refused)
		}
		if ok, _ := allow(a, "k2"); !ok {
			t.Fatal("keys are not independent")
		}
		if ok, _ := allow(other, "k"); !ok {
			t.Fatal("limiters are not independent")
		}
		blocked, wait, err := a.Blocked(ctx, "k")
		if err != nil || !blocked || wait != 30*time.Second {
			t.Fatalf("Blocked: %v %v %v", blocked, wait, err)
		}
		now = now.Add(31 * time.Second)
		if blocked, _, _ := b.Blocked(ctx, "k"); blocked {
			t.Fatal("still blocked after the window ended")
		}
		if ok, _ := allow(a, "k"); !ok {
			t.Fatal("a new window did not start")
		}
		for range 2 {
			if err := b.Add(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		}
		if blocked, _, _ := a.Blocked(ctx, "k"); !blocked {
			t.Fatal("three attempts in the new window do not block")
		}

		// Two windows later the ended windows of "test" are swept on the
		// next attempt; those of "other" are left to it.
		now = now.Add(3 * time.Minute)
		rows := func() int {
			var n int
			if err := st.DB(ctx).NewRaw("SELECT count(*) FROM rate_limits").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := rows()
		if ok, _ := allow(a, "fresh"); !ok {
			t.Fatal("refused after the sweep")
		}
		if after := rows(); before != 3 || after != 2 {
			t.Fatalf("rows before and after the sweep: %d, %d; want 3 (k and k2 of test, k of other) then 2 (k of other, fresh of test)", before, after)
		}
	})
}

// refusals counts refusals by limiter.
type refusals map[string]int

func (r refusals) Refused(limiter string) { r[limiter]++ }
