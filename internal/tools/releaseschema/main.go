// Command releaseschema writes the released schema baseline: every
// schema/*.graphqls file printed canonically into schema/released.graphql.
// Run it from the repository root when a version is released:
//
//	go run ./internal/tools/releaseschema
//
// The contract test (internal/contract) then compares later schemas with
// this baseline and fails on a breaking change the changelog does not list.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"socrates/internal/schemafile"
)

func main() {
	dir := flag.String("schema", "schema", "the folder of the *.graphqls files")
	out := flag.String("out", "", "the file to write (default: released.graphql in the schema folder)")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "releaseschema:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	if out == "" {
		out = filepath.Join(dir, schemafile.ReleasedName)
	}
	s, err := schemafile.LoadDir(dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, schemafile.Print(s), 0o644); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	fmt.Println("wrote", out)
	return nil
}
