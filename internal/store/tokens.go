package store

import (
	"context"
	"fmt"
	"time"

	"socrates/models"
)

// CreateRefreshToken inserts t and sets its id.
func (s *Store) CreateRefreshToken(ctx context.Context, t *models.RefreshToken) error {
	if _, err := s.DB(ctx).NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// RefreshTokenByHash returns the token with the given hash.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*models.RefreshToken, error) {
	t := new(models.RefreshToken)
	err := s.DB(ctx).NewSelect().Model(t).Where("rt.token_hash = ?", hash).Scan(ctx)
	return t, rowErr(err, "refresh token by hash")
}

// UseRefreshToken marks an unused, unrevoked token as used at now. It
// reports false when the token was used or revoked already, so of two
// concurrent uses exactly one wins.
func (s *Store) UseRefreshToken(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.DB(ctx).NewUpdate().Model((*models.RefreshToken)(nil)).
		Set("used_at = ?", now).
		Where("id = ?", id).Where("used_at IS NULL").Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("use refresh token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("use refresh token: %w", err)
	}
	return n == 1, nil
}

// SetRefreshTokenReplacement records which token replaced a used one.
func (s *Store) SetRefreshTokenReplacement(ctx context.Context, id, replacedBy int64) error {
	_, err := s.DB(ctx).NewUpdate().Model((*models.RefreshToken)(nil)).
		Set("replaced_by_id = ?", replacedBy).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("link refresh token replacement: %w", err)
	}
	return nil
}

// RevokeRefreshTokenFamily revokes the live (unused, unrevoked) token of a
// family and returns how many it revoked. Used tokens are dead already.
func (s *Store) RevokeRefreshTokenFamily(ctx context.Context, family string, now time.Time) (int, error) {
	return s.revokeTokens(ctx, "family_id = ?", family, now)
}

// RevokeUserRefreshTokens revokes every live token of a user, ending all its
// logins, and returns how many it revoked.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID int64, now time.Time) (int, error) {
	return s.revokeTokens(ctx, "user_id = ?", userID, now)
}

func (s *Store) revokeTokens(ctx context.Context, where string, arg any, now time.Time) (int, error) {
	res, err := s.DB(ctx).NewUpdate().Model((*models.RefreshToken)(nil)).
		Set("revoked_at = ?", now).Where(where, arg).Where("revoked_at IS NULL").Where("used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke refresh tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke refresh tokens: %w", err)
	}
	return int(n), nil
}
