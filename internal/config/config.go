// Package config reads the server's settings from environment variables,
// with command-line flags overriding them, and checks them for the mode the
// server runs in.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"socrates/internal/querylimit"
)

// Modes the server runs in.
const (
	Development = "development"
	Production  = "production"
)

// DefaultMetricsAddr is where production serves /metrics unless
// METRICS_ADDR says otherwise: loopback, away from the API's port.
const DefaultMetricsAddr = "127.0.0.1:9090"

// MinSecretBytes is the shortest JWT secret production accepts.
const MinSecretBytes = 32

// Config is the server configuration.
type Config struct {
	Port        int
	DatabaseURL string
	JWTSecret   string
	Env         string
	LogLevel    slog.Level
	LogFormat   string
	DataDir     string

	DBMaxOpenConns  int
	QueryTimeout    time.Duration
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	// MaxUploadBytes is the largest file uploadDocument accepts; a
	// multipart request may be this much larger than MaxBodyBytes.
	MaxUploadBytes int64
	MaxDepth       int
	MaxAliases     int
	MaxComplexity  int
	AllowedOrigins []string
	LoaderWait     time.Duration
	KeepAlive      time.Duration
	// WSInitTimeout is how long a websocket client has to send
	// connection_init.
	WSInitTimeout time.Duration
	// PlanReads reads ahead what a query selects below its root fields
	// (one statement per edge for a whole level) instead of leaving every
	// edge to the loaders' window.
	PlanReads bool
	// PprofAddr, when set, serves net/http/pprof on this separate address.
	PprofAddr string
	// MetricsAddr, when set, serves /metrics on this separate address
	// instead of the main port; production defaults to DefaultMetricsAddr.
	MetricsAddr string
	// Tracing is the OpenTelemetry tracing read from the standard OTEL_*
	// variables; off unless an exporter endpoint is set.
	Tracing Tracing
	// MaxConcurrentQueries bounds the queries that run at once; the rest
	// wait their turn.
	MaxConcurrentQueries int

	// MaxQueryBytes, MaxTokens, MaxSpreads, MaxFields and
	// MaxSelectionFields bound a document before it is validated;
	// MaxIntrospectionDepth bounds the nesting of its introspection.
	MaxQueryBytes         int
	MaxTokens             int
	MaxSpreads            int
	MaxFields             int
	MaxSelectionFields    int
	MaxIntrospectionDepth int

	// Language-model settings.
	LLMProvider      string
	LLMModel         string
	AnthropicKey     string
	AnthropicBaseURL string
	OpenAIKey        string
	OpenAIBaseURL    string
	LLMTimeout       time.Duration
	LLMMaxRetries    int
	// LLMEncryptionKey encrypts users' provider keys (32 bytes, hex or base64).
	LLMEncryptionKey string
	// LLMAllowPrivateURLs lets users aim an OpenAI-compatible base URL at
	// loopback or private addresses.
	LLMAllowPrivateURLs bool
	// SubscriberBuffer is how many events a subscriber may fall behind
	// before it is dropped.
	SubscriberBuffer int
	// AuthRequestsPerMinute bounds register, login and refreshToken calls
	// per client address.
	AuthRequestsPerMinute int
	// LoginFailuresPer15Min bounds failed logins per email address.
	LoginFailuresPer15Min int
	// Introspection answers __schema and __type queries and serves the
	// SDL; on by default in development, off in production.
	Introspection bool
	// IDE serves GraphiQL at /; on by default in development, off in
	// production.
	IDE bool
	// WebAppDir, when set, is the directory of a built single-page web
	// app (examples/web/dist) served at /app/; empty serves nothing there.
	WebAppDir string
}

// QueryLimits returns the limits a document must keep before it is
// validated or run.
func (c *Config) QueryLimits() querylimit.Limits {
	return querylimit.Limits{
		Bytes:              c.MaxQueryBytes,
		Tokens:             c.MaxTokens,
		Spreads:            c.MaxSpreads,
		Fields:             c.MaxFields,
		SelectionFields:    c.MaxSelectionFields,
		Depth:              c.MaxDepth,
		Aliases:            c.MaxAliases,
		IntrospectionDepth: c.MaxIntrospectionDepth,
	}
}

