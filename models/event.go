package models

// Event is something that happened in a session or project, as
// subscriptions deliver it.
type Event struct {
	Type             SessionEventType `json:"type"`
	ProjectID        int64            `json:"projectId"`
	SessionID        *int64           `json:"sessionId,omitempty"`
	Session          *Session         `json:"session,omitempty"`
	Question         *Question        `json:"question,omitempty"`
	Specifications   []*Specification `json:"specifications"`
	Conflicts        []*Conflict      `json:"conflicts"`
	Project          *Project         `json:"project,omitempty"`
	Message          *Message         `json:"message,omitempty"`
	PreviousMaturity *int             `json:"previousMaturity,omitempty"`
}

// QuestionStreamEvent is a step in the generation of a question.
type QuestionStreamEvent struct {
	Kind     QuestionStreamEventKind `json:"kind"`
	Delta    *string                 `json:"delta,omitempty"`
	Question *Question               `json:"question,omitempty"`
	Message  *string                 `json:"message,omitempty"`
	Provider *string                 `json:"provider,omitempty"`
	Fallback bool                    `json:"fallback"`
}

// ChatStreamEvent is a step in the writing of a chat reply.
type ChatStreamEvent struct {
	Kind     ChatStreamEventKind `json:"kind"`
	Delta    *string             `json:"delta,omitempty"`
	Reply    *Message            `json:"reply,omitempty"`
	Message  *string             `json:"message,omitempty"`
	Provider *string             `json:"provider,omitempty"`
	Fallback bool                `json:"fallback"`
}
