package resolvers

import (
	"socrates/graph"
	"socrates/internal/page"
	"socrates/models"
)

// Complexity scores connection fields by the page size they ask for, so the
// complexity limit sees the real cost of nested lists.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Projects = func(child int, first *int, _ *string, last *int, _ *string, _ *models.ProjectStatus, _ *string, _ *models.ProjectOrder, _ *models.ProjectAffiliation) int {
		return pageCost(child, first, last)
	}
	c.Query.Teams = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Project.Sessions = func(child int, first *int, _ *string, last *int, _ *string, _ *models.SessionStatus) int {
		return pageCost(child, first, last)
	}
	c.Project.Specifications = func(child int, first *int, _ *string, last *int, _ *string, _ *models.SpecCategory, _ *models.SpecStatus, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Project.Conflicts = func(child int, first *int, _ *string, last *int, _ *string, _ *models.ConflictStatus, _ *models.ConflictSeverity) int {
		return pageCost(child, first, last)
	}
	// An export reads everything the project holds.
	c.Project.Export = func(child int, _ models.ExportFormat, _ *bool) int { return exportCost + child }
	c.Project.Search = func(child int, _ string, first *int, _ *string) int { return pageCost(child, first, nil) }
	c.Project.Documents = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Project.CodeGenerations = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.CodeGeneration.Files = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Project.Activity = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Session.Questions = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Session.Messages = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Team.Members = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Team.Projects = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.Team.Activity = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.User.APITokens = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	c.User.Activity = func(child int, first *int, _ *string, last *int, _ *string) int { return pageCost(child, first, last) }
	return c
}

// exportCost is the complexity of Project.export: a full page of a
// connection with a few fields, since it reads the whole project.
const exportCost = 100

func pageCost(child int, first, last *int) int {
	n := page.DefaultSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	if n < 1 {
		n = 1
	}
	return 1 + child*n
}
