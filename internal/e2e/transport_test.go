package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/testenv"
)

func TestWebsocketAuth(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite),
		testenv.WithConfig(func(c *config.Config) { c.KeepAlive = 200 * time.Millisecond }))
	tok := srv.Client(t).Register("ws@example.com", "password-1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	for name, payload := range map[string]map[string]any{
		"Authorization": {"Authorization": "Bearer " + tok.AccessToken},
		"lower case":    {"authorization": "Bearer " + tok.AccessToken},
		"odd case":      {"AUTHORIZATION": "Bearer " + tok.AccessToken},
		"authToken":     {"authToken": tok.AccessToken},
	} {
		t.Run(name, func(t *testing.T) {
			ws, err := testenv.DialWS(ctx, srv, payload)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			got := ws.QueryWS(t, ctx, "1", `{ viewer { id email } }`)
			if !strings.Contains(string(got), tok.User.ID) {
				t.Fatalf("viewer over websocket: %s", got)
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		ws, err := testenv.DialWS(ctx, srv, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		got := ws.QueryWS(t, ctx, "a", `{ viewer { id } }`)
		var r struct {
			Data       json.RawMessage
			Errors     []any
			Extensions struct {
				Cost struct{ Requested, Limit int }
			}
		}
		if err := json.Unmarshal(got, &r); err != nil || string(r.Data) != `{"viewer":null}` || len(r.Errors) != 0 || r.Extensions.Cost.Requested != 2 {
			t.Fatalf("anonymous viewer: %s", got)
		}
	})

	for name, payload := range map[string]map[string]any{
		"bad token":     {"Authorization": "Bearer nope"},
		"bad scheme":    {"Authorization": "Token " + tok.AccessToken},
		"not a string":  {"Authorization": 42},
		"bad authToken": {"authToken": "nope"},
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			_, err := testenv.DialWS(ctx, srv, payload)
			if status := websocket.CloseStatus(err); status != 4403 {
				t.Fatalf("close status %d (%v), want 4403", status, err)
			}
		})
	}

	t.Run("ping pong", func(t *testing.T) {
		ws, err := testenv.DialWS(ctx, srv, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if err := ws.Send(ctx, testenv.WSMessage{Type: "ping"}); err != nil {
			t.Fatal(err)
		}
		sawPong, sawPing := false, false
		for !(sawPong && sawPing) {
			m, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("read: %v (pong %v, ping %v)", err, sawPong, sawPing)
			}
			switch m.Type {
			case "pong":
				sawPong = true
			case "ping":
				sawPing = true
				if err := ws.Send(ctx, testenv.WSMessage{Type: "pong"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The connection stays usable after keep-alives.
		ws.QueryWS(t, ctx, "after-ping", `{ viewer { id } }`)
	})
}

func TestSSEAndGET(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	tok := srv.Client(t).Register("sse@example.com", "password-1")

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(`{"query":"{ viewer { email } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("SSE content type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, ":") {
			events = append(events, line)
		}
	}
	joined := strings.Join(events, "\n")
	if !strings.Contains(joined, "event: next") || !strings.Contains(joined, "sse@example.com") || !strings.Contains(joined, "event: complete") {
		t.Fatalf("SSE stream: %s", joined)
	}

	get := func(query string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/query?query="+url.QueryEscape(query), nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(`{ viewer { email } }`); code != 200 || !strings.Contains(body, "sse@example.com") {
		t.Fatalf("GET query: %d %s", code, body)
	}
	if code, body := get(`mutation { createProject(input: {name: "via GET"}) { project { id } } }`); code == 200 && !strings.Contains(body, "errors") {
		t.Fatalf("GET mutation accepted: %d %s", code, body)
	}
	var n struct{ Projects struct{ TotalCount int } }
	srv.Client(t).As(tok.AccessToken).Must(`{ projects { totalCount } }`, nil, &n)
	if n.Projects.TotalCount != 0 {
		t.Fatal("a GET mutation created a project")
	}
}

func TestPanicAnswersInternalAndServerKeepsServing(t *testing.T) {
	boom := func(ctx context.Context, next graphql.Resolver) (any, error) {
		if op := graphql.GetOperationContext(ctx); op != nil && op.Operation != nil && op.Operation.Name == "Boom" {
			if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Name == "viewer" {
				panic("boom: something broke")
			}
		}
		return next(ctx)
	}
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite),
		testenv.WithApp(func(o *app.Options) { o.FieldMiddleware = boom }))
	c := srv.Client(t)
	r := c.Do(`query Boom { viewer { id } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL" || strings.Contains(r.Errors[0].Message, "boom") {
		t.Fatalf("panic answered %s", r.Raw)
	}
	if !strings.Contains(srv.Logs.String(), "boom: something broke") {
		t.Fatal("the panic was not logged")
	}
	for range 3 {
		var v struct{ Viewer *struct{ ID string } }
		c.Must(`query Fine { viewer { id } }`, nil, &v)
	}
}

func TestLimits(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	me, _ := srv.Client(t).NewUser()
	deep := "{ projects { nodes { sessions { nodes { project { sessions { nodes { project { sessions { nodes { project { owner { id } } } } } } } } } } } } }"
	aliases := "{ " + strings.Repeat("", 0)
	for i := range 40 {
		aliases += fmt.Sprintf("v%d: viewer { id } ", i)
	}
	aliases += "}"
	complex := "{ projects(first: 100) { nodes { sessions(first: 100) { nodes { project { sessions(first: 100) { nodes { id } } } } } } } }"
	for name, q := range map[string]string{"depth": deep, "aliases": aliases, "complexity": complex} {
		r := me.Do(q, nil)
		if len(r.Errors) == 0 || (r.Errors[0].Code() != "BAD_USER_INPUT" && r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED") {
			t.Fatalf("%s limit not enforced: %s", name, r.Raw)
		}
	}
	big := `{"query":"{ viewer { id } }","variables":{"x":"` + strings.Repeat("x", 2<<20) + `"}}`
	resp, err := http.Post(srv.URL+"/query", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 && !strings.Contains(string(body), "errors") {
		t.Fatalf("2 MiB body accepted: %d %s", resp.StatusCode, body[:100])
	}
}

func TestHTTPSurface(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := srv.Get(t, path); resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body := srv.Get(t, "/schema.graphql")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "type Project implements Node") || !strings.Contains(string(body), "viewer: User") {
		t.Fatalf("/schema.graphql: %d %.200s", resp.StatusCode, body)
	}
	srv.Client(t).Do(`{ viewer { id } }`, nil)
	if resp, body := srv.Get(t, "/metrics"); resp.StatusCode != 200 || !strings.Contains(string(body), `socrates_http_requests_total{method="POST",route="/query",status="200"}`) ||
		!strings.Contains(string(body), "go_sql_open_connections") {
		t.Fatalf("/metrics: %d %.300s", resp.StatusCode, body)
	}

	// The request id is echoed, and a made-up one is replaced.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.Header.Get("X-Request-ID") != "abc-123" {
		t.Fatalf("request id not echoed: %q", r.Header.Get("X-Request-ID"))
	}
	req.Header.Set("X-Request-ID", "bad id with spaces")
	r, _ = http.DefaultClient.Do(req)
	r.Body.Close()
	if id := r.Header.Get("X-Request-ID"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("unsafe request id kept: %q", id)
	}
	// CORS: see TestCORS.
}

// TestIDEWorksOffline checks that the IDE page loads only files this server
// serves: every script and stylesheet is local and answers 200.
func TestIDEWorksOffline(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	resp, body := srv.Get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(page) {
		t.Fatalf("the IDE page loads something from another host:\n%s", page)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 5 {
		t.Fatalf("expected the IDE's scripts and stylesheet, found %v", refs)
	}
	for _, ref := range refs {
		resp, body := srv.Get(t, ref[1])
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Fatalf("%s: %d (%d bytes)", ref[1], resp.StatusCode, len(body))
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatal("the IDE page has no content security policy pinning it to this server")
	}
	_, start := srv.Get(t, "/ide/start.js")
	for _, want := range []string{"/query", "graphqlWs.createClient", "connectionParams", "GraphiQL.createFetcher"} {
		if !strings.Contains(string(start), want) {
			t.Fatalf("start.js lacks %q", want)
		}
	}
	if resp, _ := srv.Get(t, "/ide/licenses/graphiql.LICENSE"); resp.StatusCode != 200 {
		t.Fatal("the GraphiQL licence is not served beside its code")
	}
	if resp, _ := srv.Get(t, "/nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown path answered %d", resp.StatusCode)
	}
}
