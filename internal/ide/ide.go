// Package ide serves the GraphiQL IDE at / with every file it needs embedded
// in the binary, so the page works with no internet access. refresh.sh
// re-fetches the pinned third-party files and their licences.
package ide

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed index.html start.js assets
var files embed.FS

// Handler serves the IDE page at / and its files under /ide/.
func Handler() http.Handler {
	assets, err := fs.Sub(files, "assets")
	if err != nil {
		panic("ide: embedded assets missing: " + err.Error())
	}
	static := http.StripPrefix("/ide/", http.FileServerFS(assets))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy",
			"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, files, "index.html")
	})
	mux.HandleFunc("GET /ide/start.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "start.js")
	})
	mux.Handle("GET /ide/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		static.ServeHTTP(w, r)
	}))
	return mux
}
