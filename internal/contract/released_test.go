package contract

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"socrates/internal/schemafile"
)

// The repository's schema folder and changelog, from this package.
const (
	schemaDir     = "../../schema"
	changelogPath = "../../CHANGELOG.md"
)

// TestReleasedContract fails when schema/*.graphqls breaks a client of the
// released schema (schema/released.graphql) and CHANGELOG.md does not
// announce the change under "## [Unreleased]" / "### Breaking".
func TestReleasedContract(t *testing.T) {
	releasedPath := filepath.Join(schemaDir, schemafile.ReleasedName)
	if _, err := os.Stat(releasedPath); errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("schema/%s is missing: it is the released schema the contract is checked against. "+
			"Write it from the current schema with `go run ./internal/tools/releaseschema` (see README, \"Releasing\") and commit it.",
			schemafile.ReleasedName)
	}
	released, err := schemafile.LoadFile(releasedPath)
	if err != nil {
		t.Fatalf("schema/%s: %v", schemafile.ReleasedName, err)
	}
	current, err := schemafile.LoadDir(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	changelog, err := os.ReadFile(changelogPath)
	if err != nil {
		t.Fatalf("read the changelog: %v", err)
	}
	left := Unannounced(Breaking(released, current), AnnouncedBreaking(changelog))
	if len(left) == 0 {
		return
	}
	lines := make([]string, len(left))
	for i, c := range left {
		lines[i] = "  " + c.String()
	}
	t.Fatalf("the schema breaks the released contract (schema/%s) in %d place(s):\n%s\n"+
		"Restore the element, retire it with @deprecated(reason: \"…\") instead of removing it, or, when the break is "+
		"intended, name each element in backticks in CHANGELOG.md under \"## [Unreleased]\" / \"### Breaking\" (e.g. `%s`).",
		schemafile.ReleasedName, len(left), strings.Join(lines, "\n"), left[0].Element)
}
