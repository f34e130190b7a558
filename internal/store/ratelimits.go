package store

import (
	"context"
	"fmt"
	"time"

	"socrates/internal/apperr"
	"socrates/models"
)

// CountAttempt adds one attempt for key in one statement and returns the
// attempts in key's current window and when that window started. A window
// that started window or longer before now is over: the attempt starts a
// new one.
func (s *Store) CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error) {
	nowMs, expired := now.UnixMilli(), now.Add(-window).UnixMilli()
	row := &models.RateLimit{Key: key, WindowStartMs: nowMs, Hits: 1}
	_, err := s.DB(ctx).NewInsert().Model(row).
		On("CONFLICT (key) DO UPDATE").
		Set("hits = CASE WHEN rl.window_start_ms <= ? THEN 1 ELSE rl.hits + 1 END", expired).
		Set("window_start_ms = CASE WHEN rl.window_start_ms <= ? THEN EXCLUDED.window_start_ms ELSE rl.window_start_ms END", expired).
		Returning("hits, window_start_ms").
		Exec(ctx, row)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count an attempt: %w", err)
	}
	return row.Hits, time.UnixMilli(row.WindowStartMs), nil
}

// Attempts returns the attempts in key's current window and when it
// started (none when its window is over).
func (s *Store) Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error) {
	row := new(models.RateLimit)
	err := s.DB(ctx).NewSelect().Model(row).
		Where("rl.key = ?", key).Where("rl.window_start_ms > ?", now.Add(-window).UnixMilli()).
		Scan(ctx)
	if err := rowErr(err, "attempts"); err != nil {
		if apperr.IsNotFound(err) {
			return 0, time.Time{}, nil
		}
		return 0, time.Time{}, err
	}
	return row.Hits, time.UnixMilli(row.WindowStartMs), nil
}

// SweepAttempts deletes the counts of the keys that start with prefix
// whose windows started before before.
func (s *Store) SweepAttempts(ctx context.Context, prefix string, before time.Time) error {
	if _, err := s.DB(ctx).NewDelete().Model((*models.RateLimit)(nil)).
		Where("key LIKE ?", prefix+"%").Where("window_start_ms < ?", before.UnixMilli()).Exec(ctx); err != nil {
		return fmt.Errorf("sweep attempts: %w", err)
	}
	return nil
}
