// Package contract finds the changes between two versions of the GraphQL
// schema that would break a client written against the older one, and the
// breaking changes the changelog announces.
package contract

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Change is one breaking change. Element is the schema coordinate of what
// changed: Type, Type.field, Type.field(arg:), Input.field, Enum.VALUE,
// @directive or @directive(arg:).
type Change struct {
	Element string
	Reason  string
}

// String returns the change as "Element: Reason".
func (c Change) String() string { return c.Element + ": " + c.Reason }

// Breaking lists every change from old to new that can break a client of
// old, sorted by element: a removed type, field, argument, input field,
// enum value, union member, interface or directive; a changed kind or type
// (an output made nullable, an input made non-null, any other change of the
// named type or list shape); a new required argument or input field (non-null
// without a default), or a default removed from a non-null one. Additions
// are not breaking.
func Breaking(old, new *ast.Schema) []Change {
	var out []Change
	add := func(element, format string, args ...any) {
		out = append(out, Change{Element: element, Reason: fmt.Sprintf(format, args...)})
	}
	for _, name := range sortedKeys(old.Types) {
		o := old.Types[name]
		if o.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		n, ok := new.Types[name]
		if !ok {
			add(name, "%s removed", kindName(o.Kind))
			continue
		}
		if o.Kind != n.Kind {
			add(name, "changed from %s to %s", kindName(o.Kind), kindName(n.Kind))
			continue
		}
		switch o.Kind {
		case ast.Object, ast.Interface:
			compareOutputFields(name, o, n, add)
			for _, i := range o.Interfaces {
				if !slices.Contains(n.Interfaces, i) {
					add(name, "no longer implements %s", i)
				}
			}
		case ast.InputObject:
			compareInputFields(name, o, n, add)
		case ast.Enum:
			for _, v := range o.EnumValues {
				if n.EnumValues.ForName(v.Name) == nil {
					add(name+"."+v.Name, "enum value removed")
				}
			}
		case ast.Union:
			for _, t := range o.Types {
				if !slices.Contains(n.Types, t) {
					add(name, "union member %s removed", t)
				}
			}
		}
	}
	for _, name := range sortedKeys(old.Directives) {
		o := old.Directives[name]
		if o.Position != nil && o.Position.Src != nil && o.Position.Src.BuiltIn {
			continue
		}
		n, ok := new.Directives[name]
		if !ok {
			add("@"+name, "directive removed")
			continue
		}
		compareArgs("@"+name, o.Arguments, n.Arguments, add)
		for _, loc := range o.Locations {
			if !slices.Contains(n.Locations, loc) {
				add("@"+name, "location %s removed", loc)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Element < out[j].Element })
	return out
}

func compareOutputFields(typeName string, o, n *ast.Definition, add func(string, string, ...any)) {
	for _, of := range o.Fields {
		if strings.HasPrefix(of.Name, "__") {
			continue
		}
		coord := typeName + "." + of.Name
		nf := n.Fields.ForName(of.Name)
		if nf == nil {
			add(coord, "field removed")
			continue
		}
		if !outputCompatible(of.Type, nf.Type) {
			add(coord, "type changed from %s to %s", of.Type, nf.Type)
		}
		compareArgs(coord, of.Arguments, nf.Arguments, add)
	}
}

func compareInputFields(typeName string, o, n *ast.Definition, add func(string, string, ...any)) {
	for _, of := range o.Fields {
		coord := typeName + "." + of.Name
		nf := n.Fields.ForName(of.Name)
		if nf == nil {
			add(coord, "input field removed")
			continue
		}
		compareInput(coord, of.Type, of.DefaultValue, nf.Type, nf.DefaultValue, add)
	}
	for _, nf := range n.Fields {
		if o.Fields.ForName(nf.Name) == nil && required(nf.Type, nf.DefaultValue) {
			add(typeName+"."+nf.Name, "new required input field")
		}
	}
}

func compareArgs(owner string, o, n ast.ArgumentDefinitionList, add func(string, string, ...any)) {
	for _, oa := range o {
		coord := owner + "(" + oa.Name + ":)"
		na := n.ForName(oa.Name)
		if na == nil {
			add(coord, "argument removed")
			continue
		}
		compareInput(coord, oa.Type, oa.DefaultValue, na.Type, na.DefaultValue, add)
	}
	for _, na := range n {
		if o.ForName(na.Name) == nil && required(na.Type, na.DefaultValue) {
			add(owner+"("+na.Name+":)", "new required argument")
		}
	}
}

func compareInput(coord string, ot *ast.Type, od *ast.Value, nt *ast.Type, nd *ast.Value, add func(string, string, ...any)) {
	if !inputCompatible(ot, nt) {
		add(coord, "type changed from %s to %s", ot, nt)
		return
	}
	if !required(ot, od) && required(nt, nd) {
		add(coord, "now required (non-null without a default)")
	}
}

// required reports whether a client must give a value: non-null with no
// default.
func required(t *ast.Type, def *ast.Value) bool { return t.NonNull && def == nil }

// outputCompatible reports whether a client reading old can read new: the
// same named type and list shape, where new may be non-null where old was
// nullable but not the reverse.
func outputCompatible(old, new *ast.Type) bool {
	if old.NonNull && !new.NonNull {
		return false
	}
	return sameShape(old, new, outputCompatible)
}

// inputCompatible reports whether every value a client sent for old is
// valid for new: the same named type and list shape, where new may accept
// null where old did not but not the reverse.
func inputCompatible(old, new *ast.Type) bool {
	if !old.NonNull && new.NonNull {
		return false
	}
	return sameShape(old, new, inputCompatible)
}

func sameShape(old, new *ast.Type, elem func(old, new *ast.Type) bool) bool {
	switch {
	case (old.Elem == nil) != (new.Elem == nil):
		return false
	case old.Elem != nil:
		return elem(old.Elem, new.Elem)
	default:
		return old.NamedType == new.NamedType
	}
}

func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.InputObject:
		return "input object"
	default:
		return strings.ToLower(string(k))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
