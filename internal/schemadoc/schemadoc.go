// Package schemadoc checks that the GraphQL schema documents itself: every
// element a client can see carries a description.
package schemadoc

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Undescribed returns the schema coordinates of every element of s without a
// description: types, fields, arguments, input fields, enum values, and
// directives defined by the schema with their arguments. Built-in scalars
// and directives and the introspection types and fields are left out.
func Undescribed(s *ast.Schema) []string {
	var out []string
	missing := func(desc, coord string) {
		if strings.TrimSpace(desc) == "" {
			out = append(out, coord)
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		missing(def.Description, name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			coord := name + "." + f.Name
			missing(f.Description, coord)
			for _, a := range f.Arguments {
				missing(a.Description, coord+"("+a.Name+":)")
			}
		}
		for _, v := range def.EnumValues {
			missing(v.Description, name+"."+v.Name)
		}
	}
	for name, d := range s.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
			continue
		}
		missing(d.Description, "@"+name)
		for _, a := range d.Arguments {
			missing(a.Description, "@"+name+"("+a.Name+":)")
		}
	}
	sort.Strings(out)
	return out
}
