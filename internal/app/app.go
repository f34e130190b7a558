// Package app is the composition root: from a configuration it opens the
// database, applies migrations and wires the store, services, resolvers and
// HTTP server together. server.go runs it as a process; the end-to-end tests
// build exactly the same thing.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/uptrace/bun"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"socrates/graph"
	"socrates/internal/access"
	"socrates/internal/account"
	"socrates/internal/apitoken"
	"socrates/internal/auth"
	"socrates/internal/clock"
	"socrates/internal/codegen"
	"socrates/internal/codegen/builtin"
	"socrates/internal/config"
	"socrates/internal/counsel"
	"socrates/internal/database"
	"socrates/internal/dialogue"
	"socrates/internal/document"
	"socrates/internal/export"
	"socrates/internal/httpserver"
	"socrates/internal/llmsettings"
	"socrates/internal/loaders"
	"socrates/internal/pgevents"
	"socrates/internal/plan"
	"socrates/internal/project"
	"socrates/internal/pubsub"
	"socrates/internal/ratelimit"
	"socrates/internal/search"
	"socrates/internal/secretbox"
	"socrates/internal/session"
	"socrates/internal/socratic"
	"socrates/internal/spec"
	"socrates/internal/store"
	"socrates/internal/team"
	"socrates/internal/telemetry"
	"socrates/migrations"
	"socrates/models"
	"socrates/resolvers"
)

// Options are what New needs besides the configuration.
type Options struct {
	Config *config.Config
	Logger *slog.Logger
	// Argon2 sets the password hashing cost; zero means auth.DefaultArgon2.
	Argon2 auth.Argon2Params
	// Clock supplies timestamps; nil means clock.System.
	Clock clock.Clock
	// FieldMiddleware, when set, wraps every GraphQL resolver field's
	// resolution (plain fields do not pass through it).
	FieldMiddleware graphql.FieldMiddleware
	// QueryHooks observe every SQL statement (statement counts in tests;
	// the tracing hook is added by New when tracing is on).
	QueryHooks []bun.QueryHook
	// SpanExporter, when set, receives every span synchronously and
	// turns tracing on whatever the OTEL_* configuration says (tests use
	// an in-memory exporter); nil leaves tracing to cfg.Tracing.
	SpanExporter sdktrace.SpanExporter
	// Version names the build in the spans' resource.
	Version string
	// Generator writes code generations' files; nil means the built-in
	// generator.
	Generator codegen.Generator
	// GenerationLease is how long a code generation's heartbeat stays
	// fresh; zero means codegen.DefaultLease. Every quarter lease the
	// instance refreshes its generations' heartbeats and fails stale ones.
	GenerationLease time.Duration
}

// App is a wired server and the resources it owns.
type App struct {
	DB     *bun.DB
	Store  *store.Store
	Server *httpserver.Server
	Tokens *auth.Tokens
	Broker *pubsub.Broker
	// Tracing is the process's tracer provider; off (no exporter) unless
	// configured.
	Tracing *telemetry.Tracing
	// Metrics are the Prometheus series the server exports.
	Metrics *httpserver.Metrics
	// Codegen runs code generations in the background.
	Codegen *codegen.Service

	events *eventsRun
}

// New opens the database, applies pending migrations and wires the server.
func New(ctx context.Context, o Options) (*App, error) {
	cfg := o.Config
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if o.Argon2 == (auth.Argon2Params{}) {
		o.Argon2 = auth.DefaultArgon2()
	}
	if cfg.JWTSecret == "" {
		return nil, errors.New("no JWT secret configured")
	}
	tracing, err := telemetry.New(ctx, telemetry.Options{
		Endpoint: cfg.Tracing.Endpoint, ServiceName: cfg.Tracing.ServiceName, ServiceVersion: o.Version,
		Sampler: cfg.Tracing.Sampler, SamplerArg: cfg.Tracing.SamplerArg, Exporter: o.SpanExporter,
	})
	if err != nil {
		return nil, err
	}
	if tracing.Enabled() {
		// Every log line written inside a traced request names its trace.
		o.Logger = slog.New(telemetry.LogHandler(o.Logger.Handler()))
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Pool{MaxOpen: cfg.DBMaxOpenConns})
	if err != nil {
		return nil, errors.Join(err, tracing.Shutdown(ctx))
	}
	o.QueryHooks = slices.Clone(o.QueryHooks)
	if tracing.Enabled() {
		system := "sqlite"
		if database.IsPostgres(db) {
			system = "postgresql"
		}
		o.QueryHooks = append(o.QueryHooks, telemetry.NewQueryHook(tracing.Provider(), system))
	}
	hooked := db
	for _, h := range o.QueryHooks {
		hooked = hooked.WithQueryHook(h)
	}
	a, err := wire(ctx, hooked, o, tracing)
	if err != nil {
		_ = db.Close()
		return nil, errors.Join(err, tracing.Shutdown(ctx))
	}
	return a, nil
}

