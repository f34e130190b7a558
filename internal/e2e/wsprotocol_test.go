package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socrates/internal/config"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// rawWS is a websocket client that speaks graphql-transport-ws by hand,
// so that tests see every message and the exact close code and reason.
type rawWS struct {
	t    *testing.T
	ctx  context.Context
	conn *websocket.Conn
}

// dialRaw opens a websocket to srv with the given subprotocols (none when
// empty) and no message sent yet.
func dialRaw(t *testing.T, srv *testenv.Server, subprotocols ...string) *rawWS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, srv.WSURL(), &websocket.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(16 << 20)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &rawWS{t: t, ctx: ctx, conn: conn}
}

// dialAcked opens a graphql-transport-ws connection and completes the
// connection_init handshake with payload.
func dialAcked(t *testing.T, srv *testenv.Server, payload string) *rawWS {
	t.Helper()
	w := dialRaw(t, srv, "graphql-transport-ws")
	if payload == "" {
		w.send(`{"type":"connection_init"}`)
	} else {
		w.send(`{"type":"connection_init","payload":` + payload + `}`)
	}
	if m := w.read(); m.Type != "connection_ack" {
		w.t.Fatalf("want connection_ack, got %+v", m)
	}
	return w
}

// send writes one text message as it is.
func (w *rawWS) send(text string) {
	w.t.Helper()
	if err := w.conn.Write(w.ctx, websocket.MessageText, []byte(text)); err != nil {
		w.t.Fatalf("send %s: %v", text, err)
	}
}

// read returns the next message, failing the test on a close or error.
func (w *rawWS) read() testenv.WSMessage {
	w.t.Helper()
	_, data, err := w.conn.Read(w.ctx)
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	var m testenv.WSMessage
	if err := json.Unmarshal(data, &m); err != nil {
		w.t.Fatalf("message %s: %v", data, err)
	}
	return m
}

// expectClose reads until the server closes the socket and checks the
// close code and reason; messages before it must be of the allowed types.
func (w *rawWS) expectClose(code websocket.StatusCode, reason string, allowed ...string) {
	w.t.Helper()
	for {
		_, data, err := w.conn.Read(w.ctx)
		if err == nil {
			var m testenv.WSMessage
			_ = json.Unmarshal(data, &m)
			ok := false
			for _, a := range allowed {
				ok = ok || m.Type == a
			}
			if !ok {
				w.t.Fatalf("want close %d %q, got message %s", code, reason, data)
			}
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("want close %d %q, got %v", code, reason, err)
		}
		if ce.Code != code || ce.Reason != reason {
			w.t.Fatalf("closed with %d %q, want %d %q", ce.Code, ce.Reason, code, reason)
		}
		return
	}
}

// pingPong sends a ping with a marker payload and returns the messages
// that arrive before its pong (which echoes the payload).
func (w *rawWS) pingPong(marker string) []testenv.WSMessage {
	w.t.Helper()
	w.send(`{"type":"ping","payload":{"marker":"` + marker + `"}}`)
	var before []testenv.WSMessage
	for {
		m := w.read()
		if m.Type == "pong" {
			if string(m.Payload) != `{"marker":"`+marker+`"}` {
				w.t.Fatalf("pong payload %s, want the ping's", m.Payload)
			}
			return before
		}
		if m.Type != "ping" {
			before = append(before, m)
		}
	}
}

