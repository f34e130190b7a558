// Command bench measures the nested read integrators use, side by side
// with PostGraphile 5 on the same PostgreSQL rows, plus simple reads,
// SQLite, ask-and-answer, subscription fan-out and hostile documents, and
// prints a markdown report with the ratios:
//
//	go run ./internal/tools/bench [flags]
//
// It needs PostgreSQL (TEST_DATABASE_URL, or the tests' default) and, for
// the peer, npm the first time (see peer/install.sh). It is a developer
// tool run by hand, not part of CI. docs/performance.md explains the
// method and holds a run's output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the bench and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b := &bench{opts: opts, log: stderr, started: time.Now(),
		rep: &report{Command: strings.TrimSpace("go run ./internal/tools/bench " + strings.Join(args, " "))}}
	err = b.run(ctx)
	b.cleanup()
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "bench: interrupted; child processes stopped and the bench database dropped")
			return 130
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	b.rep.Took = time.Since(b.started)
	b.rep.Machine.LoadEnd = loadAverage()
	b.rep.Render(stdout)
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		b.rep.Render(f)
		if err := f.Close(); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	return 0
}

// bench is one run: its options, what it started and what it measured.
type bench struct {
	opts     *options
	log      io.Writer
	started  time.Time
	rep      *report
	cleanups []func()
}

// onCleanup registers an undo step; cleanup runs them in reverse order.
func (b *bench) onCleanup(f func()) { b.cleanups = append(b.cleanups, f) }

func (b *bench) cleanup() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
	b.cleanups = nil
}

// logf prints progress to stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "[%5.0fs] %s\n", time.Since(b.started).Seconds(), fmt.Sprintf(format, args...))
}

// note adds a line to the report's notes and to the progress.
func (b *bench) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	b.rep.Notes = append(b.rep.Notes, s)
	b.logf("note: %s", s)
}

// raiseOpenFiles lifts the soft limit on open files to the hard one: the
// fan-out phase holds a thousand websockets on each side. The servers,
// started afterwards, inherit it.
func raiseOpenFiles() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise the open-file limit: %w", err)
		}
	}
	return lim.Cur, nil
}
