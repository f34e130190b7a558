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
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"socrates/internal/querylimit"
)

// Modes the server runs in.
const (
	Development = "development"
	Production  = "production"
)

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
	MaxDepth        int
	MaxAliases      int
	MaxComplexity   int
	AllowedOrigins  []string
	LoaderWait      time.Duration
	KeepAlive       time.Duration
	// PlanReads reads ahead what a query selects below its root fields
	// (one statement per edge for a whole level) instead of leaving every
	// edge to the loaders' window.
	PlanReads bool
	// PprofAddr, when set, serves net/http/pprof on this separate address.
	PprofAddr string
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
func Load(args []string, getenv func(string) string, output io.Writer) (*Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("socrates", flag.ContinueOnError)
	fs.SetOutput(output)
	port := fs.String("port", env("PORT", "8080"), "HTTP port (env PORT)")
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "postgres://… or sqlite://path; default sqlite://<data-dir>/socrates.db in development (env DATABASE_URL)")
	secret := fs.String("jwt-secret", env("JWT_SECRET", ""), "HS256 secret, at least 32 bytes in production (env JWT_SECRET)")
	mode := fs.String("env", env("APP_ENV", Development), "development or production (env APP_ENV)")
	level := fs.String("log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	format := fs.String("log-format", env("LOG_FORMAT", ""), "text or json; default text in development, json in production (env LOG_FORMAT)")
	dataDir := fs.String("data-dir", env("DATA_DIR", "data"), "directory of the embedded database and development secret (env DATA_DIR)")
	maxConns := fs.String("db-max-open-conns", env("DB_MAX_OPEN_CONNS", "0"), "connection pool size; 0 picks 20 on PostgreSQL, 8 on SQLite (env DB_MAX_OPEN_CONNS)")
	queryTimeout := fs.String("query-timeout", env("QUERY_TIMEOUT", "30s"), "longest a query or mutation may run (env QUERY_TIMEOUT)")
	shutdown := fs.String("shutdown-timeout", env("SHUTDOWN_TIMEOUT", "20s"), "longest graceful shutdown waits for in-flight work (env SHUTDOWN_TIMEOUT)")
	maxBody := fs.String("max-body-bytes", env("MAX_BODY_BYTES", "1048576"), "largest request body (env MAX_BODY_BYTES)")
	maxDepth := fs.String("max-depth", env("MAX_QUERY_DEPTH", "12"), "deepest field nesting of an operation (env MAX_QUERY_DEPTH)")
	maxAliases := fs.String("max-aliases", env("MAX_QUERY_ALIASES", "30"), "most aliased fields in an operation (env MAX_QUERY_ALIASES)")
	maxComplexity := fs.String("max-complexity", env("MAX_QUERY_COMPLEXITY", "20000"), "highest complexity score of an operation (env MAX_QUERY_COMPLEXITY)")
	maxQueryBytes := fs.String("max-query-bytes", env("MAX_QUERY_BYTES", "262144"), "longest document text in bytes (env MAX_QUERY_BYTES)")
	maxTokens := fs.String("max-tokens", env("MAX_QUERY_TOKENS", "15000"), "most tokens the parser reads from a document (env MAX_QUERY_TOKENS)")
	maxSpreads := fs.String("max-spreads", env("MAX_QUERY_SPREADS", "1000"), "most fragment spreads in a document once fragments are expanded (env MAX_QUERY_SPREADS)")
	maxFields := fs.String("max-fields", env("MAX_QUERY_FIELDS", "10000"), "most fields in a document once fragments are expanded (env MAX_QUERY_FIELDS)")
	maxSelectionFields := fs.String("max-selection-fields", env("MAX_SELECTION_FIELDS", "200"), "most fields in one selection set once fragments are expanded and same-named fields merged (env MAX_SELECTION_FIELDS)")
	maxIntrospectionDepth := fs.String("max-introspection-depth", env("MAX_INTROSPECTION_DEPTH", "20"), "deepest nesting of __schema and __type selections (env MAX_INTROSPECTION_DEPTH)")
	origins := fs.String("allowed-origins", env("ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed cross-origin, or *; default * in development (env ALLOWED_ORIGINS)")
	loaderWait := fs.String("loader-wait", env("LOADER_WAIT", "2ms"), "how long a dataloader gathers keys before a batch (env LOADER_WAIT)")
	keepAlive := fs.String("ws-keepalive", env("WS_KEEPALIVE", "15s"), "websocket ping interval (env WS_KEEPALIVE)")
	maxQueries := fs.String("max-concurrent-queries", env("MAX_CONCURRENT_QUERIES", strconv.Itoa(4*runtime.GOMAXPROCS(0))), "queries running at once; more wait their turn; 0 for no bound (env MAX_CONCURRENT_QUERIES)")
	planReads := fs.String("plan-reads", env("PLAN_READS", "true"), "read ahead what a query selects, one statement per edge and level (env PLAN_READS)")
	pprofAddr := fs.String("pprof-addr", env("PPROF_ADDR", ""), "serve Go's profiler on this address, e.g. 127.0.0.1:6060; off when empty (env PPROF_ADDR)")
	llmProvider := fs.String("llm-provider", env("LLM_PROVIDER", "BUILTIN"), "BUILTIN, ANTHROPIC or OPENAI_COMPATIBLE (env LLM_PROVIDER)")
	llmModel := fs.String("llm-model", env("LLM_MODEL", ""), "model of the default provider (env LLM_MODEL)")
	anthropicKey := fs.String("anthropic-api-key", env("ANTHROPIC_API_KEY", ""), "server-wide Anthropic key (env ANTHROPIC_API_KEY)")
	anthropicURL := fs.String("anthropic-base-url", env("ANTHROPIC_BASE_URL", ""), "Anthropic API base URL (env ANTHROPIC_BASE_URL)")
	openaiKey := fs.String("openai-api-key", env("OPENAI_API_KEY", ""), "server-wide key of the OpenAI-compatible endpoint (env OPENAI_API_KEY)")
	openaiURL := fs.String("openai-base-url", env("OPENAI_BASE_URL", ""), "OpenAI-compatible base URL, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)")
	llmTimeout := fs.String("llm-timeout", env("LLM_TIMEOUT", "60s"), "longest one provider attempt may take (env LLM_TIMEOUT)")
	llmRetries := fs.String("llm-max-retries", env("LLM_MAX_RETRIES", "2"), "retries of a failed provider call (env LLM_MAX_RETRIES)")
	encKey := fs.String("llm-encryption-key", env("LLM_ENCRYPTION_KEY", ""), "32-byte key (hex or base64) encrypting users' provider keys (env LLM_ENCRYPTION_KEY)")
	allowPrivate := fs.String("llm-allow-private-urls", env("LLM_ALLOW_PRIVATE_URLS", ""), "let users aim provider URLs at private addresses; default true in development (env LLM_ALLOW_PRIVATE_URLS)")
	subBuffer := fs.String("subscriber-buffer", env("SUBSCRIBER_BUFFER", "64"), "events a subscriber may fall behind before it is dropped (env SUBSCRIBER_BUFFER)")
	authRate := fs.String("auth-requests-per-minute", env("AUTH_REQUESTS_PER_MINUTE", "30"), "register, login and refresh calls allowed per client address per minute (env AUTH_REQUESTS_PER_MINUTE)")
	loginFailures := fs.String("login-failures-per-15min", env("LOGIN_FAILURES_PER_15MIN", "10"), "failed logins allowed per email per 15 minutes (env LOGIN_FAILURES_PER_15MIN)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	c := &Config{DatabaseURL: *dbURL, JWTSecret: *secret, Env: strings.ToLower(*mode), DataDir: *dataDir, PprofAddr: *pprofAddr}
	var errs []error
	boolean := func(name, v string, dst *bool) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s must be true or false, got %q", name, v))
		}
		*dst = b
	}
	num := func(name, v string, dst *int) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s must be a non-negative integer, got %q", name, v))
		}
		*dst = n
	}
	dur := func(name, v string, dst *time.Duration) {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s must be a duration like 30s, got %q", name, v))
		}
		*dst = d
	}
	num("PORT", *port, &c.Port)
	num("DB_MAX_OPEN_CONNS", *maxConns, &c.DBMaxOpenConns)
	num("MAX_QUERY_DEPTH", *maxDepth, &c.MaxDepth)
	num("MAX_QUERY_ALIASES", *maxAliases, &c.MaxAliases)
	num("MAX_QUERY_COMPLEXITY", *maxComplexity, &c.MaxComplexity)
	num("MAX_QUERY_BYTES", *maxQueryBytes, &c.MaxQueryBytes)
	num("MAX_QUERY_TOKENS", *maxTokens, &c.MaxTokens)
	num("MAX_QUERY_SPREADS", *maxSpreads, &c.MaxSpreads)
	num("MAX_QUERY_FIELDS", *maxFields, &c.MaxFields)
	num("MAX_SELECTION_FIELDS", *maxSelectionFields, &c.MaxSelectionFields)
	num("MAX_INTROSPECTION_DEPTH", *maxIntrospectionDepth, &c.MaxIntrospectionDepth)
	var body int
	num("MAX_BODY_BYTES", *maxBody, &body)
	c.MaxBodyBytes = int64(body)
	dur("QUERY_TIMEOUT", *queryTimeout, &c.QueryTimeout)
	dur("SHUTDOWN_TIMEOUT", *shutdown, &c.ShutdownTimeout)
	dur("LOADER_WAIT", *loaderWait, &c.LoaderWait)
	dur("WS_KEEPALIVE", *keepAlive, &c.KeepAlive)
	boolean("PLAN_READS", *planReads, &c.PlanReads)
	num("MAX_CONCURRENT_QUERIES", *maxQueries, &c.MaxConcurrentQueries)
	c.LLMProvider = strings.ToUpper(strings.TrimSpace(*llmProvider))
	switch c.LLMProvider {
	case "BUILTIN", "ANTHROPIC", "OPENAI_COMPATIBLE":
	default:
		errs = append(errs, fmt.Errorf("LLM_PROVIDER must be BUILTIN, ANTHROPIC or OPENAI_COMPATIBLE, got %q", *llmProvider))
	}
	c.LLMModel, c.AnthropicKey, c.AnthropicBaseURL = *llmModel, *anthropicKey, *anthropicURL
	c.OpenAIKey, c.OpenAIBaseURL, c.LLMEncryptionKey = *openaiKey, *openaiURL, *encKey
	dur("LLM_TIMEOUT", *llmTimeout, &c.LLMTimeout)
	num("LLM_MAX_RETRIES", *llmRetries, &c.LLMMaxRetries)
	num("SUBSCRIBER_BUFFER", *subBuffer, &c.SubscriberBuffer)
	num("AUTH_REQUESTS_PER_MINUTE", *authRate, &c.AuthRequestsPerMinute)
	num("LOGIN_FAILURES_PER_15MIN", *loginFailures, &c.LoginFailuresPer15Min)
	if c.AuthRequestsPerMinute < 1 || c.LoginFailuresPer15Min < 1 {
		errs = append(errs, errors.New("AUTH_REQUESTS_PER_MINUTE and LOGIN_FAILURES_PER_15MIN must be at least 1"))
	}
	switch strings.ToLower(*allowPrivate) {
	case "":
		c.LLMAllowPrivateURLs = strings.ToLower(*mode) != Production
	case "true", "1", "yes":
		c.LLMAllowPrivateURLs = true
	case "false", "0", "no":
	default:
		errs = append(errs, fmt.Errorf("LLM_ALLOW_PRIVATE_URLS must be true or false, got %q", *allowPrivate))
	}
	if c.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be at most 65535, got %d", c.Port))
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", *level))
	}
	switch c.Env {
	case Development, Production:
	default:
		errs = append(errs, fmt.Errorf("APP_ENV must be development or production, got %q", *mode))
	}
	c.LogFormat = strings.ToLower(*format)
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT must be text or json, got %q", *format))
	}
	for _, o := range strings.Split(*origins, ",") {
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
