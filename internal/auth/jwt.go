package auth

import (
	"errors"
	"fmt"
	"strconv"
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

// Tokens issues and verifies HS256 access tokens.
type Tokens struct {
	secret []byte
	now    clock.Clock
	parser *jwt.Parser
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
			jwt.WithLeeway(5*time.Second),
			jwt.WithTimeFunc(func() time.Time { return now() }),
		),
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

// Verify checks an access token and returns its principal.
func (t *Tokens) Verify(raw string) (*Principal, error) {
	var claims jwt.RegisteredClaims
	if _, err := t.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.secret, nil }); err != nil {
		return nil, ErrInvalidToken
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 {
		return nil, ErrInvalidToken
	}
	exp := claims.ExpiresAt.Time
	return &Principal{UserID: id, ExpiresAt: &exp}, nil
}
