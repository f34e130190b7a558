package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"socrates/internal/export"
	"socrates/internal/testenv"
)

// TestRequirementsJourney is the path a user takes with a project, end to
// end on one server: first question and answers, a wrong specification
// rejected, the rest of the specification added by hand to maturity 100,
// the four exports downloaded and read back, a Go skeleton generated while
// its progress is watched live, downloaded and built, and a PDF uploaded
// and one of its sentences found by search.
func TestRequirementsJourney(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		project := me.CreateProject("Parcel lockers")
		session := me.StartSession(project)

		// The counselor asks; the answers become specifications.
		var extracted []specT
		for _, text := range []string{
			"Couriers drop parcels into lockers and customers collect them with a one-time code",
			"We expect 300 concurrent users at launch",
		} {
			a := answer(t, me, ask(t, me, session).AskNextQuestion.Question.ID, text)
			if len(a.AnswerQuestion.Conflicts) > 0 {
				t.Fatalf("%q raised conflicts: %+v", text, a.AnswerQuestion.Conflicts)
			}
			extracted = append(extracted, a.AnswerQuestion.Specifications...)
		}
		if len(extracted) == 0 {
			t.Fatal("no specification came out of the answers")
		}

		// One of them was heard wrong: rejected with a note.
		wrong := extracted[len(extracted)-1]
		var rejected struct {
			RejectSpecification struct {
				Specification struct{ Status, RejectionNote string }
				UserErrors    []testenv.UserErrorT
			}
		}
		me.Must(`mutation($s: ID!) { rejectSpecification(input: {specificationId: $s, note: "misheard in the session"}) {
			specification { status rejectionNote } userErrors { code message } } }`, map[string]any{"s": wrong.ID}, &rejected)
		if r := rejected.RejectSpecification; len(r.UserErrors) > 0 || r.Specification.Status != "REJECTED" {
			t.Fatalf("reject: %+v", r)
		}

		// The rest by hand, to maturity 100 with no open conflict.
		matureProject(t, me, project)

		// The four exports, downloaded and read back.
		download := func(ext string) []byte {
			resp, body := srv.GetAs(t, tok.AccessToken, "/projects/"+project+"/export."+ext+"?history=true")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("export.%s: %d %s", ext, resp.StatusCode, body)
			}
			return body
		}
		var fromJSON, fromYAML export.Document
		if err := json.Unmarshal(download("json"), &fromJSON); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(download("yaml"), &fromYAML); err != nil {
			t.Fatal(err)
		}
		if fromJSON.Project.Maturity != 100 || fromYAML.Project.Maturity != 100 || len(fromJSON.Sessions) != 1 {
			t.Fatalf("exports: maturity %d / %d, %d sessions", fromJSON.Project.Maturity, fromYAML.Project.Maturity, len(fromJSON.Sessions))
		}
		found := false
		for _, s := range fromJSON.Specifications {
			if s.ID == wrong.ID {
				found = s.Status == "REJECTED" && s.RejectionNote != nil && *s.RejectionNote == "misheard in the session"
			}
		}
		if !found {
			t.Errorf("the JSON export lacks the rejected specification with its note")
		}
		rows, err := csv.NewReader(bytes.NewReader(download("csv"))).ReadAll()
		if err != nil || len(rows) != len(fromJSON.Specifications)+1 {
			t.Fatalf("CSV: %d rows for %d specifications (%v)", len(rows), len(fromJSON.Specifications), err)
		}
		if md := string(download("md")); !strings.Contains(md, "- Maturity: 100/100") || !strings.Contains(md, "rejected: misheard in the session") {
			t.Errorf("Markdown export:\n%s", md)
		}

		// A Go skeleton, watched live, downloaded and built.
		out := generate(t, me, project, "GO_SERVICE")
		if out.GenerateCode.Generation == nil {
			t.Fatalf("generate: %+v", out)
		}
		steps := watch(t, srv, tok.AccessToken, out.GenerateCode.Generation.ID, nil)
		if last := steps[len(steps)-1]; last.Status != "COMPLETED" || last.TotalFiles == 0 || last.FilesDone != last.TotalFiles {
			t.Fatalf("progress %+v", steps)
		}
		var node struct {
			Node struct{ DownloadURL *string }
		}
		me.Must(`query($g: ID!) { node(id: $g) { ... on CodeGeneration { downloadUrl } } }`,
			map[string]any{"g": out.GenerateCode.Generation.ID}, &node)
		if node.Node.DownloadURL == nil {
			t.Fatal("no download URL")
		}
		resp, body := srv.GetAs(t, tok.AccessToken, *node.Node.DownloadURL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("download: %d %s", resp.StatusCode, body)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			content, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			full := filepath.Join(dir, filepath.FromSlash(zf.Name))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		goBuild(t, dir)

		// A PDF, and one of its sentences found by search.
		doc := mustUpload(t, me, project, "locker-brief.pdf", testPDF(t,
			[]string{"Locker brief"}, []string{"Every locker bank reports its temperature to the depot hourly."}))
		n, hits := searchDocs(t, me, project, `"locker bank reports its temperature"`)
		if n != 1 || len(hits) != 1 || hits[0].Node.ID != doc.ID || !strings.Contains(hits[0].Snippet, "<mark>") {
			t.Fatalf("search found %d: %+v", n, hits)
		}
	})
}
