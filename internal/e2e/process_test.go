package e2e

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"socrates/internal/testenv"
)

// buildBinary compiles the server once for this test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "socrates")
	out, err := exec.Command("go", "build", "-o", bin, "socrates").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running server process whose log is watched.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	seen chan string
	url  string
}

func startProcess(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin), seen: make(chan string, 1000)}
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			select {
			case p.seen <- line:
			default:
			}
		}
		close(p.seen)
	}()
	line := p.waitFor(t, "socrates is serving")
	m := regexp.MustCompile(`url=(http://\S+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no url in %q", line)
	}
	p.url = m[1]
	return p
}

func (p *proc) waitFor(t *testing.T, text string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-p.seen:
			if !ok {
				t.Fatalf("process ended before logging %q:\n%s", text, p.logs())
			}
			if strings.Contains(line, text) {
				return line
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %q:\n%s", text, p.logs())
		}
	}
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// TestProcessLifecycle runs the real binary: migrate commands, the
// development secret surviving a restart, production refusing to start
// without its settings, and SIGTERM finishing in-flight requests, closing
// websockets and exiting 0.
func TestProcessLifecycle(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	env := []string{"PORT=0", "DATA_DIR=" + dir, "DATABASE_URL=", "JWT_SECRET=", "APP_ENV=", "LOG_FORMAT=text"}

	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := run("migrate", "status"); code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("migrate status on an empty database: %d %s", code, out)
	}
	if out, code := run("migrate", "up"); code != 0 || !strings.Contains(out, "up 20261126000001") {
		t.Fatalf("migrate up: %d %s", code, out)
	}
	if out, code := run("migrate", "status"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate status: %d %s", code, out)
	}
	if out, code := run("migrate", "down"); code != 0 || !strings.Contains(out, "down 20261126000001") {
		t.Fatalf("migrate down: %d %s", code, out)
	}
	if out, code := run("migrate", "sideways"); code == 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("unknown migrate action: %d %s", code, out)
	}

	// Production refuses to start without its settings, with one line saying why.
	prod := exec.Command(bin)
	prod.Env = append(os.Environ(), "APP_ENV=production", "JWT_SECRET=short", "DATABASE_URL=", "PORT=0")
	out, err := prod.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("production without settings started: %v %s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], "DATABASE_URL") || !strings.Contains(lines[0], "JWT_SECRET") {
		t.Fatalf("production refusal is not one line naming both settings: %q", out)
	}

	// First start: the development secret is created; a token from it works
	// after a restart.
	p := startProcess(t, bin, env)
	if !strings.Contains(p.logs(), "generated a development JWT secret") {
		t.Fatalf("no notice of the generated secret:\n%s", p.logs())
	}
	srv := &testenv.Server{URL: p.url}
	tok := srv.Client(t).Register("proc@example.com", "password-1")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("first run did not exit 0: %v\n%s", err, p.logs())
	}

	p = startProcess(t, bin, env)
	if !strings.Contains(p.logs(), "using the development JWT secret") {
		t.Fatalf("secret not reused:\n%s", p.logs())
	}
	srv = &testenv.Server{URL: p.url}
	me := srv.Client(t).As(tok.AccessToken)
	var v struct{ Viewer struct{ Email string } }
	me.Must(`{ viewer { email } }`, nil, &v)
	if v.Viewer.Email != "proc@example.com" {
		t.Fatalf("token from before the restart: %+v", v)
	}

	// An open websocket and a request whose body is still arriving.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/query", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(b), err}
	}()
	if _, err := pw.Write([]byte(`{"query":"{ viewer `)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the server start reading the request

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "shutting down")

	// The websocket is closed by the server.
	if _, err := ws.Next(ctx, ""); err == nil {
		t.Fatal("websocket still open after SIGTERM")
	}
	// The in-flight request completes.
	if _, err := pw.Write([]byte(`{ email } }"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-done
	if res.err != nil || res.status != 200 || !strings.Contains(res.body, "proc@example.com") {
		t.Fatalf("in-flight request: %+v", res)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("did not exit 0 after SIGTERM: %v\n%s", err, p.logs())
	}
	if !strings.Contains(p.logs(), "shutdown complete") {
		t.Fatalf("no shutdown notice:\n%s", p.logs())
	}
	// New connections are refused once it has gone.
	if _, err := http.Get(p.url + "/healthz"); err == nil {
		t.Fatal("server still answering after exit")
	}
}
