package models

import (
	"time"

	"github.com/uptrace/bun"
)

// LLMCredential is a user's own key for a provider, encrypted at rest.
type LLMCredential struct {
	bun.BaseModel `bun:"table:llm_credentials,alias:lc"`

	UserID       int64         `bun:"user_id,pk"`
	Provider     LLMProviderID `bun:"provider,pk"`
	APIKeyCipher []byte        `bun:"api_key_cipher,notnull" json:"-"`
	BaseURL      *string       `bun:"base_url"`
	CreatedAt    time.Time     `bun:"created_at,notnull"`
	UpdatedAt    time.Time     `bun:"updated_at,notnull"`
}

// LLMCall records one use of a counselor engine.
type LLMCall struct {
	bun.BaseModel `bun:"table:llm_calls,alias:lcall"`

	ID           int64         `bun:"id,pk,autoincrement"`
	UserID       *int64        `bun:"user_id"`
	ProjectID    int64         `bun:"project_id,notnull"`
	SessionID    *int64        `bun:"session_id"`
	Provider     LLMProviderID `bun:"provider,notnull"`
	Model        string        `bun:"model,notnull"`
	Operation    string        `bun:"operation,notnull"`
	InputTokens  int           `bun:"input_tokens,notnull"`
	OutputTokens int           `bun:"output_tokens,notnull"`
	CostUSD      float64       `bun:"cost_usd,notnull"`
	LatencyMS    int           `bun:"latency_ms,notnull"`
	Succeeded    bool          `bun:"succeeded,notnull"`
	Fallback     bool          `bun:"fallback,notnull"`
	Error        *string       `bun:"error"`
	CreatedAt    time.Time     `bun:"created_at,notnull"`
}

// QuestionStat is what a user's answers to one question template have
// produced: how often it was asked and answered well, and moving averages.
type QuestionStat struct {
	bun.BaseModel `bun:"table:question_stats,alias:qs"`

	UserID            int64     `bun:"user_id,pk"`
	TemplateKey       string    `bun:"template_key,pk"`
	TimesAsked        int       `bun:"times_asked,notnull"`
	TimesAnswered     int       `bun:"times_answered,notnull"`
	TimesAnsweredWell int       `bun:"times_answered_well,notnull"`
	AvgAnswerLength   float64   `bun:"avg_answer_length,notnull"`
	AvgSpecsPerAnswer float64   `bun:"avg_specs_per_answer,notnull"`
	UpdatedAt         time.Time `bun:"updated_at,notnull"`
}

// Effectiveness is times answered well / times asked.
func (s *QuestionStat) Effectiveness() float64 {
	if s.TimesAsked == 0 {
		return 0
	}
	return float64(s.TimesAnsweredWell) / float64(s.TimesAsked)
}
