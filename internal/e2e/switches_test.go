package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// productionConfig returns an option that sets what the configuration
// parser derives for production mode from env (plus APP_ENV=production).
func productionConfig(t *testing.T, env map[string]string) testenv.Option {
	t.Helper()
	all := map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://unused/db", "JWT_SECRET": testenv.TestSecret}
	for k, v := range env {
		all[k] = v
	}
	prod, err := config.Load(nil, func(k string) string { return all[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.WithConfig(func(c *config.Config) {
		c.Env, c.AllowedOrigins, c.Introspection, c.IDE = prod.Env, prod.AllowedOrigins, prod.Introspection, prod.IDE
	})
}

// developmentConfig is productionConfig for development mode.
func developmentConfig(t *testing.T, env map[string]string) testenv.Option {
	t.Helper()
	dev, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.WithConfig(func(c *config.Config) {
		c.Env, c.AllowedOrigins, c.Introspection, c.IDE = dev.Env, dev.AllowedOrigins, dev.Introspection, dev.IDE
	})
}

// browserHeaders are the request headers real browser clients ask a
// preflight for: credentials, Apollo's client awareness and CSRF header,
// tracing and request ids (lower case and sorted, as browsers send them).
const browserHeaders = "apollo-require-preflight,apollographql-client-name,apollographql-client-version,authorization,baggage,content-type,sentry-trace,traceparent,tracestate,x-request-id"

// preflight sends a CORS preflight for a POST with headers from origin.
func preflight(t *testing.T, srv *testenv.Server, origin, headers string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, srv.URL+"/query", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", headers)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestCORS sends real preflights and requests to real servers, from an
// allowed and a refused origin, in development and production modes.
func TestCORS(t *testing.T) {
	type origin struct {
		origin string
		allow  string // the Access-Control-Allow-Origin expected; "" when refused
	}
	for name, c := range map[string]struct {
		opt     func(t *testing.T) testenv.Option
		origins []origin
	}{
		"development default allows any origin": {
			opt:     func(t *testing.T) testenv.Option { return developmentConfig(t, nil) },
			origins: []origin{{"http://localhost:3000", "*"}, {"https://anything.example", "*"}},
		},
		"development with ALLOWED_ORIGINS": {
			opt: func(t *testing.T) testenv.Option {
				return developmentConfig(t, map[string]string{"ALLOWED_ORIGINS": "http://localhost:3000"})
			},
			origins: []origin{{"http://localhost:3000", "http://localhost:3000"}, {"https://evil.example", ""}},
		},
		"production with ALLOWED_ORIGINS": {
			opt: func(t *testing.T) testenv.Option {
				return productionConfig(t, map[string]string{"ALLOWED_ORIGINS": "https://app.example.com, https://admin.example.com"})
			},
			origins: []origin{{"https://app.example.com", "https://app.example.com"}, {"https://admin.example.com", "https://admin.example.com"}, {"https://evil.example", ""}},
		},
		"production default refuses every origin": {
			opt:     func(t *testing.T) testenv.Option { return productionConfig(t, nil) },
			origins: []origin{{"https://app.example.com", ""}, {"http://localhost:3000", ""}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), c.opt(t))
			for _, o := range c.origins {
				resp := preflight(t, srv, o.origin, browserHeaders)
				if resp.StatusCode != http.StatusNoContent {
					t.Fatalf("%s: preflight status %d", o.origin, resp.StatusCode)
				}
				h := resp.Header
				if got := h.Get("Access-Control-Allow-Origin"); got != o.allow {
					t.Fatalf("%s: Access-Control-Allow-Origin %q, want %q", o.origin, got, o.allow)
				}
				if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
					t.Fatalf("%s: no Vary: Origin in %v", o.origin, h)
				}
				if o.allow == "" {
					if h.Get("Access-Control-Allow-Headers") != "" || h.Get("Access-Control-Allow-Methods") != "" {
						t.Fatalf("%s: a refused origin got CORS headers: %v", o.origin, h)
					}
				} else {
					if got := h.Get("Access-Control-Allow-Headers"); got != browserHeaders {
						t.Fatalf("%s: Access-Control-Allow-Headers %q, want %q", o.origin, got, browserHeaders)
					}
					if h.Get("Access-Control-Allow-Methods") != "POST" || h.Get("Access-Control-Max-Age") != "600" {
						t.Fatalf("%s: methods or max age: %v", o.origin, h)
					}
					if h.Get("Access-Control-Allow-Credentials") != "" {
						t.Fatalf("%s: credentials mode on: %v", o.origin, h)
					}
					// A header no client sends is refused.
					odd := preflight(t, srv, o.origin, "content-type,x-not-allowed")
					if odd.Header.Get("Access-Control-Allow-Origin") != "" || odd.Header.Get("Access-Control-Allow-Headers") != "" {
						t.Fatalf("%s: an unknown request header was allowed: %v", o.origin, odd.Header)
					}
				}

				// The request itself.
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(`{"query":"{ __typename }"}`))
				req.Header.Set("Origin", o.origin)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Apollographql-Client-Name", "web")
				req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"data":{"__typename":"Query"},`) {
					t.Fatalf("%s: POST %d %s", o.origin, resp.StatusCode, body)
				}
				if got := resp.Header.Get("Access-Control-Allow-Origin"); got != o.allow {
					t.Fatalf("%s: POST Access-Control-Allow-Origin %q, want %q", o.origin, got, o.allow)
				}
				wantExpose := ""
				if o.allow != "" {
					wantExpose = "X-Request-Id"
				}
				if got := resp.Header.Get("Access-Control-Expose-Headers"); got != wantExpose {
					t.Fatalf("%s: Access-Control-Expose-Headers %q, want %q", o.origin, got, wantExpose)
				}
			}
		})
	}
}

// introspectionCases are operations that introspect, directly or through
// fragments.
var introspectionCases = map[string]string{
	"__schema":          `{ __schema { queryType { name } } }`,
	"__type":            `{ __type(name: "Project") { name } }`,
	"fragment":          `query { ...F } fragment F on Query { __schema { types { name } } }`,
	"inline fragment":   `{ ... on Query { __type(name: "User") { fields { name } } } }`,
	"beside other data": `{ viewer { id } __schema { types { name } } }`,
}

// postJSON posts a GraphQL query with the given Accept header.
func postJSON(t *testing.T, srv *testenv.Server, query, accept string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// TestProductionSwitches checks INTROSPECTION and IDE: off by default in
// production (introspection refused with INTROSPECTION_DISABLED, / and
// /schema.graphql 404), on by default in development, and each settable
// either way in both modes.
func TestProductionSwitches(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		for name, c := range map[string]struct {
			opt                testenv.Option
			introspection, ide bool
		}{
			"production defaults":  {productionConfig(t, nil), false, false},
			"production turned on": {productionConfig(t, map[string]string{"INTROSPECTION": "true", "IDE": "true"}), true, true},
			"development defaults": {developmentConfig(t, nil), true, true},
			"development, IDE off": {developmentConfig(t, map[string]string{"IDE": "false"}), true, false},
			"development, introspection off": {
				developmentConfig(t, map[string]string{"INTROSPECTION": "false"}), false, true},
		} {
			t.Run(name, func(t *testing.T) {
				srv := testenv.StartServer(t, dbURL, c.opt)
				for what, q := range introspectionCases {
					status, out := postJSON(t, srv, q, "")
					errs, _ := out["errors"].([]any)
					if c.introspection {
						if status != http.StatusOK || len(errs) != 0 || out["data"] == nil {
							t.Fatalf("%s: %d %v", what, status, out)
						}
						continue
					}
					if status != http.StatusOK || len(errs) != 1 || out["data"] != nil {
						t.Fatalf("%s: want one error and no data, got %d %v", what, status, out)
					}
					e := errs[0].(map[string]any)
					if e["message"] != "introspection is disabled on this server (INTROSPECTION=false)" ||
						e["extensions"].(map[string]any)["code"] != "INTROSPECTION_DISABLED" {
						t.Fatalf("%s: error %v", what, e)
					}
					if status, _ := postJSON(t, srv, q, "application/graphql-response+json"); status != http.StatusBadRequest {
						t.Fatalf("%s: graphql-response+json answered %d, want 400", what, status)
					}
				}
				// __typename is no introspection.
				if status, out := postJSON(t, srv, `{ __typename viewer { __typename } }`, ""); status != http.StatusOK || out["errors"] != nil {
					t.Fatalf("__typename: %d %v", status, out)
				}

				wantSDL, wantIDE := http.StatusNotFound, http.StatusNotFound
				if c.introspection {
					wantSDL = http.StatusOK
				}
				if c.ide {
					wantIDE = http.StatusOK
				}
				if resp, body := srv.Get(t, "/schema.graphql"); resp.StatusCode != wantSDL ||
					(wantSDL == http.StatusOK) != strings.Contains(string(body), "type Project implements Node") {
					t.Fatalf("/schema.graphql: %d, want %d", resp.StatusCode, wantSDL)
				}
				for _, path := range []string{"/", "/ide/start.js"} {
					if resp, _ := srv.Get(t, path); resp.StatusCode != wantIDE {
						t.Fatalf("%s: %d, want %d", path, resp.StatusCode, wantIDE)
					}
				}

				// The websocket refuses introspection the same way.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				ws, err := testenv.DialWS(ctx, srv, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.Close()
				got := string(ws.QueryWS(t, ctx, "i", `{ __schema { queryType { name } } }`))
				if c.introspection != strings.Contains(got, `"queryType":{"name":"Query"}`) ||
					!c.introspection != strings.Contains(got, `"code":"INTROSPECTION_DISABLED"`) {
					t.Fatalf("introspection over websocket: %s", got)
				}
			})
		}
	})
}

// TestHelpHidesSecrets runs the real binary's -h with secrets in its
// environment: the help names each flag's variable and never prints a
// secret's value. It also checks version and --version.
func TestHelpHidesSecrets(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "socrates")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.buildVersion=v9.8.7-test", "-o", bin, "socrates").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	secrets := map[string]string{
		"JWT_SECRET":         "jwt-secret-value-that-is-long-enough-123",
		"ANTHROPIC_API_KEY":  "sk-ant-secret-anthropic-key",
		"OPENAI_API_KEY":     "sk-secret-openai-key",
		"LLM_ENCRYPTION_KEY": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"DATABASE_URL":       "postgres://app:db-password-hunter2@db.internal:5432/socrates?sslmode=disable&password=query-password",
		"OPENAI_BASE_URL":    "https://proxy-user:proxy-password@llm.internal/v1?api-key=query-key",
	}
	hidden := []string{"jwt-secret-value", "sk-ant-secret", "sk-secret-openai", "00112233445566778899", "db-password-hunter2", "query-password", "proxy-password", "query-key"}
	env := []string{"APP_ENV=production", "PORT=9090", "WS_KEEPALIVE=5s"}
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("socrates %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"serve", "-h"}, {"migrate", "-h"}} {
		out := run(args...)
		for _, s := range hidden {
			if strings.Contains(out, s) {
				t.Fatalf("socrates %v prints a secret (%s):\n%s", args, s, out)
			}
		}
		for _, want := range []string{
			"socrates migrate up|down|status", "socrates version",
			"-port int\n", "env PORT=9090; default 8080",
			"-ws-keepalive duration\n", "env WS_KEEPALIVE=5s; default 15s",
			"-plan-reads bool\n", "-introspection bool\n", "env INTROSPECTION; default true in development, false in production",
			"-ide bool\n", "env IDE;",
			"env JWT_SECRET (set);", "env ANTHROPIC_API_KEY (set);", "env OPENAI_API_KEY (set);", "env LLM_ENCRYPTION_KEY (set);",
			"env DATABASE_URL=postgres://app:xxxxx@db.internal:5432/socrates?…;",
			"env OPENAI_BASE_URL=https://proxy-user:xxxxx@llm.internal/v1?…;",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("socrates %v lacks %q:\n%s", args, want, out)
			}
		}
	}
	// The linker-set version, the revision when Go stamped one (a build
	// in a git checkout), and the Go version.
	versionLine := regexp.MustCompile(`^socrates v9\.8\.7-test( \(rev [0-9a-f]{12}(-dirty)?\))? go1\.`)
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		if out := run(args...); !versionLine.MatchString(out) {
			t.Fatalf("socrates %v: %q", args, out)
		}
	}
	// A typed flag refuses a value of the wrong type, naming the flag.
	cmd := exec.Command(bin, "-port", "eighty")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `invalid value "eighty" for flag -port`) {
		t.Fatalf("-port eighty: %v %s", err, out)
	}
}
