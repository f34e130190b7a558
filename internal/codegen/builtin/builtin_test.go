package builtin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"socrates/internal/codegen"
	"socrates/models"
)

// mature is a specification set such as a mature project holds.
func mature() []*models.Specification {
	s := func(c models.SpecCategory, k, v string) *models.Specification {
		return &models.Specification{Category: c, Key: k, Value: v}
	}
	return []*models.Specification{
		s(models.SpecCategoryGoals, "problem", "Merchants cannot see their \"orders\" in one place"),
		s(models.SpecCategoryRequirements, "order_tracking", "Customers follow an order from payment to delivery"),
		s(models.SpecCategoryRequirements, "invoices", "Merchants download monthly invoices"),
		s(models.SpecCategoryRequirements, "order_tracking", "Merchants see late orders first"),
		s(models.SpecCategoryRequirements, "config", "Admins change settings"),
		s(models.SpecCategoryTechStack, "database", "PostgreSQL 17"),
		s(models.SpecCategoryTechStack, "cache", "Redis"),
		s(models.SpecCategoryTechStack, "http_port", "The API listens on 9090"),
		s(models.SpecCategorySecurity, "auth_method", "OAuth 2 with PKCE"),
		s(models.SpecCategoryPerformance, "latency_target", "p95 under 200 ms"),
		s(models.SpecCategoryScalability, "expected_users", "10000 users at launch"),
		s(models.SpecCategoryTesting, "coverage_target", "80%"),
	}
}

// bare keeps only goals and requirements: no reason for configuration.
func bare() []*models.Specification {
	var out []*models.Specification
	for _, sp := range mature() {
		if sp.Category == models.SpecCategoryGoals || sp.Category == models.SpecCategoryRequirements {
			out = append(out, sp)
		}
	}
	return out
}

func render(t *testing.T, stack models.CodeStack, specs []*models.Specification) map[string]string {
	t.Helper()
	g, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := g.Plan(context.Background(), codegen.Input{Project: "Payments Platform: v2", Stack: stack, Specifications: specs})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range plan {
		if err := codegen.ValidatePath(p.Path); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[p.Path]; dup {
			t.Fatalf("%s planned twice", p.Path)
		}
		c, err := p.Render()
		if err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		out[p.Path] = c
	}
	return out
}

var stacks3 = []models.CodeStack{models.CodeStackGoService, models.CodeStackPythonFastapi, models.CodeStackTypescriptReact}

func TestCodegenDeterministic(t *testing.T) {
	for _, st := range stacks3 {
		a, b := render(t, st, mature()), render(t, st, mature())
		if len(a) != len(b) {
			t.Fatalf("%s: %d files, then %d", st, len(a), len(b))
		}
		for p, c := range a {
			if b[p] != c {
				t.Errorf("%s %s differs between two renders", st, p)
			}
		}
	}
}

// TestCodegenEmitsOnlyWhatSpecsGiveReasonFor: without database, cache,
// auth, port or limit specifications, no file about them is written and
// no file mentions them.
func TestCodegenEmitsOnlyWhatSpecsGiveReasonFor(t *testing.T) {
	for _, st := range stacks3 {
		full, thin := render(t, st, mature()), render(t, st, bare())
		for _, p := range []string{"auth.go", "database.go", "schema.sql", "go.sum", ".env.example", "docker-compose.yml",
			"app/auth.py", "app/database.py", "src/auth.ts", "src/config.ts"} {
			if _, ok := thin[p]; ok {
				t.Errorf("%s: %s written with no specification asking for it", st, p)
			}
		}
		for p, c := range thin {
			for _, word := range []string{"CACHE_URL", "DATABASE_URL", "AUTH_TOKEN", "Redis", "PostgreSQL", "LATENCY_TARGET", "9090"} {
				if strings.Contains(c, word) {
					t.Errorf("%s %s mentions %s with no specification for it", st, p, word)
				}
			}
		}
		for p, c := range full {
			if strings.Contains(c, "<no value>") {
				t.Errorf("%s %s: a template read a missing value", st, p)
			}
		}
		if !strings.Contains(full["README.md"], "Customers follow an order") || !strings.Contains(full["README.md"], "### REQUIREMENTS") {
			t.Errorf("%s README lacks the requirements:\n%s", st, full["README.md"])
		}
	}
	g := render(t, models.CodeStackGoService, mature())
	for _, want := range []string{"AUTH_TOKEN", "CACHE_URL", "DATABASE_URL", "LATENCY_TARGET", "EXPECTED_USERS", "9090"} {
		if !strings.Contains(g["config.go"]+g[".env.example"], want) {
			t.Errorf("the Go configuration lacks %s", want)
		}
	}
	if _, ok := g["docker-compose.yml"]; !ok || !strings.Contains(g["docker-compose.yml"], "redis") {
		t.Errorf("no compose file with the cache")
	}
}

// TestCodegenPgxVersion: the Go skeleton requires the pgx the server is
// built with, which is in the module cache.
func TestCodegenPgxVersion(t *testing.T) {
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`github.com/jackc/pgx/v5 ` + regexp.QuoteMeta(PgxVersion) + `\b`).Match(mod) {
		t.Fatalf("the server's go.mod does not require pgx %s", PgxVersion)
	}
}

func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// GoCheck runs go vet, go build and go test on a Go skeleton in dir,
// offline. It skips the test when the go tool is missing.
func GoCheck(t *testing.T, dir string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not installed: the Go skeleton cannot be built here")
	}
	for _, args := range [][]string{{"vet", "./..."}, {"build", "./..."}, {"test", "./..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local", "GOSUMDB=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestCodegenGoSkeletonBuilds(t *testing.T) {
	for name, specs := range map[string][]*models.Specification{"postgres": mature(), "bare": bare()} {
		t.Run(name, func(t *testing.T) { GoCheck(t, write(t, render(t, models.CodeStackGoService, specs))) })
	}
}

func TestCodegenPythonCompiles(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	for _, specs := range [][]*models.Specification{mature(), bare()} {
		files := render(t, models.CodeStackPythonFastapi, specs)
		dir := write(t, files)
		for p := range files {
			if strings.HasSuffix(p, ".py") {
				if out, err := exec.Command(py, "-m", "py_compile", filepath.Join(dir, p)).CombinedOutput(); err != nil {
					t.Errorf("%s: %v\n%s", p, err, out)
				}
			}
		}
	}
}

func TestCodegenTypeScriptIsWellFormed(t *testing.T) {
	for _, specs := range [][]*models.Specification{mature(), bare()} {
		files := render(t, models.CodeStackTypescriptReact, specs)
		for p, c := range files {
			if strings.HasSuffix(p, ".ts") || strings.HasSuffix(p, ".tsx") {
				if err := CheckTypeScript(p, c, files); err != nil {
					t.Errorf("%s: %v\n%s", p, err, c)
				}
			}
		}
	}
}
