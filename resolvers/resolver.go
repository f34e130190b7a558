// Package resolvers maps GraphQL fields to service calls: decode ids and
// arguments, call a service, map the result and its errors. Business rules
// live in the services, not here.
package resolvers

import (
	"socrates/internal/account"
	"socrates/internal/apitoken"
	"socrates/internal/codegen"
	"socrates/internal/dialogue"
	"socrates/internal/document"
	"socrates/internal/export"
	"socrates/internal/llmsettings"
	"socrates/internal/loaders"
	"socrates/internal/plan"
	"socrates/internal/project"
	"socrates/internal/search"
	"socrates/internal/session"
	"socrates/internal/spec"
	"socrates/internal/team"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	AccountService  *account.Service
	ProjectService  *project.Service
	SessionService  *session.Service
	SpecService     *spec.Service
	DialogueService *dialogue.Service
	ExportService   *export.Service
	CodegenService  *codegen.Service
	SearchService   *search.Service
	DocumentService *document.Service
	LLMService      *llmsettings.Service
	TeamService     *team.Service
	TokenService    *apitoken.Service
	Read            *loaders.Reader
	// Plan reads ahead what a query selects below its root fields; nil
	// leaves every edge to the loaders.
	Plan *plan.Planner
}
