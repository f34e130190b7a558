package store

import (
	"context"
	"fmt"

	"socrates/models"
)

// ErrEmailTaken is returned when an email address already has an account.
var ErrEmailTaken = fmt.Errorf("email already registered")

// CreateUser inserts u and sets its id.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	if _, err := s.DB(ctx).NewInsert().Model(u).Exec(ctx); err != nil {
		if IsUniqueViolation(err) {
			return ErrEmailTaken
		}
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// UserByEmail returns the user with a (normalised) email address.
func (s *Store) UserByEmail(ctx context.Context, email string) (*models.User, error) {
	u := new(models.User)
	err := s.DB(ctx).NewSelect().Model(u).Where("u.email = ?", email).Scan(ctx)
	return u, rowErr(err, "user by email")
}

// UserByID returns one user.
func (s *Store) UserByID(ctx context.Context, id int64) (*models.User, error) {
	u := new(models.User)
	err := s.DB(ctx).NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx)
	return u, rowErr(err, "user by id")
}

// UsersByIDs returns the users with the given ids, in no particular order.
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) ([]*models.User, error) {
	var users []*models.User
	q := s.DB(ctx).NewSelect().Model(&users).ExcludeColumn("password_hash").Where(s.anyOf("u.id"))
	if err := s.scanIDs(ctx, q, ids, &users); err != nil {
		return nil, fmt.Errorf("users by ids: %w", err)
	}
	return users, nil
}

// UpdateUserPassword replaces a user's password hash.
func (s *Store) UpdateUserPassword(ctx context.Context, u *models.User) error {
	_, err := s.DB(ctx).NewUpdate().Model(u).Column("password_hash", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update password: %w", err)
	}
	return nil
}