// TestWebsocketProtocolCloseCodes checks each close code of the
// graphql-transport-ws protocol with a raw client, on each database.
func TestWebsocketProtocolCloseCodes(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) {
			c.WSInitTimeout = 300 * time.Millisecond
		}))
		tok := srv.Client(t).Register("codes@example.com", "password-1")
		auth := `{"Authorization":"Bearer ` + tok.AccessToken + `"}`
		projectID := srv.Client(t).As(tok.AccessToken).CreateProject("Close codes")
		events := fmt.Sprintf(`{"query":"subscription { projectEvents(projectId: \"%s\") { type } }"}`, projectID)

		t.Run("4400 invalid JSON", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type": "subscribe", `)
			w.expectClose(4400, "Invalid message received: not a JSON object")
		})
		t.Run("4400 invalid JSON before connection_init", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			w.send(`hello`)
			w.expectClose(4400, "Invalid message received: not a JSON object")
		})
		t.Run("4400 unknown message type", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"start","id":"1","payload":{"query":"{ viewer { id } }"}}`)
			w.expectClose(4400, `Invalid message received: unknown type "start"`)
		})
		t.Run("4400 message without type", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"id":"1"}`)
			w.expectClose(4400, `Invalid message received: "type" must be a string`)
		})
		t.Run("4400 server message from the client", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"next","id":"1","payload":{}}`)
			w.expectClose(4400, `Invalid message received: "next" is sent by servers only`)
		})
		t.Run("4400 subscribe without id", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"subscribe","payload":{"query":"{ viewer { id } }"}}`)
			w.expectClose(4400, `Invalid message received: "subscribe" needs a non-empty string "id"`)
		})
		t.Run("4400 subscribe with a payload that is no request", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"subscribe","id":"1","payload":{"query":42}}`)
			w.expectClose(4400, `Invalid message received: "subscribe" payload must be a GraphQL request object`)
		})
		t.Run("4400 connection_init payload not an object", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			w.send(`{"type":"connection_init","payload":"Bearer x"}`)
			w.expectClose(4400, `Invalid message received: "connection_init" payload must be an object`)
		})
		t.Run("4401 subscribe before connection_ack", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			w.send(`{"type":"subscribe","id":"1","payload":{"query":"{ viewer { id } }"}}`)
			w.expectClose(4401, "Unauthorized")
		})
		t.Run("4403 refused credential", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			w.send(`{"type":"connection_init","payload":{"Authorization":"Bearer not-a-token"}}`)
			w.expectClose(4403, "Forbidden: invalid or expired access token")
		})
		t.Run("4403 malformed credential", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			w.send(`{"type":"connection_init","payload":{"Authorization":"Token abc"}}`)
			w.expectClose(4403, `Forbidden: authorization must be "Bearer <token>"`)
		})
		t.Run("4406 without the subprotocol", func(t *testing.T) {
			w := dialRaw(t, srv)
			w.expectClose(4406, "Subprotocol not acceptable")
		})
		t.Run("4408 no connection_init in time", func(t *testing.T) {
			w := dialRaw(t, srv, "graphql-transport-ws")
			start := time.Now()
			w.expectClose(4408, "Connection initialisation timeout")
			if waited := time.Since(start); waited < 250*time.Millisecond {
				t.Fatalf("closed after %s, before the 300ms init timeout", waited)
			}
		})
		t.Run("4409 subscriber for an id in use", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"subscribe","id":"dup","payload":` + events + `}`)
			w.send(`{"type":"subscribe","id":"dup","payload":` + events + `}`)
			w.expectClose(4409, "Subscriber for dup already exists")
		})
		t.Run("4429 second connection_init", func(t *testing.T) {
			w := dialAcked(t, srv, auth)
			w.send(`{"type":"connection_init","payload":` + auth + `}`)
			w.expectClose(4429, "Too many initialisation requests")
		})
	})
}

