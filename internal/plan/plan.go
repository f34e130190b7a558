// Package plan reads ahead what a query selects. When a root field of a
// query has resolved (its resolver calls Below), the planner walks the
// selection below it level by level: for every edge it knows (Project.sessions, Session.questions,
// Conflict.specifications, …) it reads the field for all the parents of
// that level in one statement and primes the operation's loaders, so the
// field resolvers that run next find their rows at once. The statements a
// query costs then follow from its shape, never from how busy the CPU is,
// and no batch waits on the loaders' window.
//
// Planning is only an optimisation: the keys it fills are built exactly as
// the resolvers build theirs, and any field it does not know, or whose
// arguments it cannot read, is left to the resolvers and their batched
// loaders.
package plan

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"socrates/internal/loaders"
	"socrates/models"
)

// Planner plans the reads below root query fields.
type Planner struct {
	// implementors lists, per object type, the type and its interfaces, as
	// fragments on any of them apply to its objects.
	implementors map[string][]string
	// edges holds the fields the planner reads ahead, per parent type.
	edges map[string]map[string]edge
}

// New returns a planner for schema.
func New(schema *ast.Schema) *Planner {
	p := &Planner{implementors: map[string][]string{}, edges: edges()}
	for name, def := range schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		impl := []string{name}
		for _, i := range schema.GetImplements(def) {
			impl = append(impl, i.Name)
		}
		p.implementors[name] = impl
	}
	return p
}

// Below plans the fields selected below the root field resolving in ctx,
// whose resolver produced res. Root resolvers call it just before they
// return; on a nil Planner (planning off) it does nothing.
func (p *Planner) Below(ctx context.Context, res any) {
	w := p.walk(ctx)
	if w == nil || res == nil {
		return
	}
	w.root(res, graphql.GetFieldContext(ctx).Field.Selections)
}

// Nodes reads ahead what nodes(ids) needs before its resolver resolves the
// ids one by one (see walk.nodes).
func (p *Planner) Nodes(ctx context.Context, globals []string) {
	if w := p.walk(ctx); w != nil {
		w.nodes(globals)
	}
}

// walk starts a planning pass in ctx, or returns nil when there is nothing
// to plan: no planner, no operation loaders, or no field being resolved.
func (p *Planner) walk(ctx context.Context) *walk {
	if p == nil || graphql.GetFieldContext(ctx) == nil {
		return nil
	}
	l := loaders.Of(ctx)
	if l == nil {
		return nil
	}
	return &walk{ctx: ctx, op: graphql.GetOperationContext(ctx), l: l, p: p,
		known: map[any]map[any]bool{}, read: map[string][][]any{}, primed: map[string]int{}}
}

// walk is one planning pass over a root field's selection. It reads every
// key it needs but has not read or primed itself, whatever other passes
// did: the root fields of a query plan concurrently, and this way what one
// costs never depends on which ran first.
type walk struct {
	ctx context.Context
	op  *graphql.OperationContext
	l   *loaders.Loaders
	p   *Planner
	// known holds, per loader, the keys this pass has read or primed.
	known map[any]map[any]bool
	// read holds the objects this pass has come across, per type; the
	// first edge that reads that type by id primes its loader with them
	// (until then, nothing leads back to them and priming would be waste).
	read   map[string][][]any
	primed map[string]int
}

// fill reads the keys of l this pass has not read yet, in one statement
// per batch, and returns the values of all of them.
func fill[K comparable, V any](w *walk, l *loaders.Loader[K, V], keys []K) map[K]V {
	keys = unique(keys)
	seen := w.known[l]
	if seen == nil {
		seen = map[any]bool{}
		w.known[l] = seen
	}
	var missing []K
	for _, k := range keys {
		if !seen[k] {
			missing = append(missing, k)
			seen[k] = true
		}
	}
	l.Fill(w.ctx, missing)
	return l.Values(w.ctx, keys)
}

