package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"socrates/internal/testenv"
)

// TestIDEInBrowser opens the IDE in headless Chromium, runs
// `{ viewer { id } }` with a token in the Headers tab, finds Project in the
// documentation explorer (which needs the IDE's introspection query to
// pass the limits), and checks the page fetched nothing from any other
// host.
func TestIDEInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	tok := srv.Client(t).Register("browser@example.com", "password-1")
	b := testenv.StartBrowser(t, ctx)

	// Prepare GraphiQL's saved state from another page of the same origin,
	// before the IDE runs, so nothing the IDE saves can race with it.
	b.Navigate(srv.URL + "/healthz")
	b.WaitFor(`location.pathname === '/healthz' && document.readyState === 'complete'`)
	b.Eval(`localStorage.clear(), localStorage.setItem('graphiql:query', '{ viewer { id } }'),
		localStorage.setItem('graphiql:headers', ` + strconv.Quote(`{"Authorization":"Bearer `+tok.AccessToken+`"}`) + `), 'ok'`)
	b.Navigate(srv.URL + "/")
	b.WaitFor(`document.querySelector('.graphiql-execute-button') && document.querySelector('.graphiql-query-editor') &&
		document.querySelector('.graphiql-query-editor').innerText.includes('viewer') &&
		!document.querySelector('.graphiql-query-editor').innerText.includes('register')`)
	// On a loaded machine the editor may not take the first click; click
	// until the result shows.
	b.Until(`(document.querySelector('.result-window') || {}).innerText && document.querySelector('.result-window').innerText.includes('viewer')`,
		`document.querySelector('.graphiql-execute-button').click()`)
	result := b.Eval(`document.querySelector('.result-window').innerText`)
	if !strings.Contains(result, tok.User.ID) {
		t.Fatalf("the IDE showed %q, want the viewer id %s", result, tok.User.ID)
	}

	// Open the documentation explorer as a person does, with the docs
	// button in the sidebar, and walk Query -> projects ->
	// ProjectConnection -> Project. It lists the schema only if the IDE's
	// introspection query (graphql-js's getIntrospectionQuery) succeeded.
	b.Until(`document.querySelector('.graphiql-doc-explorer')`,
		`document.querySelector('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click()`)
	b.Eval(`window.docLink = (kind, text) => [...document.querySelectorAll('.graphiql-doc-explorer-content a.graphiql-doc-explorer-' + kind)]
		.find(a => a.textContent === text), 'ok'`)
	b.WaitFor(`docLink('type-name', 'Query') || document.querySelector('.graphiql-doc-explorer-error')`)
	if e := b.Eval(`(document.querySelector('.graphiql-doc-explorer-error') || {}).innerText || ''`); e != "" {
		t.Fatalf("the documentation explorer shows %q", e)
	}
	title := `document.querySelector('.graphiql-doc-explorer-title').innerText === `
	for _, step := range []struct{ kind, link string }{
		{"type-name", "Query"}, {"field-name", "projects"}, {"type-name", "ProjectConnection"}, {"type-name", "Project"},
	} {
		b.Until(title+strconv.Quote(step.link), `docLink('`+step.kind+`', '`+step.link+`').click()`)
	}
	page := b.Eval(`document.querySelector('.graphiql-doc-explorer').innerText`)
	for _, want := range []string{"Project", "maturity", "viewerPermission", "sessions"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the documentation of Project lacks %q:\n%s", want, page)
		}
	}
	// No error from the introspection query anywhere on the page: GraphiQL
	// shows a failed introspection in the result pane. The documentation
	// pane is left out: the schema's descriptions name error codes.
	whole := b.Eval(`document.body.innerText.replace(document.querySelector('.graphiql-doc-explorer').innerText, '')`)
	for _, bad := range []string{"the limit is", "levels deep", "Error fetching schema", "Introspection failed", "BAD_USER_INPUT"} {
		if strings.Contains(whole, bad) {
			t.Fatalf("the IDE shows an error (%q):\n%s", bad, whole)
		}
	}
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")
	if ext := b.ExternalRequests(srv.URL, wsURL); len(ext) > 0 {
		t.Fatalf("the IDE requested other hosts: %v", ext)
	}
	if len(b.Requests()) < 5 {
		t.Fatalf("the request log looks empty: %v", b.Requests())
	}
}
