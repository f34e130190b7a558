package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"socrates/internal/auth"
	"socrates/internal/database"
	"socrates/internal/testenv"
)

// The hostile-request corpus lives in testdata/hostile: http.json holds
// requests (or raw bytes) sent over HTTP, websocket.json websocket
// conversations. Each case names who sends it and what the server must
// answer; see hostileCase and wsCase for the fields, corpusVars for the
// placeholders, and repeatDirective for long texts.
const hostileDir = "testdata/hostile"

// peakRSSBound is the most resident memory the server may have used at
// any moment of the corpus.
const peakRSSBound = 400 << 20

// bodyPart is one piece of a generated request body: text as written,
// Repeat written Times times, or Hex decoded (for bytes that are not
// UTF-8).
type bodyPart struct {
	Text   string `json:"text"`
	Repeat string `json:"repeat"`
	Times  int    `json:"times"`
	Hex    string `json:"hex"`
}

// hostileCase is one HTTP case of the corpus.
type hostileCase struct {
	// Name says what the case sends; it must be unique.
	Name string `json:"name"`
	// As names the sender's credential, sent as "Authorization: Bearer …":
	// a placeholder name such as "token" or "expiredToken"; empty for an
	// anonymous request.
	As string `json:"as"`
	// Method, Path and Headers make the request (GET /query without
	// headers when empty); Headers is a list of name and value pairs, so
	// a header may be repeated. Method defaults to POST when there is a
	// body, GET otherwise; a POST gets Content-Type: application/json
	// unless Headers names a Content-Type (even an empty one).
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Headers [][2]string `json:"headers"`
	// The body is JSON (written exactly as it stands in the file, so
	// duplicate keys survive), Body (text), or Parts (generated).
	JSON  json.RawMessage `json:"json"`
	Body  *string         `json:"body"`
	Parts []bodyPart      `json:"parts"`
	// Raw, when set, is sent as it stands over a new TCP connection,
	// instead of an HTTP request made by a client; only the status line
	// of the answer is read.
	Raw string `json:"raw"`
	// Status is the expected HTTP status (for Raw, 0 when the server
	// must close the connection without an answer). Code is the expected
	// extensions.code of the first error, or "" when the answer must
	// carry no GraphQL error.
	Status int    `json:"status"`
	Code   string `json:"code"`
}

// wsStep is one step of a websocket case: Send writes a message (JSON as
// it stands in the file) or SendText writes a text frame; Expect reads
// messages until one of its type (answering server pings) and checks its
// id and, when Code is set, the extensions.code of its first error; Close
// expects the server to close the connection with that code.
type wsStep struct {
	Send     json.RawMessage `json:"send"`
	SendText *string         `json:"sendText"`
	Expect   string          `json:"expect"`
	ID       string          `json:"id"`
	Code     string          `json:"code"`
	Close    int             `json:"close"`
}

// wsCase is one websocket case of the corpus: a handshake offering
// Subprotocols (graphql-transport-ws when empty), whose negotiated
// subprotocol must be Subprotocol ("-" for none), then Steps.
type wsCase struct {
	Name         string   `json:"name"`
	Subprotocols []string `json:"subprotocols"`
	Subprotocol  string   `json:"subprotocol"`
	Steps        []wsStep `json:"steps"`
}

