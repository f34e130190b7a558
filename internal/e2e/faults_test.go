package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for the direct checks

	"socrates/internal/config"
	"socrates/internal/socratic"
	"socrates/internal/testenv"
	"socrates/models"
)

// outcome is one request of the load a fault test runs.
type outcome struct {
	worker     int
	start, end time.Time
	status     int
	codes      []string
	userErrors []string
	err        error
}

func (o outcome) ok() bool {
	return o.err == nil && o.status == http.StatusOK && len(o.codes) == 0
}

// post sends an operation without failing the test, for load goroutines.
func post(ctx context.Context, endpoint, token, query string, vars map[string]any, out any) (int, []string, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var r struct {
		Data   json.RawMessage
		Errors []testenv.GQLError
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("decode %q: %w", raw, err)
	}
	var codes []string
	for _, e := range r.Errors {
		codes = append(codes, e.Code())
	}
	if out != nil && len(r.Errors) == 0 && len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return resp.StatusCode, codes, err
		}
	}
	return resp.StatusCode, codes, nil
}

// TestDatabaseOutageUnderLoad takes PostgreSQL away from a server in the
// middle of a steady load of reads and answers, and gives it back: while
// it is gone every request fails at once with UNAVAILABLE (never INTERNAL,
// never a wait for the query timeout) and /readyz answers 503; within 5 s
// of its return every client is served again, without a restart; and no
// answer is half-written.
func TestDatabaseOutageUnderLoad(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewFaultProxy(t, u.Host)
	const queryTimeout = 10 * time.Second
	srv := testenv.StartServer(t, proxy.Via(t, dbURL), testenv.WithConfig(func(c *config.Config) { c.QueryTimeout = queryTimeout }))
	endpoint := srv.URL + "/query"

	const readers, answerers = 3, 2
	tokens := make([]string, readers+answerers)
	sessions := make([]string, readers+answerers)
	for i := range tokens {
		c, tok := srv.Client(t).NewUser()
		tokens[i] = tok.AccessToken
		pid := c.CreateProject(fmt.Sprintf("outage %d", i))
		sessions[i] = c.StartSession(pid)
	}

	const readQuery = `{ viewer { id } projects(first: 5) { nodes { id maturity sessions(first: 2) { nodes { id status } } } } }`
	const askQuery = `mutation($s: ID!) { askNextQuestion(input: {sessionId: $s}) { question { id } userErrors { code } } }`
	const answerQuery = `mutation($q: ID!, $a: String!) { answerQuestion(input: {questionId: $q, answer: $a}) {
		specifications { id } userErrors { code } } }`
	const startQuery = `mutation($p: ID!) { startSession(input: {projectId: $p}) { session { id } userErrors { code } } }`

	var mu sync.Mutex
	var outcomes []outcome
	record := func(o outcome) {
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for w := range readers + answerers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			round := 0
			for ctx.Err() == nil {
				if w < readers {
					o := outcome{worker: w, start: time.Now()}
					o.status, o.codes, o.err = post(ctx, endpoint, tokens[w], readQuery, nil, nil)
					o.end = time.Now()
					record(o)
					continue
				}
				var asked struct {
					AskNextQuestion struct {
						Question   *struct{ ID string }
						UserErrors []struct{ Code string }
					}
				}
				o := outcome{worker: w, start: time.Now()}
				o.status, o.codes, o.err = post(ctx, endpoint, tokens[w], askQuery, map[string]any{"s": sessions[w]}, &asked)
				o.end = time.Now()
				if !o.ok() {
					record(o)
					continue
				}
				if asked.AskNextQuestion.Question == nil {
					// The bank ran out in this session: start another.
					o.userErrors = []string{fmt.Sprint(asked.AskNextQuestion.UserErrors)}
					record(o)
					var started struct {
						StartSession struct{ Session *struct{ ID string } }
					}
					pid := projectOfSession(ctx, endpoint, tokens[w], sessions[w])
					if _, _, err := post(ctx, endpoint, tokens[w], startQuery, map[string]any{"p": pid}, &started); err == nil && started.StartSession.Session != nil {
						sessions[w] = started.StartSession.Session.ID
					}
					continue
				}
				record(o)
				round++
				text := fmt.Sprintf("We expect %d users and 99.9%% uptime on PostgreSQL", 1000+round)
				a := outcome{worker: w, start: time.Now()}
				a.status, a.codes, a.err = post(ctx, endpoint, tokens[w], answerQuery, map[string]any{"q": asked.AskNextQuestion.Question.ID, "a": text}, nil)
				a.end = time.Now()
				record(a)
			}
		}()
	}

	readyz := func() int {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	time.Sleep(700 * time.Millisecond)
	downAt := time.Now()
	proxy.Down()
	readyDuring := map[int]int{}
	for time.Since(downAt) < 2*time.Second {
		readyDuring[readyz()]++
		time.Sleep(100 * time.Millisecond)
	}
	upAt := time.Now()
	proxy.Up()
	// Run until every worker has been served after the return, or 5 s.
	deadline := upAt.Add(5 * time.Second)
	for time.Now().Before(deadline) {
		served := map[int]bool{}
		mu.Lock()
		for _, o := range outcomes {
			if o.start.After(upAt) && o.ok() {
				served[o.worker] = true
			}
		}
		mu.Unlock()
		if len(served) == readers+answerers {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	readyAfter := readyz()

	mu.Lock()
	defer mu.Unlock()
	failedDuring, servedAfter := 0, map[int]time.Duration{}
	reported := map[int]bool{} // one wrong answer per worker is enough to say
	for _, o := range outcomes {
		if reported[o.worker] {
			continue
		}
		if errors.Is(o.err, context.Canceled) {
			continue // cut short by the end of the test
		}
		if took := o.end.Sub(o.start); took >= queryTimeout {
			t.Errorf("worker %d: a request took %s, the query timeout is %s", o.worker, took, queryTimeout)
			reported[o.worker] = true
		}
		switch {
		case o.err != nil:
			t.Errorf("worker %d: request failed at the transport: %v", o.worker, o.err)
			reported[o.worker] = true
		case o.ok():
			if o.start.After(upAt) {
				if _, seen := servedAfter[o.worker]; !seen {
					servedAfter[o.worker] = o.end.Sub(upAt)
				}
			}
		default:
			if o.start.After(downAt) && o.end.Before(upAt) {
				failedDuring++
			}
			for _, c := range o.codes {
				if c != "UNAVAILABLE" {
					t.Errorf("worker %d: answered %d with codes %v, want UNAVAILABLE only", o.worker, o.status, o.codes)
					reported[o.worker] = true
					break
				}
			}
		}
	}
	t.Logf("%d requests; %d failed during the 2 s outage; /readyz during it %v, after %d; first served after the return %v",
		len(outcomes), failedDuring, readyDuring, readyAfter, servedAfter)
	if failedDuring == 0 {
		t.Error("no request failed while the database was away: the fault did not happen")
	}
	if readyDuring[http.StatusServiceUnavailable] == 0 || readyDuring[http.StatusOK] > 1 {
		t.Errorf("/readyz while the database was away: %v, want 503", readyDuring)
	}
	if readyAfter != http.StatusOK {
		t.Errorf("/readyz after the return: %d, want 200", readyAfter)
	}
	for w := range readers + answerers {
		if took, ok := servedAfter[w]; !ok || took > 5*time.Second {
			t.Errorf("worker %d was not served within 5 s of the database's return (%v, %v)", w, took, ok)
		}
	}
	if logs := errorLines(srv.Logs.String()); logs != "" {
		t.Errorf("the outage was logged at ERROR:\n%s", logs)
	}
	checkAnswersWhole(t, dbURL)
}

// projectOfSession returns the id of a session's project, or "" when it
// cannot be read.
func projectOfSession(ctx context.Context, endpoint, token, sessionID string) string {
	var out struct {
		Node struct{ Project struct{ ID string } }
	}
	if _, _, err := post(ctx, endpoint, token,
		`query($id: ID!) { node(id: $id) { ... on Session { project { id } } } }`, map[string]any{"id": sessionID}, &out); err != nil {
		return ""
	}
	return out.Node.Project.ID
}

// checkAnswersWhole reads the database directly and checks that every
// answer was written whole or not at all: an answered question has its
// message and its specifications, an unanswered one neither, and each
// project's maturity follows from its current specifications.
func checkAnswersWhole(t *testing.T, dbURL string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var answered, broken int
	if err := db.QueryRow(`SELECT count(*) FROM questions WHERE answer IS NOT NULL`).Scan(&answered); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM questions q WHERE
		(q.answer IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM messages m WHERE m.question_id = q.id AND m.role = 'USER')
			OR NOT EXISTS (SELECT 1 FROM specifications s WHERE s.question_id = q.id)))
		OR (q.answer IS NULL AND (EXISTS (SELECT 1 FROM messages m WHERE m.question_id = q.id AND m.role = 'USER')
			OR EXISTS (SELECT 1 FROM specifications s WHERE s.question_id = q.id)))`).Scan(&broken); err != nil {
		t.Fatal(err)
	}
	if answered == 0 || broken != 0 {
		t.Errorf("%d answered questions, %d written in part", answered, broken)
	}
	rows, err := db.Query(`SELECT p.id, p.maturity, s.category, s.confidence FROM projects p
		LEFT JOIN specifications s ON s.project_id = p.id AND s.status = 'CURRENT' ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	maturity := map[int64]int{}
	specs := map[int64][]*models.Specification{}
	for rows.Next() {
		var id int64
		var m int
		var cat sql.NullString
		var conf sql.NullFloat64
		if err := rows.Scan(&id, &m, &cat, &conf); err != nil {
			t.Fatal(err)
		}
		maturity[id] = m
		if cat.Valid {
			specs[id] = append(specs[id], &models.Specification{Category: models.SpecCategory(cat.String), Confidence: conf.Float64, Status: models.SpecStatusCurrent})
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, m := range maturity {
		if want := socratic.Maturity(socratic.Scores(specs[id])); m != want {
			t.Errorf("project %d: maturity %d, its current specifications make %d", id, m, want)
		}
	}
}

// TestReadOnlySQLiteServesReads opens an SQLite database that can no
// longer be written (as a file on a read-only volume is): reads are
// served, every write answers UNAVAILABLE with a clear message, nothing
// is logged at ERROR, and the data is unchanged.
func TestReadOnlySQLiteServesReads(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.SQLite)
	first := testenv.StartServer(t, dbURL)
	me, tok := first.Client(t).NewUser()
	pid := me.CreateProject("kept")
	me.StartSession(pid)
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}

	srv := testenv.StartServer(t, dbURL+"?_pragma=query_only(1)")
	c := srv.Client(t).As(tok.AccessToken)
	var read struct {
		Projects struct {
			Nodes []struct {
				Name     string
				Sessions struct{ Nodes []struct{ Status string } }
			}
		}
	}
	c.Must(`{ projects(first: 5) { nodes { name sessions(first: 5) { nodes { status } } } } }`, nil, &read)
	if len(read.Projects.Nodes) != 1 || read.Projects.Nodes[0].Name != "kept" || len(read.Projects.Nodes[0].Sessions.Nodes) != 1 {
		t.Fatalf("read %+v", read)
	}
	for _, w := range []struct{ name, query string }{
		{"createProject", `mutation { createProject(input: {name: "new"}) { project { id } userErrors { code } } }`},
		{"startSession", `mutation($p: ID!) { startSession(input: {projectId: $p}) { session { id } userErrors { code } } }`},
		{"updateProject", `mutation($p: ID!) { updateProject(input: {projectId: $p, name: "renamed"}) { project { id } userErrors { code } } }`},
	} {
		r := c.Do(w.query, map[string]any{"p": pid})
		if codes := r.Codes(); len(codes) != 1 || codes[0] != "UNAVAILABLE" || !strings.Contains(string(r.Raw), "read-only") {
			t.Errorf("%s on a read-only database answered %d %s, want UNAVAILABLE saying read-only", w.name, r.Status, r.Raw)
		}
	}
	c.Must(`{ projects(first: 5) { nodes { name sessions(first: 5) { nodes { status } } } } }`, nil, &read)
	if len(read.Projects.Nodes) != 1 || read.Projects.Nodes[0].Name != "kept" {
		t.Fatalf("the data changed: %+v", read)
	}
	if logs := errorLines(srv.Logs.String()); logs != "" {
		t.Errorf("logged at ERROR:\n%s", logs)
	}
}

