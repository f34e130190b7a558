// Package pgevents carries events between the server processes that share
// one PostgreSQL database. A process delivers its own events to its own
// subscribers in memory (internal/pubsub) and also sends them, small (kinds
// and ids), with NOTIFY inside the transaction that wrote their data, so
// that PostgreSQL hands them to the other processes exactly when that
// transaction commits and never when it rolls back. Each process keeps one
// connection LISTENing; for a notification from another process it reads
// the rows the event names, once, and delivers the event to its own
// subscribers. When the listening connection dies it reconnects with
// backoff and ends its subscribers' streams, since events may have been
// missed meanwhile.
package pgevents

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"socrates/internal/pubsub"
	"socrates/internal/store"
	"socrates/models"
)

// maxPayload is the largest notification payload PostgreSQL takes (8000
// bytes), less room to spare; an event whose ids do not fit tells the
// other processes to end that project's streams instead.
const maxPayload = 7800

// Bus is the in-memory broker of this process, joined to the other
// processes on the database through LISTEN/NOTIFY.
type Bus struct {
	*pubsub.Broker
	access  Revalidator
	store   *store.Store
	config  *pgx.ConnConfig
	channel string
	origin  string
	logger  *slog.Logger

	// steps holds, per topic, the question stream steps published outside
	// a transaction and not yet sent: they go together, every streamWindow
	// or with the transaction that saves the question.
	mu    sync.Mutex
	steps map[string][]string
}

// streamWindow is how long question stream steps wait to be sent together
// to the other processes.
const streamWindow = 50 * time.Millisecond

// Revalidator ends the subscriptions of users who lost access to a
// project.
type Revalidator interface {
	// AccessChanged re-checks the projects' subscriptions once ctx's
	// transaction commits.
	AccessChanged(ctx context.Context, projectIDs ...int64)
	// Revalidate re-checks them now.
	Revalidate(ctx context.Context, projectIDs ...int64)
}

// Deps are what a Bus needs.
type Deps struct {
	// Broker delivers to this process's subscribers.
	Broker *pubsub.Broker
	// Access ends this process's subscriptions whose user lost access.
	Access Revalidator
	// Store writes notifications and reads the rows events name.
	Store *store.Store
	// DatabaseURL is where the listening connection goes.
	DatabaseURL string
	Logger      *slog.Logger
}

// New prepares a bus on the database of d.Store. Its channel is named
// after the current schema, so deployments in separate schemas of one
// database do not hear each other.
func New(ctx context.Context, d Deps) (*Bus, error) {
	cfg, err := pgx.ParseConfig(d.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("events: parse the database url: %w", err)
	}
	var schema string
	if err := d.Store.DB(ctx).NewRaw("SELECT current_schema()").Scan(ctx, &schema); err != nil {
		return nil, fmt.Errorf("events: read the current schema: %w", err)
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("events: make an instance id: %w", err)
	}
	origin := hex.EncodeToString(id[:])
	cfg.RuntimeParams["application_name"] = "socrates events " + origin
	return &Bus{Broker: d.Broker, access: d.Access, store: d.Store, config: cfg, channel: channelFor(schema), origin: origin, logger: d.Logger,
		steps: map[string][]string{}}, nil
}