// loadCorpus reads the cases of the corpus from dir.
func loadCorpus(dir string) ([]hostileCase, []wsCase, error) {
	var httpCases []hostileCase
	var wsCases []wsCase
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("list the corpus: %w", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", f, err)
		}
		var file struct {
			HTTP      []hostileCase `json:"http"`
			Websocket []wsCase      `json:"websocket"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return nil, nil, fmt.Errorf("decode %s: %w", f, err)
		}
		for _, c := range file.HTTP {
			if c.Name == "" || names[c.Name] {
				return nil, nil, fmt.Errorf("%s: a case without a name, or a name used twice: %q", f, c.Name)
			}
			if c.Status == 0 && c.Raw == "" {
				return nil, nil, fmt.Errorf("%s: case %q has no status", f, c.Name)
			}
			names[c.Name] = true
		}
		for _, c := range file.Websocket {
			if c.Name == "" || names[c.Name] || len(c.Steps) == 0 {
				return nil, nil, fmt.Errorf("%s: a websocket case without a name or steps, or a name used twice: %q", f, c.Name)
			}
			names[c.Name] = true
		}
		httpCases = append(httpCases, file.HTTP...)
		wsCases = append(wsCases, file.Websocket...)
	}
	return httpCases, wsCases, nil
}

// corpusRun holds what one run of the corpus needs and finds.
type corpusRun struct {
	base   string
	vars   map[string]string
	client *http.Client
	// problems collects every mismatch, one line each.
	problems []string
	// serverFaults collects every 5xx and every INTERNAL seen.
	serverFaults []string
}

// repeatDirective, in any text of a case, stands for its text written
// that many times: {{repeat 3 ab}} is ababab.
var repeatDirective = regexp.MustCompile(`\{\{repeat (\d{1,8}) ([^}]*)\}\}`)

// expand replaces the placeholders of s ({{project}}, {{token}}, …) and
// its repeat directives.
func (cr *corpusRun) expand(s string) string {
	for k, v := range cr.vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return repeatDirective.ReplaceAllStringFunc(s, func(d string) string {
		m := repeatDirective.FindStringSubmatch(d)
		n, _ := strconv.Atoi(m[1])
		return strings.Repeat(m[2], n)
	})
}

func (cr *corpusRun) body(c hostileCase) ([]byte, error) {
	switch {
	case len(c.JSON) > 0:
		return []byte(cr.expand(string(c.JSON))), nil
	case c.Body != nil:
		return []byte(cr.expand(*c.Body)), nil
	}
	var b bytes.Buffer
	for _, p := range c.Parts {
		switch {
		case p.Hex != "":
			raw, err := hex.DecodeString(strings.ReplaceAll(p.Hex, " ", ""))
			if err != nil {
				return nil, fmt.Errorf("hex part: %w", err)
			}
			b.Write(raw)
		case p.Repeat != "":
			b.WriteString(strings.Repeat(p.Repeat, p.Times))
		default:
			b.WriteString(cr.expand(p.Text))
		}
	}
	return b.Bytes(), nil
}

// internalCode is how an internal error shows in an answer: as its code,
// not as the word, which the schema's descriptions use too.
const internalCode = `"code":"INTERNAL"`

// fault records a server fault seen in an answer.
func (cr *corpusRun) fault(name string, status int, body []byte) {
	if status >= 500 || bytes.Contains(body, []byte(internalCode)) {
		cr.serverFaults = append(cr.serverFaults, fmt.Sprintf("%s: %d %.200s", name, status, body))
	}
}

// runHTTP sends one HTTP case and checks its answer.
func (cr *corpusRun) runHTTP(c hostileCase) {
	if c.Raw != "" {
		status, err := rawStatus(cr.base, cr.expand(c.Raw))
		if err != nil {
			cr.problems = append(cr.problems, fmt.Sprintf("%s: %v", c.Name, err))
			return
		}
		cr.fault(c.Name, status, nil)
		if status != c.Status {
			cr.problems = append(cr.problems, fmt.Sprintf("%s: status %d, want %d", c.Name, status, c.Status))
		}
		return
	}
	body, err := cr.body(c)
	if err != nil {
		cr.problems = append(cr.problems, fmt.Sprintf("%s: %v", c.Name, err))
		return
	}
	method := c.Method
	if method == "" {
		method = http.MethodGet
		if len(body) > 0 {
			method = http.MethodPost
		}
	}
	path := c.Path
	if path == "" {
		path = "/query"
	}
	req, err := http.NewRequest(method, cr.base+cr.expand(path), bytes.NewReader(body))
	if err != nil {
		cr.problems = append(cr.problems, fmt.Sprintf("%s: build the request: %v", c.Name, err))
		return
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = nil, 0
	}
	hasContentType := false
	for _, h := range c.Headers {
		if http.CanonicalHeaderKey(h[0]) == "Content-Type" {
			hasContentType = true
			if h[1] == "" {
				continue
			}
		}
		req.Header.Add(h[0], cr.expand(h[1]))
	}
	if method == http.MethodPost && !hasContentType {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.As != "" {
		tok, ok := cr.vars[c.As]
		if !ok {
			cr.problems = append(cr.problems, fmt.Sprintf("%s: unknown sender %q", c.Name, c.As))
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := cr.client.Do(req)
	if err != nil {
		cr.problems = append(cr.problems, fmt.Sprintf("%s: no answer: %v", c.Name, err))
		return
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		cr.problems = append(cr.problems, fmt.Sprintf("%s: read the answer: %v", c.Name, err))
		return
	}
	cr.fault(c.Name, resp.StatusCode, raw)
	code := firstCode(raw)
	if resp.StatusCode != c.Status || code != c.Code {
		cr.problems = append(cr.problems, fmt.Sprintf("%s: %d %q, want %d %q: %.200s", c.Name, resp.StatusCode, code, c.Status, c.Code, raw))
	}
}

// firstCode returns the extensions.code of the first error of a GraphQL
// answer, "" when it has none or is not JSON, and "(no code)" for an
// error without one.
func firstCode(raw []byte) string {
	var body struct {
		Errors []testenv.GQLError `json:"errors"`
	}
	if json.Unmarshal(raw, &body) != nil || len(body.Errors) == 0 {
		return ""
	}
	if c := body.Errors[0].Code(); c != "" {
		return c
	}
	return "(no code)"
}

// rawStatus writes raw over a new connection to the server at base and
// returns the status of the answer, 0 when the server closed the
// connection without one.
func rawStatus(base, raw string) (int, error) {
	u, err := url.Parse(base)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", base, err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(15 * time.Second)); err != nil {
		return 0, fmt.Errorf("deadline: %w", err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if line == "" && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the status line: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return 0, fmt.Errorf("not a status line: %q", line)
	}
	status, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, fmt.Errorf("status line %q: %w", line, err)
	}
	return status, nil
}

// runWS holds one websocket conversation and checks each step.
func (cr *corpusRun) runWS(c wsCase) {
	fail := func(format string, args ...any) {
		cr.problems = append(cr.problems, c.Name+": "+fmt.Sprintf(format, args...))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	protocols := c.Subprotocols
	if len(protocols) == 0 {
		protocols = []string{"graphql-transport-ws"}
	}
	wsURL := "ws" + strings.TrimPrefix(cr.base, "http") + "/query"
	conn, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: protocols})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		fail("handshake refused (%d): %v", status, err)
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(16 << 20)
	want := c.Subprotocol
	if want == "" {
		want = "graphql-transport-ws"
	}
	if got := conn.Subprotocol(); got != strings.TrimPrefix(want, "-") {
		fail("negotiated subprotocol %q, want %q", got, want)
		return
	}
	for i, s := range c.Steps {
		switch {
		case len(s.Send) > 0:
			if err := conn.Write(ctx, websocket.MessageText, []byte(cr.expand(string(s.Send)))); err != nil {
				fail("step %d: send: %v", i, err)
				return
			}
		case s.SendText != nil:
			if err := conn.Write(ctx, websocket.MessageText, []byte(cr.expand(*s.SendText))); err != nil {
				fail("step %d: send: %v", i, err)
				return
			}
		case s.Expect != "":
			m, err := cr.readUntil(ctx, conn, s.Expect)
			if err != nil {
				fail("step %d: want %s: %v", i, s.Expect, err)
				return
			}
			if m.ID != s.ID {
				fail("step %d: %s for id %q, want %q", i, m.Type, m.ID, s.ID)
			}
			if got := payloadCode(m); got != s.Code {
				fail("step %d: %s with code %q, want %q: %.200s", i, m.Type, got, s.Code, m.Payload)
			}
		case s.Close != 0:
			m, err := cr.readUntil(ctx, conn, "")
			if err == nil {
				fail("step %d: want close %d, got %s %.200s", i, s.Close, m.Type, m.Payload)
				return
			}
			if got := int(websocket.CloseStatus(err)); got != s.Close {
				fail("step %d: closed with %d (%v), want %d", i, got, err, s.Close)
			}
			return
		default:
			fail("step %d does nothing", i)
			return
		}
	}
	_ = conn.Close(websocket.StatusNormalClosure, "done")
}

// readUntil reads messages until one of type typ (any but ping and pong
// when typ is empty), answering the server's pings.
func (cr *corpusRun) readUntil(ctx context.Context, conn *websocket.Conn, typ string) (testenv.WSMessage, error) {
	for {
		_, raw, err := conn.Read(ctx)
		if err != nil {
			return testenv.WSMessage{}, fmt.Errorf("read: %w", err)
		}
		var m testenv.WSMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return m, fmt.Errorf("not JSON: %.200s", raw)
		}
		if bytes.Contains(raw, []byte(internalCode)) {
			cr.serverFaults = append(cr.serverFaults, fmt.Sprintf("websocket: %.200s", raw))
		}
		if m.Type == typ {
			return m, nil
		}
		if m.Type == "ping" {
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`)); err != nil {
				return m, fmt.Errorf("pong: %w", err)
			}
			continue
		}
		if m.Type == "pong" {
			continue
		}
		if typ == "" {
			return m, nil
		}
		return m, fmt.Errorf("got %s %.200s", m.Type, m.Payload)
	}
}

