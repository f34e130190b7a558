package auth

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"socrates/internal/clock"
)

// Token issuer and audience; both are checked on every access token.
const (
	Issuer   = "socrates"
	Audience = "socrates-api"
)

// AccessTokenTTL is the lifetime of an access token.
const AccessTokenTTL = 15 * time.Minute

// ErrInvalidToken is returned for a token that is malformed, expired, signed
// with another key or algorithm, or otherwise unacceptable.
var ErrInvalidToken = errors.New("invalid or expired access token")

// leeway is the clock skew tolerated on a token's times.
const leeway = 5 * time.Second

// verifiedLimit bounds how many verified tokens are remembered.
const verifiedLimit = 10_000

// Tokens issues and verifies HS256 access tokens.
type Tokens struct {
	secret []byte
	now    clock.Clock
	parser *jwt.Parser

	// verified remembers tokens whose signature and claims were checked,
	// so that a client sending the same token on every request does not
	// pay for parsing and HMAC each time; the checks that depend on the
	// time are made again on every use.
	mu       sync.Mutex
	verified map[string]verifiedToken
}

// verifiedToken is what a checked token says.
type verifiedToken struct {
	userID         int64
	notBefore, exp time.Time
}

// NewTokens returns a token issuer and verifier keyed with secret.
func NewTokens(secret []byte, now clock.Clock) *Tokens {
	return &Tokens{
		secret: secret,
		now:    now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(func() time.Time { return now() }),
		),
		verified: map[string]verifiedToken{},
	}
}

// Issue returns a signed access token for a user and its expiry.
func (t *Tokens) Issue(userID int64) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(AccessTokenTTL)
	claims := jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   strconv.FormatInt(userID, 10),
		Audience:  jwt.ClaimStrings{Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks an access token and returns its principal. A token seen
// before is not parsed again, but its times are checked again.
func (t *Tokens) Verify(raw string) (*Principal, error) {
	now := t.now()
	t.mu.Lock()
	v, ok := t.verified[raw]
	t.mu.Unlock()
	if ok {
		if now.Before(v.notBefore.Add(-leeway)) || !now.Before(v.exp.Add(leeway)) {
			return nil, ErrInvalidToken
		}
		exp := v.exp
		return &Principal{UserID: v.userID, ExpiresAt: &exp}, nil
	}
	var claims jwt.RegisteredClaims
	if _, err := t.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.secret, nil }); err != nil {
		return nil, ErrInvalidToken
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 {
		return nil, ErrInvalidToken
	}
	exp := claims.ExpiresAt.Time
	v = verifiedToken{userID: id, exp: exp}
	// Of the two times before which a token is not valid, the later one.
	for _, d := range []*jwt.NumericDate{claims.NotBefore, claims.IssuedAt} {
		if d != nil && d.After(v.notBefore) {
			v.notBefore = d.Time
		}
	}
	t.mu.Lock()
	if len(t.verified) >= verifiedLimit {
		// Forget everything rather than track ages: a full map means
		// many distinct tokens, each of which verifies again once.
		clear(t.verified)
	}
	t.verified[raw] = v
	t.mu.Unlock()
	return &Principal{UserID: id, ExpiresAt: &exp}, nil
}
