package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"socrates/internal/ids"
)

// The fan-out subscription and the probe that shows every subscriber is
// live (pausing and resuming publish SESSION_STATUS_CHANGED, which
// ask and answer never do).
const (
	fanoutSubscription = `subscription Events($s: ID!) { sessionEvents(sessionId: $s) {
  type question { id text } specifications { key value status } project { id maturity } } }`
	pauseMutation  = `mutation Pause($s: ID!) { pauseSession(input: {sessionId: $s}) { session { status } userErrors { code message } } }`
	resumeMutation = `mutation Resume($s: ID!) { resumeSession(input: {sessionId: $s}) { session { status } userErrors { code message } } }`
	projectQuery   = `query P($p: ID!) { project(id: $p) { maturity } }`
	probeEventType = "SESSION_STATUS_CHANGED"
)

// fanoutAnswers are the driver's answers, in turn: each yields
// specifications, and the MongoDB one contradicts PostgreSQL.
func fanoutAnswers() []string {
	return []string{
		askAnswerText,
		"Requests should answer within 200 ms at p95, and we will monitor with Prometheus and Grafana",
		"Backups every hour, kept for 30 days, with an RPO of 15 minutes",
		"Actually we will use MongoDB as the database",
		"The team knows Go and TypeScript; the frontend will be React",
	}
}

// wsMessage is one graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// receivedEvent is an event as one subscriber got it.
type receivedEvent struct {
	At   time.Time
	Type string
}

// subscriber is one websocket client of sessionEvents.
type subscriber struct {
	conn   *websocket.Conn
	mu     sync.Mutex
	events []receivedEvent
	probes atomic.Int64
	ended  atomic.Bool
}

// dialSubscriber connects, authenticates and subscribes.
func dialSubscriber(ctx context.Context, wsURL, auth, sessionID string) (*subscriber, error) {
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	conn.SetReadLimit(1 << 20)
	fail := func(err error) (*subscriber, error) {
		conn.CloseNow()
		return nil, err
	}
	init, err := json.Marshal(map[string]string{"Authorization": auth})
	if err != nil {
		return fail(err)
	}
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: init}); err != nil {
		return fail(fmt.Errorf("connection_init: %w", err))
	}
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			return fail(fmt.Errorf("wait for connection_ack: %w", err))
		}
		if m.Type == "connection_ack" {
			break
		}
		if m.Type != "ping" && m.Type != "pong" {
			return fail(fmt.Errorf("got %s before connection_ack", m.Type))
		}
	}
	payload, err := json.Marshal(map[string]any{"query": fanoutSubscription, "variables": map[string]any{"s": sessionID}})
	if err != nil {
		return fail(err)
	}
	if err := wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		return fail(fmt.Errorf("subscribe: %w", err))
	}
	return &subscriber{conn: conn}, nil
}

// read records every event until the connection ends.
func (s *subscriber) read(ctx context.Context) {
	defer s.ended.Store(true)
	for {
		_, data, err := s.conn.Read(ctx)
		at := time.Now()
		if err != nil {
			return
		}
		var m struct {
			Type    string `json:"type"`
			Payload struct {
				Data struct {
					SessionEvents struct {
						Type string `json:"type"`
					} `json:"sessionEvents"`
				} `json:"data"`
			} `json:"payload"`
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "next":
			typ := m.Payload.Data.SessionEvents.Type
			if typ == probeEventType {
				s.probes.Add(1)
				continue
			}
			s.mu.Lock()
			s.events = append(s.events, receivedEvent{At: at, Type: typ})
			s.mu.Unlock()
		case "ping":
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
		case "complete", "error":
			return
		}
	}
}

func (s *subscriber) received() []receivedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedEvent(nil), s.events...)
}

// triggered is one mutation of the driver and the event types it
// published to the session, in order.
type triggered struct {
	Sent, Answered time.Time
	Types          []string
}

// expectedEvent is one event every subscriber should receive.
type expectedEvent struct {
	Type     string
	Mutation int
}

// matchEvents pairs a subscriber's events with the expected ones, in
// order (a subscriber gets a session's events in publication order; one
// that falls behind is dropped, never skipped over). It returns, for each
// received event, the index of the mutation that published it, or -1 for
// an event that was not expected.
func matchEvents(expected []expectedEvent, got []receivedEvent) []int {
	out := make([]int, len(got))
	j := 0
	for i, ev := range got {
		k := j
		for k < len(expected) && expected[k].Type != ev.Type {
			k++
		}
		if k == len(expected) {
			out[i] = -1
			continue
		}
		out[i] = expected[k].Mutation
		j = k + 1
	}
	return out
}

// fanoutResult is what the fan-out phase measured.
type fanoutResult struct {
	Subscribers int
	// Connected is how long dialing, connection_ack and subscribe took
	// for all subscribers; Live is until every one received a probe.
	Connected, Live time.Duration
	Mutations       int
	Asks, Answers   int
	// ExpectedPer is the number of events each subscriber should receive.
	ExpectedPer int
	Expected    int
	Received    int
	Unexpected  int
	Ended       int
	// FromResponse are receipt time minus the arrival of the triggering
	// mutation's HTTP response; FromSent minus the sending of its request.
	FromResponse, FromSent []time.Duration
}