// payloadCode returns the extensions.code of the first error of a
// websocket message: an error message's payload is a list of errors, a
// next message's a GraphQL response.
func payloadCode(m testenv.WSMessage) string {
	if len(m.Payload) == 0 {
		return ""
	}
	var errs []testenv.GQLError
	if json.Unmarshal(m.Payload, &errs) == nil {
		if len(errs) == 0 {
			return ""
		}
		return errs[0].Code()
	}
	return firstCode(m.Payload)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// peakRSS returns the peak resident memory of a process (VmHWM).
func peakRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the process status: %w", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in the process status")
}

// corpusVars creates the data the corpus refers to, through the API, and
// returns the placeholders of the corpus: ids, and tokens good and bad.
func corpusVars(t *testing.T, srv *testenv.Server) map[string]string {
	t.Helper()
	anon := srv.Client(t)
	me, tok := anon.NewUser()
	other, otherTok := anon.NewUser()
	project := me.CreateProject("corpus")
	session := me.StartSession(project)
	otherProject := other.CreateProject("someone else's")
	otherSession := other.StartSession(otherProject)
	_, apiToken := createToken(t, me, "corpus", []string{"READ"}, nil)
	revokedID, revoked := createToken(t, me, "revoked", []string{"READ"}, nil)
	me.Must(`mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors { code } } }`, map[string]any{"id": revokedID}, nil)
	// The API token's lastUsedAt moves now, not during the corpus (it
	// moves at most once a minute).
	anon.As(apiToken).Must(`{ viewer { id } }`, nil, nil)

	raw, err := decodeB64(tok.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, num, _ := strings.Cut(string(raw), ":")
	userID, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		t.Fatalf("user id %q: %v", raw, err)
	}
	expired, _, err := auth.NewTokens([]byte(testenv.TestSecret), func() time.Time { return time.Now().Add(-time.Hour) }).Issue(userID)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _, err := auth.NewTokens([]byte("another-secret-that-is-at-least-32-bytes"), time.Now).Issue(userID)
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"sub": num, "iss": auth.Issuer, "aud": auth.Audience, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok.AccessToken, ".")
	// Another user's id in a payload signed for this user.
	tamperedPayload, err := json.Marshal(map[string]any{"sub": "999", "iss": auth.Issuer, "aud": []string{auth.Audience}, "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"token":           tok.AccessToken,
		"otherToken":      otherTok.AccessToken,
		"apiToken":        apiToken,
		"revokedApiToken": revoked,
		"unknownApiToken": "soc_" + strings.Repeat("a", 40),
		"expiredToken":    expired,
		"otherKeyToken":   otherKey,
		"algNoneToken":    none,
		"tamperedToken":   parts[0] + "." + b64(tamperedPayload) + "." + parts[2],
		"garbageToken":    "not-a-token",
		"user":            tok.User.ID,
		"otherUser":       otherTok.User.ID,
		"project":         project,
		"session":         session,
		"otherProject":    otherProject,
		"otherSession":    otherSession,
	}
}

