package ratelimit

import (
	"testing"
	"time"
)

func TestSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	refused := refusals{}
	l := New("test", 3, time.Minute, func() time.Time { return now }, refused)
	for i := range 3 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("event %d refused", i)
		}
		now = now.Add(10 * time.Second)
	}
	ok, wait := l.Allow("k")
	if ok || wait != 30*time.Second {
		t.Fatalf("4th event: %v, wait %v", ok, wait)
	}
	if refused["test"] != 1 {
		t.Fatalf("refusals %v, want one for the limiter", refused)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("keys are not independent")
	}
	now = now.Add(31 * time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("the oldest event did not leave the window")
	}
	now = now.Add(2 * time.Minute)
	l.Add("x")
	if len(l.events) != 1 {
		t.Fatalf("idle keys kept: %v", l.events)
	}
}

// refusals counts refusals by limiter.
type refusals map[string]int

func (r refusals) Refused(limiter string) { r[limiter]++ }
