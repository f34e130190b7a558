// Package export turns a snapshot of a project into a file: a Markdown
// document, or the versioned export structure (Document) as JSON or YAML,
// or a CSV table of its specifications. Rendering is pure and
// deterministic: two exports of an unchanged project are byte-identical.
package export

import (
	"slices"
	"socrates/internal/slug"
	"time"

	"socrates/internal/ids"
	"socrates/internal/socratic"
	"socrates/models"
)

// SchemaVersion is the version of the Document structure. It changes
// only when a field is removed, renamed or changes meaning; fields may be
// added within a version.
const SchemaVersion = 1

// Snapshot is what an export is built from: a project and everything it
// holds, each list ordered by id.
type Snapshot struct {
	Project        *models.Project
	Sessions       []*models.Session
	Questions      []*models.Question
	Specifications []*models.Specification
	Conflicts      []*models.Conflict
	// Links are the conflicts' specifications, EXISTING before NEW.
	Links []models.ConflictSpecification
	// Documents are the uploaded documents (their text is not exported).
	Documents []*models.Document
}

// Document is the versioned export structure, written as JSON or YAML.
// Lists are ordered stably: specifications by category in the domain's
// table order then by creation, conflicts, sessions and questions by
// creation.
type Document struct {
	SchemaVersion int `json:"schemaVersion" yaml:"schemaVersion"`
	// IncludesHistory is true when Specifications holds every status,
	// false when it holds the CURRENT ones alone.
	IncludesHistory bool            `json:"includesHistory" yaml:"includesHistory"`
	Project         Project         `json:"project" yaml:"project"`
	Coverage        []Coverage      `json:"coverage" yaml:"coverage"`
	Specifications  []Specification `json:"specifications" yaml:"specifications"`
	Conflicts       []Conflict      `json:"conflicts" yaml:"conflicts"`
	Sessions        []Session       `json:"sessions" yaml:"sessions"`
	// Documents are the files uploaded to the project, described; their
	// text is not exported.
	Documents []UploadedDocument `json:"documents" yaml:"documents"`
}

// UploadedDocument describes a document uploaded to the project.
type UploadedDocument struct {
	ID         string `json:"id" yaml:"id"`
	Filename   string `json:"filename" yaml:"filename"`
	MimeType   string `json:"mimeType" yaml:"mimeType"`
	Size       int    `json:"size" yaml:"size"`
	SHA256     string `json:"sha256" yaml:"sha256"`
	UploadedAt string `json:"uploadedAt" yaml:"uploadedAt"`
}

// Project is the project's own fields in a Document.
type Project struct {
	ID                string  `json:"id" yaml:"id"`
	Name              string  `json:"name" yaml:"name"`
	Description       *string `json:"description" yaml:"description"`
	Phase             string  `json:"phase" yaml:"phase"`
	Status            string  `json:"status" yaml:"status"`
	Maturity          int     `json:"maturity" yaml:"maturity"`
	OpenConflictCount int     `json:"openConflictCount" yaml:"openConflictCount"`
	CreatedAt         string  `json:"createdAt" yaml:"createdAt"`
	UpdatedAt         string  `json:"updatedAt" yaml:"updatedAt"`
}

// Coverage is one category's coverage, as Project.categoryCoverage says.
type Coverage struct {
	Category      string  `json:"category" yaml:"category"`
	SpecCount     int     `json:"specCount" yaml:"specCount"`
	ConfidenceSum float64 `json:"confidenceSum" yaml:"confidenceSum"`
	Target        int     `json:"target" yaml:"target"`
	Coverage      float64 `json:"coverage" yaml:"coverage"`
}

// Specification is one specification in a Document.
type Specification struct {
	ID         string  `json:"id" yaml:"id"`
	Category   string  `json:"category" yaml:"category"`
	Key        string  `json:"key" yaml:"key"`
	Value      string  `json:"value" yaml:"value"`
	Content    string  `json:"content" yaml:"content"`
	Source     string  `json:"source" yaml:"source"`
	Confidence float64 `json:"confidence" yaml:"confidence"`
	Reasoning  *string `json:"reasoning" yaml:"reasoning"`
	Status     string  `json:"status" yaml:"status"`
	// RejectionNote says why a REJECTED specification was rejected.
	RejectionNote  *string `json:"rejectionNote" yaml:"rejectionNote"`
	QuestionID     *string `json:"questionId" yaml:"questionId"`
	SupersededByID *string `json:"supersededById" yaml:"supersededById"`
	CreatedAt      string  `json:"createdAt" yaml:"createdAt"`
}

