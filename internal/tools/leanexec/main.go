// Command leanexec rewrites gqlgen's generated executor after `gqlgen
// generate` so that plain fields skip the per-field machinery they do not
// need. A plain field is one whose value is the model's struct field or a
// method without error, with no directive and a scalar or enum
// marshaller that cannot report an error (or, for Time and Float, one
// that falls back to gqlgen's path for the values it refuses, so errors
// keep their path). gqlgen resolves every such field through
// graphql.ResolveField, which allocates a field context, a context value,
// closures and a boxed value per field of every object; the nested read
// of the benchmark has about ten thousand of them.
//
// The rewrite is part of `go generate ./...` (see generate.go) and is
// idempotent; what it changes and why is in docs/performance.md. Field
// middleware (AroundFields) does not see the rewritten fields, as gqlgen
// does not run it for introspection either: the project installs none.
//
// Usage:
//
//	go run ./internal/tools/leanexec -dir graph
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := flag.String("dir", "graph", "the folder of gqlgen's generated executor")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "leanexec:", err)
		os.Exit(1)
	}
}

// run rewrites the *.generated.go files of dir in place.
func run(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.generated.go"))
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("no generated files in %s", dir)
	}
	files := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return fmt.Errorf("read generated file: %w", err)
		}
		files[n] = b
	}
	out, st, err := Rewrite(files)
	if err != nil {
		return err
	}
	changed := 0
	for n, b := range out {
		if old, ok := files[n]; ok && string(old) == string(b) {
			continue
		}
		changed++
		if err := os.WriteFile(n, b, 0o644); err != nil {
			return fmt.Errorf("write generated file: %w", err)
		}
	}
	fmt.Printf("leanexec: %d files changed in %s: %d fields direct, %d guarded, %d deferred groups lazy, %d lists in order when they can be, %d objects written without a map\n",
		changed, strings.TrimSuffix(dir, "/"), st.Direct, st.Guarded, st.Groups, st.Lists, st.FieldSets)
	return nil
}