// runFanout subscribes n clients to one session's events, then drives
// rounds ask-and-answer rounds, pausing pause after each answer.
func runFanout(ctx context.Context, srv *server, u seededUser, n, rounds int, pause time.Duration) (fanoutResult, error) {
	res := fanoutResult{Subscribers: n}
	auth, err := srv.authHeader(u.UserID)
	if err != nil {
		return res, err
	}
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")
	sessionID := ids.Encode(ids.Session, u.SessionID)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()

	subs := make([]*subscriber, n)
	start := time.Now()
	var firstErr error
	var errMu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, 50)
	for i := range n {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			s, err := dialSubscriber(dctx, wsURL, auth, sessionID)
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				return
			}
			subs[i] = s
			go s.read(readCtx)
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range subs {
			if s != nil {
				s.conn.CloseNow()
			}
		}
	}()
	res.Connected = time.Since(start)
	if firstErr != nil {
		return res, fmt.Errorf("subscribe %d clients: %w", n, firstErr)
	}

	client := newLoadClient(1)
	defer client.CloseIdleConnections()
	gql := &gqlClient{http: client, url: srv.URL, auth: auth}
	if err := probeUntilLive(ctx, gql, sessionID, subs); err != nil {
		return res, err
	}
	res.Live = time.Since(start)

	var maturity struct {
		Project struct{ Maturity int }
	}
	if err := gql.do(ctx, projectQuery, map[string]any{"p": ids.Encode(ids.Project, u.ProjectID)}, &maturity); err != nil {
		return res, fmt.Errorf("read the fan-out project: %w", err)
	}
	prev := maturity.Project.Maturity
	driver := &dialogueUser{gql: gql, projectID: ids.Encode(ids.Project, u.ProjectID), sessionID: sessionID}
	answers := fanoutAnswers()
	var muts []triggered
	for i := range rounds {
		t0 := time.Now()
		q, err := driver.ask(ctx)
		if err != nil {
			return res, err
		}
		if driver.NewSessions > 0 {
			return res, fmt.Errorf("the fan-out session ran out of questions")
		}
		muts = append(muts, triggered{Sent: t0, Answered: time.Now(), Types: []string{"QUESTION_ASKED", "MESSAGE_ADDED"}})
		t0 = time.Now()
		a, err := driver.answer(ctx, q, answers[i%len(answers)])
		if err != nil {
			return res, err
		}
		m := triggered{Sent: t0, Answered: time.Now(), Types: []string{"QUESTION_ANSWERED", "MESSAGE_ADDED"}}
		p := a.AnswerQuestion
		if len(p.Specifications) > 0 {
			m.Types = append(m.Types, "SPECIFICATIONS_EXTRACTED")
		}
		if len(p.Conflicts) > 0 {
			m.Types = append(m.Types, "CONFLICT_DETECTED")
		}
		if p.Project != nil && p.Project.Maturity != prev {
			m.Types = append(m.Types, "MATURITY_CHANGED")
			prev = p.Project.Maturity
		}
		muts = append(muts, m)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(pause):
		}
	}
	var expected []expectedEvent
	for i, m := range muts {
		for _, t := range m.Types {
			expected = append(expected, expectedEvent{Type: t, Mutation: i})
		}
	}
	res.Mutations, res.Asks, res.Answers = len(muts), rounds, rounds
	res.ExpectedPer = len(expected)
	res.Expected = n * len(expected)
	// Let the last events arrive: until every subscriber has them all, or 5 s.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		done := true
		for _, s := range subs {
			if !s.ended.Load() && len(s.received()) < len(expected) {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, s := range subs {
		got := s.received()
		for i, mut := range matchEvents(expected, got) {
			if mut < 0 {
				res.Unexpected++
				continue
			}
			res.Received++
			res.FromResponse = append(res.FromResponse, got[i].At.Sub(muts[mut].Answered))
			res.FromSent = append(res.FromSent, got[i].At.Sub(muts[mut].Sent))
		}
		if s.ended.Load() {
			res.Ended++
		}
	}
	return res, nil
}

// probeUntilLive pauses and resumes the session every 250 ms until every
// subscriber has received a probe event, so the measured events find all
// of them subscribed (graphql-transport-ws does not acknowledge a
// subscribe).
func probeUntilLive(ctx context.Context, gql *gqlClient, sessionID string, subs []*subscriber) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, m := range []string{pauseMutation, resumeMutation} {
			if err := gql.do(ctx, m, map[string]any{"s": sessionID}, nil); err != nil {
				return fmt.Errorf("probe the subscribers: %w", err)
			}
		}
		wait := time.Now().Add(250 * time.Millisecond)
		for {
			live := 0
			for _, s := range subs {
				if s.probes.Load() > 0 {
					live++
				}
			}
			if live == len(subs) {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of %d subscribers received events after 60 s", live, len(subs))
			}
			if time.Now().After(wait) {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}
