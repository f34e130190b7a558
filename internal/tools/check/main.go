// Command check is the project's one test command, run by developers and by
// CI alike:
//
//	go run ./internal/tools/check
//
// It runs go vet, staticcheck, a go mod tidy check, a gofmt check, `go generate ./...`
// (which must leave no diff), the whole test suite with -race against SQLite and PostgreSQL, and
// then every fuzz target for a few seconds beyond its committed corpus.
// Without a PostgreSQL server it says plainly that the PostgreSQL suite was
// skipped, unless CI=true, where that is a failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"socrates/internal/testenv"
)

func main() {
	skipGenerate := flag.Bool("skip-generate", false, "skip the go generate diff check (faster local runs)")
	run := flag.String("run", "", "pass -run to go test (and skip fuzzing)")
	fuzzTime := flag.Duration("fuzztime", 3*time.Second, "how long to fuzz each target after the tests; 0 skips fuzzing")
	flag.Parse()
	if err := check(*skipGenerate, *run, *fuzzTime); err != nil {
		fmt.Fprintln(os.Stderr, "\ncheck FAILED:", err)
		os.Exit(1)
	}
}

func check(skipGenerate bool, run string, fuzzTime time.Duration) error {
	start := time.Now()
	var notes []string

	step("go vet")
	if err := sh("go", "vet", "./..."); err != nil {
		return fmt.Errorf("go vet: %w", err)
	}

	step("staticcheck")
	if err := sh("go", "tool", "staticcheck", "./..."); err != nil {
		return fmt.Errorf("staticcheck: %w", err)
	}

	step("go mod tidy -diff")
	if err := sh("go", "mod", "tidy", "-diff"); err != nil {
		return fmt.Errorf("go.mod or go.sum is not tidy (run go mod tidy and commit the result): %w", err)
	}

	step("gofmt")
	out, err := exec.Command("gofmt", "-l", ".").Output()
	if err != nil {
		return fmt.Errorf("gofmt: %w", err)
	}
	if files := strings.TrimSpace(string(out)); files != "" {
		return fmt.Errorf("these files need gofmt -w:\n%s", files)
	}

	if skipGenerate {
		notes = append(notes, "go generate: skipped (-skip-generate)")
	} else {
		step("go generate ./... must leave no diff")
		if err := sh("go", "generate", "./..."); err != nil {
			return fmt.Errorf("go generate: %w", err)
		}
		if exec.Command("git", "rev-parse", "--is-inside-work-tree").Run() != nil {
			notes = append(notes, "go generate: ran, but this is not a git checkout, so the diff was not checked")
		} else {
			diff, err := exec.Command("git", "status", "--porcelain", "--", "graph", "models", "resolvers", "schema", "client").Output()
			if err != nil {
				return fmt.Errorf("git status: %w", err)
			}
			if d := strings.TrimSpace(string(diff)); d != "" {
				return fmt.Errorf("go generate changed generated code; commit the regenerated files:\n%s", d)
			}
		}
	}

	step("PostgreSQL")
	pgURL := testenv.PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	pgErr := testenv.ProbePostgres(ctx, pgURL)
	cancel()
	switch {
	case pgErr == nil:
		fmt.Println("PostgreSQL answers; the suite runs on SQLite and PostgreSQL.")
		notes = append(notes, "PostgreSQL suite: ran")
	case os.Getenv("CI") == "true":
		return fmt.Errorf("CI=true needs PostgreSQL (TEST_DATABASE_URL or %s): %w", testenv.DefaultPostgresURL, pgErr)
	default:
		msg := fmt.Sprintf("PostgreSQL suite: SKIPPED, no server at TEST_DATABASE_URL or %s (%v); only SQLite was tested", testenv.DefaultPostgresURL, pgErr)
		fmt.Println(msg)
		notes = append(notes, msg)
	}

	if _, err := os.Stat(testenv.ChromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			return fmt.Errorf("CI=true needs Chromium at %s for the IDE browser test (apt-get install chromium)", testenv.ChromiumPath)
		}
		notes = append(notes, "IDE browser test: SKIPPED, no Chromium at "+testenv.ChromiumPath)
	} else {
		notes = append(notes, "IDE browser test: ran")
	}
	_, nodeErr := exec.LookPath("node")
	_, npmErr := exec.LookPath("npm")
	switch {
	case nodeErr != nil || npmErr != nil:
		if os.Getenv("CI") == "true" {
			return errors.New("CI=true needs node and npm for the web app browser test (apt-get install nodejs npm)")
		}
		notes = append(notes, "web app browser test: SKIPPED, no node or npm (examples/web)")
	case chromiumMissing(testenv.ChromiumPath):
		notes = append(notes, "web app browser test: SKIPPED, no Chromium at "+testenv.ChromiumPath)
	default:
		notes = append(notes, "web app browser test: ran (npm ci and npm run build in examples/web)")
	}

	step("go test -race ./...")
	args := []string{"test", "-race", "-count=1", "-timeout", "30m"}
	if run != "" {
		args = append(args, "-run", run)
	}
	if err := sh("go", append(args, "./...")...); err != nil {
		return fmt.Errorf("tests: %w", err)
	}

	switch {
	case run != "" || fuzzTime <= 0:
		notes = append(notes, "fuzzing: skipped")
	default:
		targets, err := fuzzTargets(".")
		if err != nil {
			return err
		}
		step(fmt.Sprintf("fuzz %d targets, %s each", len(targets), fuzzTime))
		for _, t := range targets {
			if err := sh("go", "test", "-run", "^$", "-fuzz", "^"+t.name+"$", "-fuzztime", fuzzTime.String(), t.pkg); err != nil {
				return fmt.Errorf("fuzzing %s in %s found a failing input (kept under testdata/fuzz; commit it once fixed): %w", t.name, t.pkg, err)
			}
		}
		notes = append(notes, fmt.Sprintf("fuzzing: %d targets, %s each", len(targets), fuzzTime))
	}

	fmt.Printf("\ncheck passed in %s\n", time.Since(start).Round(time.Second))
	for _, n := range notes {
		fmt.Println("  -", n)
	}
	return nil
}

func step(name string) { fmt.Printf("\n==> %s\n", name) }

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s exited with %d", name, ee.ExitCode())
		}
		return err
	}
	return nil
}

// fuzzTarget is a fuzz test and the package that holds it.
type fuzzTarget struct{ pkg, name string }

// fuzzFunc matches the declaration of a fuzz test.
var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

// fuzzTargets finds the fuzz tests in the test files below root, in a
// stable order.
func fuzzTargets(root string) ([]fuzzTarget, error) {
	var out []fuzzTarget
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			out = append(out, fuzzTarget{pkg: "./" + filepath.Dir(path), name: string(m[1])})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find fuzz targets: %w", err)
	}
	return out, nil
}

// chromiumMissing reports whether there is no browser at path.
func chromiumMissing(path string) bool {
	_, err := os.Stat(path)
	return err != nil
}