// TestWebsocketCredentialCheckFailsWith4500 opens a websocket with an API
// token (checked against the database) while PostgreSQL is away: the
// server closes with 4500, not 4403 (the credential was not refused), logs
// no ERROR, and takes the same token once the database is back.
func TestWebsocketCredentialCheckFailsWith4500(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewFaultProxy(t, u.Host)
	srv := testenv.StartServer(t, proxy.Via(t, dbURL))
	me, _ := srv.Client(t).NewUser()
	_, token := createToken(t, me, "websocket", []string{"READ"}, nil)
	init := fmt.Sprintf(`{"type":"connection_init","payload":{"authToken":%q}}`, token)

	proxy.Down()
	w := dialRaw(t, srv, "graphql-transport-ws")
	w.send(init)
	w.expectClose(4500, "Internal server error")
	if logs := errorLines(srv.Logs.String()); logs != "" {
		t.Errorf("a database outage was logged at ERROR:\n%s", logs)
	}

	proxy.Up()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w := dialRaw(t, srv, "graphql-transport-ws")
		w.send(init)
		// Until the pool has replaced its broken connections the server
		// may close again with 4500; read without failing on that.
		if _, data, err := w.conn.Read(w.ctx); err == nil && strings.Contains(string(data), `"connection_ack"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the token was not taken within 5 s of the database's return")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
