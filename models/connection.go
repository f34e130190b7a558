package models

import "context"

// CountFunc counts every item of a connection, ignoring pagination. It is
// called only when a client selects totalCount.
type CountFunc func(ctx context.Context) (int, error)

// Edge is one item of a connection page with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is one page of a Relay connection. Its edges, with their
// cursors, are built only when a client selects them: most select nodes.
type Connection[T any] struct {
	PageInfo *PageInfo
	Count    CountFunc

	items    []T
	cursorOf func(T) string
}

// NewConnection returns a page of items; cursorOf gives an item's cursor.
func NewConnection[T any](items []T, cursorOf func(T) string, info *PageInfo, count CountFunc) *Connection[T] {
	return &Connection[T]{PageInfo: info, Count: count, items: items, cursorOf: cursorOf}
}

// Nodes returns the items of the page.
func (c *Connection[T]) Nodes() []T {
	if c.items == nil {
		return []T{}
	}
	return c.items
}

// Edges returns the items of the page with their cursors.
func (c *Connection[T]) Edges() []*Edge[T] {
	out := make([]*Edge[T], len(c.items))
	for i, n := range c.items {
		out[i] = &Edge[T]{Cursor: c.cursorOf(n), Node: n}
	}
	return out
}

// TotalCount counts every item the connection's filters match.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	if c.Count == nil {
		return len(c.items), nil
	}
	return c.Count(ctx)
}

// ProjectConnection is a page of projects.
type ProjectConnection = Connection[*Project]

// ProjectEdge is a project with its cursor.
type ProjectEdge = Edge[*Project]

// SessionConnection is a page of sessions.
type SessionConnection = Connection[*Session]

// SessionEdge is a session with its cursor.
type SessionEdge = Edge[*Session]

// QuestionConnection is a page of questions.
type QuestionConnection = Connection[*Question]

// QuestionEdge is a question with its cursor.
type QuestionEdge = Edge[*Question]

// MessageConnection is a page of messages.
type MessageConnection = Connection[*Message]

// MessageEdge is a message with its cursor.
type MessageEdge = Edge[*Message]

// SpecificationConnection is a page of specifications.
type SpecificationConnection = Connection[*Specification]

// SpecificationEdge is a specification with its cursor.
type SpecificationEdge = Edge[*Specification]

// ConflictConnection is a page of conflicts.
type ConflictConnection = Connection[*Conflict]

// ConflictEdge is a conflict with its cursor.
type ConflictEdge = Edge[*Conflict]

// TeamConnection is a page of teams.
type TeamConnection = Connection[*Team]

// TeamEdge is a team with its cursor.
type TeamEdge = Edge[*Team]

// TeamMemberConnection is a page of teammembers.
type TeamMemberConnection = Connection[*TeamMember]

// TeamMemberEdge is a teammember with its cursor.
type TeamMemberEdge = Edge[*TeamMember]

// ApiTokenConnection is a page of apitokens.
type ApiTokenConnection = Connection[*APIToken]

// ApiTokenEdge is a apitoken with its cursor.
type ApiTokenEdge = Edge[*APIToken]

// ActivityConnection is a page of activitys.
type ActivityConnection = Connection[*Activity]

// ActivityEdge is a activity with its cursor.
type ActivityEdge = Edge[*Activity]
