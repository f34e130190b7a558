package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// Stats counts what a rewrite changed.
type Stats struct {
	// Direct counts fields now marshalled straight from the model: their
	// marshaller can neither fail nor report an error.
	Direct int
	// Guarded counts fields marshalled straight from the model unless the
	// value is one the marshaller refuses, which still takes gqlgen's path.
	Guarded int
	// Groups counts objects whose deferred group is built only when a
	// field of theirs is deferred.
	Groups int
	// Lists counts lists of objects marshalled in order, without a
	// goroutine per element, when the elements select only leaf fields
	// resolved in place.
	Lists int
	// FieldSets counts objects written without the map and iterators
	// graphql.FieldSet allocates to write each object.
	FieldSets int
}

// RuntimeFile is the name of the file of helpers the rewritten code calls.
const RuntimeFile = "lean.generated.go"

// marshalKind says how a generated scalar or enum marshaller can be
// called without a field context.
type marshalKind int

const (
	// notLean marshallers may report errors through the field context.
	notLean marshalKind = iota
	// direct marshallers never touch the context: enums, and nullable
	// scalars whose conversion cannot fail.
	direct
	// guarded marshallers convert with a context-free function and report
	// an error only when it yields graphql.Null.
	guarded
	// float marshallers fail only on NaN and infinities, and only when the
	// response is written.
	float
)

// marshaller is a generated marshalling function the rewrite can use.
type marshaller struct {
	kind marshalKind
	// file is where the marshaller is declared; a guarded helper goes there,
	// where its imports are.
	file string
	// convert is the source of the context-free conversion (guarded).
	convert string
	// param is the source of the value's type.
	param string
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// source is one parsed file with its pending edits.
type source struct {
	name  string
	src   []byte
	file  *ast.File
	edits []edit
	tail  []string
}

// Rewrite returns the generated files with the lean paths put in: plain
// fields whose marshaller cannot report an error are marshalled straight
// from the model (a guarded one falls back to gqlgen's path for a value it
// refuses, so the error keeps its path), and objects build a deferred
// group only when one of their fields is deferred. Files it does not
// change are returned as they came. It is idempotent.
func Rewrite(files map[string][]byte) (map[string][]byte, Stats, error) {
	var st Stats
	fset := token.NewFileSet()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	srcs := make([]*source, 0, len(names))
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, files[name], parser.SkipObjectResolution)
		if err != nil {
			return nil, st, fmt.Errorf("parse %s: %w", name, err)
		}
		srcs = append(srcs, &source{name: name, src: files[name], file: f})
	}

	marshallers := map[string]marshaller{}
	helpers := map[string]bool{}
	for _, s := range srcs {
		for _, d := range s.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if strings.HasPrefix(fn.Name.Name, "lean") {
				helpers[fn.Name.Name] = true
			}
			if fn.Recv != nil && strings.HasPrefix(fn.Name.Name, "marshal") {
				if m := classify(s, fset, fn); m.kind != notLean {
					marshallers[fn.Name.Name] = m
				}
			}
		}
	}

	objects := map[string]object{}
	elements := map[string]string{}
	for _, s := range srcs {
		for _, d := range s.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			if o, ok := objectOf(s, fn); ok {
				objects[fn.Name.Name] = o
			}
			if obj, ok := elementOf(fn); ok {
				elements[fn.Name.Name] = obj
			}
		}
	}

	byName := map[string]*source{}
	for _, s := range srcs {
		byName[s.name] = s
	}
	for _, s := range srcs {
		for _, d := range s.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			if strings.HasPrefix(fn.Name.Name, "_") {
				if body, helper, kind, ok := leanField(s, fset, fn, marshallers); ok {
					s.edits = append(s.edits, edit{offset(fset, fn.Body.Lbrace), offset(fset, fn.Body.Rbrace) + 1, body})
					switch kind {
					case direct:
						st.Direct++
					default:
						st.Guarded++
					}
					if helper.name != "" && !helpers[helper.name] {
						helpers[helper.name] = true
						h := byName[helper.file]
						h.tail = append(h.tail, helper.text)
					}
				}
			}
			if _, ok := objects[fn.Name.Name]; ok && len(fn.Type.Params.List) == 3 {
				for _, stmt := range fn.Body.List {
					a, ok := stmt.(*ast.AssignStmt)
					if !ok || len(a.Lhs) != 1 || !isIdent(a.Lhs[0], "out") || len(a.Rhs) != 1 {
						continue
					}
					if c, ok := a.Rhs[0].(*ast.CallExpr); ok && isSelector(c.Fun, "graphql", "NewFieldSet") {
						s.edits = append(s.edits, edit{offset(fset, c.Fun.Pos()), offset(fset, c.Fun.End()), "leanNewFieldSet"})
						st.FieldSets++
					}
				}
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if ok && isSelector(call.Fun, "graphql", "MarshalSliceConcurrently") {
					o, ok := listOf(call, elements, objects)
					if !ok {
						return true
					}
					name := "leanSequential" + strings.TrimPrefix(o.name, "_")
					s.edits = append(s.edits, edit{offset(fset, call.Fun.Pos()), offset(fset, call.Args[1].Pos()),
						fmt.Sprintf("leanMarshalSlice(ctx, ec.%s(sel), ", name)})
					st.Lists++
					if !helpers[name] {
						helpers[name] = true
						h := byName[o.file]
						h.tail = append(h.tail, o.sequentialHelper(name))
					}
					return false
				}
				if !ok || !isSelector(call.Fun, "graphql", "NewDeferredGroup") || len(call.Args) != 1 {
					return true
				}
				s.edits = append(s.edits, edit{offset(fset, call.Pos()), offset(fset, call.End()), "leanDeferredGroup(ctx, fields)"})
				st.Groups++
				return false
			})
		}
	}

	out := make(map[string][]byte, len(files)+1)
	runtime, err := format.Source([]byte(strings.Replace(runtimeSource, "package graph", "package "+srcs[0].file.Name.Name, 1)))
	if err != nil {
		return nil, st, fmt.Errorf("format %s: %w", RuntimeFile, err)
	}
	out[filepath.Join(filepath.Dir(srcs[0].name), RuntimeFile)] = runtime
	for _, s := range srcs {
		if filepath.Base(s.name) == RuntimeFile {
			continue
		}
		if len(s.edits) == 0 && len(s.tail) == 0 {
			out[s.name] = s.src
			continue
		}
		b, err := s.apply()
		if err != nil {
			return nil, st, err
		}
		out[s.name] = b
	}
	return out, st, nil
}

