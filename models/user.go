package models

import (
	"time"

	"github.com/uptrace/bun"
)

// User is an account row.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Email        string    `bun:"email,notnull"`
	Name         *string   `bun:"name"`
	PasswordHash string    `bun:"password_hash,notnull" json:"-"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// IsNode marks User as a GraphQL Node.
func (User) IsNode() {}

// RefreshToken is one opaque refresh token, stored as a hash. Tokens issued
// by rotation share the family of the login that started the chain.
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`

	ID           int64      `bun:"id,pk,autoincrement"`
	UserID       int64      `bun:"user_id,notnull"`
	FamilyID     string     `bun:"family_id,notnull"`
	TokenHash    string     `bun:"token_hash,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	UsedAt       *time.Time `bun:"used_at"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	ReplacedByID *int64     `bun:"replaced_by_id"`
}
