// Package resolvers maps GraphQL fields to service calls: decode ids and
// arguments, call a service, map the result and its errors. Business rules
// live in the services, not here.
package resolvers

import (
	"socrates/internal/account"
	"socrates/internal/loaders"
	"socrates/internal/project"
	"socrates/internal/session"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	AccountService *account.Service
	ProjectService *project.Service
	SessionService *session.Service
	Read           *loaders.Reader
}
