package e2e

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// webAppDir is the React and Apollo example app, from this package.
const webAppDir = "../../examples/web"

// TestWebAppInBrowser builds the example app (npm ci, npm run build),
// serves it at /app/ from a real server and drives the whole flow in
// headless Chromium with playwright-core (examples/web/e2e/flow.mjs): sign
// up, projects with pagination, a streamed question, an answer and its
// specifications, a conflict resolved in the inbox, a refused access token
// refreshed, the export downloaded. Screenshots of each page land in
// examples/web/test-output/<database>/. Without node, npm or Chromium the
// test is skipped, or fails under CI=true.
func TestWebAppInBrowser(t *testing.T) {
	requireTool := func(what, hint string, ok bool) {
		if ok {
			return
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs %s for the web app browser test (%s)", what, hint)
		}
		t.Skipf("web app browser test skipped: no %s (%s)", what, hint)
	}
	node, nodeErr := exec.LookPath("node")
	requireTool("node", "apt-get install nodejs npm", nodeErr == nil)
	npm, npmErr := exec.LookPath("npm")
	requireTool("npm", "apt-get install npm", npmErr == nil)
	version, _ := exec.Command(node, "-p", "process.versions.node.split('.')[0]").Output()
	major, _ := strconv.Atoi(strings.TrimSpace(string(version)))
	requireTool("Node.js 20 or later (found major version "+strings.TrimSpace(string(version))+")",
		"playwright-core and graphql-ws need it", major >= 20)
	_, chromiumErr := os.Stat(testenv.ChromiumPath)
	requireTool("Chromium at "+testenv.ChromiumPath, "apt-get install chromium", chromiumErr == nil)

	dir, err := filepath.Abs(webAppDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		// npm's cache stays in the app's git-ignored folder; the registry
		// is the only network npm uses.
		cmd.Env = append(os.Environ(), "npm_config_cache="+filepath.Join(dir, ".npm-cache"),
			"npm_config_audit=false", "npm_config_fund=false", "npm_config_update_notifier=false")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		t.Logf("%s %s (%s)", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	}
	run(npm, "ci", "--prefer-offline")
	// go vet ./... and gofmt -l . walk examples/web/node_modules (only
	// testdata and names starting with . or _ are skipped): no package
	// may bring Go files there.
	var goFiles []string
	_ = filepath.WalkDir(filepath.Join(dir, "node_modules"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			goFiles = append(goFiles, p)
		}
		return nil
	})
	if len(goFiles) > 0 {
		t.Fatalf("npm ci put Go files under examples/web/node_modules, which go vet ./... would read: %v", goFiles)
	}
	run(node, "scripts/possible-types.mjs", "--check")
	run(npm, "run", "build")

	dist := filepath.Join(dir, "dist")
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.WebAppDir = dist }))

		// The server's side: files with their types, the page for the
		// app's own routes, no listing, the bare path redirected.
		for path, want := range map[string]string{
			"/app/":                      "text/html",
			"/app/projects/UHJvamVjdDox": "text/html",
			"/app/assets/":               "text/html",
		} {
			resp, body := srv.Get(t, path)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || !strings.Contains(string(body), `<div id="root">`) {
				t.Fatalf("GET %s: %s %s\n%s", path, resp.Status, resp.Header.Get("Content-Type"), body)
			}
		}
		assets, err := filepath.Glob(filepath.Join(dist, "assets", "*.js"))
		if err != nil || len(assets) == 0 {
			t.Fatalf("no bundle in %s: %v", dist, err)
		}
		resp, _ := srv.Get(t, "/app/assets/"+filepath.Base(assets[0]))
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.Contains(ct, "javascript") {
			t.Fatalf("the bundle answers %s %q", resp.Status, ct)
		}
		if resp, _ := srv.Get(t, "/app/assets/missing.js"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a missing asset answers %s, want 404", resp.Status)
		}

		out := filepath.Join(dir, "test-output", filepath.Base(t.Name()))
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, node, "e2e/flow.mjs", srv.URL, out)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHROMIUM_PATH="+testenv.ChromiumPath)
		start := time.Now()
		output, err := cmd.CombinedOutput()
		t.Logf("node e2e/flow.mjs (%s):\n%s", time.Since(start).Round(time.Millisecond), output)
		if err != nil {
			t.Fatalf("the browser flow failed: %v (screenshots in %s)", err, out)
		}
		if shots, _ := filepath.Glob(filepath.Join(out, "*.png")); len(shots) < 9 {
			t.Fatalf("want a screenshot of each page in %s, got %v", out, shots)
		}
	})
}