func wire(ctx context.Context, db *bun.DB, o Options, tracing *telemetry.Tracing) (*App, error) {
	cfg, logger := o.Config, o.Logger
	// Components take a nil provider as "not traced": the HTTP server then
	// installs no tracing middleware at all.
	var tp trace.TracerProvider
	if tracing.Enabled() {
		tp = tracing.Provider()
	}
	metrics := httpserver.NewMetrics(db.DB)
	runner, err := migrations.NewRunner(db)
	if err != nil {
		return nil, err
	}
	applied, err := runner.Up(ctx)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("applied migrations", "migrations", applied)
	}

	st := store.New(db, o.QueryHooks...)
	read := loaders.NewReader(st)
	policy := access.NewPolicy(read)
	passwords, err := auth.NewPasswords(o.Argon2, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("set up password hashing: %w", err)
	}
	tokens := auth.NewTokens([]byte(cfg.JWTSecret), o.Clock)
	var box *secretbox.Box
	if cfg.LLMEncryptionKey != "" {
		key, err := secretbox.ParseKey(cfg.LLMEncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("LLM_ENCRYPTION_KEY: %w", err)
		}
		if box, err = secretbox.New(key); err != nil {
			return nil, err
		}
	}
	broker := pubsub.NewBroker(cfg.SubscriberBuffer, logger, metrics)
	// What services publish through: on PostgreSQL the bus also carries
	// events to the other processes on the database.
	revalidator := access.NewRevalidator(policy, st, broker)
	var publisher publisher = localEvents{Broker: broker, Revalidator: revalidator}
	var events *eventsRun
	if database.IsPostgres(db) {
		bus, err := pgevents.New(ctx, pgevents.Deps{Broker: broker, Access: revalidator, Store: st, DatabaseURL: cfg.DatabaseURL, Logger: logger})
		if err != nil {
			return nil, err
		}
		publisher, events = bus, startEvents(bus, logger)
	}
	projects := project.NewService(st, policy, o.Clock)
	specs := spec.NewService(st, policy, read, projects, publisher, o.Clock)
	llmSettings := llmsettings.NewService(st, box, projects, read, llmsettings.Defaults{
		Provider: models.LLMProviderID(cfg.LLMProvider), Model: cfg.LLMModel,
		AnthropicKey: cfg.AnthropicKey, AnthropicBaseURL: cfg.AnthropicBaseURL,
		OpenAIKey: cfg.OpenAIKey, OpenAIBaseURL: cfg.OpenAIBaseURL,
		Timeout: cfg.LLMTimeout, MaxRetries: cfg.LLMMaxRetries, AllowPrivateURLs: cfg.LLMAllowPrivateURLs,
	}, o.Clock)
	exports := export.NewService(read, projects, policy)
	gen := o.Generator
	if gen == nil {
		b, err := builtin.New()
		if err != nil {
			return nil, err
		}
		gen = b
	}
	counselor := counsel.New(socratic.NewExtractor(), logger, tp, metrics)
	generations := codegen.NewService(codegen.Deps{
		Store: st, Read: read, Projects: projects, Policy: policy, Events: publisher, Generator: gen,
		Engines: llmSettings, Writer: counselor, Clock: o.Clock, Logger: logger, Workers: codegenWorkers, Lease: o.GenerationLease,
	})
	if n, err := generations.Recover(ctx); err != nil {
		if !database.Unavailable(err) {
			return nil, fmt.Errorf("fail the generations a previous run left unfinished: %w", err)
		}
		// A read-only or unreachable database still serves what it can;
		// the next start that can write marks them.
		logger.Warn("code generations a previous run left unfinished could not be marked FAILED", "error", err.Error())
	} else if n > 0 {
		logger.Warn("code generations left unfinished by a previous run were marked FAILED", "generations", n)
	}
	live := auth.NewLive()
	tokenService := apitoken.NewService(st, read, live, o.Clock)
	authn := auth.Chain{APIPrefix: apitoken.Prefix, API: tokenService, JWT: tokens}
	res := &resolvers.Resolver{
		TeamService:  team.NewService(st, policy, read, projects, publisher, o.Clock),
		TokenService: tokenService,
		AccountService: account.NewService(st, read, passwords, tokens, account.Limits{
			FailedLogins: ratelimit.New(st, "failed_logins", cfg.LoginFailuresPer15Min, 15*time.Minute, o.Clock, metrics),
			Requests:     ratelimit.New(st, "auth_requests", cfg.AuthRequestsPerMinute, time.Minute, o.Clock, metrics),
		}, o.Clock),
		ProjectService: projects,
		SessionService: session.NewService(st, policy, read, projects, publisher, o.Clock),
		SpecService:    specs,
		LLMService:     llmSettings,
		DialogueService: dialogue.NewService(dialogue.Deps{
			Store: st, Policy: policy, Read: read, Specs: specs, Engines: llmSettings,
			Counselor: counselor, Broker: publisher, Clock: o.Clock, Logger: logger,
		}),
		ExportService:  exports,
		CodegenService: generations,
		SearchService:  search.NewService(st, read, policy),
		DocumentService: document.NewService(document.Deps{
			Store: st, Read: read, Projects: projects, Policy: policy, Clock: o.Clock,
			MaxBytes: cfg.MaxUploadBytes, Extractions: runtime.GOMAXPROCS(0),
		}),
		Read: read,
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: resolvers.Complexity()})
	if cfg.PlanReads {
		res.Plan = plan.New(schema.Schema())
	}
	var webApp *httpserver.WebApp
	if cfg.WebAppDir != "" {
		if webApp, err = httpserver.NewWebApp(cfg.WebAppDir); err != nil {
			return nil, err
		}
	}
	srv := httpserver.New(httpserver.Options{
		Schema:               schema,
		DB:                   db,
		Auth:                 authn,
		Live:                 live,
		Loaders:              loaders.NewFactory(st, cfg.LoaderWait, tp, metrics),
		Logger:               logger,
		QueryTimeout:         cfg.QueryTimeout,
		MaxConcurrentQueries: cfg.MaxConcurrentQueries,
		MaxBodyBytes:         cfg.MaxBodyBytes,
		MaxUploadBytes:       cfg.MaxUploadBytes,
		MaxComplexity:        cfg.MaxComplexity,
		AllowedOrigins:       cfg.AllowedOrigins,
		KeepAlive:            cfg.KeepAlive,
		WSInitTimeout:        cfg.WSInitTimeout,
		Introspection:        cfg.Introspection,
		IDE:                  cfg.IDE,
		WebApp:               webApp,
		ShutdownTimeout:      cfg.ShutdownTimeout,
		FieldMiddleware:      o.FieldMiddleware,
		Limits:               cfg.QueryLimits(),
		Metrics:              metrics,
		SeparateMetrics:      cfg.MetricsAddr != "",
		TracerProvider:       tp,
		Exports:              exports,
		Generations:          downloads{generations},
	})
	return &App{DB: db, Store: st, Server: srv, Tokens: tokens, Broker: broker, Tracing: tracing, Metrics: metrics,
		Codegen: generations, events: events}, nil
}

