// Package httpserver assembles the HTTP surface: the GraphQL endpoint on
// /query (POST, GET, websocket, SSE), the IDE at /, an optional web app at
// /app/, the SDL, health checks and metrics, with request ids, structured
// logs and graceful shutdown.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/formatter"
	"go.opentelemetry.io/otel/trace"

	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/database"
	"socrates/internal/gqlws"
	"socrates/internal/ide"
	"socrates/internal/loaders"
	"socrates/internal/querylimit"
)

// Options configure the server.
type Options struct {
	Schema graphql.ExecutableSchema
	DB     *bun.DB
	Auth   auth.Authenticator
	// Live closes websockets whose API token is revoked.
	Live    *auth.Live
	Loaders *loaders.Factory
	Logger  *slog.Logger

	// QueryTimeout bounds a query or mutation (not a subscription).
	QueryTimeout time.Duration
	// MaxConcurrentQueries bounds the queries running at once (0: no
	// bound); mutations and subscriptions are not counted.
	MaxConcurrentQueries int
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxUploadBytes is how much larger than MaxBodyBytes a multipart
	// request (an upload) may be.
	MaxUploadBytes int64
	// Limits bound what a document may cost, checked before it is
	// validated.
	Limits querylimit.Limits
	// MaxComplexity bounds an operation's complexity (0: no limit),
	// checked after validation.
	MaxComplexity int
	// AllowedOrigins lists the browser origins allowed cross-origin ("*" for any).
	AllowedOrigins []string
	// KeepAlive is the websocket ping interval.
	KeepAlive time.Duration
	// WSInitTimeout is how long a websocket client has to send
	// connection_init (0: 10 seconds).
	WSInitTimeout time.Duration
	// Introspection answers __schema and __type queries and serves
	// /schema.graphql; off, both are refused.
	Introspection bool
	// IDE serves GraphiQL at /; off, / answers 404.
	IDE bool
	// WebApp, when set, serves a built single-page app at /app/.
	WebApp *WebApp
	// ShutdownTimeout bounds the wait for in-flight requests at shutdown.
	ShutdownTimeout time.Duration
	// FieldMiddleware, when set, wraps every resolver field's resolution
	// (fault injection in tests); plain fields, marshalled straight from
	// the model, do not pass through it (internal/tools/leanexec).
	FieldMiddleware graphql.FieldMiddleware
	// Metrics are the Prometheus series; nil makes a registry of the
	// server's own.
	Metrics *Metrics
	// SeparateMetrics leaves /metrics off the main handler, for
	// ServeMetrics on a listener of its own (METRICS_ADDR).
	SeparateMetrics bool
	// Exports, when set, serves GET /projects/{id}/export.{md,json,yaml,csv}
	// with the same authentication as /query.
	Exports Exporter
	// Generations, when set, serves GET /generations/{id}.zip with the
	// same authentication as /query.
	Generations GenerationDownloads
	// TracerProvider, when set, traces each HTTP request (but streams,
	// health checks and metrics), each query and mutation and each root
	// field; nil, the server installs no tracing at all.
	TracerProvider trace.TracerProvider
}