// Conflict is one conflict in a Document, open or decided.
type Conflict struct {
	ID             string            `json:"id" yaml:"id"`
	Type           string            `json:"type" yaml:"type"`
	Severity       string            `json:"severity" yaml:"severity"`
	Status         string            `json:"status" yaml:"status"`
	Description    string            `json:"description" yaml:"description"`
	Resolution     *string           `json:"resolution" yaml:"resolution"`
	ResolutionNote *string           `json:"resolutionNote" yaml:"resolutionNote"`
	DetectedAt     string            `json:"detectedAt" yaml:"detectedAt"`
	ResolvedAt     *string           `json:"resolvedAt" yaml:"resolvedAt"`
	Specifications []ConflictingSpec `json:"specifications" yaml:"specifications"`
}

// ConflictingSpec is a specification a conflict links, whatever its
// status: EXISTING ones were there before, NEW ones raised the conflict.
type ConflictingSpec struct {
	ID       string `json:"id" yaml:"id"`
	Role     string `json:"role" yaml:"role"`
	Category string `json:"category" yaml:"category"`
	Key      string `json:"key" yaml:"key"`
	Value    string `json:"value" yaml:"value"`
	Status   string `json:"status" yaml:"status"`
}

// Session is one session in a Document, with the questions it asked.
type Session struct {
	ID        string     `json:"id" yaml:"id"`
	Mode      string     `json:"mode" yaml:"mode"`
	Status    string     `json:"status" yaml:"status"`
	StartedAt string     `json:"startedAt" yaml:"startedAt"`
	EndedAt   *string    `json:"endedAt" yaml:"endedAt"`
	Questions []Question `json:"questions" yaml:"questions"`
}

// Question is a question asked in a session, with its answer once given.
type Question struct {
	ID         string  `json:"id" yaml:"id"`
	Category   string  `json:"category" yaml:"category"`
	Text       string  `json:"text" yaml:"text"`
	AskedAt    string  `json:"askedAt" yaml:"askedAt"`
	Answer     *string `json:"answer" yaml:"answer"`
	AnsweredAt *string `json:"answeredAt" yaml:"answeredAt"`
	// SpecificationIDs are the specifications of this document extracted
	// from the answer.
	SpecificationIDs []string `json:"specificationIds" yaml:"specificationIds"`
}

