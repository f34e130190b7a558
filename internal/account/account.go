// Package account registers users and manages their credentials: login,
// refresh-token rotation with family revocation on reuse, logout and
// password changes.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/clock"
	"socrates/internal/ratelimit"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// RefreshTokenTTL is how long an unused refresh token stays valid.
const RefreshTokenTTL = 30 * 24 * time.Hour

// Grant is the outcome of a successful login: a token pair and its user.
type Grant struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	User             *models.User

	refreshID int64
}

// Reader reads users by id, batched within an operation.
type Reader interface {
	User(ctx context.Context, id int64) (*models.User, error)
}

// Limits throttle the anonymous entry points.
type Limits struct {
	// FailedLogins counts failed logins per email address.
	FailedLogins *ratelimit.Limiter
	// Requests counts register, login and refresh calls per client address.
	Requests *ratelimit.Limiter
}

// Service implements the account operations.
type Service struct {
	store     *store.Store
	read      Reader
	passwords *auth.Passwords
	tokens    *auth.Tokens
	limits    Limits
	now       clock.Clock
}

// NewService returns an account service.
func NewService(s *store.Store, read Reader, passwords *auth.Passwords, tokens *auth.Tokens, limits Limits, now clock.Clock) *Service {
	return &Service{store: s, read: read, passwords: passwords, tokens: tokens, limits: limits, now: now}
}

// throttle refuses a client that made too many authentication requests.
func (s *Service) throttle(ctx context.Context) error {
	ok, wait, err := s.limits.Requests.Allow(ctx, "client:"+ratelimit.Client(ctx))
	if err != nil {
		return err
	}
	if !ok {
		return rateLimited(wait)
	}
	return nil
}

func rateLimited(wait time.Duration) error {
	return apperr.RateLimitedFor(wait)
}

// RegisterInput is what a new account needs.
type RegisterInput struct {
	Email    string
	Password string
	Name     *string
}

// Register creates a user and logs it in.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Grant, error) {
	if err := s.throttle(ctx); err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	email := validate.Email(v, "email", in.Email)
	validate.Password(v, "password", in.Password)
	name := validate.OptionalText(v, "name", in.Name, 100)
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := s.now()
	user := &models.User{Email: email, Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Grant, error) {
		if err := s.store.CreateUser(ctx, user); err != nil {
			if errors.Is(err, store.ErrEmailTaken) {
				return nil, apperr.Invalid("email", apperr.CodeTaken, "an account with this email already exists")
			}
			return nil, err
		}
		return s.grant(ctx, user, "")
	})
}

// Login checks an email and password and issues a token pair.
func (s *Service) Login(ctx context.Context, email, password string) (*Grant, error) {
	if err := s.throttle(ctx); err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	email = validate.Email(v, "email", email)
	if password == "" {
		v.Add("password", apperr.CodeRequired, "password must not be empty")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	blocked, wait, err := s.limits.FailedLogins.Blocked(ctx, "email:"+email)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, rateLimited(wait)
	}
	user, err := s.store.UserByEmail(ctx, email)
	hash := user.PasswordHash
	if apperr.IsNotFound(err) {
		hash = ""
	} else if err != nil {
		return nil, err
	}
	ok, err := s.passwords.Verify(ctx, password, hash)
	if err != nil {
		return nil, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		if err := s.limits.FailedLogins.Add(ctx, "email:"+email); err != nil {
			return nil, err
		}
		return nil, apperr.Invalid("", apperr.CodeCredentials, "email or password is incorrect")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Grant, error) {
		return s.grant(ctx, user, "")
	})
}

// Refresh exchanges a refresh token for a new pair. The token is used up;
// presenting a used token again revokes every token of its family, since
// one of the two holders is not the user.
func (s *Service) Refresh(ctx context.Context, raw string) (*Grant, error) {
	if err := s.throttle(ctx); err != nil {
		return nil, err
	}
	if raw == "" || len(raw) > 200 {
		return nil, apperr.Invalid("refreshToken", apperr.CodeInvalidToken, "refresh token is invalid or expired")
	}
	var grant *Grant
	reused := false
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		tok, err := s.store.RefreshTokenByHash(ctx, hashToken(raw))
		if apperr.IsNotFound(err) {
			return apperr.Invalid("refreshToken", apperr.CodeInvalidToken, "refresh token is invalid or expired")
		}
		if err != nil {
			return err
		}
		if tok.RevokedAt != nil || !now.Before(tok.ExpiresAt) {
			return apperr.Invalid("refreshToken", apperr.CodeInvalidToken, "refresh token is invalid or expired")
		}
		won, err := s.store.UseRefreshToken(ctx, tok.ID, now)
		if err != nil {
			return err
		}
		if !won {
			reused = true
			_, err := s.store.RevokeRefreshTokenFamily(ctx, tok.FamilyID, now)
			return err
		}
		user, err := s.store.UserByID(ctx, tok.UserID)
		if err != nil {
			return err
		}
		grant, err = s.grant(ctx, user, tok.FamilyID)
		if err != nil {
			return err
		}
		return s.store.SetRefreshTokenReplacement(ctx, tok.ID, grant.refreshID)
	})
	if err != nil {
		return nil, err
	}
	if reused {
		return nil, apperr.Invalid("refreshToken", apperr.CodeInvalidToken,
			"refresh token was already used; every token of this login has been revoked, log in again")
	}
	return grant, nil
}