// apply makes the file's edits (which do not overlap) and appends its
// helpers, then formats the result.
func (s *source) apply() ([]byte, error) {
	slices.SortFunc(s.edits, func(a, b edit) int { return b.start - a.start })
	b := slices.Clone(s.src)
	for _, e := range s.edits {
		b = slices.Concat(b[:e.start], []byte(e.text), b[e.end:])
	}
	for _, t := range s.tail {
		b = append(b, '\n')
		b = append(b, t...)
	}
	f, err := format.Source(b)
	if err != nil {
		return nil, fmt.Errorf("format %s after the rewrite: %w", s.name, err)
	}
	return f, nil
}

// helper is a function a lean field calls, declared once.
type helper struct {
	name, file, text string
}

// leanField recognises gqlgen's resolution of a plain field, one whose
// value is the model's field or a method without error, with no
// middleware of its own and a marshaller the rewrite knows, and returns
// the lean body.
func leanField(s *source, fset *token.FileSet, fn *ast.FuncDecl, ms map[string]marshaller) (string, helper, marshalKind, bool) {
	if len(fn.Body.List) != 1 || len(fn.Type.Params.List) != 3 {
		return "", helper{}, 0, false
	}
	ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", helper{}, 0, false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || !isSelector(call.Fun, "graphql", "ResolveField") || len(call.Args) != 9 {
		return "", helper{}, 0, false
	}
	if id, ok := call.Args[5].(*ast.Ident); !ok || id.Name != "nil" {
		return "", helper{}, 0, false // a middleware chain (directives)
	}
	value, ok := plainValue(call.Args[4])
	if !ok {
		return "", helper{}, 0, false
	}
	name, ok := marshalCall(call.Args[6])
	if !ok {
		return "", helper{}, 0, false
	}
	m, ok := ms[name]
	if !ok {
		return "", helper{}, 0, false
	}
	expr := text(s.src, fset, value)
	original := text(s.src, fset, ret)
	switch m.kind {
	case direct:
		return fmt.Sprintf("{\n\treturn ec.%s(ctx, field.Selections, %s)\n}", name, expr), helper{}, direct, true
	case guarded:
		h := helper{name: "lean" + strings.TrimPrefix(name, "marshal"), file: m.file}
		h.text = fmt.Sprintf("// %s converts without a field context; graphql.Null means the value\n// needs gqlgen's path, which reports the error.\nfunc %s(v %s) graphql.Marshaler {\n\treturn %s\n}\n", h.name, h.name, m.param, m.convert)
		return fmt.Sprintf("{\n\tif res := %s(%s); res != graphql.Null {\n\t\treturn res\n\t}\n\t%s\n}", h.name, expr, original), h, guarded, true
	case float:
		return fmt.Sprintf("{\n\tif res := leanFloat(%s); res != nil {\n\t\treturn res\n\t}\n\t%s\n}", expr, original), helper{}, float, true
	}
	return "", helper{}, 0, false
}

