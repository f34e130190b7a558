package e2e

import (
	"debug/elf"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// repoRoot is the repository's top folder, seen from this package.
const repoRoot = "../.."

// dockerfileBuild returns the build command of the Dockerfile: its line
// that runs go build, without RUN.
func dockerfileBuild(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if cmd, ok := strings.CutPrefix(line, "RUN "); ok && strings.Contains(cmd, "go build") {
			return cmd
		}
	}
	t.Fatal("the Dockerfile has no go build line")
	return ""
}

// TestImageBinaryIsStaticAndServes runs the Dockerfile's own build command
// (no Docker daemon needed) and checks what the image relies on: the binary
// is static (no interpreter, no shared libraries, so it runs FROM
// scratch), prints its version, serves /healthz, and its healthcheck
// command says so. The final stage runs as a non-root user.
func TestImageBinaryIsStaticAndServes(t *testing.T) {
	cmdline := dockerfileBuild(t)
	out := filepath.Join(t.TempDir(), "socrates")
	cmdline = strings.ReplaceAll(cmdline, "/out/socrates", out)
	cmdline = strings.ReplaceAll(cmdline, "${VERSION}", "v0.0.0-imagetest")
	build := exec.Command("sh", "-c", cmdline)
	build.Dir = repoRoot
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: it would not run FROM scratch")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v (%v)", libs, err)
	}
	_ = f.Close()

	v, err := exec.Command(out, "version").Output()
	if err != nil || !strings.Contains(string(v), "v0.0.0-imagetest") {
		t.Fatalf("version: %q %v", v, err)
	}

	// Serve on SQLite and ask for /healthz, then through the healthcheck
	// command the compose file uses.
	port := freePort(t)
	p := startProcess(t, out, []string{"PORT=" + port, "DATA_DIR=" + t.TempDir(), "DATABASE_URL=", "JWT_SECRET=", "APP_ENV=development", "LOG_FORMAT=text"})
	resp, err := http.Get(p.url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	check := exec.Command(out, "healthcheck")
	check.Env = append(os.Environ(), "PORT="+port)
	if b, err := check.CombinedOutput(); err != nil {
		t.Fatalf("healthcheck against a serving server: %v %s", err, b)
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		check := exec.Command(out, "healthcheck")
		check.Env = append(os.Environ(), "PORT="+port)
		if err := check.Run(); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("healthcheck still passes with the server stopped")
		}
		time.Sleep(100 * time.Millisecond)
	}

	src, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	final := string(src[strings.LastIndex(string(src), "\nFROM "):])
	if !strings.HasPrefix(final, "\nFROM scratch") || !strings.Contains(final, "\nUSER 65532:65532") {
		t.Errorf("the final stage is not FROM scratch with a non-root user:\n%s", final)
	}
}

// TestComposeRunsTwoReplicasOnOneDatabase reads compose.yaml as Docker
// Compose would: PostgreSQL, two replicas of the server built from the
// Dockerfile on the same database with the same settings, in production
// mode, checked by the healthcheck command, and one published port in
// front of both.
func TestComposeRunsTwoReplicasOnOneDatabase(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Build       any               `yaml:"build"`
			Image       string            `yaml:"image"`
			Command     any               `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(src, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, ok := c.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") {
		t.Fatalf("no postgres service: %+v", c.Services)
	}
	var replicas []string
	for name, s := range c.Services {
		if s.Build != nil {
			replicas = append(replicas, name)
			if s.Environment["APP_ENV"] != "production" || !strings.Contains(s.Environment["DATABASE_URL"], "@postgres:5432/") {
				t.Errorf("%s: environment %v", name, s.Environment)
			}
			if strings.Join(s.Healthcheck.Test, " ") != "CMD /socrates healthcheck" {
				t.Errorf("%s: healthcheck %v", name, s.Healthcheck.Test)
			}
		}
	}
	if len(replicas) != 2 {
		t.Fatalf("want two replicas built from the Dockerfile, got %v", replicas)
	}
	a, b := c.Services[replicas[0]], c.Services[replicas[1]]
	if a.Environment["DATABASE_URL"] != b.Environment["DATABASE_URL"] {
		t.Errorf("the replicas use different databases")
	}
	lb, ok := c.Services["lb"]
	if !ok || len(lb.Ports) != 1 {
		t.Fatalf("no load balancer with one published port: %+v", lb)
	}
	for _, r := range replicas {
		if !strings.Contains(lb.Command.(string), r+":8080") {
			t.Errorf("the load balancer does not send to %s: %v", r, lb.Command)
		}
	}
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
