package export

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"socrates/internal/ids"
	"socrates/models"
)

func ptr[T any](v T) *T { return &v }

// snapshot is a small project: a superseded and a current database, a
// goal whose value a spreadsheet would take for a formula, a value with a
// pipe, a resolved and an open conflict, an answered and an open question.
func snapshot() Snapshot {
	t0 := time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	p := &models.Project{ID: 7, Name: "Payments Platform: v2 | Core", Description: ptr("Cards and\nwallets."),
		Phase: models.ProjectPhaseDiscovery, Status: models.ProjectStatusActive, Maturity: 12, CreatedAt: at(0), UpdatedAt: at(9)}
	specs := []*models.Specification{
		{ID: 1, ProjectID: 7, QuestionID: ptr[int64](10), Category: models.SpecCategoryTechStack, Key: "database", Value: "PostgreSQL",
			Content: "database: PostgreSQL.", Source: models.SpecSourceExtracted, Confidence: 0.9, Status: models.SpecStatusSuperseded,
			SupersededByID: ptr[int64](2), CreatedAt: at(1)},
		{ID: 2, ProjectID: 7, QuestionID: ptr[int64](11), Category: models.SpecCategoryTechStack, Key: "database", Value: "MongoDB",
			Content: "database: MongoDB.", Source: models.SpecSourceExtracted, Confidence: 0.8, Status: models.SpecStatusCurrent, CreatedAt: at(2)},
		{ID: 3, ProjectID: 7, Category: models.SpecCategoryGoals, Key: "formula", Value: "=SUM(A1:A2)", Content: "-danger",
			Source: models.SpecSourceUserInput, Confidence: 1, Reasoning: ptr("stated"), Status: models.SpecStatusCurrent, CreatedAt: at(3)},
		{ID: 4, ProjectID: 7, Category: models.SpecCategoryGoals, Key: "audience", Value: "merchants | banks", Content: "audience.",
			Source: models.SpecSourceUserInput, Confidence: 0.5, Status: models.SpecStatusCurrent, CreatedAt: at(4)},
		{ID: 5, ProjectID: 7, QuestionID: ptr[int64](11), Category: models.SpecCategoryTechStack, Key: "database", Value: "DynamoDB",
			Content: "database: DynamoDB.", Source: models.SpecSourceExtracted, Confidence: 0.9, Status: models.SpecStatusPending, CreatedAt: at(5)},
		{ID: 6, ProjectID: 7, QuestionID: ptr[int64](10), Category: models.SpecCategorySecurity, Key: "auth_method", Value: "none",
			Content: "auth_method: none.", Source: models.SpecSourceExtracted, Confidence: 0.6, Status: models.SpecStatusRejected,
			RejectionNote: ptr("misread: we need SSO"), CreatedAt: at(6)},
	}
	return Snapshot{
		Project:  p,
		Sessions: []*models.Session{{ID: 20, ProjectID: 7, Mode: models.SessionModeSocratic, Status: models.SessionStatusActive, StartedAt: at(0)}},
		Questions: []*models.Question{
			{ID: 10, SessionID: 20, ProjectID: 7, Text: "Which database?", Category: models.SpecCategoryTechStack, AskedAt: at(1),
				Answer: ptr("PostgreSQL.\n\nMaybe."), AnsweredAt: ptr(at(1))},
			{ID: 11, SessionID: 20, ProjectID: 7, Text: "Really?", Category: models.SpecCategoryTechStack, AskedAt: at(2),
				Answer: ptr("MongoDB, or DynamoDB"), AnsweredAt: ptr(at(2))},
			{ID: 12, SessionID: 20, ProjectID: 7, Text: "Who uses it?", Category: models.SpecCategoryGoals, AskedAt: at(6)},
		},
		Specifications: specs,
		Conflicts: []*models.Conflict{
			{ID: 30, ProjectID: 7, Type: models.ConflictTypeTechnology, Severity: models.ConflictSeverityHigh, Status: models.ConflictStatusResolved,
				Description: "database: PostgreSQL or MongoDB", ResolutionName: ptr("REPLACE"), ResolutionNote: ptr("decided in review"),
				DetectedAt: at(2), ResolvedAt: ptr(at(3))},
			{ID: 31, ProjectID: 7, Type: models.ConflictTypeTechnology, Severity: models.ConflictSeverityHigh, Status: models.ConflictStatusOpen,
				Description: "database: MongoDB or DynamoDB", DetectedAt: at(5)},
		},
		Documents: []*models.Document{
			{ID: 40, ProjectID: 7, Filename: "brief | v1.pdf", ContentType: "application/pdf", Size: 2048, SHA256: "ab12", UploadedAt: at(7)},
		},
		Links: []models.ConflictSpecification{
			{ConflictID: 30, SpecificationID: 1, Role: models.ConflictRoleExisting}, {ConflictID: 30, SpecificationID: 2, Role: models.ConflictRoleNew},
			{ConflictID: 31, SpecificationID: 2, Role: models.ConflictRoleExisting}, {ConflictID: 31, SpecificationID: 5, Role: models.ConflictRoleNew},
		},
	}
}

