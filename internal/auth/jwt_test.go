package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestTokensRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tok := NewTokens(secret, fixedClock(now))
	raw, exp, err := tok.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(AccessTokenTTL)) {
		t.Fatalf("expiry %v, want %v", exp, now.Add(AccessTokenTTL))
	}
	p, err := tok.Verify(raw)
	if err != nil || p.UserID != 42 {
		t.Fatalf("verify = %+v, %v", p, err)
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokensRefused(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tok := NewTokens(secret, fixedClock(now))
	good := jwt.MapClaims{
		"iss": Issuer, "aud": []string{Audience}, "sub": "7",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	valid := sign(t, jwt.SigningMethodHS256, secret, good)
	if _, err := tok.Verify(valid); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	parts := strings.Split(valid, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	cases := map[string]string{
		"alg none":         noneHeader + "." + parts[1] + ".",
		"alg none signed":  sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good),
		"HS512":            sign(t, jwt.SigningMethodHS512, secret, good),
		"other key":        sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), good),
		"expired":          sign(t, jwt.SigningMethodHS256, secret, with("exp", now.Add(-time.Minute).Unix())),
		"no expiry":        sign(t, jwt.SigningMethodHS256, secret, with("exp", nil)),
		"wrong issuer":     sign(t, jwt.SigningMethodHS256, secret, with("iss", "someone-else")),
		"wrong audience":   sign(t, jwt.SigningMethodHS256, secret, with("aud", []string{"other"})),
		"not yet valid":    sign(t, jwt.SigningMethodHS256, secret, with("nbf", now.Add(time.Hour).Unix())),
		"bad subject":      sign(t, jwt.SigningMethodHS256, secret, with("sub", "admin")),
		"tampered payload": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1"}`)) + "." + parts[2],
		"truncated":        valid[:len(valid)-5],
		"garbage":          "not-a-token",
		"empty":            "",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if p, err := tok.Verify(raw); err == nil {
				t.Fatalf("accepted: %+v", p)
			}
		})
	}
}

func TestPasswords(t *testing.T) {
	p, err := NewPasswords(Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h1, err := p.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := p.Hash(ctx, "correct horse")
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected hash format %q", h1)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horse ": false, "": false} {
		ok, err := p.Verify(ctx, pw, h1)
		if err != nil || ok != want {
			t.Fatalf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if ok, err := p.Verify(ctx, "x", ""); ok || err != nil {
		t.Fatalf("unknown user: %v, %v", ok, err)
	}
	if _, err := p.Verify(ctx, "x", "$bcrypt$nope"); err == nil {
		t.Fatal("accepted a foreign hash format")
	}
}

// A token verified once is remembered, but each use checks its times
// again: it expires on time, is not valid before its time, and a token
// that differs by one character is verified afresh (and refused).
func TestVerifiedTokensCheckTheirTimesOnEveryUse(t *testing.T) {
	issued := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	now := issued
	tok := NewTokens(secret, func() time.Time { return now })
	raw, exp, err := tok.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{issued, issued.Add(time.Minute), exp.Add(4 * time.Second)} {
		now = at
		if p, err := tok.Verify(raw); err != nil || p.UserID != 42 || !p.ExpiresAt.Equal(exp) {
			t.Fatalf("at %v: %+v, %v", at, p, err)
		}
	}
	for _, at := range []time.Time{exp.Add(5 * time.Second), exp.Add(time.Hour), issued.Add(-6 * time.Second)} {
		now = at
		if _, err := tok.Verify(raw); err != ErrInvalidToken {
			t.Fatalf("at %v the remembered token was accepted: %v", at, err)
		}
	}
	now = issued
	// Change one character of the signature.
	c := byte('A')
	if raw[len(raw)-2] == 'A' {
		c = 'B'
	}
	tampered := raw[:len(raw)-2] + string(c) + raw[len(raw)-1:]
	if _, err := tok.Verify(tampered); err != ErrInvalidToken {
		t.Fatalf("a tampered token was accepted: %v", err)
	}
	// A token that failed is not remembered as good.
	if _, err := tok.Verify(tampered); err != ErrInvalidToken {
		t.Fatal("a refused token was accepted the second time")
	}
}

// The memory of verified tokens is bounded.
func TestVerifiedTokensAreBounded(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tok := NewTokens(secret, fixedClock(now))
	for i := range verifiedLimit + 10 {
		raw, _, err := tok.Issue(int64(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tok.Verify(raw); err != nil {
			t.Fatal(err)
		}
	}
	tok.mu.Lock()
	n := len(tok.verified)
	tok.mu.Unlock()
	if n > verifiedLimit {
		t.Fatalf("%d tokens remembered, limit %d", n, verifiedLimit)
	}
}
