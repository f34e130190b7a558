// Package pubsub delivers events to subscribers. Publishers call Publish
// from inside the transaction that made the change: the in-memory Broker
// delivers after that transaction commits and drops the event on rollback,
// as a PostgreSQL LISTEN/NOTIFY broker would. Each subscriber has a bounded
// buffer; a subscriber that falls behind is dropped, so a slow client never
// blocks a mutation.
package pubsub

import (
	"context"
	"log/slog"
	"sync"

	"socrates/internal/store"
	"socrates/models"
)

// Topics.
const (
	topicQuestions = "questions:"
	topicChat      = "chat:"
	topicSession   = "session:"
	topicProject   = "project:"
)

// QuestionTopic carries the question stream of a session.
func QuestionTopic(sessionID int64) string { return topicQuestions + itoa(sessionID) }

// ChatTopic carries the chat replies of a session as they are written.
func ChatTopic(sessionID int64) string { return topicChat + itoa(sessionID) }

// SessionTopic carries the events of a session.
func SessionTopic(sessionID int64) string { return topicSession + itoa(sessionID) }

// ProjectTopic carries the events of a project.
func ProjectTopic(projectID int64) string { return topicProject + itoa(projectID) }

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Broker is the in-memory broker.
type Broker struct {
	mu       sync.Mutex
	subs     map[string]map[*subscriber]struct{}
	buffer   int
	logger   *slog.Logger
	observer Observer
}

// Observer is told of subscriptions opening and closing and of slow
// subscribers dropped (the server's metrics).
type Observer interface {
	SubscriptionOpened()
	SubscriptionClosed()
	SubscriberDropped()
}

// noObserver observes nothing.
type noObserver struct{}

func (noObserver) SubscriptionOpened() {}
func (noObserver) SubscriptionClosed() {}
func (noObserver) SubscriberDropped()  {}

type subscriber struct {
	ch     chan any
	closed bool
	owner  Owner
}

// Owner is who a subscription is for: its user, and the project whose
// events it carries, so that losing access can end it.
type Owner struct {
	UserID    int64
	ProjectID int64
}

// NewBroker returns a broker whose subscribers buffer up to buffer events;
// observer (nil for none) is told of subscriptions and drops.
func NewBroker(buffer int, logger *slog.Logger, observer Observer) *Broker {
	if buffer < 1 {
		buffer = 1
	}
	if observer == nil {
		observer = noObserver{}
	}
	return &Broker{subs: map[string]map[*subscriber]struct{}{}, buffer: buffer, logger: logger, observer: observer}
}

// Publish delivers event to the topic's subscribers once the transaction in
// ctx commits (at once outside a transaction).
func (b *Broker) Publish(ctx context.Context, topic string, event any) {
	store.AfterCommit(ctx, func() { b.deliver(topic, event) })
}

func (b *Broker) deliver(topic string, event any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[topic] {
		select {
		case s.ch <- event:
		default:
			// Too slow: drop the subscriber rather than wait.
			b.logger.Warn("dropping a slow subscriber", "topic", topic, "buffer", b.buffer)
			b.observer.SubscriberDropped()
			b.remove(topic, s)
		}
	}
}

// remove closes and forgets a subscriber; b.mu is held.
func (b *Broker) remove(topic string, s *subscriber) {
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	b.observer.SubscriptionClosed()
	delete(b.subs[topic], s)
	if len(b.subs[topic]) == 0 {
		delete(b.subs, topic)
	}
}

// Subscribe returns a channel of the topic's events. It is closed when ctx
// ends, when the subscriber falls behind, or when it is dropped.
func (b *Broker) Subscribe(ctx context.Context, topic string, owner Owner) <-chan any {
	s := &subscriber{ch: make(chan any, b.buffer), owner: owner}
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[*subscriber]struct{}{}
	}
	b.subs[topic][s] = struct{}{}
	b.observer.SubscriptionOpened()
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.remove(topic, s)
	})
	return s.ch
}

// Subscribers returns how many subscribers a topic has.
func (b *Broker) Subscribers(topic string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[topic])
}

// Listened reports whether any of the topics has a subscriber.
func (b *Broker) Listened(topics ...string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range topics {
		if len(b.subs[t]) > 0 {
			return true
		}
	}
	return false
}

// PublishEvent sends a session or project event to the subscribers of its
// session (when it has one) and of its project, once ctx's transaction
// commits.
func (b *Broker) PublishEvent(ctx context.Context, e *models.Event) {
	if e.Specifications == nil {
		e.Specifications = []*models.Specification{}
	}
	if e.Conflicts == nil {
		e.Conflicts = []*models.Conflict{}
	}
	if e.SessionID != nil {
		b.Publish(ctx, SessionTopic(*e.SessionID), e)
	}
	b.Publish(ctx, ProjectTopic(e.ProjectID), e)
}

// Watchers returns the users with subscriptions to a project's events.
func (b *Broker) Watchers(projectID int64) []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := map[int64]bool{}
	var out []int64
	for _, subs := range b.subs {
		for s := range subs {
			if s.owner.ProjectID == projectID && !seen[s.owner.UserID] {
				seen[s.owner.UserID] = true
				out = append(out, s.owner.UserID)
			}
		}
	}
	return out
}

// Drop ends a user's subscriptions to a project's events and returns how
// many it ended.
func (b *Broker) Drop(projectID, userID int64) int {
	return b.endWhere(func(o Owner) bool { return o.ProjectID == projectID && o.UserID == userID })
}

// EndAll ends every subscription (their streams complete) and returns how
// many it ended: subscribers learn that events may have been missed and
// subscribe again.
func (b *Broker) EndAll() int {
	return b.endWhere(func(Owner) bool { return true })
}

// EndProject ends every subscription to a project's events and returns how
// many it ended.
func (b *Broker) EndProject(projectID int64) int {
	return b.endWhere(func(o Owner) bool { return o.ProjectID == projectID })
}

// endWhere ends the subscriptions whose owner matches and returns how many
// it ended.
func (b *Broker) endWhere(match func(Owner) bool) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for topic, subs := range b.subs {
		for s := range subs {
			if match(s.owner) {
				b.remove(topic, s)
				n++
			}
		}
	}
	return n
}
