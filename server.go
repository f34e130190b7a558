// Command socrates serves the Socrates GraphQL API.
//
//	socrates [serve] [flags]          start the server (the default)
//	socrates migrate up|down|status   manage the database schema
//	socrates version                  print the build version (also --version)
//	socrates help                     print the help (also -h)
//
// Settings come from environment variables, overridden by flags; run
// `socrates -h` for the list.
//
// The version is the one set at link time
// (go build -ldflags "-X main.buildVersion=v1.2.3"), else the module's
// version when built with `go install socrates@version`, else the VCS
// revision Go stamped into the binary (with "-dirty" for uncommitted
// changes), else "dev".
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/database"
	"socrates/internal/httpserver"
	"socrates/migrations"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "--version" || a == "-version":
			cmd, args = "version", args[1:]
		case !strings.HasPrefix(a, "-"):
			cmd, args = a, args[1:]
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, getenv, stdout, stderr)
	case "migrate":
		err = migrate(args, getenv, stdout)
	case "version":
		_, err = fmt.Fprintln(stdout, "socrates", version(), runtime.Version())
	case "healthcheck":
		err = healthcheck(getenv)
	case "help":
		_, err = config.Load([]string{"-h"}, getenv, stdout)
	default:
		err = fmt.Errorf("unknown command %q (want serve, migrate, version, healthcheck or help; socrates -h says more)", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "socrates:", oneLine(err))
		return 1
	}
	return 0
}

// healthcheck asks the server on this machine's PORT (default 8080) for
// /healthz: an image without a shell or curl checks itself this way.
func healthcheck(getenv func(string) string) error {
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("PORT %q is not a number", port)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: /healthz answered %d", resp.StatusCode)
	}
	return nil
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv, stdout)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	path, created, err := cfg.EnsureSecret()
	if err != nil {
		return err
	}
	switch {
	case created:
		logger.Warn("generated a development JWT secret; it is kept for later restarts. Set JWT_SECRET in production", "file", path)
	case path != "":
		logger.Info("using the development JWT secret", "file", path)
	}
	if path, created, err := cfg.EnsureEncryptionKey(); err != nil {
		return err
	} else if created {
		logger.Warn("generated a development key for users' provider keys; set LLM_ENCRYPTION_KEY in production", "file", path)
	}

	tuneGC(getenv, logger)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	a, err := app.New(ctx, app.Options{Config: cfg, Logger: logger, Version: version()})
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Tracing.Enabled() {
		logger.Info("tracing: exporting spans over OTLP", "endpoint", cfg.Tracing.Endpoint, "service", cfg.Tracing.ServiceName, "sampler", cfg.Tracing.Sampler)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for metrics (METRICS_ADDR): %w", err)
		}
		logger.Info("metrics are served on their own address", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() {
			if err := a.Server.ServeMetrics(ctx, mln); err != nil {
				logger.Error("metrics listener stopped", "error", err.Error())
			}
		}()
	}
	if cfg.PprofAddr != "" {
		go func() {
			if err := httpserver.ServeProfiler(ctx, cfg.PprofAddr, logger); err != nil {
				logger.Error("profiler stopped", "error", err.Error())
			}
		}()
	}
	kind, _ := database.KindOf(cfg.DatabaseURL)
	logger.Info("socrates is serving",
		"url", fmt.Sprintf("http://localhost:%d/", ln.Addr().(*net.TCPAddr).Port),
		"graphql", "/query", "env", cfg.Env, "database", kind, "version", version())
	return a.Server.Serve(ctx, ln)
}

// Garbage collector defaults for serving, used unless GOGC or GOMEMLIMIT
// are set. A request's garbage is large next to the heap that outlives it
// (a nested read allocates about 15 MB and keeps almost nothing), so
// Go's default (collect when the heap doubles) collects several times per
// request. Letting the heap grow five-fold, under a soft limit, collects
// far less often; the limit keeps the process's memory bounded, and the
// query gate keeps what requests hold at once bounded too.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
)

// tuneGC applies the collector defaults the environment does not set.
func tuneGC(getenv func(string) string, logger *slog.Logger) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		logger.Debug("garbage collector: GOGC not set, using the serving default", "gogc", defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
		logger.Debug("garbage collector: GOMEMLIMIT not set, using the serving default", "bytes", defaultMemoryLimit)
	}
}

func migrate(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		_, err := config.Load(args, getenv, stdout)
		return err
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("migrate needs up, down or status")
	}
	action := args[0]
	cfg, err := config.Load(args[1:], getenv, stdout)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Pool{MaxOpen: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	runner, err := migrations.NewRunner(db)
	if err != nil {
		return err
	}
	switch action {
	case "up", "down":
		var names []string
		if action == "up" {
			names, err = runner.Up(ctx)
		} else {
			names, err = runner.Down(ctx)
		}
		if err != nil {
			return err
		}
		if len(names) == 0 {
			_, err = fmt.Fprintln(stdout, "nothing to do")
			return err
		}
		for _, n := range names {
			if _, err := fmt.Fprintf(stdout, "%s %s\n", action, n); err != nil {
				return err
			}
		}
		return nil
	case "status":
		ms, err := runner.Status(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			state := "pending"
			if m.Applied {
				state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			if _, err := fmt.Fprintf(stdout, "%-40s %s\n", m.Name, state); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown migrate action %q (want up, down or status)", action)
}

// buildVersion is set at link time:
// go build -ldflags "-X main.buildVersion=v1.2.3". It is never changed
// at run time.
var buildVersion string

// version returns the version of this build and, when Go stamped it, the
// VCS revision it was built from: "v1.4.0 (rev 0123456789ab)". The version
// is the one set at link time, else the module's version (go install
// socrates@v1.4.0), else "dev"; the revision gets "-dirty" when the tree
// had uncommitted changes.
func version() string {
	v := cmp.Or(buildVersion, "dev")
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if buildVersion == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	revision, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if revision == "" {
		return v
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if dirty {
		revision += "-dirty"
	}
	return v + " (rev " + revision + ")"
}
