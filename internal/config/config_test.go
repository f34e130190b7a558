package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.Env != Development || c.DatabaseURL != "sqlite://data/socrates.db" ||
		c.LogFormat != "text" || c.LogLevel != slog.LevelInfo || c.AllowedOrigins[0] != "*" || c.QueryTimeout != 30*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	env := envOf(map[string]string{"PORT": "9000", "LOG_LEVEL": "warn", "DATABASE_URL": "sqlite://env.db", "LOG_FORMAT": "json"})
	c, err := Load([]string{"-port", "9100", "-database-url", "postgres://flag/db"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9100 || c.DatabaseURL != "postgres://flag/db" || c.LogLevel != slog.LevelWarn || c.LogFormat != "json" {
		t.Fatalf("got %+v", c)
	}
}

func TestInvalidSettings(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"port":     {"PORT": "eighty"},
		"big port": {"PORT": "70000"},
		"level":    {"LOG_LEVEL": "loud"},
		"format":   {"LOG_FORMAT": "xml"},
		"env":      {"APP_ENV": "staging"},
		"timeout":  {"QUERY_TIMEOUT": "soon"},
	} {
		if _, err := Load(nil, envOf(env), io.Discard); err == nil {
			t.Errorf("%s: accepted %v", name, env)
		}
	}
	if _, err := Load([]string{"stray"}, envOf(nil), io.Discard); err == nil {
		t.Error("stray argument accepted")
	}
}

func TestProductionNeedsSecretAndDatabase(t *testing.T) {
	_, err := Load(nil, envOf(map[string]string{"APP_ENV": "production"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "JWT_SECRET") {
		t.Fatalf("production without settings: %v", err)
	}
	_, err = Load(nil, envOf(map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://x/y", "JWT_SECRET": strings.Repeat("k", 31)}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("31-byte secret: %v", err)
	}
	c, err := Load(nil, envOf(map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://x/y", "JWT_SECRET": strings.Repeat("k", 32)}), io.Discard)
	if err != nil || c.LogFormat != "json" || len(c.AllowedOrigins) != 0 {
		t.Fatalf("valid production config: %+v %v", c, err)
	}
	if _, _, err := c.EnsureSecret(); err != nil {
		t.Fatalf("EnsureSecret with a configured secret: %v", err)
	}
}

func TestDevelopmentSecretPersists(t *testing.T) {
	dir := t.TempDir()
	load := func() *Config {
		c, err := Load([]string{"-data-dir", dir}, envOf(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := load()
	path, created, err := c1.EnsureSecret()
	if err != nil || !created || len(c1.JWTSecret) < MinSecretBytes {
		t.Fatalf("first EnsureSecret: %q %v %v", path, created, err)
	}
	if st, err := os.Stat(filepath.Join(dir, DevSecretFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	c2 := load()
	if _, created, err := c2.EnsureSecret(); err != nil || created || c2.JWTSecret != c1.JWTSecret {
		t.Fatalf("secret not reused: %v %v", created, err)
	}
}

func TestQueryLimits(t *testing.T) {
	c, err := Load(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxQueryBytes != 262144 || c.MaxTokens != 15000 || c.MaxSpreads != 1000 || c.MaxFields != 10000 ||
		c.MaxSelectionFields != 200 || c.MaxIntrospectionDepth != 20 || c.MaxDepth != 12 || c.MaxAliases != 30 || c.MaxComplexity != 20000 {
		t.Fatalf("default limits: %+v", c)
	}
	env := envOf(map[string]string{"MAX_QUERY_TOKENS": "500", "MAX_QUERY_BYTES": "4096", "MAX_QUERY_SPREADS": "7",
		"MAX_QUERY_FIELDS": "70", "MAX_SELECTION_FIELDS": "9", "MAX_INTROSPECTION_DEPTH": "16"})
	c, err = Load([]string{"-max-tokens", "600", "-max-selection-fields", "10"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxTokens != 600 || c.MaxQueryBytes != 4096 || c.MaxSpreads != 7 || c.MaxFields != 70 || c.MaxSelectionFields != 10 || c.MaxIntrospectionDepth != 16 {
		t.Fatalf("limits from environment and flags: %+v", c)
	}
	for _, key := range []string{"MAX_QUERY_BYTES", "MAX_QUERY_TOKENS", "MAX_QUERY_SPREADS", "MAX_QUERY_FIELDS", "MAX_SELECTION_FIELDS", "MAX_INTROSPECTION_DEPTH"} {
		if _, err := Load(nil, envOf(map[string]string{key: "-1"}), io.Discard); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=-1: %v", key, err)
		}
	}
}

func TestTypedFlagsAndSwitches(t *testing.T) {
	c, err := Load([]string{"-port", "9001", "-ws-keepalive", "3s", "-plan-reads=false", "-ide", "-max-body-bytes", "2048"}, envOf(map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://x/y", "JWT_SECRET": strings.Repeat("k", 32)}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9001 || c.KeepAlive != 3*time.Second || c.PlanReads || !c.IDE || c.Introspection || c.MaxBodyBytes != 2048 || c.LLMAllowPrivateURLs {
		t.Fatalf("typed flags in production: %+v", c)
	}
	c, err = Load([]string{"-introspection=false"}, envOf(map[string]string{"IDE": "false"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Introspection || c.IDE || !c.LLMAllowPrivateURLs {
		t.Fatalf("switches in development: %+v", c)
	}
	for name, args := range map[string][]string{
		"int":      {"-port", "eighty"},
		"negative": {"-max-depth", "-1"},
		"duration": {"-query-timeout", "soon"},
		"bool":     {"-ide=maybe"},
	} {
		if _, err := Load(args, envOf(nil), io.Discard); err == nil {
			t.Errorf("%s: accepted %v", name, args)
		}
	}
	if _, err := Load(nil, envOf(map[string]string{"INTROSPECTION": "maybe"}), io.Discard); err == nil || !strings.Contains(err.Error(), "INTROSPECTION") {
		t.Errorf("INTROSPECTION=maybe: %v", err)
	}
}

func TestHelpShowsVariablesNotSecrets(t *testing.T) {
	var out strings.Builder
	_, err := Load([]string{"-h"}, envOf(map[string]string{"JWT_SECRET": "very-secret-jwt-value", "ANTHROPIC_API_KEY": "sk-ant-zzz", "PORT": "9100"}), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	help := out.String()
	if strings.Contains(help, "very-secret-jwt-value") || strings.Contains(help, "sk-ant-zzz") {
		t.Fatalf("help prints a secret:\n%s", help)
	}
	for _, want := range []string{"env JWT_SECRET (set)", "env ANTHROPIC_API_KEY (set)", "env PORT=9100; default 8080", "env OPENAI_API_KEY; default none"} {
		if !strings.Contains(help, want) {
			t.Fatalf("help lacks %q:\n%s", want, help)
		}
	}
}