// codegenWorkers is how many code generations run at once in a process.
const codegenWorkers = 2

// downloads serves generation archives to the HTTP server.
type downloads struct{ s *codegen.Service }

// Archive implements httpserver.GenerationDownloads.
func (d downloads) Archive(ctx context.Context, id int64) (string, httpserver.GenerationArchive, error) {
	a, err := d.s.Download(ctx, id)
	if err != nil {
		return "", nil, err
	}
	return a.Filename, a, nil
}

// Close stops listening for other processes' events, releases the
// database and exports the spans still buffered.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Generations still running are marked FAILED while the database is
	// still open.
	genErr := a.Codegen.Close(ctx)
	a.events.stop()
	err := a.DB.Close()
	return errors.Join(genErr, err, a.Tracing.Shutdown(ctx))
}

// publisher is what the services publish events through, subscribe with,
// and tell when access to projects changed.
type publisher interface {
	Publish(ctx context.Context, topic string, event any)
	PublishEvent(ctx context.Context, e *models.Event)
	Subscribe(ctx context.Context, topic string, owner pubsub.Owner) <-chan any
	AccessChanged(ctx context.Context, projectIDs ...int64)
}

// localEvents is the publisher of a single process (SQLite): the
// in-memory broker, and access re-checked here only.
type localEvents struct {
	*pubsub.Broker
	*access.Revalidator
}

// eventsRun is the listening loop of a bus.
type eventsRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startEvents runs the bus's listener until the app closes, and waits a
// few seconds for its first LISTEN, so that events are heard from the
// first request on (it keeps trying in the background when that fails).
func startEvents(bus *pgevents.Bus, logger *slog.Logger) *eventsRun {
	ctx, cancel := context.WithCancel(context.Background())
	r := &eventsRun{cancel: cancel, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(r.done)
		bus.Run(ctx, ready)
	}()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		logger.Warn("events: not listening yet; events from other instances will be heard once it is")
	}
	return r
}

// stop ends the listener and waits for it; nil is a no-op.
func (r *eventsRun) stop() {
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
}
