package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"socrates/internal/auth"
	"socrates/internal/clock"
)

// benchJWTSecret signs the access tokens the bench mints; Socrates is
// started with it.
const benchJWTSecret = "socrates-bench-secret-of-at-least-32-bytes"

// server is a GraphQL server under test.
type server struct {
	// Name labels the server in the report.
	Name string
	// URL is the GraphQL endpoint.
	URL  string
	proc *child
	// tokenFor mints an access token for a user; nil for a server without
	// authentication.
	tokenFor func(userID int64) (string, error)
}

// Pid is the server's process id.
func (s *server) Pid() int { return s.proc.Pid() }

// Stop ends the server process.
func (s *server) Stop() { s.proc.Stop() }

// authHeader returns the Authorization value for userID, or "" when the
// server takes none.
func (s *server) authHeader(userID int64) (string, error) {
	if s.tokenFor == nil {
		return "", nil
	}
	tok, err := s.tokenFor(userID)
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

// moduleRoot finds the directory of the socrates module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the bench inside the socrates module (go run ./internal/tools/bench)")
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	if !bytes.HasPrefix(b, []byte("module socrates\n")) {
		return "", fmt.Errorf("%s is not the socrates module", gomod)
	}
	return filepath.Dir(gomod), nil
}

// buildSocrates compiles the server into dir and returns the binary's path.
func buildSocrates(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "socrates")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w: %s", err, stderr.String())
	}
	return bin, nil
}

// startSocrates runs the binary on dbURL on a free loopback port and waits
// for /readyz.
func startSocrates(ctx context.Context, bin, tmp, name, dbURL string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	slug := slugOf(name)
	dataDir := filepath.Join(tmp, slug+"-data")
	env := append(os.Environ(),
		"DATABASE_URL="+dbURL, "APP_ENV=development", "DATA_DIR="+dataDir, "JWT_SECRET="+benchJWTSecret,
		"PORT="+strconv.Itoa(port), "LLM_PROVIDER=BUILTIN", "LOG_LEVEL=warn")
	proc, err := startChild(name, filepath.Join(tmp, slug+".log"), tmp, env, bin, "serve")
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := proc.waitReady(ctx, 60*time.Second, httpReady(base+"/readyz", "")); err != nil {
		proc.Stop()
		return nil, err
	}
	tokens := auth.NewTokens([]byte(benchJWTSecret), clock.System())
	return &server{Name: name, URL: base + "/query", proc: proc, tokenFor: func(userID int64) (string, error) {
		tok, _, err := tokens.Issue(userID)
		return tok, err
	}}, nil
}

// slugOf makes a file name out of a server's label.
func slugOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
