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
// `{ viewer { id } }` with a token in the Headers tab, and checks the page
// fetched nothing from any other host.
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
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")
	if ext := b.ExternalRequests(srv.URL, wsURL); len(ext) > 0 {
		t.Fatalf("the IDE requested other hosts: %v", ext)
	}
	if len(b.Requests()) < 5 {
		t.Fatalf("the request log looks empty: %v", b.Requests())
	}
}
