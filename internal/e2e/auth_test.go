package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

const refreshMutation = `mutation($t: String!) { refreshToken(input: {refreshToken: $t}) {
	accessToken refreshToken user { id } userErrors { field message code } } }`

func refresh(t *testing.T, c *testenv.Client, token string) testenv.Tokens {
	t.Helper()
	var out struct{ RefreshToken testenv.Tokens }
	c.Must(refreshMutation, map[string]any{"t": token}, &out)
	return out.RefreshToken
}

func TestRefreshRotationAndFamilyRevocation(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		anon := srv.Client(t)
		reg := anon.Register("rot@example.com", "password-1")

		// A second, independent login: its family must survive the first's revocation.
		var other struct{ Login testenv.Tokens }
		anon.Must(`mutation { login(input: {email: "rot@example.com", password: "password-1"}) { accessToken refreshToken userErrors { code } } }`, nil, &other)

		r1 := refresh(t, anon, reg.RefreshToken)
		if len(r1.UserErrors) != 0 || r1.RefreshToken == "" || r1.RefreshToken == reg.RefreshToken || r1.User.ID != reg.User.ID {
			t.Fatalf("first refresh: %+v", r1)
		}
		var viewer struct{ Viewer struct{ ID string } }
		anon.As(r1.AccessToken).Must(`{ viewer { id } }`, nil, &viewer)
		if viewer.Viewer.ID != reg.User.ID {
			t.Fatalf("new access token is for %q", viewer.Viewer.ID)
		}
		r2 := refresh(t, anon, r1.RefreshToken)
		if len(r2.UserErrors) != 0 {
			t.Fatalf("second refresh: %+v", r2.UserErrors)
		}

		// Re-using the rotated first token revokes the family, including r2's token.
		reuse := refresh(t, anon, reg.RefreshToken)
		if len(reuse.UserErrors) != 1 || reuse.UserErrors[0].Code != "INVALID_TOKEN" || reuse.AccessToken != "" {
			t.Fatalf("reuse: %+v", reuse)
		}
		if !strings.Contains(reuse.UserErrors[0].Message, "revoked") {
			t.Fatalf("reuse message does not say the family was revoked: %q", reuse.UserErrors[0].Message)
		}
		after := refresh(t, anon, r2.RefreshToken)
		if len(after.UserErrors) != 1 || after.UserErrors[0].Code != "INVALID_TOKEN" {
			t.Fatalf("family member still usable after reuse: %+v", after)
		}
		// The other login is untouched.
		o1 := refresh(t, anon, other.Login.RefreshToken)
		if len(o1.UserErrors) != 0 {
			t.Fatalf("independent login revoked: %+v", o1.UserErrors)
		}

		for name, tok := range map[string]string{"unknown": "nope", "empty": "", "huge": strings.Repeat("x", 5000)} {
			r := refresh(t, anon, tok)
			if len(r.UserErrors) != 1 || r.UserErrors[0].Code != "INVALID_TOKEN" {
				t.Fatalf("%s refresh token: %+v", name, r)
			}
		}
	})
}

