package gqlws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
	"socrates/internal/gqlresp"
)

// Message types of the protocol.
const (
	typeConnectionInit = "connection_init"
	typeConnectionAck  = "connection_ack"
	typePing           = "ping"
	typePong           = "pong"
	typeSubscribe      = "subscribe"
	typeNext           = "next"
	typeError          = "error"
	typeComplete       = "complete"
)

// maxReason is the longest close reason a close frame holds, in bytes.
const maxReason = 123

// outbound is a message to the client.
type outbound struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// encode writes m as JSON, its payload (JSON already) as it is.
func (m outbound) encode() []byte {
	var b bytes.Buffer
	b.Grow(len(m.Payload) + len(m.ID) + 40)
	b.WriteByte('{')
	if m.ID != "" {
		b.WriteString(`"id":`)
		id, _ := json.Marshal(m.ID) // a string always encodes
		b.Write(id)
		b.WriteByte(',')
	}
	b.WriteString(`"type":"`)
	b.WriteString(m.Type) // one of the protocol's type names
	b.WriteByte('"')
	if len(m.Payload) > 0 {
		b.WriteString(`,"payload":`)
		b.Write(m.Payload)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// conn is one websocket connection.
type conn struct {
	opts    Options
	hub     *hub
	ws      *websocket.Conn
	exec    graphql.GraphExecutor
	headers http.Header
	// reqCtx is the upgrade request's context; the server cancels it when
	// it shuts down.
	reqCtx context.Context

	// initReceived is set once connection_init arrived.
	initReceived atomic.Bool
	// heard is set by every message of the client; the keep-alive clears
	// it at each ping.
	heard atomic.Bool

	// acked, opsCtx and cancelOps are used by the reading goroutine only.
	acked     bool
	opsCtx    context.Context
	cancelOps context.CancelFunc

	mu      sync.Mutex
	ops     map[string]*operation
	closing bool

	closeOnce sync.Once
	wg        sync.WaitGroup
}

// operation is one running subscribe.
type operation struct {
	id     string
	cancel context.CancelFunc

	// mu serializes the operation's writes with its stop, so that nothing
	// is sent for it once the client completed it or the connection closes.
	mu      sync.Mutex
	stopped bool
}

// stop ends the operation; after it returns nothing more is sent for it.
func (op *operation) stop() {
	op.mu.Lock()
	op.stopped = true
	op.mu.Unlock()
	op.cancel()
}

func newConn(o Options, h *hub, ws *websocket.Conn, exec graphql.GraphExecutor, r *http.Request) *conn {
	return &conn{opts: o, hub: h, ws: ws, exec: exec, headers: r.Header, reqCtx: r.Context(), ops: map[string]*operation{}}
}

// serve reads the client's messages until the connection closes, then
// ends its operations and waits for them.
func (c *conn) serve() {
	defer func() { _ = c.ws.CloseNow() }()
	if c.ws.Subprotocol() != Subprotocol {
		c.close(CloseSubprotocolNotAcceptable, "Subprotocol not acceptable")
		return
	}
	if c.opts.ReadLimit > 0 {
		c.ws.SetReadLimit(c.opts.ReadLimit)
	}
	life, endLife := context.WithCancel(c.reqCtx)
	defer func() {
		endLife()
		if c.cancelOps != nil {
			c.cancelOps()
		}
		c.wg.Wait()
	}()
	stopShutdown := context.AfterFunc(c.reqCtx, func() { c.close(CloseGoingAway, "Server shutting down") })
	defer stopShutdown()
	if c.opts.InitTimeout > 0 {
		timer := time.AfterFunc(c.opts.InitTimeout, func() {
			if !c.initReceived.Load() {
				c.close(CloseInitTimeout, "Connection initialisation timeout")
			}
		})
		defer timer.Stop()
	}
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			// The client closed, the connection broke, a message exceeded
			// the read limit (the library closed with 1009), or this
			// server closed it.
			return
		}
		c.heard.Store(true)
		if !c.handle(life, data) {
			return
		}
	}
}