// Build makes the Document of a snapshot: the CURRENT specifications, or
// all of them when history is true; every conflict; every session with
// its questions; every document, described.
func Build(s Snapshot, history bool) Document {
	p := s.Project
	d := Document{
		SchemaVersion: SchemaVersion, IncludesHistory: history,
		Project: Project{
			ID: ids.Encode(ids.Project, p.ID), Name: p.Name, Description: p.Description,
			Phase: string(p.Phase), Status: string(p.Status), Maturity: p.Maturity,
			CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt),
		},
		Coverage: []Coverage{}, Specifications: []Specification{}, Conflicts: []Conflict{}, Sessions: []Session{},
		Documents: []UploadedDocument{},
	}
	for _, doc := range s.Documents {
		d.Documents = append(d.Documents, UploadedDocument{
			ID: ids.Encode(ids.Document, doc.ID), Filename: doc.Filename, MimeType: doc.ContentType, Size: doc.Size,
			SHA256: doc.SHA256, UploadedAt: stamp(doc.UploadedAt),
		})
	}
	for _, c := range socratic.Coverage(socratic.Scores(s.Specifications)) {
		d.Coverage = append(d.Coverage, Coverage{
			Category: string(c.Category), SpecCount: c.SpecCount, ConfidenceSum: c.ConfidenceSum, Target: c.Target, Coverage: c.Coverage,
		})
	}

	byID := map[int64]*models.Specification{}
	for _, sp := range s.Specifications {
		byID[sp.ID] = sp
	}
	included := map[int64]bool{}
	for _, sp := range sortedSpecs(s.Specifications) {
		if !history && sp.Status != models.SpecStatusCurrent {
			continue
		}
		included[sp.ID] = true
		d.Specifications = append(d.Specifications, Specification{
			ID: ids.Encode(ids.Specification, sp.ID), Category: string(sp.Category), Key: sp.Key, Value: sp.Value,
			Content: sp.Content, Source: string(sp.Source), Confidence: sp.Confidence, Reasoning: sp.Reasoning,
			Status: string(sp.Status), RejectionNote: sp.RejectionNote, QuestionID: globalPtr(ids.Question, sp.QuestionID),
			SupersededByID: globalPtr(ids.Specification, sp.SupersededByID), CreatedAt: stamp(sp.CreatedAt),
		})
	}

	links := map[int64][]models.ConflictSpecification{}
	for _, l := range s.Links {
		links[l.ConflictID] = append(links[l.ConflictID], l)
	}
	for _, c := range s.Conflicts {
		if c.Status == models.ConflictStatusOpen {
			d.Project.OpenConflictCount++
		}
		out := Conflict{
			ID: ids.Encode(ids.Conflict, c.ID), Type: string(c.Type), Severity: string(c.Severity), Status: string(c.Status),
			Description: c.Description, Resolution: c.ResolutionName, ResolutionNote: c.ResolutionNote,
			DetectedAt: stamp(c.DetectedAt), ResolvedAt: stampPtr(c.ResolvedAt), Specifications: []ConflictingSpec{},
		}
		for _, l := range links[c.ID] {
			sp := byID[l.SpecificationID]
			if sp == nil {
				continue
			}
			out.Specifications = append(out.Specifications, ConflictingSpec{
				ID: ids.Encode(ids.Specification, sp.ID), Role: l.Role, Category: string(sp.Category),
				Key: sp.Key, Value: sp.Value, Status: string(sp.Status),
			})
		}
		d.Conflicts = append(d.Conflicts, out)
	}

	fromQuestion := map[int64][]string{}
	for _, sp := range s.Specifications {
		if sp.QuestionID != nil && included[sp.ID] {
			fromQuestion[*sp.QuestionID] = append(fromQuestion[*sp.QuestionID], ids.Encode(ids.Specification, sp.ID))
		}
	}
	questions := map[int64][]Question{}
	for _, q := range s.Questions {
		specs := fromQuestion[q.ID]
		if specs == nil {
			specs = []string{}
		}
		questions[q.SessionID] = append(questions[q.SessionID], Question{
			ID: ids.Encode(ids.Question, q.ID), Category: string(q.Category), Text: q.Text, AskedAt: stamp(q.AskedAt),
			Answer: q.Answer, AnsweredAt: stampPtr(q.AnsweredAt), SpecificationIDs: specs,
		})
	}
	for _, se := range s.Sessions {
		qs := questions[se.ID]
		if qs == nil {
			qs = []Question{}
		}
		d.Sessions = append(d.Sessions, Session{
			ID: ids.Encode(ids.Session, se.ID), Mode: string(se.Mode), Status: string(se.Status),
			StartedAt: stamp(se.StartedAt), EndedAt: stampPtr(se.EndedAt), Questions: qs,
		})
	}
	return d
}

// sortedSpecs orders specifications by category, in the domain's table
// order, then by id.
func sortedSpecs(specs []*models.Specification) []*models.Specification {
	rank := map[models.SpecCategory]int{}
	for i, c := range socratic.Categories() {
		rank[c] = i
	}
	out := slices.Clone(specs)
	slices.SortStableFunc(out, func(a, b *models.Specification) int {
		if d := rank[a.Category] - rank[b.Category]; d != 0 {
			return d
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// stamp writes a time as RFC 3339 in UTC, with the fraction it has.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func stampPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

func globalPtr(typeName string, id *int64) *string {
	if id == nil {
		return nil
	}
	g := ids.Encode(typeName, *id)
	return &g
}

// Extension returns the file extension of a format, without the dot.
func Extension(f models.ExportFormat) string {
	switch f {
	case models.ExportFormatMarkdown:
		return "md"
	case models.ExportFormatJSON:
		return "json"
	case models.ExportFormatYaml:
		return "yaml"
	case models.ExportFormatCSV:
		return "csv"
	}
	return ""
}

// MimeType returns the media type of a format's files.
func MimeType(f models.ExportFormat) string {
	switch f {
	case models.ExportFormatMarkdown:
		return "text/markdown; charset=utf-8"
	case models.ExportFormatJSON:
		return "application/json"
	case models.ExportFormatYaml:
		return "application/yaml"
	case models.ExportFormatCSV:
		return "text/csv; charset=utf-8"
	}
	return ""
}

// FormatOf returns the format whose extension is ext ("md", "json",
// "yaml" or "csv"), and false for any other.
func FormatOf(ext string) (models.ExportFormat, bool) {
	for _, f := range models.AllExportFormat {
		if Extension(f) == ext {
			return f, true
		}
	}
	return "", false
}

// Filename returns the file name of a project's export: its name as a
// slug (slug.Of), then the format's extension.
func Filename(name string, f models.ExportFormat) string {
	return slug.Of(name) + "." + Extension(f)
}
