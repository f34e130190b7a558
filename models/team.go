package models

import (
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Team is a group of users with whom projects are shared.
type Team struct {
	bun.BaseModel `bun:"table:teams,alias:t"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Name        string    `bun:"name,notnull"`
	Description *string   `bun:"description"`
	CreatedByID *int64    `bun:"created_by_id"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

// IsNode marks Team as a GraphQL Node.
func (Team) IsNode() {}

// TeamMember is a user's membership of a team.
type TeamMember struct {
	bun.BaseModel `bun:"table:team_members,alias:tm"`

	TeamID   int64     `bun:"team_id,pk"`
	UserID   int64     `bun:"user_id,pk"`
	Role     TeamRole  `bun:"role,notnull"`
	JoinedAt time.Time `bun:"joined_at,notnull"`
}

// ProjectShare grants a team a permission on a project.
type ProjectShare struct {
	bun.BaseModel `bun:"table:project_shares,alias:ps"`

	ProjectID  int64             `bun:"project_id,pk"`
	TeamID     int64             `bun:"team_id,pk"`
	Permission ProjectPermission `bun:"permission,notnull"`
	SharedByID *int64            `bun:"shared_by_id"`
	SharedAt   time.Time         `bun:"shared_at,notnull"`
}

// APIToken is a long-lived token for integrations, stored as a hash.
type APIToken struct {
	bun.BaseModel `bun:"table:api_tokens,alias:at"`

	ID         int64      `bun:"id,pk,autoincrement"`
	UserID     int64      `bun:"user_id,notnull"`
	Name       string     `bun:"name,notnull"`
	Prefix     string     `bun:"prefix,notnull"`
	TokenHash  string     `bun:"token_hash,notnull" json:"-"`
	ScopeList  string     `bun:"scopes,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// IsNode marks APIToken as a GraphQL Node.
func (APIToken) IsNode() {}

// Scopes returns the token's scopes.
func (t *APIToken) Scopes() []APITokenScope {
	var out []APITokenScope
	for _, s := range strings.Split(t.ScopeList, ",") {
		if s != "" {
			out = append(out, APITokenScope(s))
		}
	}
	return out
}

// Activity records a change to a team, a share or an API token.
type Activity struct {
	bun.BaseModel `bun:"table:activities,alias:ac"`

	ID            int64     `bun:"id,pk,autoincrement"`
	ActorID       *int64    `bun:"actor_id"`
	Action        string    `bun:"action,notnull"`
	TeamID        *int64    `bun:"team_id"`
	ProjectID     *int64    `bun:"project_id"`
	SubjectUserID *int64    `bun:"subject_user_id"`
	APITokenID    *int64    `bun:"api_token_id"`
	Details       *string   `bun:"details"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}

// IsNode marks Activity as a GraphQL Node.
func (Activity) IsNode() {}