// handle acts on one message and reports whether to read on.
func (c *conn) handle(life context.Context, data []byte) bool {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return c.badRequest("not a JSON object")
	}
	typ, ok := stringField(fields, "type")
	if !ok {
		return c.badRequest(`"type" must be a string`)
	}
	payload := fields["payload"]
	if isNull(payload) {
		payload = nil
	}
	switch typ {
	case typeConnectionInit:
		return c.connectionInit(life, payload)
	case typePing:
		if payload != nil && !isObject(payload) {
			return c.badRequest(`"ping" payload must be an object`)
		}
		c.write(outbound{Type: typePong, Payload: payload})
		return true
	case typePong:
		if payload != nil && !isObject(payload) {
			return c.badRequest(`"pong" payload must be an object`)
		}
		return true
	case typeSubscribe:
		id, ok := stringField(fields, "id")
		if !ok || id == "" {
			return c.badRequest(`"subscribe" needs a non-empty string "id"`)
		}
		return c.subscribe(id, payload)
	case typeComplete:
		id, ok := stringField(fields, "id")
		if !ok || id == "" {
			return c.badRequest(`"complete" needs a non-empty string "id"`)
		}
		c.completeFromClient(id)
		return true
	case typeConnectionAck, typeNext, typeError:
		return c.badRequest(fmt.Sprintf("%q is sent by servers only", typ))
	case "":
		return c.badRequest(`"type" must be a string`)
	default:
		return c.badRequest(fmt.Sprintf("unknown type %q", truncate(typ, 40)))
	}
}

// connectionInit checks the credential of connection_init and
// acknowledges it.
func (c *conn) connectionInit(life context.Context, payload json.RawMessage) bool {
	if c.initReceived.Swap(true) {
		c.close(CloseTooManyInitRequests, "Too many initialisation requests")
		return false
	}
	var params map[string]any
	if payload != nil {
		if !isObject(payload) {
			return c.badRequest(`"connection_init" payload must be an object`)
		}
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return c.badRequest(`"connection_init" payload must be an object`)
		}
	}
	ctx := c.reqCtx
	if c.opts.Init != nil {
		var err error
		ctx, err = c.opts.Init(c.reqCtx, params)
		if err != nil {
			if c.opts.Refused(err) {
				c.close(CloseForbidden, "Forbidden: "+err.Error())
			} else {
				c.close(CloseInternalServerError, "Internal server error")
			}
			return false
		}
	}
	c.opsCtx, c.cancelOps = context.WithCancel(ctx)
	if ctx != c.reqCtx {
		// The credential's context ends before the connection: close with
		// 4403 and the reason (unless the server is shutting down, which
		// closes with 1001).
		stop := context.AfterFunc(ctx, func() {
			if c.reqCtx.Err() != nil {
				return
			}
			reason := "Forbidden"
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
				reason += ": " + cause.Error()
			}
			c.close(CloseForbidden, reason)
		})
		context.AfterFunc(life, func() { stop() })
	}
	c.acked = true
	c.write(outbound{Type: typeConnectionAck})
	if c.opts.KeepAlive > 0 {
		c.wg.Add(1)
		go c.keepAlive(life)
	}
	return true
}

// keepAlive pings the client every interval, and disconnects it when it
// sent nothing in the interval after a ping.
func (c *conn) keepAlive(life context.Context) {
	defer c.wg.Done()
	ticker := time.NewTicker(c.opts.KeepAlive)
	defer ticker.Stop()
	pinged := false
	for {
		select {
		case <-life.Done():
			return
		case <-ticker.C:
			if heard := c.heard.Swap(false); pinged && !heard {
				c.close(CloseGoingAway, "Keep-alive timeout: no pong")
				return
			}
			pinged = true
			c.write(outbound{Type: typePing})
		}
	}
}

