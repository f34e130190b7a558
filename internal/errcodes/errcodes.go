// Package errcodes holds the module's error codes to one list. It
// type-checks the module's Go source (its tests left out) and fails naming
// every place outside package apperr that gives a code as anything but one
// of apperr's constants: a string literal, a constant of its own, or a
// conversion of a variable to a code type. It also returns the code
// constants apperr declares, so that a test can hold them to the lists
// apperr exports (apperr.UserCodes, apperr.TopLevelCodes).
package errcodes

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// apperrPath is the import path of the package that declares the codes.
const apperrPath = "socrates/internal/apperr"

// The names, in package apperr, of the two code types.
const (
	userCodeType = "UserCode"
	codeType     = "Code"
)

// Codes are the values of the code constants package apperr declares,
// each list sorted.
type Codes struct {
	// User holds the constants of type apperr.UserCode (userError codes).
	User []string
	// TopLevel holds the constants of type apperr.Code (top-level codes).
	TopLevel []string
}

// Scan type-checks the non-test Go packages of the module at root and
// returns the code constants of package apperr. Outside apperr, and
// outside generated files, it refuses:
//   - a constant expression of type apperr.Code or apperr.UserCode that is
//     not an apperr constant (a string literal passed where a code is
//     taken, or a constant declared elsewhere), a conversion of an apperr
//     constant from one code type to the other excepted;
//   - a conversion of a value that is not constant (a string variable) to
//     a code type;
//   - a string literal whose value is a code, or that holds one in double
//     quotes (as a JSON text would), which gives the code untyped.
//
// The error names every such place as file:line:column.
func Scan(root string) (Codes, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return Codes{}, fmt.Errorf("scan %s: %w", root, err)
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  root,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return Codes{}, fmt.Errorf("load the packages under %s: %w", root, err)
	}
	var loadErrs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
	})
	if len(loadErrs) > 0 {
		return Codes{}, fmt.Errorf("the packages under %s do not type-check:\n  %s", root, strings.Join(loadErrs, "\n  "))
	}
	var codes Codes
	found := false
	for _, p := range pkgs {
		if p.PkgPath == apperrPath {
			codes, found = declared(p.Types), true
		}
	}
	if !found || len(codes.User) == 0 || len(codes.TopLevel) == 0 {
		return Codes{}, fmt.Errorf("no %s.%s and %s.%s constants under %s", apperrPath, userCodeType, apperrPath, codeType, root)
	}
	values := map[string]bool{}
	for _, v := range slices.Concat(codes.User, codes.TopLevel) {
		values[v] = true
	}
	var problems []string
	for _, p := range pkgs {
		if p.PkgPath == apperrPath {
			continue
		}
		c := checker{root: root, fset: p.Fset, info: p.TypesInfo, values: values}
		for _, f := range p.Syntax {
			if !ast.IsGenerated(f) {
				c.file(f)
			}
		}
		problems = append(problems, c.problems...)
	}
	if len(problems) > 0 {
		return Codes{}, fmt.Errorf("error codes given other than as apperr constants:\n  %s", strings.Join(problems, "\n  "))
	}
	return codes, nil
}

// Check runs Scan and also fails when the constants it finds differ from
// the lists given (apperr.UserCodes and apperr.TopLevelCodes, as strings):
// a constant left out of its list cannot be documented from it.
func Check(root string, user, topLevel []string) error {
	codes, err := Scan(root)
	if err != nil {
		return err
	}
	var problems []string
	problems = append(problems, differ("apperr.UserCodes()", codes.User, user)...)
	problems = append(problems, differ("apperr.TopLevelCodes()", codes.TopLevel, topLevel)...)
	if len(problems) > 0 {
		return fmt.Errorf("apperr's code constants and its lists differ:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// differ names the constants missing from the list called name, and the
// entries of the list that no constant declares.
func differ(name string, constants, list []string) []string {
	var out []string
	for _, c := range constants {
		if !slices.Contains(list, c) {
			out = append(out, fmt.Sprintf("%s is declared but missing from %s", c, name))
		}
	}
	for _, l := range list {
		if !slices.Contains(constants, l) {
			out = append(out, fmt.Sprintf("%s is in %s but no constant declares it", l, name))
		}
	}
	if len(list) != len(slices.Compact(slices.Sorted(slices.Values(list)))) {
		out = append(out, name+" lists a code twice")
	}
	return out
}

// declared returns the code constants of package apperr, sorted.
func declared(pkg *types.Package) Codes {
	var c Codes
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		k, ok := scope.Lookup(name).(*types.Const)
		if !ok || k.Val().Kind() != constant.String {
			continue
		}
		switch codeTypeName(k.Type()) {
		case userCodeType:
			c.User = append(c.User, constant.StringVal(k.Val()))
		case codeType:
			c.TopLevel = append(c.TopLevel, constant.StringVal(k.Val()))
		}
	}
	slices.Sort(c.User)
	slices.Sort(c.TopLevel)
	return c
}

// codeTypeName returns "UserCode" or "Code" when t is that type of package
// apperr, and "" otherwise.
func codeTypeName(t types.Type) string {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return ""
	}
	obj := named.Obj()
	if obj.Pkg() == nil || obj.Pkg().Path() != apperrPath {
		return ""
	}
	if n := obj.Name(); n == userCodeType || n == codeType {
		return n
	}
	return ""
}

// checker finds, in the files of one package, the places Scan refuses.
type checker struct {
	root     string
	fset     *token.FileSet
	info     *types.Info
	values   map[string]bool
	problems []string
}

func (c *checker) file(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		tv, ok := c.info.Types[e]
		if !ok {
			return true
		}
		if codeTypeName(tv.Type) != "" {
			switch {
			case tv.Value != nil && c.fromApperr(e):
				return false
			case tv.Value != nil:
				c.problem(e, "a code given as a literal or a constant of its own")
				return false
			case c.conversion(e):
				c.problem(e, "a value converted to a code type")
				return false
			}
			return true
		}
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil && c.holdsCode(v) {
				c.problem(e, "a code in an untyped string literal")
			}
		}
		return true
	})
}

// fromApperr reports whether e is an apperr constant, or the conversion
// of one to a code type.
func (c *checker) fromApperr(e ast.Expr) bool {
	e = ast.Unparen(e)
	if call, ok := e.(*ast.CallExpr); ok && c.conversion(call) && len(call.Args) == 1 {
		return c.fromApperr(call.Args[0])
	}
	var id *ast.Ident
	switch x := e.(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return false
	}
	k, ok := c.info.Uses[id].(*types.Const)
	return ok && k.Pkg() != nil && k.Pkg().Path() == apperrPath
}

// conversion reports whether e is a conversion to a type.
func (c *checker) conversion(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	tv, ok := c.info.Types[call.Fun]
	return ok && tv.IsType()
}

// holdsCode reports whether s is a code, or holds one in double quotes.
func (c *checker) holdsCode(s string) bool {
	if c.values[s] {
		return true
	}
	if !strings.Contains(s, `"`) {
		return false
	}
	for v := range c.values {
		if strings.Contains(s, `"`+v+`"`) {
			return true
		}
	}
	return false
}

func (c *checker) problem(e ast.Expr, what string) {
	pos := c.fset.Position(e.Pos())
	if rel, err := filepath.Rel(c.root, pos.Filename); err == nil {
		pos.Filename = rel
	}
	c.problems = append(c.problems, fmt.Sprintf("%s: %s", pos, what))
}