// plainValue returns the value a resolver literal returns when it is
// `return obj.F, nil` or `return obj.M(), nil`.
func plainValue(e ast.Expr) (ast.Expr, bool) {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return nil, false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 {
		return nil, false
	}
	if id, ok := ret.Results[1].(*ast.Ident); !ok || id.Name != "nil" {
		return nil, false
	}
	v := ret.Results[0]
	if c, ok := v.(*ast.CallExpr); ok {
		if len(c.Args) != 0 {
			return nil, false
		}
		v = c.Fun
	}
	sel, ok := v.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "obj" {
		return nil, false
	}
	return ret.Results[0], true
}

// marshalCall returns the marshaller a marshal literal calls when it is
// `return ec.marshalX(ctx, selections, v)`.
func marshalCall(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return "", false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 3 {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "ec" {
		return "", false
	}
	return sel.Sel.Name, true
}

// classify says whether a generated marshaller can be called without a
// field context, and how.
func classify(s *source, fset *token.FileSet, fn *ast.FuncDecl) marshaller {
	params := fn.Type.Params.List
	if len(params) != 3 || len(params[2].Names) != 1 || params[2].Names[0].Name != "v" {
		return marshaller{}
	}
	m := marshaller{file: s.name, param: text(s.src, fset, params[2].Type)}
	if !usesContext(fn.Body) {
		m.kind = direct
		return m
	}
	// _ = sel; res := CONVERT(v); if res == graphql.Null { ... }; return res
	list := fn.Body.List
	if len(list) != 4 || !isBlankAssign(list[0], "sel") {
		return marshaller{}
	}
	assign, ok := list[1].(*ast.AssignStmt)
	if !ok || len(assign.Lhs) != 1 || len(assign.Rhs) != 1 || !isIdent(assign.Lhs[0], "res") {
		return marshaller{}
	}
	conv, ok := assign.Rhs[0].(*ast.CallExpr)
	if !ok || len(conv.Args) != 1 || !isIdent(conv.Args[0], "v") {
		return marshaller{}
	}
	if _, ok := conv.Fun.(*ast.SelectorExpr); !ok {
		return marshaller{}
	}
	if cond, ok := list[2].(*ast.IfStmt); !ok || !isNullCheck(cond.Cond) {
		return marshaller{}
	}
	ret, ok := list[3].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return marshaller{}
	}
	switch {
	case isIdent(ret.Results[0], "res"):
		m.kind = guarded
		m.convert = text(s.src, fset, conv)
		return m
	case isSelector(conv.Fun, "graphql", "MarshalFloatContext") && m.param == "float64":
		if c, ok := ret.Results[0].(*ast.CallExpr); ok && isSelector(c.Fun, "graphql", "WrapContextMarshaler") {
			m.kind = float
			return m
		}
	}
	return marshaller{}
}

// usesContext reports whether a body reads ctx other than to discard it.
func usesContext(body *ast.BlockStmt) bool {
	used := false
	ast.Inspect(body, func(n ast.Node) bool {
		if used {
			return false
		}
		if isBlankAssign(n, "ctx") {
			return false
		}
		if isIdent(n, "ctx") {
			used = true
		}
		return true
	})
	return used
}

func isBlankAssign(n ast.Node, name string) bool {
	a, ok := n.(*ast.AssignStmt)
	return ok && len(a.Lhs) == 1 && len(a.Rhs) == 1 && isIdent(a.Lhs[0], "_") && isIdent(a.Rhs[0], name)
}

func isNullCheck(e ast.Expr) bool {
	b, ok := e.(*ast.BinaryExpr)
	return ok && b.Op == token.EQL && isIdent(b.X, "res") && isSelector(b.Y, "graphql", "Null")
}

func isIdent(n ast.Node, name string) bool {
	id, ok := n.(*ast.Ident)
	return ok && id.Name == name
}

func isSelector(e ast.Node, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(sel.X, pkg) && sel.Sel.Name == name
}

func offset(fset *token.FileSet, p token.Pos) int { return fset.Position(p).Offset }

func text(src []byte, fset *token.FileSet, n ast.Node) string {
	return string(bytes.TrimSpace(src[offset(fset, n.Pos()):offset(fset, n.End())]))
}