// Production reports whether the server runs in production mode.
func (c *Config) Production() bool { return c.Env == Production }

// Load reads the configuration from getenv and then args (flags win).
// With -h or -help it writes the help (every flag, the environment variable
// that sets it and its default; a secret's value never) to output and
// returns flag.ErrHelp.
func Load(args []string, getenv func(string) string, output io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("socrates", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	s := &settings{fs: fs, getenv: getenv}
	c := &Config{}

	s.int(&c.Port, "port", "PORT", 8080, "HTTP port")
	s.string(&c.DatabaseURL, "database-url", "DATABASE_URL", "", "sqlite://<data-dir>/socrates.db in development; required in production", "postgres://… or sqlite://path", shownAsURL)
	s.string(&c.JWTSecret, "jwt-secret", "JWT_SECRET", "", "development: generated into <data-dir>/jwt-secret; production: required", "HS256 secret, at least 32 bytes in production", shownAsSecret)
	s.string(&c.Env, "env", "APP_ENV", Development, "", "development or production", shownAsIs)
	var level, format string
	s.string(&level, "log-level", "LOG_LEVEL", "info", "", "debug, info, warn or error", shownAsIs)
	s.string(&format, "log-format", "LOG_FORMAT", "", "text in development, json in production", "text or json", shownAsIs)
	s.string(&c.DataDir, "data-dir", "DATA_DIR", "data", "", "directory of the embedded database and the development secrets", shownAsIs)
	s.int(&c.DBMaxOpenConns, "db-max-open-conns", "DB_MAX_OPEN_CONNS", 0, "connection pool size; 0 picks 20 on PostgreSQL, 8 on SQLite")
	s.duration(&c.QueryTimeout, "query-timeout", "QUERY_TIMEOUT", 30*time.Second, "longest a query or mutation may run")
	s.duration(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 20*time.Second, "longest graceful shutdown waits for in-flight work")
	s.int64(&c.MaxBodyBytes, "max-body-bytes", "MAX_BODY_BYTES", 1<<20, "largest request body and websocket message")
	s.int64(&c.MaxUploadBytes, "max-upload-bytes", "MAX_UPLOAD_BYTES", 10<<20, "largest file uploadDocument accepts (a multipart request may be this much larger than max-body-bytes)")
	s.int(&c.MaxDepth, "max-depth", "MAX_QUERY_DEPTH", 12, "deepest field nesting of an operation")
	s.int(&c.MaxAliases, "max-aliases", "MAX_QUERY_ALIASES", 30, "most aliased fields in an operation")
	s.int(&c.MaxComplexity, "max-complexity", "MAX_QUERY_COMPLEXITY", 20000, "highest complexity score of an operation")
	s.int(&c.MaxQueryBytes, "max-query-bytes", "MAX_QUERY_BYTES", 262144, "longest document text in bytes")
	s.int(&c.MaxTokens, "max-tokens", "MAX_QUERY_TOKENS", 15000, "most tokens the parser reads from a document")
	s.int(&c.MaxSpreads, "max-spreads", "MAX_QUERY_SPREADS", 1000, "most fragment spreads in a document once fragments are expanded")
	s.int(&c.MaxFields, "max-fields", "MAX_QUERY_FIELDS", 10000, "most fields in a document once fragments are expanded")
	s.int(&c.MaxSelectionFields, "max-selection-fields", "MAX_SELECTION_FIELDS", 200, "most fields in one selection set once fragments are expanded and same-named fields merged")
	s.int(&c.MaxIntrospectionDepth, "max-introspection-depth", "MAX_INTROSPECTION_DEPTH", 20, "deepest nesting of __schema and __type selections")
	var origins string
	s.string(&origins, "allowed-origins", "ALLOWED_ORIGINS", "", "* in development, none in production", "comma-separated browser origins allowed cross-origin, or *", shownAsIs)
	introspection := s.optionalBool("introspection", "INTROSPECTION", "true in development, false in production", "answer __schema and __type queries and serve /schema.graphql")
	ide := s.optionalBool("ide", "IDE", "true in development, false in production", "serve the GraphiQL IDE at /")
	s.string(&c.WebAppDir, "web-app-dir", "WEB_APP_DIR", "", "off", "serve the built web app in this directory (with its index.html) at /app/, e.g. examples/web/dist", shownAsIs)
	s.duration(&c.LoaderWait, "loader-wait", "LOADER_WAIT", 2*time.Millisecond, "how long a dataloader gathers keys before a batch")
	s.duration(&c.KeepAlive, "ws-keepalive", "WS_KEEPALIVE", 15*time.Second, "websocket ping interval; 0 sends no pings")
	s.duration(&c.WSInitTimeout, "ws-init-timeout", "WS_INIT_TIMEOUT", 10*time.Second, "how long a websocket client has to send connection_init")
	s.int(&c.MaxConcurrentQueries, "max-concurrent-queries", "MAX_CONCURRENT_QUERIES", 4*runtime.GOMAXPROCS(0), "queries running at once; more wait their turn; 0 for no bound (default: 4 per core)")
	s.bool(&c.PlanReads, "plan-reads", "PLAN_READS", true, "read ahead what a query selects, one statement per edge and level")
	s.string(&c.PprofAddr, "pprof-addr", "PPROF_ADDR", "", "off", "serve Go's profiler on this address, e.g. 127.0.0.1:6060", shownAsIs)
	s.string(&c.MetricsAddr, "metrics-addr", "METRICS_ADDR", "", "the main port in development, "+DefaultMetricsAddr+" in production", "serve /metrics on this separate address instead of the main port", shownAsIs)
	var provider string
	s.string(&provider, "llm-provider", "LLM_PROVIDER", "BUILTIN", "", "BUILTIN, ANTHROPIC or OPENAI_COMPATIBLE", shownAsIs)
	s.string(&c.LLMModel, "llm-model", "LLM_MODEL", "", "the provider's default", "model of the default provider", shownAsIs)
	s.string(&c.AnthropicKey, "anthropic-api-key", "ANTHROPIC_API_KEY", "", "none", "server-wide Anthropic key", shownAsSecret)
	s.string(&c.AnthropicBaseURL, "anthropic-base-url", "ANTHROPIC_BASE_URL", "", "the SDK's default", "Anthropic API base URL", shownAsURL)
	s.string(&c.OpenAIKey, "openai-api-key", "OPENAI_API_KEY", "", "none", "server-wide key of the OpenAI-compatible endpoint", shownAsSecret)
	s.string(&c.OpenAIBaseURL, "openai-base-url", "OPENAI_BASE_URL", "", "none", "OpenAI-compatible base URL, e.g. http://localhost:11434/v1", shownAsURL)
	s.duration(&c.LLMTimeout, "llm-timeout", "LLM_TIMEOUT", 60*time.Second, "longest one provider attempt may take")
	s.int(&c.LLMMaxRetries, "llm-max-retries", "LLM_MAX_RETRIES", 2, "retries of a failed provider call")
	s.string(&c.LLMEncryptionKey, "llm-encryption-key", "LLM_ENCRYPTION_KEY", "", "development: generated into <data-dir>/llm-encryption-key; production: none (users' own keys disabled)", "32-byte key (hex or base64) encrypting users' provider keys", shownAsSecret)
	allowPrivate := s.optionalBool("llm-allow-private-urls", "LLM_ALLOW_PRIVATE_URLS", "true in development, false in production", "let users aim provider URLs at private addresses")
	s.int(&c.SubscriberBuffer, "subscriber-buffer", "SUBSCRIBER_BUFFER", 64, "events a subscriber may fall behind before it is dropped")
	s.int(&c.AuthRequestsPerMinute, "auth-requests-per-minute", "AUTH_REQUESTS_PER_MINUTE", 30, "register, login and refresh calls allowed per client address per minute")
	s.int(&c.LoginFailuresPer15Min, "login-failures-per-15min", "LOGIN_FAILURES_PER_15MIN", 10, "failed logins allowed per email per 15 minutes")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if werr := s.help(output); werr != nil {
				return nil, fmt.Errorf("write help: %w", werr)
			}
			return nil, err
		}
		return nil, fmt.Errorf("%w (socrates -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	errs := s.errs
	errs = append(errs, s.checkNonNegative()...)

	mode := c.Env
	c.Env = strings.ToLower(strings.TrimSpace(c.Env))
	switch c.Env {
	case Development, Production:
	default:
		errs = append(errs, fmt.Errorf("APP_ENV must be development or production, got %q", mode))
	}
	c.Introspection = introspection.or(!c.Production())
	c.IDE = ide.or(!c.Production())
	c.LLMAllowPrivateURLs = allowPrivate.or(!c.Production())
	c.LLMProvider = strings.ToUpper(strings.TrimSpace(provider))
	switch c.LLMProvider {
	case "BUILTIN", "ANTHROPIC", "OPENAI_COMPATIBLE":
	default:
		errs = append(errs, fmt.Errorf("LLM_PROVIDER must be BUILTIN, ANTHROPIC or OPENAI_COMPATIBLE, got %q", provider))
	}
	if c.AuthRequestsPerMinute < 1 || c.LoginFailuresPer15Min < 1 {
		errs = append(errs, errors.New("AUTH_REQUESTS_PER_MINUTE and LOGIN_FAILURES_PER_15MIN must be at least 1"))
	}
	if c.MaxUploadBytes < 1 {
		errs = append(errs, fmt.Errorf("MAX_UPLOAD_BYTES must be at least 1, got %d", c.MaxUploadBytes))
	}
	if c.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be at most 65535, got %d", c.Port))
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", level))
	}
	c.LogFormat = strings.ToLower(format)
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT must be text or json, got %q", format))
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if len(c.AllowedOrigins) == 0 && !c.Production() {
		c.AllowedOrigins = []string{"*"}
	}
	if c.Production() {
		if c.DatabaseURL == "" {
			errs = append(errs, errors.New("production needs DATABASE_URL"))
		}
		if len(c.JWTSecret) < MinSecretBytes {
			errs = append(errs, fmt.Errorf("production needs JWT_SECRET of at least %d bytes", MinSecretBytes))
		}
	}
	if c.MetricsAddr == "" && c.Production() {
		c.MetricsAddr = DefaultMetricsAddr
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("METRICS_ADDR must be host:port, got %q", c.MetricsAddr))
		}
	}
	tracing, err := tracingFromEnv(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.Tracing = tracing
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.ToSlash(filepath.Join(c.DataDir, "socrates.db"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Files under DataDir that keep development secrets across restarts.
const (
	DevSecretFile        = "jwt-secret"
	DevEncryptionKeyFile = "llm-encryption-key"
)

// EnsureSecret fills JWTSecret in development when it is empty: it reads
// DataDir/jwt-secret, or creates it with a fresh random secret. It returns
// the file's path and whether it created the file; path is empty when the
// secret came from the environment.
func (c *Config) EnsureSecret() (path string, created bool, err error) {
	if c.JWTSecret != "" {
		return "", false, nil
	}
	if c.Production() {
		return "", false, errors.New("production needs JWT_SECRET")
	}
	c.JWTSecret, path, created, err = c.devSecret(DevSecretFile)
	return path, created, err
}

// EnsureEncryptionKey fills LLMEncryptionKey in development when it is
// empty, like EnsureSecret. In production an empty key stays empty, which
// disables users' own provider keys.
func (c *Config) EnsureEncryptionKey() (path string, created bool, err error) {
	if c.LLMEncryptionKey != "" || c.Production() {
		return "", false, nil
	}
	c.LLMEncryptionKey, path, created, err = c.devSecret(DevEncryptionKeyFile)
	return path, created, err
}

// devSecret reads a 32-byte hex secret from DataDir/name, creating it when
// missing.
func (c *Config) devSecret(name string) (secret, path string, created bool, err error) {
	path = filepath.Join(c.DataDir, name)
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= MinSecretBytes {
			return s, path, false, nil
		}
		return "", "", false, fmt.Errorf("development secret %s is shorter than %d bytes; delete it to make a new one", path, MinSecretBytes)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", false, fmt.Errorf("read development secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", false, fmt.Errorf("generate development secret: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return "", "", false, fmt.Errorf("create data directory: %w", err)
	}
	secret = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", "", false, fmt.Errorf("write development secret: %w", err)
	}
	return secret, path, true, nil
}
