package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// WSMessage is one graphql-transport-ws message.
type WSMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// WS is a graphql-transport-ws client.
type WS struct {
	Conn *websocket.Conn
}

// DialWS connects to the server's websocket and sends connection_init with
// payload. It returns after connection_ack, or with the error (a
// websocket.CloseError when the server closed the socket).
func DialWS(ctx context.Context, s *Server, payload map[string]any) (*WS, error) {
	conn, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	// Results such as a full introspection exceed the library's default
	// 32 KiB; browsers read messages of any size.
	conn.SetReadLimit(16 << 20)
	ws := &WS{Conn: conn}
	init := WSMessage{Type: "connection_init"}
	if payload != nil {
		raw, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		init.Payload = raw
	}
	if err := ws.Send(ctx, init); err != nil {
		return nil, err
	}
	for {
		m, err := ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case "connection_ack":
			return ws, nil
		case "ping":
			if err := ws.Send(ctx, WSMessage{Type: "pong"}); err != nil {
				return nil, err
			}
		case "connection_error", "error":
			continue
		default:
			return nil, fmt.Errorf("unexpected %s before connection_ack", m.Type)
		}
	}
}

// Send writes one message.
func (w *WS) Send(ctx context.Context, m WSMessage) error { return wsjson.Write(ctx, w.Conn, m) }

// Read reads one message.
func (w *WS) Read(ctx context.Context) (WSMessage, error) {
	var m WSMessage
	err := wsjson.Read(ctx, w.Conn, &m)
	return m, err
}

// Subscribe starts an operation under id.
func (w *WS) Subscribe(ctx context.Context, id, query string, vars map[string]any) error {
	raw, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	return w.Send(ctx, WSMessage{ID: id, Type: "subscribe", Payload: raw})
}

// Next reads messages until one for id that is not a ping, answering
// server pings on the way.
func (w *WS) Next(ctx context.Context, id string) (WSMessage, error) {
	for {
		m, err := w.Read(ctx)
		if err != nil {
			return m, err
		}
		if m.Type == "ping" {
			if err := w.Send(ctx, WSMessage{Type: "pong"}); err != nil {
				return m, err
			}
			continue
		}
		if m.Type == "pong" || (id != "" && m.ID != id) {
			continue
		}
		return m, nil
	}
}

// Close closes the connection normally.
func (w *WS) Close() { _ = w.Conn.Close(websocket.StatusNormalClosure, "bye") }

// QueryWS runs one operation over a new subscribe and returns its single
// result payload, failing the test otherwise.
func (w *WS) QueryWS(t testing.TB, ctx context.Context, id, query string) json.RawMessage {
	t.Helper()
	if err := w.Subscribe(ctx, id, query, nil); err != nil {
		t.Fatal(err)
	}
	m, err := w.Next(ctx, id)
	if err != nil || m.Type != "next" {
		t.Fatalf("want next, got %+v %v", m, err)
	}
	done, err := w.Next(ctx, id)
	if err != nil || done.Type != "complete" {
		t.Fatalf("want complete, got %+v %v", done, err)
	}
	return m.Payload
}