// TestWebsocketProtocolExchange checks the messages of a healthy
// connection: ping and pong, complete from the server after a result,
// error without complete for an invalid document, complete from the
// client stopping a subscription (nothing more is sent for it, and its id
// may be used again), the keep-alive timeout, and the close at shutdown.
func TestWebsocketProtocolExchange(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	client, tok := srv.Client(t).NewUser()
	auth := `{"authToken":"` + tok.AccessToken + `"}`
	projectID := client.CreateProject("Exchange")
	sessionID := client.StartSession(projectID)
	events := fmt.Sprintf(`{"query":"subscription { projectEvents(projectId: \"%s\") { type } }"}`, projectID)
	topic := pubsub.ProjectTopic(projectNumber(t, projectID))
	toggle := func(mutation string) {
		t.Helper()
		client.Must(`mutation($s: ID!) { `+mutation+`(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": sessionID}, nil)
	}

	t.Run("ping before and after connection_init", func(t *testing.T) {
		w := dialRaw(t, srv, "graphql-transport-ws")
		if got := w.pingPong("early"); len(got) != 0 {
			t.Fatalf("messages before pong: %+v", got)
		}
		w.send(`{"type":"connection_init","payload":` + auth + `}`)
		if m := w.read(); m.Type != "connection_ack" {
			t.Fatalf("want connection_ack, got %+v", m)
		}
		w.pingPong("late")
		w.send(`{"type":"pong"}`) // an unsolicited pong is a heartbeat, not an error
		w.pingPong("after-pong")
	})

	t.Run("complete from the server", func(t *testing.T) {
		w := dialAcked(t, srv, auth)
		w.send(`{"type":"subscribe","id":"q","payload":{"query":"{ viewer { email } }"}}`)
		next := w.read()
		if next.Type != "next" || next.ID != "q" || !strings.Contains(string(next.Payload), tok.User.Email) {
			t.Fatalf("want next for q with the viewer, got %+v", next)
		}
		if done := w.read(); done.Type != "complete" || done.ID != "q" {
			t.Fatalf("want complete for q, got %+v", done)
		}
	})

	t.Run("error ends an invalid operation without complete", func(t *testing.T) {
		w := dialAcked(t, srv, auth)
		w.send(`{"type":"subscribe","id":"bad","payload":{"query":"{ nope }"}}`)
		m := w.read()
		if m.Type != "error" || m.ID != "bad" || !strings.Contains(string(m.Payload), "nope") {
			t.Fatalf("want error for bad, got %+v", m)
		}
		var errs []map[string]any
		if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) == 0 {
			t.Fatalf("error payload is no list of GraphQL errors: %s", m.Payload)
		}
		if got := w.pingPong("after-error"); len(got) != 0 {
			t.Fatalf("messages after error: %+v", got)
		}
	})

	t.Run("complete from the client", func(t *testing.T) {
		w := dialAcked(t, srv, auth)
		before := srv.App.Broker.Subscribers(topic)
		w.send(`{"type":"subscribe","id":"p","payload":` + events + `}`)
		waitSubscribers(t, srv, topic, before+1)
		toggle("pauseSession")
		if m := w.read(); m.Type != "next" || m.ID != "p" {
			t.Fatalf("want an event for p, got %+v", m)
		}
		w.send(`{"type":"complete","id":"p"}`)
		if got := w.pingPong("after-complete"); len(got) != 0 {
			t.Fatalf("messages after the client completed p: %+v", got)
		}
		waitSubscribers(t, srv, topic, before)
		toggle("resumeSession")
		if got := w.pingPong("after-event"); len(got) != 0 {
			t.Fatalf("messages for a completed subscription: %+v", got)
		}
		// The id is free again.
		w.send(`{"type":"subscribe","id":"p","payload":` + events + `}`)
		waitSubscribers(t, srv, topic, before+1)
		toggle("pauseSession")
		if m := w.read(); m.Type != "next" || m.ID != "p" {
			t.Fatalf("want an event for the new p, got %+v", m)
		}
		// Completing an unknown id is no error.
		w.send(`{"type":"complete","id":"never"}`)
		w.pingPong("unknown-complete")
		toggle("resumeSession")
	})

	t.Run("message over the read limit", func(t *testing.T) {
		small := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
			c.MaxBodyBytes = 1024
		}))
		w := dialAcked(t, small, "")
		w.send(`{"type":"subscribe","id":"big","payload":{"query":"{ viewer { id } }` + strings.Repeat(" ", 2048) + `"}}`)
		w.expectClose(websocket.StatusMessageTooBig, "read limited at 1025 bytes")
	})

	t.Run("keep-alive timeout", func(t *testing.T) {
		fast := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
			c.KeepAlive = 100 * time.Millisecond
		}))
		w := dialAcked(t, fast, "")
		// This client reads the pings but never answers them.
		w.expectClose(websocket.StatusGoingAway, "Keep-alive timeout: no pong", "ping")
	})

	t.Run("server shutdown", func(t *testing.T) {
		other := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
		w := dialAcked(t, other, "")
		w.send(`{"type":"subscribe","id":"s","payload":{"query":"subscription { projectEvents(projectId: \"UHJvamVjdDox\") { type } }"}}`)
		stopped := make(chan error, 1)
		go func() { stopped <- other.Stop() }()
		w.expectClose(websocket.StatusGoingAway, "Server shutting down", "next", "error", "complete")
		if err := <-stopped; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	})

	t.Run("origin", func(t *testing.T) {
		prod := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
			c.AllowedOrigins = []string{"https://app.example.com"}
		}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for origin, want := range map[string]int{"https://app.example.com": http.StatusSwitchingProtocols, "https://evil.example.com": http.StatusForbidden} {
			conn, resp, err := websocket.Dial(ctx, prod.WSURL(), &websocket.DialOptions{
				Subprotocols: []string{"graphql-transport-ws"},
				HTTPHeader:   http.Header{"Origin": {origin}},
			})
			if resp == nil || resp.StatusCode != want {
				t.Fatalf("origin %s: %v %v, want %d", origin, resp, err, want)
			}
			if conn != nil {
				_ = conn.CloseNow()
			}
		}
	})
}

// waitSubscribers waits until topic has n subscribers.
func waitSubscribers(t *testing.T, srv *testenv.Server, topic string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.App.Broker.Subscribers(topic) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d subscribers, want %d", topic, srv.App.Broker.Subscribers(topic), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// projectNumber is the database key inside a project id.
func projectNumber(t *testing.T, id string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(strings.TrimPrefix(string(mustDecode(t, id)), "Project:"), &n); err != nil {
		t.Fatalf("project id %s: %v", id, err)
	}
	return n
}