// channelFor names the notification channel of a schema (at most 63
// bytes, the length of an identifier).
func channelFor(schema string) string {
	name := "socrates_events"
	if schema != "" && schema != "public" {
		name += "." + schema
	}
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// message is a notification: the event's kind and the ids that let another
// process rebuild it.
type message struct {
	Origin string `json:"o"`
	// Kind is "e" for a session or project event, "q" for a step of a
	// question stream, "g" for a step of a code generation's progress,
	// "r" for "end this project's streams", "v" for "access to these
	// projects changed".
	Kind  string `json:"k"`
	Topic string `json:"tp,omitempty"`

	// Projects whose access changed ("v").
	Projects []int64 `json:"ps,omitempty"`

	Type         string  `json:"t,omitempty"`
	Project      int64   `json:"p,omitempty"`
	WithProject  bool    `json:"wp,omitempty"`
	Session      *int64  `json:"s,omitempty"`
	WithSession  bool    `json:"ws,omitempty"`
	Question     int64   `json:"q,omitempty"`
	Message      int64   `json:"m,omitempty"`
	Specs        []int64 `json:"sp,omitempty"`
	Conflicts    []int64 `json:"c,omitempty"`
	PrevMaturity *int    `json:"pm,omitempty"`

	StreamKind string  `json:"sk,omitempty"`
	Delta      *string `json:"d,omitempty"`
	Provider   *string `json:"pv,omitempty"`
	Fallback   bool    `json:"f,omitempty"`
	Note       *string `json:"n,omitempty"`

	// Progress is a code generation's step ("g"), whole: it names no row.
	Progress *models.CodeGenerationProgress `json:"g,omitempty"`
}

// Publish delivers an event to this process's subscribers of topic once
// ctx's transaction commits, and, for the steps of a question stream or
// of a code generation, to the other processes' with it (steps published
// outside a transaction go together after streamWindow).
func (b *Bus) Publish(ctx context.Context, topic string, event any) {
	b.Broker.Publish(ctx, topic, event)
	var m message
	switch e := event.(type) {
	case *models.QuestionStreamEvent:
		m = message{Kind: "q", Topic: topic, StreamKind: string(e.Kind), Delta: e.Delta, Provider: e.Provider,
			Fallback: e.Fallback, Note: e.Message}
		if e.Question != nil {
			m.Question = e.Question.ID
		}
	case *models.CodeGenerationProgress:
		m = message{Kind: "g", Topic: topic, Progress: e}
	default:
		return
	}
	raw, ok := b.encode(ctx, m, 0)
	if !ok {
		return
	}
	if !store.HasTx(ctx) {
		b.queueStep(ctx, topic, raw)
		return
	}
	// The steps still waiting go first, with this one, in the
	// transaction.
	b.mu.Lock()
	waiting := b.steps[topic]
	delete(b.steps, topic)
	b.mu.Unlock()
	for _, w := range waiting {
		b.enqueue(ctx, w)
	}
	b.enqueue(ctx, raw)
}

// queueStep holds a stream step (of a question or a code generation)
// published outside a transaction and sends the topic's steps together
// after streamWindow.
func (b *Bus) queueStep(ctx context.Context, topic, raw string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first := len(b.steps[topic]) == 0
	b.steps[topic] = append(b.steps[topic], raw)
	if !first {
		return
	}
	bg := context.WithoutCancel(ctx)
	time.AfterFunc(streamWindow, func() {
		b.mu.Lock()
		waiting := b.steps[topic]
		delete(b.steps, topic)
		b.mu.Unlock()
		if err := b.notify(bg, waiting); err != nil {
			b.logger.WarnContext(bg, "events: notify the other instances", "error", err.Error())
		}
	})
}

// PublishEvent delivers a session or project event to this process's
// subscribers once ctx's transaction commits, and to the other processes'
// with it.
func (b *Bus) PublishEvent(ctx context.Context, e *models.Event) {
	b.Broker.PublishEvent(ctx, e)
	m := message{Kind: "e", Type: string(e.Type), Project: e.ProjectID, WithProject: e.Project != nil,
		Session: e.SessionID, WithSession: e.Session != nil, PrevMaturity: e.PreviousMaturity}
	if e.Question != nil {
		m.Question = e.Question.ID
	}
	if e.Message != nil {
		m.Message = e.Message.ID
	}
	for _, sp := range e.Specifications {
		m.Specs = append(m.Specs, sp.ID)
	}
	for _, c := range e.Conflicts {
		m.Conflicts = append(m.Conflicts, c.ID)
	}
	b.send(ctx, m, e.ProjectID)
}

// AccessChanged re-checks, once ctx's transaction commits, the live
// subscriptions to the projects in this process and in the others.
func (b *Bus) AccessChanged(ctx context.Context, projectIDs ...int64) {
	b.access.AccessChanged(ctx, projectIDs...)
	b.send(ctx, message{Kind: "v", Projects: projectIDs}, 0)
}

// send queues m on ctx's transaction, or notifies at once outside one.
func (b *Bus) send(ctx context.Context, m message, projectID int64) {
	if raw, ok := b.encode(ctx, m, projectID); ok {
		b.enqueue(ctx, raw)
	}
}

// encode writes m as a notification payload. A message too large for one
// becomes "end the project's streams".
func (b *Bus) encode(ctx context.Context, m message, projectID int64) (string, bool) {
	m.Origin = b.origin
	raw, err := json.Marshal(m)
	if err == nil && len(raw) > maxPayload {
		raw, err = json.Marshal(message{Origin: b.origin, Kind: "r", Project: projectID})
	}
	if err != nil {
		b.logger.ErrorContext(ctx, "events: encode a notification", "error", err.Error())
		return "", false
	}
	return string(raw), true
}

// enqueue adds a payload to the calls ctx's transaction runs in the
// statement that ends it (store.CallAtCommit), in order, or notifies at
// once outside one.
func (b *Bus) enqueue(ctx context.Context, raw string) {
	if !store.HasTx(ctx) {
		if err := b.notify(ctx, []string{raw}); err != nil {
			b.logger.WarnContext(ctx, "events: notify the other instances", "error", err.Error())
		}
		return
	}
	// A failure here fails the commit, as the statement it joins does.
	_ = b.store.CallAtCommit(ctx, "pg_notify(?, ?)", b.channel, raw)
}

// notify sends payloads in one statement, in order.
func (b *Bus) notify(ctx context.Context, payloads []string) error {
	if len(payloads) == 0 {
		return nil
	}
	calls := make([]string, len(payloads))
	args := make([]any, 0, 2*len(payloads))
	for i, p := range payloads {
		calls[i] = "pg_notify(?, ?)"
		args = append(args, b.channel, p)
	}
	if _, err := b.store.DB(ctx).ExecContext(ctx, "SELECT "+strings.Join(calls, ", "), args...); err != nil {
		return fmt.Errorf("notify %d events: %w", len(payloads), err)
	}
	return nil
}

// Run listens for the other processes' events until ctx ends, reconnecting
// with backoff (0.1 s doubling to 5 s) when the connection dies. ready, when
// not nil, is closed once the first LISTEN is in place.
func (b *Bus) Run(ctx context.Context, ready chan<- struct{}) {
	const first, most = 100 * time.Millisecond, 5 * time.Second
	wait := first
	connected := false
	for ctx.Err() == nil {
		err := b.listen(ctx, func(pid uint32) {
			if connected {
				n := b.EndAll()
				b.logger.Warn("events: listening again; ended the streams that may have missed events",
					"instance", b.origin, "backend_pid", pid, "ended", n)
			} else {
				b.logger.Info("events: listening", "instance", b.origin, "backend_pid", pid, "channel", b.channel)
				if ready != nil {
					close(ready)
				}
			}
			connected, wait = true, first
		})
		if ctx.Err() != nil {
			return
		}
		b.logger.Warn("events: the listening connection failed; reconnecting", "instance", b.origin, "in", wait.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, most)
	}
}

// listen holds one LISTENing connection and delivers what it hears until
// the connection fails or ctx ends.
func (b *Bus) listen(ctx context.Context, listening func(pid uint32)) error {
	conn, err := pgx.ConnectConfig(ctx, b.config)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening(conn.PgConn().PID())
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for a notification: %w", err)
		}
		b.receive(ctx, n.Payload)
	}
}

