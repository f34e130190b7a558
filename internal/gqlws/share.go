package gqlws

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// memberBuffer is how many results a shared subscription holds for a
// member that has not written the earlier ones yet; a member that falls
// further behind is dropped (its subscription completes), as the broker
// drops a slow subscriber.
const memberBuffer = 64

// hub runs each distinct subscription once: subscribers whose viewer
// (Options.ShareKey), document, operation name and variables are the same
// join one execution, whose results are encoded once and written to each
// of them. The results cannot differ between such subscribers, since
// everything an execution reads is in that key.
type hub struct {
	mu     sync.Mutex
	groups map[string]*group
}

// group is one shared execution and its members.
type group struct {
	key     string
	cancel  context.CancelFunc
	members map[*member]struct{}
}

// member is one subscriber of a group: the results it has to write.
type member struct {
	results chan result
}

// result is one message of a shared execution: a response's encoded
// payload ("next"), or the errors that end it ("error").
type result struct {
	typ     string
	payload []byte
}

func newHub() *hub { return &hub{groups: map[string]*group{}} }

// shareKey returns the key of a subscription, or "" when it is not to be
// shared (not a subscription, or no viewer key).
func shareKey(viewer string, rc *graphql.OperationContext) string {
	if viewer == "" || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return ""
	}
	vars, err := json.Marshal(rc.Variables) // map keys come out sorted
	if err != nil {
		return ""
	}
	var b bytes.Buffer
	for _, part := range []string{viewer, rc.OperationName, rc.RawQuery, string(vars)} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	return b.String()
}

// join adds a member to the group of key, starting the group's execution
// with start when there is none. leave must be called once the member is
// done; its results channel closes when the group ends or drops it.
func (h *hub) join(key string, start func(ctx context.Context, broadcast func(result))) (*member, func()) {
	m := &member{results: make(chan result, memberBuffer)}
	h.mu.Lock()
	g := h.groups[key]
	if g == nil {
		ctx, cancel := context.WithCancel(context.Background())
		g = &group{key: key, cancel: cancel, members: map[*member]struct{}{}}
		h.groups[key] = g
		go func() {
			defer h.end(g)
			start(ctx, func(r result) { h.broadcast(g, r) })
		}()
	}
	g.members[m] = struct{}{}
	h.mu.Unlock()
	return m, func() { h.leave(g, m) }
}

// broadcast hands r to every member of g, dropping those whose buffer is
// full.
func (h *hub) broadcast(g *group, r result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range g.members {
		select {
		case m.results <- r:
		default:
			delete(g.members, m)
			close(m.results)
		}
	}
	h.stopIfEmpty(g)
}

// leave removes m from g; the execution stops with its last member.
func (h *hub) leave(g *group, m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := g.members[m]; ok {
		delete(g.members, m)
		close(m.results)
	}
	h.stopIfEmpty(g)
}

// stopIfEmpty cancels g's execution and forgets g once it has no member;
// h.mu is held.
func (h *hub) stopIfEmpty(g *group) {
	if len(g.members) > 0 {
		return
	}
	g.cancel()
	if h.groups[g.key] == g {
		delete(h.groups, g.key)
	}
}

// end closes the results of g's members once its execution returned: the
// subscription is over for all of them.
func (h *hub) end(g *group) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range g.members {
		delete(g.members, m)
		close(m.results)
	}
	h.stopIfEmpty(g)
}