// subscribe starts an operation under id.
func (c *conn) subscribe(id string, payload json.RawMessage) bool {
	start := graphql.Now()
	if !c.acked {
		c.close(CloseUnauthorized, "Unauthorized")
		return false
	}
	params := &graphql.RawParams{}
	if !isObject(payload) {
		return c.badRequest(`"subscribe" payload must be a GraphQL request object`)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		return c.badRequest(`"subscribe" payload must be a GraphQL request object`)
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if _, taken := c.ops[id]; taken {
		c.mu.Unlock()
		c.close(CloseSubscriberAlreadyExists, truncate("Subscriber for "+id+" already exists", maxReason))
		return false
	}
	ctx, cancel := context.WithCancel(c.opsCtx)
	op := &operation{id: id, cancel: cancel}
	c.ops[id] = op
	c.wg.Add(1)
	c.mu.Unlock()
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = c.headers
	go c.run(ctx, op, params)
	return true
}

// run executes an operation and sends its results, then complete (unless
// the client completed it, the connection is closing, or it ended with an
// error message).
func (c *conn) run(ctx context.Context, op *operation, params *graphql.RawParams) {
	defer c.wg.Done()
	defer c.forget(op)
	ctx = graphql.StartOperationTrace(ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			// A document that does not parse or validate: error, which
			// ends the operation without complete.
			c.sendErrors(op, resp.Errors)
			return
		}
		c.sendResponse(op, resp)
		c.sendComplete(op)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if c.opts.ShareKey != nil {
		if key := shareKey(c.opts.ShareKey(ctx), rc); key != "" {
			c.runShared(ctx, op, rc, key)
			return
		}
	}
	failed := false
	func() {
		defer func() {
			if p := recover(); p != nil {
				failed = true
				err := rc.Recover(ctx, p)
				resp := c.exec.DispatchError(ctx, gqlerror.List{gqlerror.WrapIfUnwrapped(err)})
				c.sendErrors(op, resp.Errors)
			}
		}()
		responses, ctx := c.exec.DispatchOperation(ctx, rc)
		for {
			resp := responses(ctx)
			if resp == nil {
				return
			}
			c.sendResponse(op, resp)
		}
	}()
	if !failed {
		c.sendComplete(op)
	}
}

// runShared joins the execution of a subscription that others with the
// same key may share, and writes its results for op until it ends (then
// complete, unless it ended with errors) or op stops.
func (c *conn) runShared(ctx context.Context, op *operation, rc *graphql.OperationContext, key string) {
	exec := c.exec
	start := func(group context.Context, broadcast func(result)) {
		// The execution runs in the first subscriber's context without its
		// cancellation: it lasts as long as the group has members.
		ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		defer context.AfterFunc(group, cancel)()
		defer func() {
			if p := recover(); p != nil {
				err := rc.Recover(ectx, p)
				resp := exec.DispatchError(ectx, gqlerror.List{gqlerror.WrapIfUnwrapped(err)})
				broadcast(result{typ: typeError, payload: encodeErrors(resp.Errors)})
			}
		}()
		responses, rctx := exec.DispatchOperation(ectx, rc)
		for {
			resp := responses(rctx)
			if resp == nil {
				return
			}
			broadcast(result{typ: typeNext, payload: gqlresp.Encode(resp)})
		}
	}
	m, leave := c.hub.join(key, start)
	defer leave()
	defer context.AfterFunc(ctx, leave)()
	failed := false
	for r := range m.results {
		c.writeFor(op, outbound{ID: op.id, Type: r.typ, Payload: r.payload})
		failed = failed || r.typ == typeError
	}
	if !failed {
		c.sendComplete(op)
	}
}

// forget removes a finished operation, freeing its id.
func (c *conn) forget(op *operation) {
	op.cancel()
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
}

// completeFromClient stops the operation under id; nothing more is sent
// for it, complete included. An unknown id is ignored (the operation may
// have just finished).
func (c *conn) completeFromClient(id string) {
	c.mu.Lock()
	op := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if op != nil {
		op.stop()
	}
}

func (c *conn) sendResponse(op *operation, resp *graphql.Response) {
	c.writeFor(op, outbound{ID: op.id, Type: typeNext, Payload: gqlresp.Encode(resp)})
}

func (c *conn) sendErrors(op *operation, errs gqlerror.List) {
	c.writeFor(op, outbound{ID: op.id, Type: typeError, Payload: encodeErrors(errs)})
}

// encodeErrors writes errs as the payload of an error message.
func encodeErrors(errs gqlerror.List) []byte {
	b, err := json.Marshal(errs)
	if err != nil {
		b = []byte(`[{"message":"the error could not be encoded","extensions":{"code":"` + string(apperr.Internal) + `"}}]`)
	}
	return b
}

func (c *conn) sendComplete(op *operation) {
	c.writeFor(op, outbound{ID: op.id, Type: typeComplete})
}

// writeFor sends m unless op was stopped.
func (c *conn) writeFor(op *operation, m outbound) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.stopped {
		return
	}
	c.write(m)
}

// write sends one message within the write timeout; a failed write closes
// the connection (the library does so), which ends the read loop.
func (c *conn) write(m outbound) {
	b := m.encode()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.WriteTimeout)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, b)
}

// badRequest closes the connection with 4400 and reports false.
func (c *conn) badRequest(detail string) bool {
	c.close(CloseBadRequest, truncate("Invalid message received: "+detail, maxReason))
	return false
}

// close stops every operation, then closes the connection with code and
// reason (once; later calls do nothing).
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		ops := make([]*operation, 0, len(c.ops))
		for _, op := range c.ops {
			ops = append(ops, op)
		}
		c.mu.Unlock()
		for _, op := range ops {
			op.stop()
		}
		_ = c.ws.Close(code, truncate(reason, maxReason))
	})
}

// stringField returns the string value of a field, and false when it is
// missing or not a string.
func stringField(fields map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := fields[name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// isNull reports whether raw is absent or the JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

// truncate shortens s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
