package models

import "socrates/internal/ids"

// The GraphQL id of every Node is its type and primary key, encoded by
// internal/ids. These methods let the generated code read it inline, with
// no resolver call or goroutine per object.

// GlobalID returns the user's opaque GraphQL id.
func (u *User) GlobalID() string { return ids.Encode(ids.User, u.ID) }

// GlobalID returns the project's opaque GraphQL id.
func (p *Project) GlobalID() string { return ids.Encode(ids.Project, p.ID) }

// GlobalID returns the session's opaque GraphQL id.
func (s *Session) GlobalID() string { return ids.Encode(ids.Session, s.ID) }

// GlobalID returns the question's opaque GraphQL id.
func (q *Question) GlobalID() string { return ids.Encode(ids.Question, q.ID) }

// GlobalID returns the message's opaque GraphQL id.
func (m *Message) GlobalID() string { return ids.Encode(ids.Message, m.ID) }

// GlobalID returns the specification's opaque GraphQL id.
func (s *Specification) GlobalID() string { return ids.Encode(ids.Specification, s.ID) }

// GlobalID returns the conflict's opaque GraphQL id.
func (c *Conflict) GlobalID() string { return ids.Encode(ids.Conflict, c.ID) }

// GlobalID returns the team's opaque GraphQL id.
func (t *Team) GlobalID() string { return ids.Encode(ids.Team, t.ID) }

// GlobalID returns the API token's opaque GraphQL id.
func (t *APIToken) GlobalID() string { return ids.Encode(ids.APIToken, t.ID) }

// GlobalID returns the activity record's opaque GraphQL id.
func (a *Activity) GlobalID() string { return ids.Encode(ids.Activity, a.ID) }

// GlobalID returns the code generation's opaque GraphQL id.
func (g *CodeGeneration) GlobalID() string { return ids.Encode(ids.CodeGeneration, g.ID) }

// GlobalID returns the generated file's opaque GraphQL id.
func (f *GeneratedFile) GlobalID() string { return ids.Encode(ids.GeneratedFile, f.ID) }

// GlobalID returns the document's opaque GraphQL id.
func (d *Document) GlobalID() string { return ids.Encode(ids.Document, d.ID) }