// Logout revokes the login of a refresh token (its whole family) or, with
// all, every refresh token of the user. Without a refresh token the request
// must be authenticated and all must be set.
func (s *Service) Logout(ctx context.Context, raw *string, all bool) (int, error) {
	return store.InTx(ctx, s.store, func(ctx context.Context) (int, error) {
		now := s.now()
		if raw == nil || *raw == "" {
			pr, err := access.RequireHuman(ctx)
			if err != nil {
				return 0, err
			}
			if !all {
				return 0, apperr.Invalid("refreshToken", apperr.CodeRequired, "pass the refresh token to end, or allSessions: true")
			}
			return s.store.RevokeUserRefreshTokens(ctx, pr.UserID, now)
		}
		tok, err := s.store.RefreshTokenByHash(ctx, hashToken(*raw))
		if apperr.IsNotFound(err) {
			return 0, apperr.Invalid("refreshToken", apperr.CodeInvalidToken, "refresh token is invalid")
		}
		if err != nil {
			return 0, err
		}
		if pr := auth.FromContext(ctx); pr != nil && pr.UserID != tok.UserID {
			return 0, apperr.Invalid("refreshToken", apperr.CodeInvalidToken, "refresh token is invalid")
		}
		if all {
			return s.store.RevokeUserRefreshTokens(ctx, tok.UserID, now)
		}
		return s.store.RevokeRefreshTokenFamily(ctx, tok.FamilyID, now)
	})
}

// ChangePassword replaces the viewer's password after checking the current
// one, and revokes every refresh token of the user.
func (s *Service) ChangePassword(ctx context.Context, current, next string) (*models.User, error) {
	pr, err := access.RequireHuman(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	validate.Password(v, "newPassword", next)
	if current == next {
		v.Add("newPassword", apperr.CodeInvalid, "newPassword must differ from currentPassword")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	user, err := s.store.UserByID(ctx, pr.UserID)
	if err != nil {
		return nil, err
	}
	ok, err := s.passwords.Verify(ctx, current, user.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return nil, apperr.Invalid("currentPassword", apperr.CodeCredentials, "currentPassword is incorrect")
	}
	hash, err := s.passwords.Hash(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		user.PasswordHash, user.UpdatedAt = hash, s.now()
		if err := s.store.UpdateUserPassword(ctx, user); err != nil {
			return err
		}
		_, err := s.store.RevokeUserRefreshTokens(ctx, user.ID, user.UpdatedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// grant issues an access token and stores a new refresh token in family
// (a new family when empty).
func (s *Service) grant(ctx context.Context, user *models.User, family string) (*Grant, error) {
	now := s.now()
	refresh, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	if family == "" {
		if family, err = randomToken(16); err != nil {
			return nil, err
		}
	}
	tok := &models.RefreshToken{
		UserID: user.ID, FamilyID: family, TokenHash: hashToken(refresh),
		CreatedAt: now, ExpiresAt: now.Add(RefreshTokenTTL),
	}
	if err := s.store.CreateRefreshToken(ctx, tok); err != nil {
		return nil, err
	}
	access, exp, err := s.tokens.Issue(user.ID)
	if err != nil {
		return nil, err
	}
	return &Grant{
		AccessToken: access, AccessExpiresAt: exp,
		RefreshToken: refresh, RefreshExpiresAt: tok.ExpiresAt,
		User: user, refreshID: tok.ID,
	}, nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Viewer returns the signed-in user, or nil for an anonymous request.
func (s *Service) Viewer(ctx context.Context) (*models.User, error) {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, nil
	}
	u, err := s.read.User(ctx, pr.UserID)
	if apperr.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// User returns a user the viewer may see: the viewer, and the members of
// the viewer's teams.
func (s *Service) User(ctx context.Context, id int64) (*models.User, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if pr.UserID != id {
		shared, err := s.store.ShareATeam(store.WithoutTx(ctx), pr.UserID, id)
		if err != nil {
			return nil, err
		}
		if !shared {
			return nil, apperr.NotFoundOf("user")
		}
	}
	u, err := s.read.User(ctx, id)
	if apperr.IsNotFound(err) {
		return nil, apperr.NotFoundOf("user")
	}
	return u, err
}
