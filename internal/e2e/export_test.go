package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/export"
	"socrates/internal/ids"
	"socrates/internal/testenv"
)

const exportQuery = `query($p: ID!, $f: ExportFormat!, $h: Boolean) { project(id: $p) { export(format: $f, includeHistory: $h) { format filename mimeType content } } }`

type exportT struct {
	Format, Filename, MimeType, Content string
}

// exportOf exports a project through GraphQL.
func exportOf(t *testing.T, c *testenv.Client, project, format string, history bool) exportT {
	t.Helper()
	var out struct{ Project struct{ Export exportT } }
	c.Must(exportQuery, map[string]any{"p": project, "f": format, "h": history}, &out)
	return out.Project.Export
}

// errorCode returns the first error's code of a JSON error body.
func errorCode(t *testing.T, body []byte) (string, string) {
	t.Helper()
	var e struct{ Errors []testenv.GQLError }
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not an error body: %q (%v)", body, err)
	}
	return e.Errors[0].Code(), e.Errors[0].Message
}

// seedExport fills a project through the API: a specification superseded
// by a resolved conflict (with a note), an open conflict, a specification
// added by hand whose value a spreadsheet would take for a formula and
// holds a pipe, and a question left unanswered.
func seedExport(t *testing.T, c *testenv.Client, project, session string) {
	t.Helper()
	answer(t, c, ask(t, c, session).AskNextQuestion.Question.ID, "We will store everything in PostgreSQL with 5,000 concurrent users")
	a := answer(t, c, ask(t, c, session).AskNextQuestion.Question.ID, "Actually we will use MongoDB as the database")
	if len(a.AnswerQuestion.Conflicts) == 0 {
		t.Fatalf("no conflict: %+v", a.AnswerQuestion)
	}
	var res struct {
		ResolveConflict struct{ UserErrors []testenv.UserErrorT }
	}
	c.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: REPLACE, note: "decided in review"}) { userErrors { code message } } }`,
		map[string]any{"c": a.AnswerQuestion.Conflicts[0].ID}, &res)
	if len(res.ResolveConflict.UserErrors) > 0 {
		t.Fatalf("resolve: %+v", res.ResolveConflict.UserErrors)
	}
	if a := answer(t, c, ask(t, c, session).AskNextQuestion.Question.ID, "Our data store will be DynamoDB"); len(a.AnswerQuestion.Conflicts) == 0 {
		t.Fatalf("no open conflict: %+v", a.AnswerQuestion)
	}
	var add struct {
		AddSpecification struct{ UserErrors []testenv.UserErrorT }
	}
	c.Must(`mutation($p: ID!) { addSpecification(input: {projectId: $p, category: GOALS, key: "launch_goal", value: "=1+1 | first merchants live", confidence: 0.75}) { userErrors { code message } } }`,
		map[string]any{"p": project}, &add)
	if len(add.AddSpecification.UserErrors) > 0 {
		t.Fatalf("add: %+v", add.AddSpecification.UserErrors)
	}
	// A specification rejected with a note, and an uploaded document.
	var wrong struct {
		AddSpecification struct {
			Specification struct{ ID string }
			UserErrors    []testenv.UserErrorT
		}
	}
	c.Must(`mutation($p: ID!) { addSpecification(input: {projectId: $p, category: SECURITY, key: "audit_log", value: "none", confidence: 0.5}) { specification { id } userErrors { code message } } }`,
		map[string]any{"p": project}, &wrong)
	var rejected struct {
		RejectSpecification struct{ UserErrors []testenv.UserErrorT }
	}
	c.Must(`mutation($s: ID!) { rejectSpecification(input: {specificationId: $s, note: "misheard: every change is audited"}) { userErrors { code message } } }`,
		map[string]any{"s": wrong.AddSpecification.Specification.ID}, &rejected)
	if len(wrong.AddSpecification.UserErrors)+len(rejected.RejectSpecification.UserErrors) > 0 {
		t.Fatalf("add and reject: %+v %+v", wrong.AddSpecification.UserErrors, rejected.RejectSpecification.UserErrors)
	}
	mustUpload(t, c, project, "brief.txt", []byte("Merchants pay by card.\n"))
	ask(t, c, session)
}

// apiSpec is a specification as the API lists it.
type apiSpec struct {
	ID, Category, Key, Value, Content, Status, Source string
	Confidence                                        float64
	// RejectionNote is empty when there is none.
	RejectionNote string
}

// apiProject is what the API says about a project, to compare exports with.
type apiProject struct {
	ID, Name, Phase, Status string
	Maturity                int
	OpenConflictCount       int
	CategoryCoverage        []export.Coverage
	Current                 struct{ Nodes []apiSpec }
	All                     struct{ Nodes []apiSpec }
	Conflicts               struct {
		Nodes []struct {
			ID, Type, Severity, Status, Description string
			Resolution, ResolutionNote              *string
			Specifications                          []struct{ ID string }
		}
	}
	Documents struct {
		Nodes []struct {
			ID, Filename, ContentType, Sha256, UploadedAt string
			Size                                          int
		}
	}
	Sessions struct {
		Nodes []struct {
			ID, Mode, Status string
			Questions        struct {
				Nodes []struct {
					ID, Text, Category string
					Answer             *string
				}
			}
		}
	}
}

func readAPI(t *testing.T, c *testenv.Client, project string) apiProject {
	t.Helper()
	const specFields = `nodes { id category key value content status source confidence rejectionNote }`
	var out struct{ Project apiProject }
	c.Must(`query($p: ID!) { project(id: $p) { id name phase status maturity openConflictCount
		categoryCoverage { category specCount confidenceSum target coverage }
		current: specifications(first: 100) { `+specFields+` }
		all: specifications(first: 100, status: null) { `+specFields+` }
		conflicts(first: 100) { nodes { id type severity status description resolution resolutionNote specifications { id } } }
		documents(first: 100) { nodes { id filename contentType sha256 size uploadedAt } }
		sessions(first: 20) { nodes { id mode status questions(first: 100) { nodes { id text category answer } } } } } }`,
		map[string]any{"p": project}, &out)
	return out.Project
}

// checkDocument compares a decoded export with what the API says.
func checkDocument(t *testing.T, what string, d export.Document, api apiProject, history bool) {
	t.Helper()
	p := d.Project
	if d.SchemaVersion != 1 || d.IncludesHistory != history || p.ID != api.ID || p.Name != api.Name || p.Phase != api.Phase ||
		p.Status != api.Status || p.Maturity != api.Maturity || p.OpenConflictCount != api.OpenConflictCount {
		t.Errorf("%s: header %+v %+v, API %+v", what, d.SchemaVersion, p, api)
	}
	if !reflect.DeepEqual(d.Coverage, api.CategoryCoverage) {
		t.Errorf("%s: coverage %+v, API %+v", what, d.Coverage, api.CategoryCoverage)
	}
	want := api.Current.Nodes
	if history {
		want = api.All.Nodes
	}
	got := map[string]apiSpec{}
	for _, s := range d.Specifications {
		note := ""
		if s.RejectionNote != nil {
			note = *s.RejectionNote
		}
		got[s.ID] = apiSpec{ID: s.ID, Category: s.Category, Key: s.Key, Value: s.Value, Content: s.Content, Status: s.Status, Source: s.Source,
			Confidence: s.Confidence, RejectionNote: note}
	}
	if len(got) != len(want) || len(d.Specifications) != len(want) {
		t.Errorf("%s: %d specifications, API %d", what, len(d.Specifications), len(want))
	}
	for _, w := range want {
		if got[w.ID] != w {
			t.Errorf("%s: specification %+v, API %+v", what, got[w.ID], w)
		}
	}
	if len(d.Conflicts) != len(api.Conflicts.Nodes) {
		t.Fatalf("%s: %d conflicts, API %d", what, len(d.Conflicts), len(api.Conflicts.Nodes))
	}
	byID := map[string]export.Conflict{}
	for _, c := range d.Conflicts {
		byID[c.ID] = c
	}
	for _, w := range api.Conflicts.Nodes {
		c := byID[w.ID]
		var specs, wantSpecs []string
		for _, s := range c.Specifications {
			specs = append(specs, s.ID)
		}
		for _, s := range w.Specifications {
			wantSpecs = append(wantSpecs, s.ID)
		}
		sort.Strings(specs)
		sort.Strings(wantSpecs)
		if c.Type != w.Type || c.Severity != w.Severity || c.Status != w.Status || c.Description != w.Description ||
			!reflect.DeepEqual(c.Resolution, w.Resolution) || !reflect.DeepEqual(c.ResolutionNote, w.ResolutionNote) || !slices.Equal(specs, wantSpecs) {
			t.Errorf("%s: conflict %+v, API %+v", what, c, w)
		}
	}
	if len(d.Documents) != len(api.Documents.Nodes) {
		t.Errorf("%s: %d documents, API %d", what, len(d.Documents), len(api.Documents.Nodes))
	}
	for _, w := range api.Documents.Nodes {
		found := false
		for _, doc := range d.Documents {
			if doc.ID == w.ID {
				found = true
				if doc.Filename != w.Filename || doc.MimeType != w.ContentType || doc.SHA256 != w.Sha256 || doc.Size != w.Size {
					t.Errorf("%s: document %+v, API %+v", what, doc, w)
				}
			}
		}
		if !found {
			t.Errorf("%s: document %s missing", what, w.ID)
		}
	}
	sessions := api.Sessions.Nodes
	if len(d.Sessions) != len(sessions) {
		t.Fatalf("%s: %d sessions, API %d", what, len(d.Sessions), len(sessions))
	}
	// The API lists sessions newest first; the export oldest first.
	for i, s := range d.Sessions {
		w := sessions[len(sessions)-1-i]
		if s.ID != w.ID || s.Mode != w.Mode || s.Status != w.Status || len(s.Questions) != len(w.Questions.Nodes) {
			t.Fatalf("%s: session %+v, API %+v", what, s, w)
		}
		for j, q := range s.Questions {
			wq := w.Questions.Nodes[j]
			if q.ID != wq.ID || q.Text != wq.Text || q.Category != wq.Category || !reflect.DeepEqual(q.Answer, wq.Answer) {
				t.Errorf("%s: question %+v, API %+v", what, q, wq)
			}
		}
	}
}

// markdownTable splits a Markdown table row into its cells, unescaping \|.
func markdownTable(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case strings.HasPrefix(line[i:], " | "):
			cells = append(cells, cur.String())
			cur.Reset()
			i += 2
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, cur.String())
}

// checkMarkdown reads a Markdown export back (headings, bullet lines and
// table rows) and compares it with what the API says.
func checkMarkdown(t *testing.T, md string, api apiProject, history bool) {
	t.Helper()
	lines := strings.Split(md, "\n")
	if lines[0] != "# "+api.Name {
		t.Errorf("title %q", lines[0])
	}
	if !strings.Contains(md, fmt.Sprintf("\n- Maturity: %d/100\n", api.Maturity)) || !strings.Contains(md, "\n- Phase: "+api.Phase+"\n") {
		t.Errorf("no maturity or phase line:\n%s", md)
	}
	section, sub := "", ""
	specs := map[string]bool{}
	coverage := map[string][]string{}
	conflicts := map[string]int{}
	var notes, questions, answers []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "## "):
			section, sub = l[3:], ""
		case strings.HasPrefix(l, "### "):
			sub = l[4:]
		case strings.HasPrefix(l, "#### ") && section == "Conflicts":
			conflicts[strings.Fields(sub)[0]]++
		case strings.HasPrefix(l, "#### ") && section == "Questions and answers":
			_, text, _ := strings.Cut(l[5:], ". ")
			questions = append(questions, text)
		case strings.HasPrefix(l, "- Note: "):
			notes = append(notes, l[8:])
		case strings.HasPrefix(l, "> "):
			answers = append(answers, l[2:])
		case strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Key ") && !strings.HasPrefix(l, "| Category "):
			cells := markdownTable(l)
			if section == "Coverage" {
				coverage[cells[0]] = cells
			} else if section == "Specifications" {
				specs[sub+"/"+cells[0]+"/"+cells[1]+"/"+cells[2]] = true
			}
		}
	}
	want := api.Current.Nodes
	if history {
		want = api.All.Nodes
	}
	if len(specs) != len(want) {
		t.Errorf("Markdown lists %d specifications, API %d: %v", len(specs), len(want), specs)
	}
	for _, s := range want {
		if !specs[export.CategoryTitle(s.Category)+"/"+s.Key+"/"+s.Value+"/"+s.Status] {
			t.Errorf("Markdown lacks %+v: %v", s, specs)
		}
	}
	for _, c := range api.CategoryCoverage {
		row := coverage[export.CategoryTitle(c.Category)]
		if len(row) != 5 || row[1] != fmt.Sprint(c.SpecCount) || row[3] != fmt.Sprint(c.Target) {
			t.Errorf("coverage row %v for %+v", row, c)
		}
	}
	open, decided, wantNotes := 0, 0, []string{}
	for _, c := range api.Conflicts.Nodes {
		if c.Status == "OPEN" {
			open++
		} else {
			decided++
			if c.ResolutionNote != nil {
				wantNotes = append(wantNotes, *c.ResolutionNote)
			}
		}
	}
	if conflicts["Open"] != open || conflicts["Resolved"] != decided || !slices.Equal(sorted(notes), sorted(wantNotes)) {
		t.Errorf("Markdown conflicts %v notes %v, API %d open %d decided notes %v", conflicts, notes, open, decided, wantNotes)
	}
	var wantQ, wantA []string
	for i := len(api.Sessions.Nodes) - 1; i >= 0; i-- {
		for _, q := range api.Sessions.Nodes[i].Questions.Nodes {
			wantQ = append(wantQ, q.Text)
			if q.Answer != nil {
				wantA = append(wantA, *q.Answer)
			}
		}
	}
	if !slices.Equal(questions, wantQ) || !slices.Equal(answers, wantA) {
		t.Errorf("Markdown questions %q answers %q, API %q %q", questions, answers, wantQ, wantA)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// checkCSV reads a CSV export back and compares its rows with the API's
// specifications.
func checkCSV(t *testing.T, content string, api apiProject, history bool) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if !slices.Equal(rows[0], export.CSVHeader) {
		t.Fatalf("CSV header %v", rows[0])
	}
	want := api.Current.Nodes
	if history {
		want = api.All.Nodes
	}
	if len(rows)-1 != len(want) {
		t.Fatalf("CSV has %d rows, API %d specifications", len(rows)-1, len(want))
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	for _, s := range want {
		r := byID[s.ID]
		if r == nil || r[1] != s.Category || r[2] != export.CSVText(s.Key) || r[3] != export.CSVText(s.Value) || r[4] != s.Status ||
			r[5] != fmt.Sprint(s.Confidence) || r[6] != s.Source || r[7] != export.CSVText(s.Content) {
			t.Errorf("CSV row %v, API %+v", r, s)
		}
	}
}

// TestExportFormats exports a seeded project in every format, through
// GraphQL and the download route, reads each back and compares it with
// the API; exports of an unchanged project are byte-identical, and the
// history flag adds the superseded and pending specifications.
func TestExportFormats(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, tok := srv.Client(t).NewUser()
		project := owner.CreateProject("Payments Platform: v2 | Core")
		seedExport(t, owner, project, owner.StartSession(project))
		owner.StartSession(project) // an empty second session
		api := readAPI(t, owner, project)
		if len(api.All.Nodes) <= len(api.Current.Nodes) {
			t.Fatalf("the seed has no history: %+v", api.All.Nodes)
		}
		exts := map[string]string{"MARKDOWN": "md", "JSON": "json", "YAML": "yaml", "CSV": "csv"}
		mimes := map[string]string{"MARKDOWN": "text/markdown; charset=utf-8", "JSON": "application/json", "YAML": "application/yaml", "CSV": "text/csv; charset=utf-8"}
		for _, history := range []bool{false, true} {
			for _, format := range []string{"MARKDOWN", "JSON", "YAML", "CSV"} {
				name := fmt.Sprintf("%s history=%v", format, history)
				e := exportOf(t, owner, project, format, history)
				if e.Format != format || e.Filename != "payments-platform-v2-core."+exts[format] || e.MimeType != mimes[format] {
					t.Errorf("%s: %+v", name, exportT{Format: e.Format, Filename: e.Filename, MimeType: e.MimeType})
				}
				if again := exportOf(t, owner, project, format, history); again.Content != e.Content {
					t.Errorf("%s: a second export differs", name)
				}
				path := fmt.Sprintf("/projects/%s/export.%s", project, exts[format])
				if history {
					path += "?history=true"
				}
				resp, body := srv.GetAs(t, tok.AccessToken, path)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, []byte(e.Content)) {
					t.Errorf("%s: download %d differs from the GraphQL export: %s", name, resp.StatusCode, body)
				}
				if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != e.MimeType || cd != `attachment; filename="`+e.Filename+`"` {
					t.Errorf("%s: headers %q %q", name, ct, cd)
				}
				switch format {
				case "JSON":
					var d export.Document
					dec := json.NewDecoder(strings.NewReader(e.Content))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&d); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					checkDocument(t, name, d, api, history)
				case "YAML":
					var d export.Document
					if err := yaml.Unmarshal([]byte(e.Content), &d); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					checkDocument(t, name, d, api, history)
					var fromJSON export.Document
					if err := json.Unmarshal([]byte(exportOf(t, owner, project, "JSON", history).Content), &fromJSON); err != nil || !reflect.DeepEqual(d, fromJSON) {
						t.Errorf("%s: YAML and JSON hold different documents (%v)", name, err)
					}
				case "CSV":
					checkCSV(t, e.Content, api, history)
				case "MARKDOWN":
					checkMarkdown(t, e.Content, api, history)
				}
			}
		}
		// A change shows in the next export.
		before := exportOf(t, owner, project, "JSON", false).Content
		owner.Must(`mutation($p: ID!) { addSpecification(input: {projectId: $p, category: SECURITY, key: "auth_method", value: "OAuth 2"}) { userErrors { code } } }`,
			map[string]any{"p": project}, nil)
		if after := exportOf(t, owner, project, "JSON", false).Content; after == before || !strings.Contains(after, `"value": "OAuth 2"`) {
			t.Errorf("the export did not follow a change")
		}
	})
}

// TestExportAccess checks who may export: a stranger gets NOT_FOUND (404
// on the download, exactly as for a project that does not exist), a
// READ-shared user and a READ API token may export, an anonymous client
// gets UNAUTHENTICATED (401).
func TestExportAccess(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		seedExport(t, w.owner, w.project, w.session)
		stranger, strangerTok := srv.Client(t).NewUser()
		_, ownerRead := createToken(t, w.owner, "export", []string{"READ"}, nil)
		_, viewerRead := createToken(t, w.viewer, "viewer export", []string{"READ"}, nil)
		want := exportOf(t, w.owner, w.project, "CSV", false).Content

		for name, c := range map[string]*testenv.Client{
			"viewer": w.viewer, "owner's READ token": srv.Client(t).As(ownerRead), "viewer's READ token": srv.Client(t).As(viewerRead),
		} {
			if got := exportOf(t, c, w.project, "CSV", false).Content; got != want {
				t.Errorf("%s exports another file:\n%s", name, got)
			}
			resp, body := srv.GetAs(t, c.Token, "/projects/"+w.project+"/export.csv")
			if resp.StatusCode != http.StatusOK || string(body) != want {
				t.Errorf("%s download: %d %s", name, resp.StatusCode, body)
			}
		}

		r := stranger.Do(exportQuery, map[string]any{"p": w.project, "f": "JSON"})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), "content") {
			t.Errorf("a stranger's export: %s", r.Raw)
		}
		var messages []string
		for _, path := range []string{"/projects/" + w.project + "/export.json", "/projects/" + ids.Encode(ids.Project, 999999) + "/export.json"} {
			resp, body := srv.GetAs(t, strangerTok.AccessToken, path)
			code, msg := errorCode(t, body)
			if resp.StatusCode != http.StatusNotFound || code != "NOT_FOUND" || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("stranger %s: %d %s", path, resp.StatusCode, body)
			}
			messages = append(messages, msg)
		}
		if messages[0] != messages[1] {
			t.Errorf("a hidden and a missing project are told apart: %q", messages)
		}

		resp, body := srv.GetAs(t, "", "/projects/"+w.project+"/export.md")
		if code, _ := errorCode(t, body); resp.StatusCode != http.StatusUnauthorized || code != "UNAUTHENTICATED" || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("anonymous download: %d %s", resp.StatusCode, body)
		}
		resp, body = srv.GetAs(t, "soc_not-a-token", "/projects/"+w.project+"/export.md")
		if code, _ := errorCode(t, body); resp.StatusCode != http.StatusUnauthorized || code != "UNAUTHENTICATED" {
			t.Errorf("download with a bad token: %d %s", resp.StatusCode, body)
		}
		if r := srv.Client(t).Do(exportQuery, map[string]any{"p": w.project, "f": "JSON"}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous export: %s", r.Raw)
		}
		if p := srv.Logs.Problems(); p != "" {
			t.Errorf("the log reports problems:\n%s", p)
		}
	})
}

// TestExportBadInput refuses a bad extension, id, history flag or format
// with a clear error, and changes nothing.
func TestExportBadInput(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, tok := srv.Client(t).NewUser()
		project := owner.CreateProject("bad input")
		session := owner.StartSession(project)
		before := snapshot(t, srv.App.DB)
		for _, c := range []struct {
			path   string
			status int
			code   string
		}{
			{"/projects/" + project + "/export.xml", 400, "BAD_REQUEST"},
			{"/projects/" + project + "/export.MD", 400, "BAD_REQUEST"},
			{"/projects/" + project + "/export.", 400, "BAD_REQUEST"},
			{"/projects/not-an-id/export.json", 400, "BAD_REQUEST"},
			{"/projects/" + session + "/export.json", 400, "BAD_REQUEST"},
			{"/projects/" + project + "/export.json?history=maybe", 400, "BAD_REQUEST"},
			{"/projects/" + project + "/export.json?history=true&history=false", 400, "BAD_REQUEST"},
			{"/projects/" + project + "/report.json", 404, "NOT_FOUND"},
		} {
			resp, body := srv.GetAs(t, tok.AccessToken, c.path)
			code, msg := errorCode(t, body)
			if resp.StatusCode != c.status || code != c.code || msg == "" {
				t.Errorf("%s: %d %s, want %d %s", c.path, resp.StatusCode, body, c.status, c.code)
			}
		}
		if r := owner.Do(exportQuery, map[string]any{"p": project, "f": "PDF"}); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "PDF") {
			t.Errorf("format PDF: %s", r.Raw)
		}
		if r := owner.Do(exportQuery, map[string]any{"p": session, "f": "JSON"}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("a session id as project: %s", r.Raw)
		}
		if snapshot(t, srv.App.DB) != before {
			t.Error("a refused export changed the database")
		}
		if p := srv.Logs.Problems(); p != "" {
			t.Errorf("the log reports problems:\n%s", p)
		}
	})
}

// TestExportStatements shows that an export costs the same statements
// whatever the project holds, through GraphQL and the download route,
// and that exporting a page of projects costs what exporting one does.
func TestExportStatements(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 150 * time.Millisecond }),
			testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		owner, tok := srv.Client(t).NewUser()
		project := owner.CreateProject("statements")
		session := owner.StartSession(project)
		answer(t, owner, ask(t, owner, session).AskNextQuestion.Question.ID, "We need 99.9% uptime")
		const list = `{ projects(first: 10) { nodes { export(format: CSV, includeHistory: true) { filename content } } } }`
		cost := func() []int64 {
			var out []int64
			for _, h := range []bool{false, true} {
				out = append(out, counter.measure(func() { exportOf(t, owner, project, "JSON", h) }))
			}
			out = append(out, counter.measure(func() {
				if resp, body := srv.GetAs(t, tok.AccessToken, "/projects/"+project+"/export.md?history=true"); resp.StatusCode != 200 {
					t.Fatalf("download: %d %s", resp.StatusCode, body)
				}
			}))
			out = append(out, counter.measure(func() { owner.Must(list, nil, nil) }))
			return out
		}
		small := cost()
		seedExport(t, owner, project, session)
		second := owner.StartSession(project)
		answer(t, owner, ask(t, owner, second).AskNextQuestion.Question.ID, "Tests run in GitHub Actions with 80% coverage")
		for i := range 2 {
			more := owner.CreateProject(fmt.Sprint("more ", i))
			seedExport(t, owner, more, owner.StartSession(more))
		}
		large := cost()
		t.Logf("statements (GraphQL, GraphQL with history, download, a page of projects): %v then %v", small, large)
		if !slices.Equal(small, large) {
			t.Fatalf("the export's statements grew with the project: %v then %v:\n%s", small, large, strings.Join(counter.last(), "\n"))
		}
		// The project, the six reads of its contents; the download also
		// reads the project row itself.
		if small[0] > 8 || small[2] > 9 {
			t.Errorf("an export costs %v statements", small)
		}
	})
}
