package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Question is a question the counselor asked in a session, with its answer
// once given.
type Question struct {
	bun.BaseModel `bun:"table:questions,alias:q"`

	ID           int64        `bun:"id,pk,autoincrement"`
	SessionID    int64        `bun:"session_id,notnull"`
	ProjectID    int64        `bun:"project_id,notnull"`
	Text         string       `bun:"text,notnull"`
	Category     SpecCategory `bun:"category,notnull"`
	Context      *string      `bun:"context"`
	TemplateKey  *string      `bun:"template_key"`
	QualityScore float64      `bun:"quality_score,notnull"`
	BiasScore    float64      `bun:"bias_score,notnull"`
	AskedAt      time.Time    `bun:"asked_at,notnull"`
	Answer       *string      `bun:"answer"`
	AnsweredAt   *time.Time   `bun:"answered_at"`
	AnsweredByID *int64       `bun:"answered_by_id"`
}

// IsNode marks Question as a GraphQL Node.
func (Question) IsNode() {}

// Message is one turn of a session's conversation history.
type Message struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	ID         int64       `bun:"id,pk,autoincrement"`
	SessionID  int64       `bun:"session_id,notnull"`
	QuestionID *int64      `bun:"question_id"`
	AuthorID   *int64      `bun:"author_id"`
	Role       MessageRole `bun:"role,notnull"`
	Content    string      `bun:"content,notnull"`
	CreatedAt  time.Time   `bun:"created_at,notnull"`
}

// IsNode marks Message as a GraphQL Node.
func (Message) IsNode() {}

// Specification is one structured fact about the system being specified.
type Specification struct {
	bun.BaseModel `bun:"table:specifications,alias:sp"`

	ID             int64        `bun:"id,pk,autoincrement"`
	ProjectID      int64        `bun:"project_id,notnull"`
	QuestionID     *int64       `bun:"question_id"`
	MessageID      *int64       `bun:"message_id"`
	Category       SpecCategory `bun:"category,notnull"`
	Key            string       `bun:"key,notnull"`
	Value          string       `bun:"value,notnull"`
	Content        string       `bun:"content,notnull"`
	Source         SpecSource   `bun:"source,notnull"`
	Confidence     float64      `bun:"confidence,notnull"`
	Reasoning      *string      `bun:"reasoning"`
	Status         SpecStatus   `bun:"status,notnull"`
	RejectionNote  *string      `bun:"rejection_note"`
	SupersededByID *int64       `bun:"superseded_by_id"`
	CreatedByID    *int64       `bun:"created_by_id"`
	CreatedAt      time.Time    `bun:"created_at,notnull"`
	UpdatedAt      time.Time    `bun:"updated_at,notnull"`
}

// IsNode marks Specification as a GraphQL Node.
func (Specification) IsNode() {}

// Conflict records two or more specifications that contradict each other.
type Conflict struct {
	bun.BaseModel `bun:"table:conflicts,alias:c"`

	ID             int64            `bun:"id,pk,autoincrement"`
	ProjectID      int64            `bun:"project_id,notnull"`
	Type           ConflictType     `bun:"type,notnull"`
	Severity       ConflictSeverity `bun:"severity,notnull"`
	Status         ConflictStatus   `bun:"status,notnull"`
	Rule           string           `bun:"rule,notnull"`
	Description    string           `bun:"description,notnull"`
	ResolutionName *string          `bun:"resolution"`
	ResolutionNote *string          `bun:"resolution_note"`
	ResolvedByID   *int64           `bun:"resolved_by_id"`
	DetectedAt     time.Time        `bun:"detected_at,notnull"`
	ResolvedAt     *time.Time       `bun:"resolved_at"`
}

// IsNode marks Conflict as a GraphQL Node.
func (Conflict) IsNode() {}

// Resolution returns how the conflict was decided, if it was.
func (c *Conflict) Resolution() *ConflictResolution {
	if c.ResolutionName == nil {
		return nil
	}
	r := ConflictResolution(*c.ResolutionName)
	return &r
}

// Roles of a specification in a conflict.
const (
	ConflictRoleExisting = "EXISTING"
	ConflictRoleNew      = "NEW"
)

// ConflictSpecification links a conflict to one of its specifications. Role
// says whether the specification existed before (EXISTING) or arrived with the
// conflict (NEW).
type ConflictSpecification struct {
	bun.BaseModel `bun:"table:conflict_specifications,alias:cs"`

	ConflictID      int64  `bun:"conflict_id,pk"`
	SpecificationID int64  `bun:"specification_id,pk"`
	Role            string `bun:"role,notnull"`
}
