package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"socrates/internal/testenv"
	"socrates/models"
)

// snapshot reads every row of every table but the rate limits' attempt
// counts, so a test can show a request changed nothing.
func snapshot(t *testing.T, db *bun.DB) string {
	t.Helper()
	var b strings.Builder
	for _, m := range models.Tables() {
		if _, ok := m.(*models.RateLimit); ok {
			// Attempt counts change with every attempt, refused or not:
			// that is what they are for.
			continue
		}
		table := db.Dialect().Tables().Get(reflect.TypeOf(m).Elem())
		rows, err := db.QueryContext(context.Background(), "SELECT * FROM "+table.Name+" ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table.Name, vals)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestBadInputChangesNothing sends every mutation (and the paginated
// queries) bad input of each kind, and checks for a clear error and an
// unchanged database.
func TestBadInputChangesNothing(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		anon := srv.Client(t)
		me, meTok := anon.NewUser()
		other, _ := anon.NewUser()
		mine := me.CreateProject("mine")
		sessionActive := me.StartSession(mine)
		sessionDone := me.StartSession(mine)
		me.Must(`mutation($s: ID!) { endSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": sessionDone}, nil)
		archived := me.CreateProject("archived")
		archivedSession := me.StartSession(archived)
		me.Must(`mutation($p: ID!) { archiveProject(input: {projectId: $p}) { userErrors { code } } }`, map[string]any{"p": archived}, nil)
		theirs := other.CreateProject("theirs")
		theirSession := other.StartSession(theirs)
		missingProject := "UHJvamVjdDo5OTk5OTk" // Project:999999

		long := func(n int) string { return strings.Repeat("x", n) }
		type tc struct {
			name  string
			as    *testenv.Client
			query string
			vars  map[string]any
			// want is a userErrors code, or a top-level extensions.code
			// when top is set.
			want string
			top  bool
		}
		reg := `mutation($e: String!, $p: String!, $n: String) { register(input: {email: $e, password: $p, name: $n}) { accessToken user { id } userErrors { field message code } } }`
		login := `mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken userErrors { field message code } } }`
		create := `mutation($n: String!, $d: String) { createProject(input: {name: $n, description: $d}) { project { id } userErrors { field message code } } }`
		update := `mutation($p: ID!, $n: String, $d: String) { updateProject(input: {projectId: $p, name: $n, description: $d}) { project { id } userErrors { field message code } } }`
		archive := `mutation($p: ID!) { archiveProject(input: {projectId: $p}) { project { id } userErrors { field message code } } }`
		restore := `mutation($p: ID!) { restoreProject(input: {projectId: $p}) { project { id } userErrors { field message code } } }`
		start := `mutation($p: ID!, $m: SessionMode) { startSession(input: {projectId: $p, mode: $m}) { session { id } userErrors { field message code } } }`
		pause := `mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { session { id } userErrors { field message code } } }`
		resume := `mutation($s: ID!) { resumeSession(input: {sessionId: $s}) { session { id } userErrors { field message code } } }`
		end := `mutation($s: ID!) { endSession(input: {sessionId: $s}) { session { id } userErrors { field message code } } }`
		mode := `mutation($s: ID!, $m: SessionMode!) { setSessionMode(input: {sessionId: $s, mode: $m}) { session { id } userErrors { field message code } } }`
		changePw := `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { id } userErrors { field message code } } }`
		list := `query($first: Int, $last: Int, $after: String, $before: String, $search: String) { projects(first: $first, last: $last, after: $after, before: $before, search: $search) { totalCount } }`
		nested := `query($p: ID!, $first: Int, $after: String) { project(id: $p) { sessions(first: $first, after: $after) { totalCount } } }`

		cases := []tc{
			{"register empty email", anon, reg, map[string]any{"e": "", "p": "password-1"}, "REQUIRED", false},
			{"register bad email", anon, reg, map[string]any{"e": "not-an-email", "p": "password-1"}, "INVALID", false},
			{"register long email", anon, reg, map[string]any{"e": long(250) + "@x.io", "p": "password-1"}, "TOO_LONG", false},
			{"register short password", anon, reg, map[string]any{"e": "new@example.com", "p": "short"}, "TOO_SHORT", false},
			{"register long password", anon, reg, map[string]any{"e": "new@example.com", "p": long(129)}, "TOO_LONG", false},
			{"register long name", anon, reg, map[string]any{"e": "new@example.com", "p": "password-1", "n": long(101)}, "TOO_LONG", false},
			{"register taken email", anon, reg, map[string]any{"e": strings.ToUpper(meTok.User.Email), "p": "password-1"}, "TAKEN", false},
			{"register missing field", anon, `mutation { register(input: {email: "x@example.com"}) { accessToken } }`, nil, "GRAPHQL_VALIDATION_FAILED", true},
			{"login wrong password", anon, login, map[string]any{"e": meTok.User.Email, "p": "wrong-password"}, "INVALID_CREDENTIALS", false},
			{"login unknown email", anon, login, map[string]any{"e": "nobody@example.com", "p": "password-1"}, "INVALID_CREDENTIALS", false},
			{"login empty", anon, login, map[string]any{"e": "", "p": ""}, "REQUIRED", false},
			{"refresh bogus", anon, refreshMutation, map[string]any{"t": "bogus"}, "INVALID_TOKEN", false},
			{"logout bogus", anon, `mutation { logout(input: {refreshToken: "bogus"}) { revokedCount userErrors { code message } } }`, nil, "INVALID_TOKEN", false},
			{"change password anonymous", anon, changePw, map[string]any{"c": "password-123", "n": "password-456"}, "UNAUTHENTICATED", true},
			{"change password wrong current", me, changePw, map[string]any{"c": "nope-nope", "n": "password-456"}, "INVALID_CREDENTIALS", false},
			{"change password too long", me, changePw, map[string]any{"c": "password-123", "n": long(200)}, "TOO_LONG", false},

			{"create anonymous", anon, create, map[string]any{"n": "x"}, "UNAUTHENTICATED", true},
			{"create empty name", me, create, map[string]any{"n": ""}, "REQUIRED", false},
			{"create blank name", me, create, map[string]any{"n": "   \t "}, "REQUIRED", false},
			{"create long name", me, create, map[string]any{"n": long(201)}, "TOO_LONG", false},
			{"create 100KB name", me, create, map[string]any{"n": long(100_000)}, "TOO_LONG", false},
			{"create control characters", me, create, map[string]any{"n": "bad\x00name"}, "INVALID", false},
			{"create long description", me, create, map[string]any{"n": "ok", "d": long(5001)}, "TOO_LONG", false},
			{"update wrong id type", me, update, map[string]any{"p": sessionActive, "n": "x"}, "BAD_USER_INPUT", true},
			{"update malformed id", me, update, map[string]any{"p": "!!!", "n": "x"}, "BAD_USER_INPUT", true},
			{"update another user's project", me, update, map[string]any{"p": theirs, "n": "x"}, "NOT_FOUND", true},
			{"update missing project", me, update, map[string]any{"p": missingProject, "n": "x"}, "NOT_FOUND", true},
			{"update empty name", me, update, map[string]any{"p": mine, "n": ""}, "REQUIRED", false},
			{"update long name", me, update, map[string]any{"p": mine, "n": long(201)}, "TOO_LONG", false},
			{"update archived", me, update, map[string]any{"p": archived, "n": "renamed"}, "INVALID_STATE", false},
			{"archive another user's project", me, archive, map[string]any{"p": theirs}, "NOT_FOUND", true},
			{"archive wrong id type", me, archive, map[string]any{"p": meTok.User.ID}, "BAD_USER_INPUT", true},
			{"archive archived", me, archive, map[string]any{"p": archived}, "INVALID_STATE", false},
			{"restore active", me, restore, map[string]any{"p": mine}, "INVALID_STATE", false},
			{"restore another user's project", me, restore, map[string]any{"p": theirs}, "NOT_FOUND", true},
			{"start on another user's project", me, start, map[string]any{"p": theirs}, "NOT_FOUND", true},
			{"start wrong id type", me, start, map[string]any{"p": sessionActive}, "BAD_USER_INPUT", true},
			{"start on archived project", me, start, map[string]any{"p": archived}, "INVALID_STATE", false},
			{"start bad mode", me, start, map[string]any{"p": mine, "m": "SHOUTING"}, "GRAPHQL_VALIDATION_FAILED", true},
			{"pause another user's session", me, pause, map[string]any{"s": theirSession}, "NOT_FOUND", true},
			{"pause wrong id type", me, pause, map[string]any{"s": mine}, "BAD_USER_INPUT", true},
			{"pause completed", me, pause, map[string]any{"s": sessionDone}, "INVALID_STATE", false},
			{"pause in archived project", me, pause, map[string]any{"s": archivedSession}, "INVALID_STATE", false},
			{"resume active", me, resume, map[string]any{"s": sessionActive}, "INVALID_STATE", false},
			{"end completed", me, end, map[string]any{"s": sessionDone}, "INVALID_STATE", false},
			{"end another user's session", me, end, map[string]any{"s": theirSession}, "NOT_FOUND", true},
			{"mode of completed", me, mode, map[string]any{"s": sessionDone, "m": "DIRECT_CHAT"}, "INVALID_STATE", false},
			{"mode bad enum", me, mode, map[string]any{"s": sessionActive, "m": "LOUD"}, "GRAPHQL_VALIDATION_FAILED", true},

			{"projects first 1000", me, list, map[string]any{"first": 1000}, "BAD_USER_INPUT", true},
			{"projects negative last", me, list, map[string]any{"last": -1}, "BAD_USER_INPUT", true},
			{"projects first and last", me, list, map[string]any{"first": 1, "last": 1}, "BAD_USER_INPUT", true},
			{"projects malformed cursor", me, list, map[string]any{"after": "garbage"}, "BAD_USER_INPUT", true},
			{"projects forged cursor", me, list, map[string]any{"before": "eyJvIjoiQ1JFQVRFRF9BVCIsImkiOi0xfQ"}, "BAD_USER_INPUT", true},
			{"projects long search", me, list, map[string]any{"search": long(201)}, "BAD_USER_INPUT", true},
			{"projects anonymous", anon, list, nil, "UNAUTHENTICATED", true},
			{"sessions first 101", me, nested, map[string]any{"p": mine, "first": 101}, "BAD_USER_INPUT", true},
			{"sessions malformed cursor", me, nested, map[string]any{"p": mine, "after": "%%%"}, "BAD_USER_INPUT", true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := snapshot(t, srv.App.DB)
				r := c.as.Do(c.query, c.vars)
				if c.top {
					if len(r.Errors) == 0 || r.Errors[0].Code() != c.want || r.Errors[0].Message == "" {
						t.Fatalf("want top-level %s, got %s", c.want, r.Raw)
					}
				} else {
					if len(r.Errors) != 0 {
						t.Fatalf("want userError %s, got errors %s", c.want, r.Raw)
					}
					var data map[string]struct {
						UserErrors []testenv.UserErrorT `json:"userErrors"`
						Project    json.RawMessage      `json:"project"`
						Session    json.RawMessage      `json:"session"`
						User       json.RawMessage      `json:"user"`
					}
					r.Decode(t, &data)
					for _, p := range data {
						if len(p.UserErrors) == 0 || p.UserErrors[0].Code != c.want || p.UserErrors[0].Message == "" {
							t.Fatalf("want userError %s, got %s", c.want, r.Raw)
						}
						for _, obj := range []json.RawMessage{p.Project, p.Session, p.User} {
							if len(obj) > 0 && string(obj) != "null" {
								t.Fatalf("a failed mutation returned an object: %s", r.Raw)
							}
						}
					}
				}
				if after := snapshot(t, srv.App.DB); after != before {
					t.Fatalf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		}
	})
}
