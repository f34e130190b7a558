package httpserver

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebAppServesFilesAndFallsBackToIndex(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "<!doctype html><title>app</title>")
	write("assets/index-abc.js", "console.log(1)")
	write("assets/index-abc.css", "body{}")
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "assets", "leak.txt")); err != nil {
		t.Fatal(err)
	}
	app, err := NewWebApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+WebAppPath, app)
	for _, c := range []struct {
		path, status, ctype, body string
	}{
		{"/app/", "200", "text/html", "<title>app</title>"},
		{"/app/projects/UHJvamVjdDox", "200", "text/html", "<title>app</title>"},
		{"/app/assets/index-abc.js", "200", "javascript", "console.log"},
		{"/app/assets/index-abc.css", "200", "text/css", "body"},
		{"/app/assets/", "200", "text/html", "<title>app</title>"}, // no listing
		{"/app/assets/missing.js", "404", "", ""},
		{"/app/assets/leak.txt", "404", "", ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		got := rec.Result()
		if s := got.Status[:3]; s != c.status {
			t.Errorf("%s: status %s, want %s", c.path, got.Status, c.status)
			continue
		}
		if !strings.Contains(got.Header.Get("Content-Type"), c.ctype) || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s: %s %q, want %s containing %q", c.path, got.Header.Get("Content-Type"), rec.Body.String(), c.ctype, c.body)
		}
	}
	if _, err := NewWebApp(t.TempDir()); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("a directory without index.html: %v", err)
	}
}