func TestLogoutAndChangePassword(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		anon := srv.Client(t)
		reg := anon.Register("out@example.com", "password-1")
		login := func() testenv.Tokens {
			var out struct{ Login testenv.Tokens }
			anon.Must(`mutation { login(input: {email: "out@example.com", password: "password-1"}) { accessToken refreshToken userErrors { code } } }`, nil, &out)
			return out.Login
		}
		second := login()

		// Logout of one login revokes that login only.
		var out struct {
			Logout struct {
				RevokedCount int
				UserErrors   []testenv.UserErrorT
			}
		}
		anon.Must(`mutation($t: String) { logout(input: {refreshToken: $t}) { revokedCount userErrors { code } } }`,
			map[string]any{"t": reg.RefreshToken}, &out)
		if out.Logout.RevokedCount != 1 || len(out.Logout.UserErrors) != 0 {
			t.Fatalf("logout: %+v", out.Logout)
		}
		if r := refresh(t, anon, reg.RefreshToken); len(r.UserErrors) != 1 {
			t.Fatalf("logged-out token still works: %+v", r)
		}
		s2 := refresh(t, anon, second.RefreshToken)
		if len(s2.UserErrors) != 0 {
			t.Fatalf("other login logged out too: %+v", s2.UserErrors)
		}

		// Without a refresh token, logout needs authentication and allSessions.
		r := anon.Do(`mutation { logout(input: {allSessions: true}) { revokedCount } }`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous logout: %s", r.Raw)
		}
		me := anon.As(s2.AccessToken)
		third := login()
		me.Must(`mutation { logout(input: {}) { revokedCount userErrors { code } } }`, nil, &out)
		if len(out.Logout.UserErrors) != 1 || out.Logout.UserErrors[0].Code != "REQUIRED" {
			t.Fatalf("logout without token or allSessions: %+v", out.Logout)
		}
		me.Must(`mutation { logout(input: {allSessions: true}) { revokedCount userErrors { code } } }`, nil, &out)
		if out.Logout.RevokedCount != 2 {
			t.Fatalf("allSessions revoked %d, want 2", out.Logout.RevokedCount)
		}
		for _, tok := range []string{s2.RefreshToken, third.RefreshToken} {
			if r := refresh(t, anon, tok); len(r.UserErrors) != 1 {
				t.Fatalf("token survived logout allSessions: %+v", r)
			}
		}

		// changePassword checks the current password, revokes all refresh tokens.
		fourth := login()
		var cp struct {
			ChangePassword struct {
				User       *struct{ ID string }
				UserErrors []testenv.UserErrorT
			}
		}
		const change = `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { id } userErrors { field code } } }`
		me.Must(change, map[string]any{"c": "wrong-password", "n": "password-2"}, &cp)
		if cp.ChangePassword.User != nil || len(cp.ChangePassword.UserErrors) != 1 || cp.ChangePassword.UserErrors[0].Code != "INVALID_CREDENTIALS" {
			t.Fatalf("wrong current password: %+v", cp.ChangePassword)
		}
		me.Must(change, map[string]any{"c": "password-1", "n": "short"}, &cp)
		if len(cp.ChangePassword.UserErrors) != 1 || cp.ChangePassword.UserErrors[0].Code != "TOO_SHORT" {
			t.Fatalf("short new password: %+v", cp.ChangePassword)
		}
		if r := refresh(t, anon, fourth.RefreshToken); len(r.UserErrors) != 0 {
			t.Fatalf("a refused password change revoked tokens: %+v", r.UserErrors)
		} else {
			fourth = r
		}
		me.Must(change, map[string]any{"c": "password-1", "n": "password-2"}, &cp)
		if cp.ChangePassword.User == nil || cp.ChangePassword.User.ID != reg.User.ID {
			t.Fatalf("change password: %+v", cp.ChangePassword)
		}
		if r := refresh(t, anon, fourth.RefreshToken); len(r.UserErrors) != 1 {
			t.Fatalf("refresh token survived password change: %+v", r)
		}
		var bad struct{ Login testenv.Tokens }
		anon.Must(`mutation { login(input: {email: "out@example.com", password: "password-1"}) { accessToken userErrors { code } } }`, nil, &bad)
		if bad.Login.AccessToken != "" || len(bad.Login.UserErrors) != 1 || bad.Login.UserErrors[0].Code != "INVALID_CREDENTIALS" {
			t.Fatalf("old password still logs in: %+v", bad.Login)
		}
		anon.Must(`mutation { login(input: {email: "out@example.com", password: "password-2"}) { accessToken userErrors { code } } }`, nil, &bad)
		if bad.Login.AccessToken == "" {
			t.Fatalf("new password refused: %+v", bad.Login)
		}
	})
}

func TestBadAccessTokens(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	good := srv.Client(t).Register("tok@example.com", "password-1").AccessToken
	parts := strings.Split(good, ".")
	cases := map[string]string{
		"garbage":   "Bearer abc",
		"tampered":  "Bearer " + parts[0] + "." + parts[1] + "x." + parts[2],
		"alg none":  "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"no scheme": good,
		"basic":     "Basic dXNlcjpwYXNz",
		"empty":     "Bearer ",
	}
	for name, header := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(`{"query":"{ viewer { id } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	r := srv.Client(t).As(parts[0]+"."+parts[1]+"."+strings.Repeat("A", len(parts[2]))).Do(`{ viewer { id } }`, nil)
	if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Fatalf("forged signature: %d %s", r.Status, r.Raw)
	}
}

// TestAuthRateLimits throttles failed logins per email and authentication
// calls per client address, with RATE_LIMITED.
func TestAuthRateLimits(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
		c.LoginFailuresPer15Min = 3
	}))
	c := srv.Client(t)
	c.Register("limited@example.com", "password-1")
	const login = `mutation($p: String!) { login(input: {email: "limited@example.com", password: $p}) { accessToken userErrors { code } } }`
	for range 3 {
		if r := c.Do(login, map[string]any{"p": "wrong-password"}); !strings.Contains(string(r.Raw), "INVALID_CREDENTIALS") {
			t.Fatalf("failed login: %s", r.Raw)
		}
	}
	// Even the right password waits now; another account does not.
	if r := c.Do(login, map[string]any{"p": "password-1"}); len(r.Errors) != 1 || r.Errors[0].Code() != "RATE_LIMITED" {
		t.Fatalf("after 3 failures: %s", r.Raw)
	}
	c.Register("other@example.com", "password-1")

	srv2 := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
		c.AuthRequestsPerMinute = 4
	}))
	c2 := srv2.Client(t)
	for i := range 4 {
		c2.Register(fmt.Sprintf("burst-%d@example.com", i), "password-1")
	}
	r := c2.Do(`mutation { register(input: {email: "burst-9@example.com", password: "password-1"}) { accessToken } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "RATE_LIMITED" || !strings.Contains(r.Errors[0].Message, "try again in") {
		t.Fatalf("5th call in a minute: %s", r.Raw)
	}
	if n := count(t, srv2.App.DB, "users"); n != 4 {
		t.Fatalf("%d users after a refused register", n)
	}
}
