package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"socrates/internal/app"
	"socrates/internal/auth"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

func createToken(t *testing.T, c *testenv.Client, name string, scopes []string, expires *time.Time) (string, string) {
	t.Helper()
	vars := map[string]any{"n": name, "s": scopes}
	if expires != nil {
		vars["e"] = expires.Format(time.RFC3339Nano)
	}
	var out struct {
		CreateApiToken struct {
			ApiToken *struct {
				ID, Prefix string
				Scopes     []string
			}
			Token      *string
			UserErrors []testenv.UserErrorT
		}
	}
	c.Must(`mutation($n: String!, $s: [ApiTokenScope!]!, $e: Time) { createApiToken(input: {name: $n, scopes: $s, expiresAt: $e}) {
		apiToken { id prefix scopes } token userErrors { field code message } } }`, vars, &out)
	ct := out.CreateApiToken
	if len(ct.UserErrors) > 0 || ct.Token == nil || !strings.HasPrefix(*ct.Token, "soc_") || !strings.HasPrefix(*ct.Token, ct.ApiToken.Prefix) {
		t.Fatalf("createApiToken: %+v", ct)
	}
	return ct.ApiToken.ID, *ct.Token
}

func TestAPITokens(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		readID, readTok := createToken(t, w.owner, "reporting", []string{"READ"}, nil)
		_, writeTok := createToken(t, w.owner, "automation", []string{"READ", "WRITE"}, nil)
		reader := srv.Client(t).As(readTok)
		writer := srv.Client(t).As(writeTok)

		// The token acts as its user for reads, and is stored hashed.
		var list struct {
			Projects struct{ TotalCount int }
			Viewer   struct {
				ID        string
				ApiTokens struct {
					Nodes []struct {
						Name       string
						LastUsedAt *string
					}
				}
			}
		}
		reader.Must(`{ projects { totalCount } viewer { id apiTokens { nodes { name lastUsedAt } } } }`, nil, &list)
		if list.Projects.TotalCount != 1 || list.Viewer.ID != w.ownerTok.User.ID || len(list.Viewer.ApiTokens.Nodes) != 2 {
			t.Fatalf("read with a token: %+v", list)
		}
		var stored string
		if err := srv.App.DB.NewRaw("SELECT token_hash FROM api_tokens WHERE name = 'reporting'").Scan(context.Background(), &stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, readTok[4:]) || len(stored) != 64 {
			t.Fatalf("token stored as %q", stored)
		}
		// lastUsedAt is set, and not rewritten within the minute.
		var used1, used2 string
		srv.App.DB.NewRaw("SELECT CAST(last_used_at AS TEXT) FROM api_tokens WHERE name = 'reporting'").Scan(context.Background(), &used1)
		reader.Must(`{ viewer { id } }`, nil, nil)
		srv.App.DB.NewRaw("SELECT CAST(last_used_at AS TEXT) FROM api_tokens WHERE name = 'reporting'").Scan(context.Background(), &used2)
		if used1 == "" || used1 != used2 {
			t.Fatalf("lastUsedAt %q then %q", used1, used2)
		}

		// READ scope: every mutation is FORBIDDEN, even ones anyone may run.
		for _, m := range []string{
			`mutation { createProject(input: {name: "x"}) { project { id } } }`,
			`mutation { login(input: {email: "a@b.cd", password: "password-1"}) { accessToken } }`,
			`mutation { createTeam(input: {name: "x"}) { team { id } } }`,
		} {
			if r := reader.Do(m, nil); len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" || string(r.Data) != "null" && string(r.Data) != "" {
				t.Fatalf("READ token ran %s: %s", m, r.Raw)
			}
		}
		// WRITE scope writes, but manages no credentials.
		if r := writer.Do(`mutation { createProject(input: {name: "via token"}) { project { id } userErrors { code } } }`, nil); len(r.Errors) > 0 {
			t.Fatalf("WRITE token: %s", r.Raw)
		}
		for _, m := range []string{
			`mutation { createApiToken(input: {name: "x", scopes: [READ]}) { token } }`,
			`mutation { changePassword(input: {currentPassword: "password-123", newPassword: "password-456"}) { user { id } } }`,
			`mutation { setLLMCredential(input: {provider: ANTHROPIC, apiKey: "k"}) { provider { id } } }`,
		} {
			if r := writer.Do(m, nil); len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" {
				t.Fatalf("WRITE token ran %s: %s", m, r.Raw)
			}
		}

		// A token works in connection_init too.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + readTok})
		if err != nil {
			t.Fatal(err)
		}
		if got := ws.QueryWS(t, ctx, "1", `{ viewer { id } }`); !strings.Contains(string(got), w.ownerTok.User.ID) {
			t.Fatalf("token over websocket: %s", got)
		}
		ws.Close()
		sub := subscribe(t, srv, readTok, pubsub.SessionTopic(sessionNumber(t, w.session)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": w.session})
		w.owner.Must(`mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": w.session}, nil)
		if e := sub.next(); e["type"] != "SESSION_STATUS_CHANGED" {
			t.Fatalf("READ token subscription: %v", e)
		}

		// Revoked, expired, tampered, wrong prefix, alg none, another key: UNAUTHENTICATED.
		var rv struct {
			RevokeApiToken struct {
				ApiToken   struct{ RevokedAt *string }
				UserErrors []testenv.UserErrorT
			}
		}
		w.owner.Must(`mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { apiToken { revokedAt } userErrors { code } } }`, map[string]any{"id": readID}, &rv)
		if rv.RevokeApiToken.ApiToken.RevokedAt == nil {
			t.Fatalf("revoke: %+v", rv)
		}
		if r := w.writer.Do(`mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors { code } } }`, map[string]any{"id": readID}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("another user revoked a token: %s", r.Raw)
		}
		soon := time.Now().Add(1200 * time.Millisecond)
		_, expiring := createToken(t, w.owner, "short-lived", []string{"READ"}, &soon)
		srv.Client(t).As(expiring).Must(`{ viewer { id } }`, nil, nil)
		time.Sleep(time.Until(soon) + 100*time.Millisecond)
		none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "1", "iss": "socrates", "aud": "socrates-api", "exp": time.Now().Add(time.Hour).Unix()})
		noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
		other := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "1", "iss": "socrates", "aud": "socrates-api", "exp": time.Now().Add(time.Hour).Unix()})
		otherTok, _ := other.SignedString([]byte("not-the-server-secret-not-the-server-secret"))
		tampered := writeTok[:len(writeTok)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(writeTok, "A")]
		for name, tok := range map[string]string{
			"revoked": readTok, "expired": expiring, "tampered": tampered, "wrong prefix": "sok_" + writeTok[4:],
			"alg none": noneTok, "other key": otherTok,
		} {
			r := srv.Client(t).As(tok).Do(`{ viewer { id } }`, nil)
			if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Fatalf("%s token: %d %s", name, r.Status, r.Raw)
			}
		}
		var act struct {
			Viewer struct {
				Activity struct{ Nodes []struct{ Action string } }
			}
		}
		w.owner.Must(`{ viewer { activity { nodes { action } } } }`, nil, &act)
		if len(act.Viewer.Activity.Nodes) != 4 || act.Viewer.Activity.Nodes[0].Action != "API_TOKEN_CREATED" || act.Viewer.Activity.Nodes[1].Action != "API_TOKEN_REVOKED" {
			t.Fatalf("token activity %+v", act.Viewer.Activity.Nodes)
		}
	})
}

// TestWebsocketsEndWithTheirCredential closes a websocket when its API
// token is revoked, and when its access token expires.
func TestWebsocketsEndWithTheirCredential(t *testing.T) {
	// Access tokens issued by this server expire two seconds after issue.
	skew := auth.AccessTokenTTL - 2*time.Second
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithApp(func(o *app.Options) {
		o.Clock = func() time.Time { return time.Now().Add(-skew).UTC().Truncate(time.Microsecond) }
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	owner, tok := srv.Client(t).NewUser()
	tokenID, apiTok := createToken(t, owner, "ws", []string{"READ"}, nil)
	apiWS, err := testenv.DialWS(ctx, srv, map[string]any{"authToken": apiTok})
	if err != nil {
		t.Fatal(err)
	}
	jwtWS, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// The access token's websocket closes by itself at expiry, with 4403
	// (clients reconnect with a fresh token).
	_, err = jwtWS.Next(ctx, "none")
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4403 || ce.Reason != "Forbidden: the credential expired" {
		t.Fatalf("websocket after its access token expired: %v", err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("closed only after %v", waited)
	}
	// The API token's websocket is still open: it answers.
	apiWS.QueryWS(t, ctx, "1", `{ viewer { id } }`)
	login := srv.Client(t)
	var l struct{ Login testenv.Tokens }
	login.Must(`mutation($e: String!) { login(input: {email: $e, password: "password-123"}) { accessToken } }`, map[string]any{"e": tok.User.Email}, &l)
	login.As(l.Login.AccessToken).Must(`mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors { code } } }`, map[string]any{"id": tokenID}, nil)
	_, err = apiWS.Next(ctx, "none")
	if !errors.As(err, &ce) || ce.Code != 4403 || ce.Reason != "Forbidden: the API token was revoked" {
		t.Fatalf("websocket after its API token was revoked: %v", err)
	}
}