// receive delivers another process's event to this process's subscribers.
func (b *Bus) receive(ctx context.Context, payload string) {
	var m message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		b.logger.WarnContext(ctx, "events: a notification that is not an event", "error", err.Error())
		return
	}
	if m.Origin == b.origin {
		return // delivered in memory already
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch m.Kind {
	case "e":
		// Rows are read only for an event someone here listens to: an
		// instance must not read the database for every write of the
		// others.
		topics := []string{pubsub.ProjectTopic(m.Project)}
		if m.Session != nil {
			topics = append(topics, pubsub.SessionTopic(*m.Session))
		}
		if !b.Broker.Listened(topics...) {
			return
		}
		e, err := b.rebuild(rctx, m)
		if err != nil {
			// The subscribers cannot be given this event: end their
			// streams rather than let them miss it silently.
			n := b.EndProject(m.Project)
			b.logger.WarnContext(ctx, "events: read an event's rows", "type", m.Type, "project", m.Project, "ended", n, "error", err.Error())
			return
		}
		b.Broker.PublishEvent(rctx, e)
	case "q":
		if !b.Broker.Listened(m.Topic) {
			return
		}
		e := &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKind(m.StreamKind), Delta: m.Delta,
			Provider: m.Provider, Fallback: m.Fallback, Message: m.Note}
		if m.Question != 0 {
			q, err := one(rctx, b.store.QuestionsByIDs, m.Question, "question")
			if err != nil {
				b.logger.WarnContext(ctx, "events: read a streamed question", "error", err.Error())
				return
			}
			e.Question = q
		}
		b.Broker.Publish(rctx, m.Topic, e)
	case "g":
		if m.Progress != nil && b.Broker.Listened(m.Topic) {
			b.Broker.Publish(rctx, m.Topic, m.Progress)
		}
	case "r":
		b.EndProject(m.Project)
	case "v":
		b.access.Revalidate(rctx, m.Projects...)
	}
}

