// Command socrates serves the Socrates GraphQL API.
//
//	socrates [serve] [flags]          start the server (the default)
//	socrates migrate up|down|status   manage the database schema
//	socrates version                  print the build version
//
// Settings come from environment variables, overridden by flags; run
// `socrates -h` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

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
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, getenv, stderr)
	case "migrate":
		err = migrate(args, getenv, stdout, stderr)
	case "version":
		_, err = fmt.Fprintln(stdout, "socrates", version())
	case "help":
		_, err = fmt.Fprintln(stdout, "usage: socrates [serve] [flags] | migrate up|down|status [flags] | version")
	default:
		err = fmt.Errorf("unknown command %q (want serve, migrate or version)", cmd)
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

func serve(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv, stderr)
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

	a, err := app.New(ctx, app.Options{Config: cfg, Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
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

func migrate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("migrate needs up, down or status")
	}
	action := args[0]
	cfg, err := config.Load(args[1:], getenv, stderr)
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

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	if info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
