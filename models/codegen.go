package models

import (
	"time"

	"github.com/uptrace/bun"
)

// CodeGeneration is one run of the code generator over a project's
// CURRENT specifications, numbered per project.
type CodeGeneration struct {
	bun.BaseModel `bun:"table:code_generations,alias:cg"`

	ID            int64            `bun:"id,pk,autoincrement"`
	ProjectID     int64            `bun:"project_id,notnull"`
	Version       int              `bun:"version,notnull"`
	Stack         CodeStack        `bun:"stack,notnull"`
	Status        GenerationStatus `bun:"status,notnull"`
	TotalFiles    int              `bun:"total_files,notnull"`
	TotalLines    int              `bun:"total_lines,notnull"`
	Error         *string          `bun:"error"`
	RequestedByID *int64           `bun:"requested_by_id"`
	StartedAt     time.Time        `bun:"started_at,notnull"`
	// HeartbeatAt is refreshed by the instance running the generation;
	// one older than the lease means that instance stopped.
	HeartbeatAt time.Time  `bun:"heartbeat_at,notnull"`
	CompletedAt *time.Time `bun:"completed_at"`
}

// IsNode marks CodeGeneration as a GraphQL Node.
func (CodeGeneration) IsNode() {}

// Finished reports whether the generation is COMPLETED or FAILED.
func (g *CodeGeneration) Finished() bool {
	return g.Status == GenerationStatusCompleted || g.Status == GenerationStatusFailed
}

// GeneratedFile is a file written by a code generation.
type GeneratedFile struct {
	bun.BaseModel `bun:"table:generated_files,alias:gf"`

	ID           int64  `bun:"id,pk,autoincrement"`
	GenerationID int64  `bun:"generation_id,notnull"`
	Path         string `bun:"path,notnull"`
	Content      string `bun:"content,notnull"`
	Size         int    `bun:"size,notnull"`
	Lines        int    `bun:"lines,notnull"`
}

// IsNode marks GeneratedFile as a GraphQL Node.
func (GeneratedFile) IsNode() {}

// CodeGenerationConnection is a page of code generations.
type CodeGenerationConnection = Connection[*CodeGeneration]

// CodeGenerationEdge is a code generation with its cursor.
type CodeGenerationEdge = Edge[*CodeGeneration]

// GeneratedFileConnection is a page of generated files.
type GeneratedFileConnection = Connection[*GeneratedFile]

// GeneratedFileEdge is a generated file with its cursor.
type GeneratedFileEdge = Edge[*GeneratedFile]
