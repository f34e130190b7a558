package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"socrates/internal/testenv"
)

// The example integration (examples/integrator, built on the typed client
// in socrates/client) runs as an integrator runs it: a compiled program
// with a READ API token in its environment, against a real server, and
// writes what the API holds.
func TestIntegratorExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "integrator")
	if out, err := exec.Command("go", "build", "-o", bin, "socrates/examples/integrator").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("Integrated")
		me.CreateProject("Another one")
		add := `mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) { userErrors { code } } }`
		// More than one page of the program's 100 per request.
		for i := range 120 {
			me.Must(add, map[string]any{"p": pid, "c": "REQUIREMENTS", "k": fmt.Sprintf("feature_%03d", i), "v": fmt.Sprintf("capability %d", i)}, nil)
		}
		var tok struct{ CreateApiToken struct{ Token string } }
		me.Must(`mutation { createApiToken(input: {name: "integrator", scopes: [READ]}) { token } }`, nil, &tok)

		runIt := func(args ...string) (string, error) {
			cmd := exec.Command(bin, append([]string{"-endpoint", srv.URL + "/query"}, args...)...)
			cmd.Env = append(os.Environ(), "SOCRATES_TOKEN="+tok.CreateApiToken.Token)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}

		// By name, the default: every CURRENT specification as JSON.
		specsFile := filepath.Join(t.TempDir(), "specs.json")
		if out, err := runIt("-name", "Integrated", "-out", specsFile); err != nil {
			t.Fatalf("integrator: %v\n%s", err, out)
		}
		var doc struct {
			Project        struct{ ID, Name string }
			Specifications []struct{ ID, Category, Key, Value, Status string }
		}
		raw, err := os.ReadFile(specsFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("the file is not JSON: %v\n%s", err, raw)
		}
		type spec struct{ ID, Category, Key, Value, Status string }
		var got []spec
		for after := any(nil); ; {
			var page struct {
				Project struct {
					Specifications struct {
						Nodes    []spec
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
					}
				}
			}
			me.Must(`query($p: ID!, $a: String) { project(id: $p) { specifications(first: 100, after: $a) { nodes { id category key value status } pageInfo { hasNextPage endCursor } } } }`,
				map[string]any{"p": pid, "a": after}, &page)
			got = append(got, page.Project.Specifications.Nodes...)
			if !page.Project.Specifications.PageInfo.HasNextPage {
				break
			}
			after = page.Project.Specifications.PageInfo.EndCursor
		}
		if doc.Project.ID != pid || doc.Project.Name != "Integrated" {
			t.Errorf("project %+v, want %s", doc.Project, pid)
		}
		if len(doc.Specifications) != 120 || len(got) != 120 {
			t.Fatalf("%d specifications written, %d in the API", len(doc.Specifications), len(got))
		}
		for i := range got {
			if doc.Specifications[i] != got[i] {
				t.Fatalf("specification %d: wrote %+v, the API says %+v", i, doc.Specifications[i], got[i])
			}
		}

		// The server's export, by id.
		mdFile := filepath.Join(t.TempDir(), "project.md")
		if out, err := runIt("-project", pid, "-format", "markdown", "-out", mdFile); err != nil {
			t.Fatalf("integrator export: %v\n%s", err, out)
		}
		var exp struct {
			Project struct{ Export struct{ Content string } }
		}
		me.Must(`query($p: ID!) { project(id: $p) { export(format: MARKDOWN) { content } } }`, map[string]any{"p": pid}, &exp)
		if md, _ := os.ReadFile(mdFile); string(md) != exp.Project.Export.Content || !strings.Contains(string(md), "feature_119") {
			t.Errorf("the Markdown written differs from the export (%d vs %d bytes)", len(md), len(exp.Project.Export.Content))
		}

		// A bad token and an unknown project fail clearly, writing nothing.
		bad := filepath.Join(t.TempDir(), "never.json")
		cmd := exec.Command(bin, "-endpoint", srv.URL+"/query", "-project", pid, "-out", bad)
		cmd.Env = append(os.Environ(), "SOCRATES_TOKEN=soc_not_a_token")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "integrator:") {
			t.Errorf("a bad token: %v\n%s", err, out)
		}
		if out, err := runIt("-name", "No such project", "-out", bad); err == nil || !strings.Contains(out, `no project called "No such project"`) {
			t.Errorf("an unknown project: %v\n%s", err, out)
		}
		if _, err := os.Stat(bad); !os.IsNotExist(err) {
			t.Error("a failed run wrote its file")
		}
	})
}
