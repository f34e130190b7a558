package codegen

import (
	"context"
	"fmt"
	"strings"

	"socrates/internal/counsel"
	"socrates/internal/socratic"
	"socrates/models"
)

// Engines chooses the language model for a call by a user in a project.
type Engines interface {
	Engine(ctx context.Context, userID int64, p *models.Project) counsel.Engine
}

// Writer asks a model for a document and checks its answer.
type Writer interface {
	Write(ctx context.Context, e counsel.Engine, w counsel.Writing) (string, counsel.Outcome, bool)
}

// UsageOperation names code generation in the usage records.
const UsageOperation = "CODE_GENERATION"

// modelPromptBudget bounds the specifications written into the prompt,
// in estimated tokens.
const modelPromptBudget = 8000

// stackNames say what each stack is, for the model.
var stackNames = map[models.CodeStack]string{
	models.CodeStackGoService:       "a Go service on PostgreSQL (net/http, database/sql), with tests, a Dockerfile and a CI workflow",
	models.CodeStackTypescriptReact: "a TypeScript + React single-page app built with Vite, with tests, a Dockerfile and a CI workflow",
	models.CodeStackPythonFastapi:   "a Python FastAPI service, with pytest tests, a Dockerfile and a CI workflow",
}

// modelSystem is the system prompt of a model writing a skeleton.
func modelSystem(stack models.CodeStack) string {
	return "You write the skeleton of a software project from its specification: " + stackNames[stack] +
		". Write only files the specification gives a reason for, small and runnable, with the requirements in the README. " +
		"Never write secrets.\n\n" + ProtocolFormat
}

// ModelPrompt writes a generation's input for a model: the project, the
// stack and the CURRENT specifications by category, as many as fit the
// prompt budget (the first recorded first).
func ModelPrompt(in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Project: %s\n", in.Project)
	if d := strings.TrimSpace(in.Description); d != "" {
		fmt.Fprintf(&b, "Description: %s\n", d)
	}
	fmt.Fprintf(&b, "Stack: %s\n\nSpecification:\n", stackNames[in.Stack])
	used := counsel.EstimateTokens(b.String())
	left := 0
	for _, c := range socratic.Categories() {
		for _, sp := range in.Specifications {
			if sp.Category != c {
				continue
			}
			line := fmt.Sprintf("- [%s] %s: %s\n", c, sp.Key, sp.Value)
			if used += counsel.EstimateTokens(line); used > modelPromptBudget {
				left++
				continue
			}
			b.WriteString(line)
		}
	}
	if left > 0 {
		fmt.Fprintf(&b, "(%d more specifications left out for length)\n", left)
	}
	return b.String()
}

// plan chooses who writes a generation's files: the model of the
// requester's engine in the project, through the model protocol, when
// one is configured and its answer is accepted; the built-in generator
// otherwise (and as the fallback). The outcome of the choice is returned
// for the usage records (nil when the service has no models).
func (s *Service) plan(ctx context.Context, g *models.CodeGeneration, p *models.Project, in Input) ([]Planned, *counsel.Outcome, error) {
	if s.d.Engines == nil || s.d.Writer == nil || g.RequestedByID == nil {
		planned, err := s.d.Generator.Plan(ctx, in)
		return planned, nil, err
	}
	var files []File
	_, o, ok := s.d.Writer.Write(ctx, s.d.Engines.Engine(ctx, *g.RequestedByID, p), counsel.Writing{
		Operation: "code", System: modelSystem(in.Stack), Prompt: ModelPrompt(in), MaxTokens: 16000,
		Accept: func(text string) error {
			var err error
			files, err = ParseFiles(text, s.d.Limits)
			return err
		},
	})
	if !ok {
		planned, err := s.d.Generator.Plan(ctx, in)
		return planned, &o, err
	}
	planned := make([]Planned, len(files))
	for i, f := range files {
		planned[i] = Planned{Path: f.Path, Render: func() (string, error) { return f.Content, nil }}
	}
	return planned, &o, nil
}

// recordUsage stores the usage of a generation's model call at once (no
// transaction is open while a generation renders).
func (s *Service) recordUsage(ctx context.Context, g *models.CodeGeneration, o *counsel.Outcome) error {
	if o == nil {
		return nil
	}
	return s.d.Store.RecordLLMCallAtCommit(ctx, o.Call(g.RequestedByID, g.ProjectID, nil, UsageOperation, s.d.Clock()))
}
