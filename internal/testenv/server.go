package testenv

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"socrates/internal/app"
	"socrates/internal/auth"
	"socrates/internal/config"
)

// TestSecret is the JWT secret of test servers.
const TestSecret = "test-secret-that-is-at-least-32-bytes-long"

// FastArgon2 keeps password hashing cheap in tests.
func FastArgon2() auth.Argon2Params { return auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1} }

// Logs collects a server's log output for assertions; safe for concurrent use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Problems returns the logged lines at WARN or ERROR level.
func (l *Logs) Problems() string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// Server is a running server over real HTTP.
type Server struct {
	URL   string
	App   *app.App
	Logs  *Logs
	DBURL string
	// MetricsURL is the address of /metrics: on its own listener when
	// the configuration sets MetricsAddr, on the main one otherwise.
	MetricsURL string

	cancel context.CancelFunc
	done   chan error
}

// Option adjusts the configuration or wiring of a test server.
type Option func(*config.Config, *app.Options)

// WithConfig changes the configuration of a test server.
func WithConfig(f func(*config.Config)) Option {
	return func(c *config.Config, _ *app.Options) { f(c) }
}

// WithApp changes the wiring options of a test server.
func WithApp(f func(*app.Options)) Option {
	return func(_ *config.Config, o *app.Options) { f(o) }
}

// TestConfig returns the configuration test servers start from.
func TestConfig(t testing.TB, dbURL string) *config.Config {
	t.Helper()
	cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = dbURL
	cfg.JWTSecret = TestSecret
	cfg.DataDir = t.TempDir()
	cfg.LoaderWait = 5 * time.Millisecond
	cfg.LLMEncryptionKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cfg.LLMTimeout = 5 * time.Second
	cfg.LLMMaxRetries = 0
	cfg.AuthRequestsPerMinute = 100_000
	cfg.ShutdownTimeout = 10 * time.Second
	return cfg
}

// StartServer wires the application on dbURL and serves it on a loopback
// port until the test ends.
func StartServer(t testing.TB, dbURL string, opts ...Option) *Server {
	t.Helper()
	cfg := TestConfig(t, dbURL)
	logs := &Logs{}
	ao := app.Options{
		Config: cfg,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Argon2: FastArgon2(),
		// No background sweep of code generations while a test counts
		// statements: a test of the lease sets its own.
		GenerationLease: time.Hour,
	}
	for _, o := range opts {
		o(cfg, &ao)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := app.New(ctx, ao)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(context.Background())
	s := &Server{URL: "http://" + ln.Addr().String(), App: a, Logs: logs, DBURL: dbURL, cancel: stop, done: make(chan error, 1)}
	s.MetricsURL = s.URL + "/metrics"
	metricsDone := make(chan error, 1)
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			t.Fatal(err)
		}
		s.MetricsURL = "http://" + mln.Addr().String() + "/metrics"
		go func() { metricsDone <- a.Server.ServeMetrics(serveCtx, mln) }()
	} else {
		metricsDone <- nil
	}
	go func() { s.done <- a.Server.Serve(serveCtx, ln) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server warnings and errors:\n%s", s.Logs.Problems())
		}
		if err := s.Stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
		if err := <-metricsDone; err != nil {
			t.Errorf("stop metrics listener: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close database: %v", err)
		}
	})
	return s
}

// Stop shuts the server down gracefully and returns what Serve returned.
// Later calls return nil.
func (s *Server) Stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	return <-s.done
}

// WSURL is the websocket address of the GraphQL endpoint.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/query" }

// Get fetches a path of the server.
func (s *Server) Get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	return s.GetAs(t, "", path)
}

// GetAs fetches a path of the server with a bearer token (none when empty).
func (s *Server) GetAs(t testing.TB, token, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