func specKeys(d Document) []string {
	var out []string
	for _, s := range d.Specifications {
		out = append(out, s.Category+"/"+s.Value+"/"+s.Status)
	}
	return out
}

func TestExportBuildOrdersAndFilters(t *testing.T) {
	d := Build(snapshot(), false)
	want := []string{"GOALS/=SUM(A1:A2)/CURRENT", "GOALS/merchants | banks/CURRENT", "TECH_STACK/MongoDB/CURRENT"}
	if got := specKeys(d); !reflect.DeepEqual(got, want) {
		t.Fatalf("current specifications %v, want %v", got, want)
	}
	if d.SchemaVersion != 1 || d.IncludesHistory || d.Project.OpenConflictCount != 1 || d.Project.ID != ids.Encode(ids.Project, 7) {
		t.Fatalf("document header %+v %+v", d, d.Project)
	}
	if len(d.Coverage) != 10 || d.Coverage[0].Category != "GOALS" || d.Coverage[0].SpecCount != 2 || d.Coverage[0].ConfidenceSum != 1.5 {
		t.Fatalf("coverage %+v", d.Coverage)
	}
	if len(d.Conflicts) != 2 || len(d.Conflicts[0].Specifications) != 2 || d.Conflicts[0].Specifications[0].Status != "SUPERSEDED" ||
		*d.Conflicts[0].ResolutionNote != "decided in review" {
		t.Fatalf("conflicts %+v", d.Conflicts)
	}
	qs := d.Sessions[0].Questions
	if len(qs) != 3 || len(qs[0].SpecificationIDs) != 0 || len(qs[1].SpecificationIDs) != 1 || qs[2].Answer != nil {
		t.Fatalf("questions %+v", qs)
	}
	h := Build(snapshot(), true)
	want = []string{"GOALS/=SUM(A1:A2)/CURRENT", "GOALS/merchants | banks/CURRENT", "TECH_STACK/PostgreSQL/SUPERSEDED",
		"TECH_STACK/MongoDB/CURRENT", "TECH_STACK/DynamoDB/PENDING", "SECURITY/none/REJECTED"}
	if got := specKeys(h); !reflect.DeepEqual(got, want) || !h.IncludesHistory {
		t.Fatalf("history %v, want %v", got, want)
	}
	if n := h.Specifications[5].RejectionNote; n == nil || *n != "misread: we need SSO" {
		t.Fatalf("rejectionNote %+v", h.Specifications[5])
	}
	if len(h.Documents) != 1 || h.Documents[0].ID != ids.Encode(ids.Document, 40) || h.Documents[0].MimeType != "application/pdf" {
		t.Fatalf("documents %+v", h.Documents)
	}
	if h.Specifications[2].SupersededByID == nil || *h.Specifications[2].SupersededByID != ids.Encode(ids.Specification, 2) {
		t.Fatalf("supersededById %+v", h.Specifications[2])
	}
	if got := h.Sessions[0].Questions[1].SpecificationIDs; len(got) != 2 {
		t.Fatalf("question 11 specifications with history %v", got)
	}
}

func TestExportStructuredFormatsRoundTrip(t *testing.T) {
	for _, history := range []bool{false, true} {
		d := Build(snapshot(), history)
		js, err := JSON(d)
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON Document
		if err := json.Unmarshal([]byte(js), &fromJSON); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromJSON, d) {
			t.Fatalf("JSON round trip differs:\n%+v\n%+v", fromJSON, d)
		}
		if !strings.Contains(js, `"schemaVersion": 1`) || !strings.Contains(js, `"description": "Cards and\nwallets."`) {
			t.Fatalf("JSON:\n%s", js)
		}
		ym, err := YAML(d)
		if err != nil {
			t.Fatal(err)
		}
		var fromYAML Document
		if err := yaml.Unmarshal([]byte(ym), &fromYAML); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromYAML, d) {
			t.Fatalf("YAML round trip differs:\n%s", ym)
		}
		if !strings.HasPrefix(ym, "schemaVersion: 1\n") {
			t.Fatalf("YAML starts %q", ym[:40])
		}
		for _, f := range models.AllExportFormat {
			a, err1 := Render(d, f)
			b, err2 := Render(Build(snapshot(), history), f)
			if err1 != nil || err2 != nil || a != b {
				t.Fatalf("%s is not deterministic: %v %v", f, err1, err2)
			}
		}
	}
}