// rebuild reads the rows an event message names.
func (b *Bus) rebuild(ctx context.Context, m message) (*models.Event, error) {
	e := &models.Event{Type: models.SessionEventType(m.Type), ProjectID: m.Project, SessionID: m.Session,
		PreviousMaturity: m.PrevMaturity, Specifications: []*models.Specification{}, Conflicts: []*models.Conflict{}}
	var err error
	if m.WithProject {
		if e.Project, err = one(ctx, b.store.ProjectsByIDs, m.Project, "project"); err != nil {
			return nil, err
		}
	}
	if m.WithSession && m.Session != nil {
		if e.Session, err = one(ctx, b.store.SessionsByIDs, *m.Session, "session"); err != nil {
			return nil, err
		}
	}
	if m.Question != 0 {
		if e.Question, err = one(ctx, b.store.QuestionsByIDs, m.Question, "question"); err != nil {
			return nil, err
		}
	}
	if m.Message != 0 {
		if e.Message, err = one(ctx, b.store.MessagesByIDs, m.Message, "message"); err != nil {
			return nil, err
		}
	}
	if len(m.Specs) > 0 {
		specs, err := b.store.SpecificationsByIDs(ctx, m.Specs)
		if err != nil {
			return nil, fmt.Errorf("specifications: %w", err)
		}
		e.Specifications = inOrder(specs, m.Specs, func(s *models.Specification) int64 { return s.ID })
	}
	if len(m.Conflicts) > 0 {
		cs, err := b.store.ConflictsByIDs(ctx, m.Conflicts)
		if err != nil {
			return nil, fmt.Errorf("conflicts: %w", err)
		}
		e.Conflicts = inOrder(cs, m.Conflicts, func(c *models.Conflict) int64 { return c.ID })
	}
	return e, nil
}

// one reads the row of id with a by-ids read.
func one[T any](ctx context.Context, read func(context.Context, []int64) ([]*T, error), id int64, what string) (*T, error) {
	rows, err := read(ctx, []int64{id})
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", what, id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s %d: %w", what, id, store.ErrNotFound)
	}
	return rows[0], nil
}

// inOrder returns rows in the order of ids (rows a batched read returns in
// any order).
func inOrder[T any](rows []T, ids []int64, id func(T) int64) []T {
	byID := make(map[int64]T, len(rows))
	for _, r := range rows {
		byID[id(r)] = r
	}
	out := make([]T, 0, len(ids))
	for _, i := range ids {
		if r, ok := byID[i]; ok {
			out = append(out, r)
		}
	}
	return out
}
