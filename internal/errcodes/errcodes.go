// Package errcodes finds, by reading the module's Go source, every userError
// code the services can return, so that a test can hold the schema's and the
// README's lists of codes to the code.
package errcodes

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// apperrPath is the import path of the package that declares validation
// failures (apperr.Invalid, apperr.Validation.Add, apperr.FieldError).
const apperrPath = "socrates/internal/apperr"

// UserErrorCodes returns, sorted, every code passed as a userError code in
// the non-test Go files under root (the module root): the second argument of
// apperr.Invalid, of Add on a variable declared as an apperr.Validation, and
// the Code of an apperr.FieldError literal. A code is a string literal or a
// string constant of package apperr. A code given any other way (a variable,
// a call) is an error naming its place, since it cannot be listed.
func UserErrorCodes(root string) ([]string, error) {
	consts, err := apperrConstants(filepath.Join(root, "internal", "apperr"))
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	var problems []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		if f.Name.Name == "apperr" {
			return nil // the declarations themselves
		}
		name := importName(f)
		if name == "" {
			return nil
		}
		s := scanner{pkg: name, consts: consts, fset: fset, found: found}
		s.file(f)
		problems = append(problems, s.problems...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("userError codes that cannot be listed:\n  %s", strings.Join(problems, "\n  "))
	}
	out := make([]string, 0, len(found))
	for c := range found {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// apperrConstants reads the string constants declared in package apperr.
func apperrConstants(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("list apperr files: %w", err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if v, ok := stringLit(vs.Values[i]); ok {
						out[n.Name] = v
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no string constants in %s", dir)
	}
	return out, nil
}

// importName returns the name under which f imports apperr, or "".
func importName(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == apperrPath {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "apperr"
		}
	}
	return ""
}

type scanner struct {
	pkg      string
	consts   map[string]string
	fset     *token.FileSet
	found    map[string]bool
	problems []string
}

func (s *scanner) file(f *ast.File) {
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		validations := s.validationVars(fn)
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				recv, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				isInvalid := recv.Name == s.pkg && sel.Sel.Name == "Invalid"
				isAdd := validations[recv.Name] && sel.Sel.Name == "Add"
				if (isInvalid || isAdd) && len(n.Args) >= 2 {
					s.code(n.Args[1])
				}
			case *ast.CompositeLit:
				if s.isType(n.Type, "FieldError") {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
								s.code(kv.Value)
							}
						}
					}
				}
			}
			return true
		})
	}
}

// validationVars returns the names that fn declares as an apperr.Validation
// or a pointer to one: parameters, var declarations and := of a literal.
func (s *scanner) validationVars(fn *ast.FuncDecl) map[string]bool {
	out := map[string]bool{}
	fields := fn.Type.Params.List
	if fn.Recv != nil {
		fields = append(fields, fn.Recv.List...)
	}
	for _, p := range fields {
		if s.isValidationType(p.Type) {
			for _, n := range p.Names {
				out[n.Name] = true
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, rhs := range n.Rhs {
				if i < len(n.Lhs) && s.isValidationValue(rhs) {
					if id, ok := n.Lhs[i].(*ast.Ident); ok {
						out[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if (n.Type != nil && s.isValidationType(n.Type)) || (i < len(n.Values) && s.isValidationValue(n.Values[i])) {
					out[id.Name] = true
				}
			}
		}
		return true
	})
	return out
}

func (s *scanner) isValidationType(e ast.Expr) bool {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	return s.isType(e, "Validation")
}

func (s *scanner) isValidationValue(e ast.Expr) bool {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if c, ok := e.(*ast.CompositeLit); ok {
		return s.isType(c.Type, "Validation")
	}
	return false
}

func (s *scanner) isType(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == s.pkg && sel.Sel.Name == name
}

// code records the code expression e, or a problem when it is not a string
// literal or an apperr constant.
func (s *scanner) code(e ast.Expr) {
	if v, ok := stringLit(e); ok {
		s.found[v] = true
		return
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == s.pkg {
			if v, ok := s.consts[sel.Sel.Name]; ok {
				s.found[v] = true
				return
			}
		}
	}
	s.problems = append(s.problems, s.fset.Position(e.Pos()).String())
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}