// object is a generated object marshaller: `_T(ctx, sel, obj)`.
type object struct {
	name, file string
	// typeName is the GraphQL type, implementors the variable listing the
	// types its selection applies to.
	typeName, implementors string
	// concurrent lists the fields resolved in a goroutine of their own
	// (resolvers, which may wait for a loader).
	concurrent []string
}

// objectOf recognises an object marshaller by its first statement,
// `fields := graphql.CollectFields(ec.OperationContext, sel, xImplementors)`,
// and lists the fields it resolves concurrently.
func objectOf(s *source, fn *ast.FuncDecl) (object, bool) {
	if len(fn.Body.List) == 0 || len(fn.Type.Params.List) != 3 || !strings.HasPrefix(fn.Name.Name, "_") {
		return object{}, false
	}
	assign, ok := fn.Body.List[0].(*ast.AssignStmt)
	if !ok || len(assign.Lhs) != 1 || !isIdent(assign.Lhs[0], "fields") || len(assign.Rhs) != 1 {
		return object{}, false
	}
	call, ok := assign.Rhs[0].(*ast.CallExpr)
	if !ok || !isSelector(call.Fun, "graphql", "CollectFields") || len(call.Args) != 3 {
		return object{}, false
	}
	impl, ok := call.Args[2].(*ast.Ident)
	if !ok {
		return object{}, false
	}
	o := object{name: fn.Name.Name, file: s.name, typeName: strings.TrimPrefix(fn.Name.Name, "_"), implementors: impl.Name}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		concurrent := false
		ast.Inspect(cc, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && strings.Contains(sel.Sel.Name, "Concurrently") {
				concurrent = true
			}
			return !concurrent
		})
		if concurrent {
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					o.concurrent = append(o.concurrent, lit.Value)
				}
			}
		}
		return false
	})
	return o, true
}

// elementOf recognises the marshaller of one object of a list, whose last
// statement is `return ec._T(ctx, sel, v)`, and returns `_T`.
func elementOf(fn *ast.FuncDecl) (string, bool) {
	if !strings.HasPrefix(fn.Name.Name, "marshal") || len(fn.Body.List) == 0 {
		return "", false
	}
	ret, ok := fn.Body.List[len(fn.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 3 || !isIdent(call.Args[2], "v") {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || !isIdent(sel.X, "ec") || !strings.HasPrefix(sel.Sel.Name, "_") {
		return "", false
	}
	return sel.Sel.Name, true
}

// listOf returns the object a `graphql.MarshalSliceConcurrently(ctx, …)`
// call marshals, when its element function ends in
// `return ec.marshalX(ctx, sel, v[i])` and marshalX marshals one object.
func listOf(call *ast.CallExpr, elements map[string]string, objects map[string]object) (object, bool) {
	if len(call.Args) != 5 || !isIdent(call.Args[0], "ctx") {
		return object{}, false
	}
	lit, ok := call.Args[4].(*ast.FuncLit)
	if !ok || len(lit.Body.List) == 0 {
		return object{}, false
	}
	ret, ok := lit.Body.List[len(lit.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return object{}, false
	}
	inner, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return object{}, false
	}
	sel, ok := inner.Fun.(*ast.SelectorExpr)
	if !ok || !isIdent(sel.X, "ec") {
		return object{}, false
	}
	o, ok := objects[elements[sel.Sel.Name]]
	return o, ok
}

// sequentialHelper is the source of the function that tells whether a
// selection of the object selects only leaf fields resolved in place.
func (o object) sequentialHelper(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// %s reports whether sel selects only leaf fields of %s\n", name, o.typeName)
	b.WriteString("// resolved in place, none deferred: a list of such objects never waits\n")
	b.WriteString("// on a loader, and is marshalled in order on one goroutine.\n")
	fmt.Fprintf(&b, "func (ec *executionContext) %s(sel ast.SelectionSet) bool {\n", name)
	fmt.Fprintf(&b, "\tfor _, f := range graphql.CollectFields(ec.OperationContext, sel, %s) {\n", o.implementors)
	b.WriteString("\t\tif len(f.Selections) > 0 || f.IsDeferred() {\n\t\t\treturn false\n\t\t}\n")
	if len(o.concurrent) > 0 {
		fmt.Fprintf(&b, "\t\tswitch f.Name {\n\t\tcase %s:\n\t\t\treturn false\n\t\t}\n", strings.Join(o.concurrent, ", "))
	}
	b.WriteString("\t}\n\treturn true\n}\n")
	return b.String()
}
