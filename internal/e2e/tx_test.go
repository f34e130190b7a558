package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"socrates/internal/database"
	"socrates/internal/testenv"
)

// injectFailure makes the database refuse every write of kind ("INSERT" or
// "UPDATE") on table, the way a constraint or a lost connection would.
func injectFailure(t *testing.T, db *bun.DB, table, kind string) {
	t.Helper()
	ctx := context.Background()
	name := "fail_" + strings.ToLower(kind) + "_" + table
	stmts := []string{
		"CREATE TRIGGER " + name + " BEFORE " + kind + " ON " + table + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
	}
	if database.IsPostgres(db) {
		stmts = []string{
			"CREATE FUNCTION " + name + "() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER " + name + " BEFORE " + kind + " ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + name + "()",
		}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("inject failure: %v", err)
		}
	}
}

func count(t *testing.T, db *bun.DB, table string) int64 {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailedWriteKeepsNothing injects a failure after the first write of a
// multi-write mutation and shows that nothing was kept, that the client sees
// an INTERNAL error without SQL, and that the connection went back to the pool.
func TestFailedWriteKeepsNothing(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		db := srv.App.DB
		anon := srv.Client(t)

		// register writes the user, then its refresh token: fail the second.
		injectFailure(t, db, "refresh_tokens", "INSERT")
		r := anon.Do(`mutation { register(input: {email: "tx@example.com", password: "password-1"}) { accessToken } }`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL" {
			t.Fatalf("register with failing second write: %s", r.Raw)
		}
		msg := r.Errors[0].Message
		for _, leak := range []string{"injected", "refresh_tokens", "INSERT", "SQL", "sqlite", "pq", "goroutine"} {
			if strings.Contains(msg, leak) {
				t.Fatalf("internal error leaks %q: %q", leak, msg)
			}
		}
		reqID, _ := r.Errors[0].Extensions["requestId"].(string)
		if reqID == "" || !strings.Contains(msg, reqID) {
			t.Fatalf("internal error without request id: %s", r.Raw)
		}
		if logs := srv.Logs.String(); !strings.Contains(logs, "request_id="+reqID) || !strings.Contains(logs, "injected failure") {
			t.Fatalf("the failure was not logged with request id %s:\n%s", reqID, logs)
		}
		if n := count(t, db, "users"); n != 0 {
			t.Fatalf("%d users kept after a failed register", n)
		}
		if st := db.Stats(); st.InUse != 0 {
			t.Fatalf("%d connections still in use after the failure", st.InUse)
		}
	})
}

// TestFailedArchiveKeepsProjectActive fails the second write of archiveProject
// (pausing sessions after updating the project) and shows the project
// update rolled back.
func TestFailedArchiveKeepsProjectActive(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		db := srv.App.DB
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("Archive me")
		me.StartSession(pid)

		injectFailure(t, db, "sessions", "UPDATE")
		r := me.Do(`mutation($p: ID!) { archiveProject(input: {projectId: $p}) { project { status } } }`, map[string]any{"p": pid})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL" {
			t.Fatalf("archive with failing second write: %s", r.Raw)
		}
		var got struct {
			Project struct {
				Status     string
				ArchivedAt *string
				Sessions   struct{ Nodes []struct{ Status string } }
			}
		}
		me.Must(`query($p: ID!) { project(id: $p) { status archivedAt sessions { nodes { status } } } }`, map[string]any{"p": pid}, &got)
		if got.Project.Status != "ACTIVE" || got.Project.ArchivedAt != nil || got.Project.Sessions.Nodes[0].Status != "ACTIVE" {
			t.Fatalf("partial archive kept: %+v", got.Project)
		}
		if st := db.Stats(); st.InUse != 0 {
			t.Fatalf("%d connections still in use", st.InUse)
		}
	})
}