// primed records that this pass handed values of keys to l.
func primed[K comparable, V any](w *walk, l *loaders.Loader[K, V], key K, v V) {
	seen := w.known[l]
	if seen == nil {
		seen = map[any]bool{}
		w.known[l] = seen
	}
	seen[key] = true
	l.Prime(w.ctx, key, v)
}

// root plans below the value a root field returned.
func (w *walk) root(res any, sel ast.SelectionSet) {
	switch v := res.(type) {
	case *models.ProjectConnection:
		w.connection("Project", objects(v.Nodes()), sel)
	case models.Node:
		if t := typeOf(v); t != "" {
			w.objects(t, []any{v}, sel)
		}
	case []models.Node:
		byType := map[string][]any{}
		var order []string
		for _, n := range v {
			t := typeOf(n)
			if t == "" {
				continue
			}
			if _, ok := byType[t]; !ok {
				order = append(order, t)
			}
			byType[t] = append(byType[t], n)
		}
		for _, t := range order {
			w.objects(t, byType[t], sel)
		}
	}
}

// objects plans the fields sel selects on objs, all of GraphQL type typ.
func (w *walk) objects(typ string, objs []any, sel ast.SelectionSet) {
	if len(objs) == 0 || len(sel) == 0 {
		return
	}
	w.read[typ] = append(w.read[typ], objs)
	fields := w.p.edges[typ]
	for _, f := range graphql.CollectFields(w.op, sel, w.p.implementors[typ]) {
		e, ok := fields[f.Name]
		if !ok {
			continue
		}
		args, ok := arguments(f, w.op.Variables)
		if !ok {
			continue
		}
		if e.list != nil {
			w.list(e, objs, f, args)
			continue
		}
		children := e.fill(w, objs, args)
		if e.child != "" {
			w.objects(e.child, children, f.Selections)
		}
	}
}

// list plans a connection field: its pages (and counts, when totalCount is
// selected) for every parent, then the fields selected on its nodes.
func (w *walk) list(e edge, parents []any, f graphql.CollectedField, args map[string]any) {
	conn := e.child + "Connection"
	count := false
	var nodeSels []ast.SelectionSet
	for _, cf := range graphql.CollectFields(w.op, f.Selections, []string{conn}) {
		switch cf.Name {
		case "totalCount":
			count = true
		case "nodes":
			nodeSels = append(nodeSels, cf.Selections)
		case "edges":
			for _, ef := range graphql.CollectFields(w.op, cf.Selections, []string{e.child + "Edge"}) {
				if ef.Name == "node" {
					nodeSels = append(nodeSels, ef.Selections)
				}
			}
		}
	}
	children := e.list(w, parents, args, count)
	for _, s := range nodeSels {
		w.objects(e.child, children, s)
	}
}

// connection plans the nodes of a root connection.
func (w *walk) connection(typ string, objs []any, sel ast.SelectionSet) {
	e := edge{child: typ, list: func(*walk, []any, map[string]any, bool) []any { return objs }}
	w.list(e, nil, graphql.CollectedField{Selections: sel}, nil)
}

// typeOf returns the GraphQL type name of a node the planner knows, or ""
// (also for a nil one).
func typeOf(n models.Node) string {
	switch v := n.(type) {
	case *models.User:
		return name(v, "User")
	case *models.Project:
		return name(v, "Project")
	case *models.Session:
		return name(v, "Session")
	case *models.Question:
		return name(v, "Question")
	case *models.Message:
		return name(v, "Message")
	case *models.Specification:
		return name(v, "Specification")
	case *models.Conflict:
		return name(v, "Conflict")
	}
	return ""
}

func name[T any](v *T, typ string) string {
	if v == nil {
		return ""
	}
	return typ
}

// objects turns a typed slice into the planner's untyped one.
func objects[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// arguments returns a field's arguments with variables and defaults
// applied, or false when they cannot be read (the resolver will report
// why).
func arguments(f graphql.CollectedField, vars map[string]any) (args map[string]any, ok bool) {
	defer func() {
		if recover() != nil {
			args, ok = nil, false
		}
	}()
	if f.Definition == nil {
		return nil, false
	}
	return f.ArgumentMap(vars), true
}