// TestHostileCorpus sends every case of the hostile-request corpus
// (testdata/hostile) to the real server binary, on SQLite and on
// PostgreSQL, and checks that each gets the answer it states; that no
// answer is a 5xx or INTERNAL; that afterwards the server still answers,
// its peak memory stayed under peakRSSBound, the database is unchanged,
// and the log has no error and no panic.
func TestHostileCorpus(t *testing.T) {
	httpCases, wsCases, err := loadCorpus(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(httpCases) < 110 {
		t.Fatalf("the corpus has %d HTTP cases", len(httpCases))
	}
	bin := buildBinary(t)
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		p := startProcess(t, bin, []string{
			"PORT=0", "DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + dbURL, "JWT_SECRET=" + testenv.TestSecret,
			"APP_ENV=development", "LOG_FORMAT=text", "LOG_LEVEL=info", "AUTH_REQUESTS_PER_MINUTE=100000",
			"GOGC=", "GOMEMLIMIT=",
		})
		srv := &testenv.Server{URL: p.url}
		vars := corpusVars(t, srv)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := database.Open(ctx, dbURL, database.Pool{MaxOpen: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		before := snapshot(t, db)

		client := &http.Client{
			Timeout: 30 * time.Second,
			// A redirect is an answer of its own.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		cr := &corpusRun{base: p.url, vars: vars, client: client}
		start := time.Now()
		for _, c := range httpCases {
			cr.runHTTP(c)
		}
		for _, c := range wsCases {
			cr.runWS(c)
		}
		t.Logf("%d HTTP and %d websocket cases in %v", len(httpCases), len(wsCases), time.Since(start).Round(time.Millisecond))
		for _, line := range cr.problems {
			t.Error(line)
		}
		for _, line := range cr.serverFaults {
			t.Errorf("server fault: %s", line)
		}

		var v struct{ Viewer struct{ ID string } }
		srv.Client(t).As(vars["token"]).Must(`{ viewer { id } }`, nil, &v)
		if v.Viewer.ID != vars["user"] {
			t.Errorf("after the corpus the server answers %+v", v)
		}
		peak, err := peakRSS(p.cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("peak RSS %d MiB (bound %d MiB)", peak>>20, peakRSSBound>>20)
		if peak > peakRSSBound {
			t.Errorf("peak RSS %d MiB, over %d MiB", peak>>20, peakRSSBound>>20)
		}
		if after := snapshot(t, db); after != before {
			t.Errorf("the corpus changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		for _, line := range strings.Split(p.logs(), "\n") {
			if line != "" && !strings.HasPrefix(line, "time=") {
				t.Errorf("the server wrote outside its log: %.400s", line)
			}
		}
		if lines := errorLines(p.logs()); lines != "" {
			t.Errorf("the server logged an error: %.2000s", lines)
		}
	})
}
