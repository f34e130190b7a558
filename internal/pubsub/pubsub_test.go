package pubsub

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// counting counts what a broker reports.
type counting struct{ opened, closed, dropped atomic.Int64 }

func (c *counting) SubscriptionOpened() { c.opened.Add(1) }
func (c *counting) SubscriptionClosed() { c.closed.Add(1) }
func (c *counting) SubscriberDropped()  { c.dropped.Add(1) }

func TestDeliveryAndSlowSubscriber(t *testing.T) {
	seen := &counting{}
	b := NewBroker(2, slog.New(slog.NewTextHandler(io.Discard, nil)), seen)
	ctx, cancel := context.WithCancel(context.Background())
	fast := b.Subscribe(ctx, "t", Owner{})
	slow := b.Subscribe(ctx, "t", Owner{})
	done := make(chan struct{})
	got := make(chan any)
	go func() {
		for e := range fast {
			got <- e
		}
		close(done)
	}()
	// The slow subscriber never reads: publishing must not block, and the
	// fast one keeps receiving.
	finished := make(chan struct{})
	go func() {
		for i := range 10 {
			b.Publish(context.Background(), "t", i)
			if e := <-got; e != i {
				t.Errorf("fast subscriber got %v, want %d", e, i)
			}
		}
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("publish blocked on a slow subscriber")
	}
	n := 0
	for range slow {
		n++
	}
	if n != 2 {
		t.Fatalf("slow subscriber got %d events before being dropped, want its buffer of 2", n)
	}
	if b.Subscribers("t") != 1 {
		t.Fatalf("%d subscribers left, want the fast one", b.Subscribers("t"))
	}
	if live := seen.opened.Load() - seen.closed.Load(); live != 1 || seen.dropped.Load() != 1 {
		t.Fatalf("observer: %d live, %d dropped; want 1 and 1", live, seen.dropped.Load())
	}
	cancel()
	<-done
	if b.Subscribers("t") != 0 {
		t.Fatal("cancelled subscriber still registered")
	}
	if seen.opened.Load() != 2 || seen.closed.Load() != 2 {
		t.Fatalf("observer: %d opened, %d closed; want 2 and 2", seen.opened.Load(), seen.closed.Load())
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	b := NewBroker(4, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	before := runtime.NumGoroutine()
	for range 100 {
		ctx, cancel := context.WithCancel(context.Background())
		b.Subscribe(ctx, "x", Owner{})
		cancel()
	}
	deadline := time.Now().Add(5 * time.Second)
	// Each cancelled subscription ends its goroutine and then leaves the
	// topic: wait for both.
	for (runtime.NumGoroutine() > before || b.Subscribers("x") != 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if runtime.NumGoroutine() > before || b.Subscribers("x") != 0 {
		t.Fatalf("goroutines %d -> %d, subscribers %d", before, runtime.NumGoroutine(), b.Subscribers("x"))
	}
}
