// Package apitoken issues, lists, revokes and authenticates the API tokens
// integrators use. A token is "soc_" followed by 43 random characters; only
// its SHA-256 hash is stored, and it is shown once, when created.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Prefix starts every API token, so that tokens are recognisable (and
// secret scanners can find leaked ones).
const Prefix = "soc_"

// Reader reads tokens, batched within an operation.
type Reader interface {
	APIToken(ctx context.Context, id int64) (*models.APIToken, error)
	APITokens(ctx context.Context, userID int64, args page.Args) (*models.ApiTokenConnection, error)
	Activities(ctx context.Context, scope store.ActivityScope, id int64, args page.Args) (*models.ActivityConnection, error)
}

// Connections closes the live connections of a token.
type Connections interface {
	Revoke(tokenID int64) int
}

// Service implements API tokens.
type Service struct {
	store *store.Store
	read  Reader
	live  Connections
	now   clock.Clock
}

// NewService returns the API token service; live closes a revoked token's
// websocket connections.
func NewService(s *store.Store, read Reader, live Connections, now clock.Clock) *Service {
	return &Service{store: s, read: read, live: live, now: now}
}

func hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Authenticate implements auth.Authenticator for API tokens: unknown,
// revoked and expired tokens are refused alike. lastUsedAt moves at most
// once a minute.
func (s *Service) Authenticate(ctx context.Context, raw string) (*auth.Principal, error) {
	if !strings.HasPrefix(raw, Prefix) || len(raw) > 100 {
		return nil, auth.ErrInvalidToken
	}
	t, err := s.store.APITokenByHash(store.WithoutTx(ctx), hash(raw))
	if err != nil {
		if apperr.IsNotFound(err) {
			return nil, auth.ErrInvalidToken
		}
		return nil, fmt.Errorf("look up api token: %w", err)
	}
	now := s.now()
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return nil, auth.ErrInvalidToken
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		if err := s.store.TouchAPIToken(store.WithoutTx(ctx), t.ID, now.Truncate(time.Minute)); err != nil {
			return nil, err
		}
	}
	id := t.ID
	return &auth.Principal{UserID: t.UserID, TokenID: &id, ReadOnly: !slices.Contains(t.Scopes(), models.APITokenScopeWrite),
		ExpiresAt: t.ExpiresAt}, nil
}

// Create issues a token for the viewer and returns it with its secret,
// which is not stored and cannot be shown again.
func (s *Service) Create(ctx context.Context, name string, scopes []models.APITokenScope, expiresAt *time.Time) (*models.APIToken, string, error) {
	pr, err := access.RequireHuman(ctx)
	if err != nil {
		return nil, "", err
	}
	v := &apperr.Validation{}
	name = validate.Text(v, "name", name, 1, 100)
	var list []string
	for _, sc := range []models.APITokenScope{models.APITokenScopeRead, models.APITokenScopeWrite} {
		if slices.Contains(scopes, sc) {
			list = append(list, string(sc))
		}
	}
	if len(list) == 0 {
		v.Add("scopes", apperr.CodeRequired, "give at least one scope: READ and/or WRITE")
	}
	now := s.now()
	if expiresAt != nil && !expiresAt.After(now) {
		v.Add("expiresAt", apperr.CodeInvalid, "expiresAt must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", fmt.Errorf("generate api token: %w", err)
	}
	raw := Prefix + base64.RawURLEncoding.EncodeToString(b)
	t := &models.APIToken{UserID: pr.UserID, Name: name, Prefix: raw[:len(Prefix)+6], TokenHash: hash(raw),
		ScopeList: strings.Join(list, ","), CreatedAt: now, ExpiresAt: expiresAt}
	if expiresAt != nil {
		e := expiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &e
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return s.store.CreateActivity(ctx, &models.Activity{ActorID: &pr.UserID, Action: "API_TOKEN_CREATED",
			APITokenID: &t.ID, Details: &t.Name, CreatedAt: now})
	})
	if err != nil {
		return nil, "", err
	}
	return t, raw, nil
}

// Revoke revokes one of the viewer's tokens.
func (s *Service) Revoke(ctx context.Context, id int64) (*models.APIToken, error) {
	pr, err := access.RequireHuman(ctx)
	if err != nil {
		return nil, err
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.APIToken, error) {
		t, err := s.store.APITokenForUpdate(ctx, id)
		if apperr.IsNotFound(err) || (err == nil && t.UserID != pr.UserID) {
			return nil, apperr.NotFoundOf("API token")
		}
		if err != nil {
			return nil, err
		}
		if t.RevokedAt != nil {
			return nil, apperr.Invalid("apiTokenId", apperr.CodeInvalidState, "the token is already revoked")
		}
		now := s.now()
		t.RevokedAt = &now
		if err := s.store.RevokeAPIToken(ctx, t); err != nil {
			return nil, err
		}
		tokenID := t.ID
		store.AfterCommit(ctx, func() { s.live.Revoke(tokenID) })
		return t, s.store.CreateActivity(ctx, &models.Activity{ActorID: &pr.UserID, Action: "API_TOKEN_REVOKED",
			APITokenID: &t.ID, Details: &t.Name, CreatedAt: now})
	})
}

// Get returns one of the viewer's tokens.
func (s *Service) Get(ctx context.Context, id int64) (*models.APIToken, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.read.APIToken(ctx, id)
	if err != nil || t.UserID != pr.UserID {
		if err == nil || apperr.IsNotFound(err) {
			return nil, apperr.NotFoundOf("API token")
		}
		return nil, err
	}
	return t, nil
}

// own refuses to show a user's private lists to anyone but the user.
func own(ctx context.Context, u *models.User) error {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return err
	}
	if pr.UserID != u.ID {
		return apperr.Forbiddenf("only the user sees their own tokens and token activity")
	}
	return nil
}

// List returns a page of the viewer's tokens; another user's list is empty.
func (s *Service) List(ctx context.Context, u *models.User, args page.Args) (*models.ApiTokenConnection, error) {
	if err := own(ctx, u); err != nil {
		if _, err := page.Parse(args, store.TokenOrdering().Name); err != nil {
			return nil, err
		}
		return models.NewConnection(nil, func(*models.APIToken) string { return "" }, &models.PageInfo{}, nil), nil
	}
	return s.read.APITokens(ctx, u.ID, args)
}

// Activity returns a page of the changes to the viewer's tokens.
func (s *Service) Activity(ctx context.Context, u *models.User, args page.Args) (*models.ActivityConnection, error) {
	if err := own(ctx, u); err != nil {
		return nil, err
	}
	return s.read.Activities(ctx, store.ActivityOfActor, u.ID, args)
}