func TestExportCSV(t *testing.T) {
	out, err := CSV(Build(snapshot(), true))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], CSVHeader) || len(rows) != 7 {
		t.Fatalf("rows %v", rows)
	}
	formula := rows[1]
	if formula[2] != "formula" || formula[3] != "'=SUM(A1:A2)" || formula[7] != "'-danger" || formula[8] != "stated" || formula[5] != "1" {
		t.Fatalf("guarded row %v", formula)
	}
	superseded := rows[3]
	if superseded[3] != "PostgreSQL" || superseded[4] != "SUPERSEDED" || superseded[10] != ids.Encode(ids.Specification, 2) ||
		superseded[9] != ids.Encode(ids.Question, 10) || superseded[11] != "2025-03-01T09:31:00.123456Z" {
		t.Fatalf("superseded row %v", superseded)
	}
	rejected := false
	for _, r := range rows[1:] {
		if r[2] == "auth_method" {
			rejected = r[4] == "REJECTED" && r[len(r)-1] == "misread: we need SSO"
		}
	}
	if !rejected || CSVHeader[len(CSVHeader)-1] != "rejection_note" {
		t.Fatalf("the rejected specification's row lacks its note: %v", rows)
	}
	if !strings.Contains(out, "\r\n") {
		t.Fatal("CSV lines end with LF only")
	}
}

func TestExportMarkdown(t *testing.T) {
	md := Markdown(Build(snapshot(), false))
	for _, want := range []string{
		"# Payments Platform: v2 | Core\n\nCards and\nwallets.\n",
		"- Phase: DISCOVERY\n- Status: ACTIVE\n- Maturity: 12/100\n- Open conflicts: 1\n- Specifications: CURRENT only\n",
		"| Goals | 2 | 1.5 | 10 | 15% |",
		"### Goals\n\n| Key | Value | Status | Confidence | Source |",
		"| audience | merchants \\| banks | CURRENT | 0.5 | USER_INPUT |",
		"### Tech stack\n\n| Key | Value | Status | Confidence | Source |\n|---|---|---|---:|---|\n| database | MongoDB | CURRENT | 0.8 | EXTRACTED |\n",
		"### Security\n\n_No specifications._\n",
		"### Open (1)\n\n#### TECHNOLOGY conflict, HIGH severity\n\ndatabase: MongoDB or DynamoDB\n",
		"- NEW: `database` = DynamoDB (Tech stack, PENDING)",
		"### Resolved (1)\n", "- Resolution: REPLACE\n", "- Note: decided in review\n",
		"### Session 1 (SOCRATIC, ACTIVE, started 2025-03-01T09:30:00.123456Z)",
		"#### 1. Which database?\n", "> PostgreSQL.\n>\n> Maybe.\n",
		"#### 3. Who uses it?\n\n- Category: Goals\n- Asked: 2025-03-01T09:36:00.123456Z\n\n_Not answered yet._\n",
		"## Documents\n\n| File | Type | Bytes | Uploaded |\n|---|---|---:|---|\n| brief \\| v1.pdf | application/pdf | 2048 | 2025-03-01T09:37:00.123456Z |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "PostgreSQL | SUPERSEDED") {
		t.Error("a superseded specification is listed without history")
	}
	if strings.Contains(md, "misread") {
		t.Error("a rejected specification's note is listed without history")
	}
	h := Markdown(Build(snapshot(), true))
	for _, want := range []string{
		"| database | PostgreSQL | SUPERSEDED | 0.9 | EXTRACTED |",
		"| auth_method | none | REJECTED | 0.6 | EXTRACTED |\n\n- `auth_method` = none rejected: misread: we need SSO\n",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("history lacks %q:\n%s", want, h)
		}
	}
}

func TestExportFilenamesAndFormats(t *testing.T) {
	for name, want := range map[string]string{
		"Payments Platform: v2 | Core": "payments-platform-v2-core",
		"  Café ünïcode  ":             "caf-n-code",
		"日本語":                          "project",
		"---":                          "project",
		strings.Repeat("a", 100):       strings.Repeat("a", 60),
	} {
		if got := Filename(name, models.ExportFormatMarkdown); got != want+".md" {
			t.Errorf("Filename(%q) = %q, want %q", name, got, want+".md")
		}
	}
	for _, f := range models.AllExportFormat {
		back, ok := FormatOf(Extension(f))
		if !ok || back != f || MimeType(f) == "" {
			t.Errorf("format %s: extension %q maps back to %q %v", f, Extension(f), back, ok)
		}
	}
	if _, ok := FormatOf("yml"); ok {
		t.Error("yml is accepted")
	}
	if _, err := Render(Document{}, "PDF"); err == nil {
		t.Error("an unknown format renders")
	}
}
