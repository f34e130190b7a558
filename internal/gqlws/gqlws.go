// Package gqlws serves GraphQL over websockets with the
// graphql-transport-ws protocol (the protocol of the graphql-ws library,
// which Apollo's and most other clients speak), as a gqlgen transport.
//
// It closes a connection with the codes the protocol names: 4400 for a
// message it cannot read, 4401 for a subscribe before connection_ack,
// 4403 when connection_init's credential is refused (and when it ends
// later), 4406 without the graphql-transport-ws subprotocol, 4408 when no
// connection_init arrives in time, 4409 for a second operation under an id
// in use, 4429 for a second connection_init, and 4500 when the server
// fails. It answers ping with pong, pings the client to keep the
// connection alive, and takes complete from either side.
package gqlws

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
)

// Subprotocol is the websocket subprotocol this transport speaks.
const Subprotocol = "graphql-transport-ws"

// Close codes of the protocol, and the ones this server adds.
const (
	// CloseBadRequest: a message that is not JSON, has no or an unknown
	// type, or lacks what its type needs.
	CloseBadRequest websocket.StatusCode = 4400
	// CloseUnauthorized: subscribe before connection_ack.
	CloseUnauthorized websocket.StatusCode = 4401
	// CloseForbidden: connection_init's credential was refused, or it
	// expired or was revoked while the connection was open.
	CloseForbidden websocket.StatusCode = 4403
	// CloseSubprotocolNotAcceptable: the client did not ask for
	// graphql-transport-ws.
	CloseSubprotocolNotAcceptable websocket.StatusCode = 4406
	// CloseInitTimeout: no connection_init within the init timeout.
	CloseInitTimeout websocket.StatusCode = 4408
	// CloseSubscriberAlreadyExists: subscribe with the id of an operation
	// still running.
	CloseSubscriberAlreadyExists websocket.StatusCode = 4409
	// CloseTooManyInitRequests: a second connection_init.
	CloseTooManyInitRequests websocket.StatusCode = 4429
	// CloseInternalServerError: the server failed to check the credential.
	CloseInternalServerError websocket.StatusCode = 4500
	// CloseGoingAway: the server is shutting down, or the client did not
	// answer the last keep-alive ping. Clients reconnect.
	CloseGoingAway = websocket.StatusGoingAway
)

// InitFunc checks a connection_init. payload is the message's payload
// (nil when it has none). It returns the context the connection's
// operations run in, derived from ctx; when that context ends while the
// connection is open (its credential expired or was revoked), the
// connection closes with 4403 and the context's cause as reason. An error
// refuses the connection: with 4403 when Options.Refused says the
// credential was refused, 4500 otherwise.
type InitFunc func(ctx context.Context, payload map[string]any) (context.Context, error)

// Options configure the transport.
type Options struct {
	// Init checks connection_init; nil accepts every connection as it is.
	Init InitFunc
	// Refused reports whether an error of Init refuses a credential (4403)
	// rather than reports a failure of the server (4500). Nil: every
	// error refuses.
	Refused func(error) bool
	// InitTimeout is how long a client has to send connection_init; 0
	// waits forever.
	InitTimeout time.Duration
	// KeepAlive is the interval of the server's pings; a client that sends
	// nothing (no pong) for a whole interval after a ping is disconnected
	// (1001). 0 sends no pings.
	KeepAlive time.Duration
	// ReadLimit bounds the size of a client's message (the library closes
	// with 1009 beyond it); 0 keeps the library's 32 KiB.
	ReadLimit int64
	// OriginPatterns are the browser origins (host patterns) allowed to
	// connect besides the server's own; "*" allows any.
	OriginPatterns []string
	// WriteTimeout bounds one write to a client; a client that does not
	// read for that long is disconnected. 0 means 10 seconds.
	WriteTimeout time.Duration
	// ShareKey names the viewer an operation's context stands for, such
	// that two contexts with one key read the same data; subscriptions of
	// one key with the same document, operation name and variables then
	// run once and share their results. Nil or "" runs every
	// subscription on its own.
	ShareKey func(ctx context.Context) string
}

// Transport is the graphql-transport-ws transport.
type Transport struct {
	opts Options
	hub  *hub
}

var _ graphql.Transport = (*Transport)(nil)

// New returns a transport with the options o.
func New(o Options) *Transport {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Refused == nil {
		o.Refused = func(error) bool { return true }
	}
	return &Transport{opts: o, hub: newHub()}
}

// Supports implements graphql.Transport: it takes websocket upgrades.
func (t *Transport) Supports(r *http.Request) bool { return IsUpgrade(r) }

// Do implements graphql.Transport: it accepts the websocket and serves it
// until it closes.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: t.opts.OriginPatterns,
	})
	if err != nil {
		// Accept has answered the request (403 for a refused origin, 400
		// or 426 for a bad handshake).
		return
	}
	c := newConn(t.opts, t.hub, ws, exec, r)
	c.serve()
}
