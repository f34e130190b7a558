package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Project is a requirements-elicitation project row.
type Project struct {
	bun.BaseModel `bun:"table:projects,alias:p"`

	ID          int64         `bun:"id,pk,autoincrement"`
	OwnerID     int64         `bun:"owner_id,notnull"`
	Name        string        `bun:"name,notnull"`
	NameKey     string        `bun:"name_key,notnull" json:"-"`
	Description *string       `bun:"description"`
	Phase       ProjectPhase  `bun:"phase,notnull"`
	Status      ProjectStatus `bun:"status,notnull"`
	Maturity    int           `bun:"maturity,notnull"`
	CreatedAt   time.Time     `bun:"created_at,notnull"`
	UpdatedAt   time.Time     `bun:"updated_at,notnull"`
	ArchivedAt  *time.Time    `bun:"archived_at"`
	// LLMProvider and LLMModel choose the project's counselor; nil means
	// the server's default.
	LLMProviderName *string `bun:"llm_provider"`
	LLMModel        *string `bun:"llm_model"`
}

// LLMProvider returns the project's chosen provider, if any.
func (p *Project) LLMProvider() *LLMProviderID {
	if p.LLMProviderName == nil {
		return nil
	}
	id := LLMProviderID(*p.LLMProviderName)
	return &id
}

// IsNode marks Project as a GraphQL Node.
func (Project) IsNode() {}

// Session is one sitting of the dialogue on a project.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID                int64         `bun:"id,pk,autoincrement"`
	ProjectID         int64         `bun:"project_id,notnull"`
	StartedByID       int64         `bun:"started_by_id,notnull"`
	Mode              SessionMode   `bun:"mode,notnull"`
	Status            SessionStatus `bun:"status,notnull"`
	CurrentQuestionID *int64        `bun:"current_question_id"`
	StartedAt         time.Time     `bun:"started_at,notnull"`
	UpdatedAt         time.Time     `bun:"updated_at,notnull"`
	EndedAt           *time.Time    `bun:"ended_at"`
}

// IsNode marks Session as a GraphQL Node.
func (Session) IsNode() {}
