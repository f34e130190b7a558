// Package schemafile reads the API's GraphQL schema from its source files and
// prints it in one canonical form, so that two schemas can be stored and
// compared as text.
package schemafile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// SourcePattern is the glob, relative to the schema folder, of the files
// gqlgen reads (gqlgen.yml lists schema/*.graphqls).
const SourcePattern = "*.graphqls"

// ReleasedName is the file, in the schema folder, that holds the released
// schema. Its extension is .graphql so that gqlgen does not read it.
const ReleasedName = "released.graphql"

// LoadDir parses and validates every SourcePattern file of dir, in file name
// order, as one schema.
func LoadDir(dir string) (*ast.Schema, error) {
	files, err := filepath.Glob(filepath.Join(dir, SourcePattern))
	if err != nil {
		return nil, fmt.Errorf("list schema files in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no %s files in %s", SourcePattern, dir)
	}
	sort.Strings(files)
	sources := make([]*ast.Source, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read schema file: %w", err)
		}
		sources = append(sources, &ast.Source{Name: filepath.Base(f), Input: string(b)})
	}
	return Parse(sources...)
}

// LoadFile parses and validates one schema file.
func LoadFile(path string) (*ast.Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schema file: %w", err)
	}
	return Parse(&ast.Source{Name: filepath.Base(path), Input: string(b)})
}

// Parse validates sources as one schema, with GraphQL's built-in scalars
// and directives added.
func Parse(sources ...*ast.Source) (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return nil, fmt.Errorf("load schema: %w", err)
	}
	return s, nil
}

// Print writes s in canonical SDL: directive definitions, then types, each
// sorted by name (extensions merged into their type); fields, arguments and
// enum values in the order they are declared, files taken in name order.
// Built-in and introspection types are left out.
func Print(s *ast.Schema) []byte {
	var buf bytes.Buffer
	buf.WriteString("# The released GraphQL schema: the baseline the contract test compares\n")
	buf.WriteString("# schema/*.graphqls with. Written by `go run ./internal/tools/releaseschema`\n")
	buf.WriteString("# when a version is released; never edited by hand.\n\n")
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(s)
	return buf.Bytes()
}