// Server is the HTTP server.
type Server struct {
	opts    Options
	handler http.Handler
	metrics *Metrics

	streamCtx     context.Context
	cancelStreams context.CancelFunc
	mu            sync.Mutex
	closing       bool
	streams       sync.WaitGroup
	draining      atomic.Bool
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Metrics == nil {
		o.Metrics = NewMetrics(o.DB.DB)
	}
	s := &Server{opts: o, metrics: o.Metrics}
	s.streamCtx, s.cancelStreams = context.WithCancel(context.Background())

	gql := newGraphQLHandler(o, s.metrics)
	reject := func(w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case errors.Is(err, auth.ErrRepeatedHeader):
			// RFC 6750 answers a malformed request, such as one that
			// repeats a parameter, with 400 and invalid_request.
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
			refuse(w, r, o.Logger, http.StatusBadRequest, apperr.BadRequest, err.Error())
		case errors.Is(err, auth.ErrMalformedHeader):
			// No bearer token was sent: RFC 6750 asks for the scheme
			// alone, without an error code.
			w.Header().Set("WWW-Authenticate", "Bearer")
			refuse(w, r, o.Logger, http.StatusUnauthorized, apperr.Unauthenticated, err.Error())
		case errors.Is(err, auth.ErrInvalidToken):
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			refuse(w, r, o.Logger, http.StatusUnauthorized, apperr.Unauthenticated, err.Error())
		case database.Unavailable(err):
			// An API token is checked against the database.
			e := apperr.UnavailableNow()
			o.Logger.WarnContext(r.Context(), "authentication: database unavailable", "request_id", RequestID(r.Context()), "error", err.Error())
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
			writeError(w, responseMediaType(r), http.StatusServiceUnavailable, e.Code, e.Message)
		default:
			id := RequestID(r.Context())
			o.Logger.ErrorContext(r.Context(), "authentication failed", "request_id", id, "error", err.Error())
			writeError(w, responseMediaType(r), http.StatusServiceUnavailable, apperr.Internal, "internal error (request id "+id+")")
		}
	}
	// The request's edges (method, media type, body size) are checked
	// before its credential, so that a request refused for either has
	// had its body read.
	query := edge{maxBody: o.MaxBodyBytes, maxUpload: o.MaxUploadBytes, logger: o.Logger, next: auth.Middleware(o.Auth, reject)(s.trackStreams(gql))}

	mux := http.NewServeMux()
	mux.Handle("/query", query)
	if o.Exports != nil {
		mux.Handle(exportPattern, auth.Middleware(o.Auth, reject)(exportDownload{exports: o.Exports, logger: o.Logger, timeout: o.QueryTimeout}))
		mux.HandleFunc(exportAnyMethod, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			refuse(w, r, o.Logger, http.StatusMethodNotAllowed, apperr.MethodNotAllowed,
				fmt.Sprintf("the method %s is not allowed on an export; use GET", r.Method))
		})
	}
	if o.Generations != nil {
		mux.Handle(generationPattern, auth.Middleware(o.Auth, reject)(generationDownload{generations: o.Generations, logger: o.Logger, timeout: o.QueryTimeout}))
		mux.HandleFunc(generationAnyMethod, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			refuse(w, r, o.Logger, http.StatusMethodNotAllowed, apperr.MethodNotAllowed,
				fmt.Sprintf("the method %s is not allowed on a download; use GET", r.Method))
		})
	}
	if o.Introspection {
		mux.HandleFunc("GET /schema.graphql", s.schemaSDL)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if !o.SeparateMetrics {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
	if o.IDE {
		idePages := ide.Handler()
		mux.Handle("GET /{$}", idePages)
		mux.Handle("GET /ide/", idePages)
	}
	if o.WebApp != nil {
		mux.Handle("GET "+WebAppPath, o.WebApp)
		mux.Handle("GET "+strings.TrimSuffix(WebAppPath, "/"), http.RedirectHandler(WebAppPath, http.StatusMovedPermanently))
	}

	s.handler = withRequestID(accessLog(o.Logger, s.metrics, newCORS(o.AllowedOrigins).Handler(securityHeaders(mux))))
	if o.TracerProvider != nil {
		s.handler = traceHTTP(o.TracerProvider, s.handler)
	}
	return s
}

// ServeMetrics serves /metrics alone on ln until ctx ends, for
// SeparateMetrics (METRICS_ADDR): operators scrape a port the API's
// clients cannot reach.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics: %w", err)
	}
	return nil
}

// Handler returns the root handler, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeStatus(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.DB.PingContext(ctx); err != nil {
		s.opts.Logger.WarnContext(ctx, "readiness check failed", "request_id", RequestID(ctx), "error", err.Error())
		writeStatus(w, http.StatusServiceUnavailable, "database unavailable")
		return
	}
	writeStatus(w, http.StatusOK, "ok")
}

func (s *Server) schemaSDL(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	formatter.NewFormatter(w, formatter.WithComments()).FormatSchema(s.opts.Schema.Schema())
}

// isStream reports whether r opens a long-lived stream (websocket or SSE).
func isStream(r *http.Request) bool {
	return gqlws.IsUpgrade(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// trackStreams gives websocket and SSE requests a context that shutdown
// cancels, and counts them so shutdown can wait until they have closed.
func (s *Server) trackStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			writeError(w, mediaJSON, http.StatusServiceUnavailable, apperr.Unavailable, "the server is shutting down")
			return
		}
		s.streams.Add(1)
		s.mu.Unlock()
		defer s.streams.Done()
		s.metrics.openStreams.Inc()
		defer s.metrics.openStreams.Dec()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(s.streamCtx, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish, closes
// websockets and SSE streams, and returns nil once all are done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	s.opts.Logger.Info("shutting down: no new connections, finishing in-flight requests")
	s.draining.Store(true)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()

	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancelStreams()

	err := hs.Shutdown(shutdownCtx)
	done := make(chan struct{})
	go func() { s.streams.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutdownCtx.Done():
		err = errors.Join(err, errors.New("streams still open at shutdown deadline"))
	}
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.opts.Logger.Info("shutdown complete")
	return nil
}
