package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"socrates/internal/database"
)

// pgAdmin is a connection to the PostgreSQL server's maintenance database
// (the one in the bench's -pg-url), used to create and drop the bench
// database and to find the backends serving it.
type pgAdmin struct {
	mu      sync.Mutex
	conn    *pgx.Conn
	baseURL *url.URL
}

// connectAdmin connects to rawURL, saying clearly when no server answers.
func connectAdmin(ctx context.Context, rawURL string) (*pgAdmin, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse -pg-url %s: %w", database.Redact(rawURL), err)
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse -pg-url %s: %w", database.Redact(rawURL), err)
	}
	cfg.ConnectTimeout = 5 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("no PostgreSQL at %s (set TEST_DATABASE_URL or -pg-url; start PostgreSQL first): %w", database.Redact(rawURL), err)
	}
	return &pgAdmin{conn: conn, baseURL: u}, nil
}

// Close ends the maintenance connection.
func (a *pgAdmin) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	_ = a.conn.Close(context.Background())
}

// ServerVersion returns SHOW server_version.
func (a *pgAdmin) ServerVersion(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var v string
	if err := a.conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	return v, nil
}

// CreateDatabase creates a fresh, uniquely named database and returns its
// name.
func (a *pgAdmin) CreateDatabase(ctx context.Context) (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("name the bench database: %w", err)
	}
	name := fmt.Sprintf("socrates_bench_%d_%s", time.Now().Unix(), hex.EncodeToString(b))
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

// DropDatabase drops a database, ending the sessions still connected.
func (a *pgAdmin) DropDatabase(ctx context.Context, name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// DatabaseURL returns the URL of database name on the same server, through
// hostPort when it is not empty (the counting proxy). TLS is turned off so
// the proxy can read the protocol.
func (a *pgAdmin) DatabaseURL(name, hostPort string) string {
	u := *a.baseURL
	u.Path = "/" + name
	if hostPort != "" {
		u.Host = hostPort
	}
	q := u.Query()
	q.Set("sslmode", "disable")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

// ServerAddr is the host:port of the PostgreSQL server, for the proxy.
func (a *pgAdmin) ServerAddr() string {
	host, port := a.baseURL.Hostname(), a.baseURL.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "5432"
	}
	return net.JoinHostPort(host, port)
}

// BackendCPU returns the CPU time used so far by the client backends
// connected to database name, keyed by pid. Backends on another machine,
// or whose /proc entry cannot be read, are left out.
func (a *pgAdmin) BackendCPU(ctx context.Context, name string) (map[int]time.Duration, error) {
	a.mu.Lock()
	rows, err := a.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", name)
	if err != nil {
		a.mu.Unlock()
		return nil, fmt.Errorf("list backends: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	a.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("list backends: %w", err)
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if cpu, err := processCPU(int(pid)); err == nil {
			out[int(pid)] = cpu
		}
	}
	return out, nil
}

// localBackends reports whether PostgreSQL's backends are processes of
// this machine (so their CPU time can be read).
func (a *pgAdmin) localBackends(ctx context.Context) bool {
	a.mu.Lock()
	var pid int32
	err := a.conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid)
	a.mu.Unlock()
	if err != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/comm")
	return err == nil && len(b) > 0 && string(b[:min(len(b), 8)]) == "postgres"
}

// backendCPUDelta is the CPU the backends used between two BackendCPU
// snapshots; a backend that appeared in between counts from zero.
func backendCPUDelta(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, cpu := range after {
		d += cpu - before[pid]
	}
	return d
}
