package httpserver

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

// WebAppPath is where a built single-page web app is served.
const WebAppPath = "/app/"

// WebApp serves a built single-page app (such as examples/web/dist) under
// WebAppPath: its files with their content types, and index.html for any
// other path under it that has no file extension, so that the app's own
// client-side routes load the app. Directories are never listed, and
// nothing outside the directory is reachable (symbolic links included).
type WebApp struct {
	dir string
}

// NewWebApp opens the directory of a built app; it must hold index.html.
func NewWebApp(dir string) (*WebApp, error) {
	f, err := os.OpenInRoot(dir, "index.html")
	if err != nil {
		return nil, fmt.Errorf("WEB_APP_DIR %s has no index.html (build the app first: npm ci && npm run build in examples/web): %w", dir, err)
	}
	_ = f.Close()
	return &WebApp{dir: dir}, nil
}

// ServeHTTP implements http.Handler for GET and HEAD under WebAppPath.
func (a *WebApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, WebAppPath)), "/")
	if rel != "" && a.serveFile(w, r, rel) {
		return
	}
	if path.Ext(rel) != "" {
		// A missing asset (a stale hashed bundle name) is a 404, not the
		// app's page, which a browser would refuse as a script anyway.
		http.NotFound(w, r)
		return
	}
	if !a.serveFile(w, r, "index.html") {
		http.NotFound(w, r)
	}
}

// serveFile serves the regular file rel of the app and reports whether
// there was one.
func (a *WebApp) serveFile(w http.ResponseWriter, r *http.Request, rel string) bool {
	f, err := os.OpenInRoot(a.dir, rel)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	h := w.Header()
	if ct := contentType(path.Ext(rel)); ct != "" {
		h.Set("Content-Type", ct)
	}
	switch {
	case strings.HasPrefix(rel, "assets/"):
		// Vite names the bundles by their content's hash.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
	return true
}

// contentType is the media type of a file extension of a built app: the
// usual ones by name, so that they do not depend on the host's MIME
// tables, then the standard library's table. Empty leaves it to
// http.ServeContent, which sniffs the content.
func contentType(ext string) string {
	switch strings.ToLower(ext) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	}
	return mime.TypeByExtension(ext)
}
