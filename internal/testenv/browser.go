package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// Browser is a headless Chromium driven over the DevTools protocol.
type Browser struct {
	t    testing.TB
	conn *websocket.Conn
	ctx  context.Context

	nextID   atomic.Int64
	mu       sync.Mutex
	waiting  map[int64]chan cdpMessage
	requests []string
}

type cdpMessage struct {
	ID     int64           `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// StartBrowser launches headless Chromium for the test. Without Chromium
// the test is skipped, or fails under CI=true.
func StartBrowser(t testing.TB, ctx context.Context) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs Chromium at %s (apt-get install chromium)", ChromiumPath)
		}
		t.Skipf("browser test skipped: no Chromium at %s", ChromiumPath)
	}
	// The profile is not a t.TempDir: Chromium's helper processes may
	// still write to it for a moment after the browser is killed, which
	// would fail the test in TempDir's cleanup. It is removed below, once
	// the whole process group is gone.
	profile, err := os.MkdirTemp("", "socrates-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, ChromiumPath,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--remote-debugging-port=0", "--remote-allow-origins=*",
		"--user-data-dir="+profile, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the browser and its helpers
		_ = cmd.Wait()
		for i := 0; ; i++ {
			err := os.RemoveAll(profile)
			if err == nil {
				return
			}
			if i == 50 {
				t.Logf("remove the browser profile: %v", err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	endpoint := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				endpoint <- m[1]
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-endpoint:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not open its DevTools endpoint")
	}
	u, _ := url.Parse(browserWS)
	pageWS, err := pageTarget(ctx, "http://"+u.Host+"/json/list")
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.Dial(ctx, pageWS, nil)
	if err != nil {
		t.Fatalf("connect to the page: %v", err)
	}
	conn.SetReadLimit(64 << 20)
	b := &Browser{t: t, conn: conn, ctx: ctx, waiting: map[int64]chan cdpMessage{}}
	go b.readLoop()
	b.Call("Page.enable", nil, nil)
	b.Call("Network.enable", nil, nil)
	return b
}

func pageTarget(ctx context.Context, listURL string) (string, error) {
	for range 50 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, listURL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var targets []struct {
				Type string `json:"type"`
				WS   string `json:"webSocketDebuggerUrl"`
			}
			err = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if err == nil && tg.Type == "page" && tg.WS != "" {
					return tg.WS, nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("no page target at %s", listURL)
}

func (b *Browser) readLoop() {
	for {
		var m cdpMessage
		if err := wsjson.Read(b.ctx, b.conn, &m); err != nil {
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.waiting[m.ID]; ok {
				ch <- m
				delete(b.waiting, m.ID)
			}
		} else if m.Method == "Network.requestWillBeSent" {
			var p struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				b.requests = append(b.requests, p.Request.URL)
			}
		}
		b.mu.Unlock()
	}
}

// Call sends one DevTools command and decodes its result into out.
func (b *Browser) Call(method string, params any, out any) {
	b.t.Helper()
	id := b.nextID.Add(1)
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if err := wsjson.Write(b.ctx, b.conn, msg); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			b.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s result: %v", method, err)
			}
		}
	case <-b.ctx.Done():
		b.t.Fatalf("%s: %v", method, b.ctx.Err())
	}
}

// Eval evaluates a JavaScript expression in the page and returns its value
// as a string.
func (b *Browser) Eval(expr string) string {
	b.t.Helper()
	var out struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	b.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &out)
	if out.Result.Value == nil {
		return ""
	}
	return fmt.Sprint(out.Result.Value)
}

// WaitFor polls a JavaScript condition until it is true.
func (b *Browser) WaitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b.Eval("!!("+cond+")") == "true" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s", cond)
}

// Until runs action every two seconds until cond is true, for up to 60 s.
func (b *Browser) Until(cond, action string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		b.Eval("(" + action + "), 'done'")
		for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait); {
			if b.Eval("!!("+cond+")") == "true" {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	b.t.Fatalf("timed out waiting for %s", cond)
}

// Navigate opens a URL.
func (b *Browser) Navigate(u string) {
	b.t.Helper()
	b.Call("Page.navigate", map[string]any{"url": u}, nil)
}

// Requests returns every URL the page has requested so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// ExternalRequests returns the requested URLs that do not start with any
// of the given prefixes.
func (b *Browser) ExternalRequests(local ...string) []string {
	var out []string
	for _, r := range b.Requests() {
		ok := strings.HasPrefix(r, "data:")
		for _, l := range local {
			ok = ok || strings.HasPrefix(r, l)
		}
		if !ok {
			out = append(out, r)
		}
	}
	return out
}
