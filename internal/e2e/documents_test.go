package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"socrates/internal/config"
	"socrates/internal/ids"
	"socrates/internal/testenv"
	"socrates/models"
)

// uploadMutation uploads a file and selects everything a document has.
const uploadMutation = `mutation($input: UploadDocumentInput!) { uploadDocument(input: $input) {
	document { id filename contentType size sha256 text excerpt uploadedAt uploadedBy { id } project { id } }
	userErrors { field message code } clientMutationId } }`

// documentT mirrors Document for decoding.
type documentT struct {
	ID, Filename, ContentType, Sha256, Text, Excerpt, UploadedAt string
	Size                                                         int
	UploadedBy                                                   *struct{ ID string }
	Project                                                      struct{ ID string }
}

// multipartBody writes a request of the GraphQL multipart request spec:
// the operations part, the map part naming the file part "0" for each
// path, then the file part.
func multipartBody(t *testing.T, query string, vars map[string]any, paths []string, filename string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	m, err := json.Marshal(map[string][]string{"0": paths})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, value string }{{"operations", string(ops)}, {"map", string(m)}} {
		if err := mw.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="0"; filename=%q`, filename))
	h.Set("Content-Type", "application/octet-stream")
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// postMultipart posts a multipart body as c, with the given extra headers,
// and decodes the answer.
func postMultipart(t *testing.T, c *testenv.Client, body []byte, contentType string, headers map[string]string) *testenv.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post multipart: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &testenv.Response{Status: resp.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode response (%d) %q: %v", resp.StatusCode, raw, err)
	}
	return out
}

// uploadRequest sends a mutation with one file at each of paths, as a
// browser client (Apollo's upload link) sends it, CSRF header included.
func uploadRequest(t *testing.T, c *testenv.Client, query string, vars map[string]any, paths []string, filename string, data []byte) *testenv.Response {
	t.Helper()
	body, ct := multipartBody(t, query, vars, paths, filename, data)
	return postMultipart(t, c, body, ct, map[string]string{"Apollo-Require-Preflight": "true"})
}

type uploadResultT struct {
	Document   *documentT
	UserErrors []testenv.UserErrorT
}

// upload uploads a file to a project and returns the payload; it fails
// the test on a top-level error.
func upload(t *testing.T, c *testenv.Client, project, filename string, data []byte) uploadResultT {
	t.Helper()
	r := uploadRequest(t, c, uploadMutation, map[string]any{"input": map[string]any{"projectId": project, "file": nil}},
		[]string{"variables.input.file"}, filename, data)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("upload %s (%d): %s", filename, r.Status, r.Raw)
	}
	var out struct{ UploadDocument uploadResultT }
	r.Decode(t, &out)
	return out.UploadDocument
}

// mustUpload uploads a file that must be accepted.
func mustUpload(t *testing.T, c *testenv.Client, project, filename string, data []byte) documentT {
	t.Helper()
	res := upload(t, c, project, filename, data)
	if len(res.UserErrors) > 0 || res.Document == nil {
		t.Fatalf("upload %s refused: %+v", filename, res.UserErrors)
	}
	return *res.Document
}

// refusedUpload uploads a file that must be refused with code, storing
// nothing.
func refusedUpload(t *testing.T, srv *testenv.Server, c *testenv.Client, project, filename string, data []byte, code string) testenv.UserErrorT {
	t.Helper()
	before := snapshot(t, srv.App.DB)
	res := upload(t, c, project, filename, data)
	if res.Document != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != code {
		t.Fatalf("upload %s: want one %s userError and no document, got %+v %+v", filename, code, res.Document, res.UserErrors)
	}
	if snapshot(t, srv.App.DB) != before {
		t.Fatalf("the refused upload %s changed the database", filename)
	}
	return res.UserErrors[0]
}

// testPDF writes a two-page PDF with fpdf (core Helvetica) holding lines.
func testPDF(t *testing.T, pages ...[]string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetFont("Helvetica", "", 12)
	latin := pdf.UnicodeTranslatorFromDescriptor("")
	for _, lines := range pages {
		pdf.AddPage()
		for _, l := range lines {
			pdf.MultiCell(0, 8, latin(l), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const docSearchQuery = `query($p: ID!, $q: String!) { project(id: $p) { search(query: $q) {
	totalCount edges { snippet rank node { __typename ... on Document { id filename contentType excerpt } } } } } }`

type docHitT struct {
	Snippet string
	Rank    float64
	Node    struct {
		Typename                           string `json:"__typename"`
		ID, Filename, ContentType, Excerpt string
	}
}

func searchDocs(t *testing.T, c *testenv.Client, project, q string) (int, []docHitT) {
	t.Helper()
	var out struct {
		Project struct {
			Search struct {
				TotalCount int
				Edges      []docHitT
			}
		}
	}
	c.Must(docSearchQuery, map[string]any{"p": project, "q": q}, &out)
	return out.Project.Search.TotalCount, out.Project.Search.Edges
}

// TestUploadPDFAndSearch: a PDF uploaded over a real multipart request is
// stored with its extracted text, and a sentence of its second page is
// found by Project.search as a Document hit with the words highlighted;
// node(id:) reads it back; once deleted, the search finds nothing.
func TestUploadPDFAndSearch(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, tok := srv.Client(t).NewUser()
		project := owner.CreateProject("payments")
		data := testPDF(t,
			[]string{"Payments platform: requirements", "Merchants are paid out every morning."},
			[]string{"Appendix", "The settlement ledger keeps every chargeback for seven years."})
		doc := mustUpload(t, owner, project, "requirements.pdf", data)
		if doc.Filename != "requirements.pdf" || doc.ContentType != "application/pdf" || doc.Size != len(data) ||
			len(doc.Sha256) != 64 || doc.UploadedBy == nil || doc.UploadedBy.ID != tok.User.ID || doc.Project.ID != project {
			t.Fatalf("document %+v", doc)
		}
		if !strings.Contains(doc.Text, "The settlement ledger keeps every chargeback for seven years.") ||
			!strings.HasPrefix(doc.Excerpt, "Payments platform: requirements Merchants are paid out every morning.") {
			t.Fatalf("text %q, excerpt %q", doc.Text, doc.Excerpt)
		}

		n, hits := searchDocs(t, owner, project, "settlement ledger chargebacks")
		if n != 1 || len(hits) != 1 || hits[0].Node.Typename != "Document" || hits[0].Node.ID != doc.ID {
			t.Fatalf("search: %d %+v", n, hits)
		}
		for _, w := range []string{"<mark>settlement</mark>", "<mark>ledger</mark>", "<mark>chargeback</mark>"} {
			if !strings.Contains(hits[0].Snippet, w) {
				t.Errorf("snippet %q lacks %s", hits[0].Snippet, w)
			}
		}
		if hits[0].Rank <= 0 || hits[0].Rank >= 1 {
			t.Errorf("rank %v", hits[0].Rank)
		}
		// The phrase, in order; and a sentence of the document that is not in it.
		if n, _ := searchDocs(t, owner, project, `"every chargeback for seven years"`); n != 1 {
			t.Errorf("the phrase found %d hits", n)
		}
		if n, _ := searchDocs(t, owner, project, `"seven chargeback"`); n != 0 {
			t.Errorf("words out of order found %d hits", n)
		}

		var node struct {
			Node struct{ ID, Filename string }
		}
		owner.Must(`query($id: ID!) { node(id: $id) { id ... on Document { filename } } }`, map[string]any{"id": doc.ID}, &node)
		if node.Node.ID != doc.ID || node.Node.Filename != "requirements.pdf" {
			t.Fatalf("node: %+v", node)
		}

		var del struct {
			DeleteDocument struct {
				DeletedDocumentID *string
				UserErrors        []testenv.UserErrorT
			}
		}
		owner.Must(`mutation($d: ID!) { deleteDocument(input: {documentId: $d}) { deletedDocumentId userErrors { code message } } }`,
			map[string]any{"d": doc.ID}, &del)
		if del.DeleteDocument.DeletedDocumentID == nil || *del.DeleteDocument.DeletedDocumentID != doc.ID || len(del.DeleteDocument.UserErrors) > 0 {
			t.Fatalf("delete: %+v", del)
		}
		if n, hits := searchDocs(t, owner, project, "settlement ledger"); n != 0 || len(hits) != 0 {
			t.Fatalf("a deleted document is still found: %d %+v", n, hits)
		}
		r := owner.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": doc.ID})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("node of a deleted document: %s", r.Raw)
		}
		r = owner.Do(`mutation($d: ID!) { deleteDocument(input: {documentId: $d}) { deletedDocumentId } }`, map[string]any{"d": doc.ID})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("deleting twice: %s", r.Raw)
		}

		// Both changes are in the project's activity.
		var act struct {
			Project struct {
				Activity struct {
					Nodes []struct{ Action, Details string }
				}
			}
		}
		owner.Must(`query($p: ID!) { project(id: $p) { activity { nodes { action details } } } }`, map[string]any{"p": project}, &act)
		actions := map[string]string{}
		for _, a := range act.Project.Activity.Nodes {
			actions[a.Action] = a.Details
		}
		for _, a := range []string{"DOCUMENT_UPLOADED", "DOCUMENT_DELETED"} {
			if !strings.Contains(actions[a], "requirements.pdf") {
				t.Errorf("activity %s: %q", a, actions[a])
			}
		}
	})
}

// TestUploadTextTypes: Markdown, plain text, JSON and CSV are stored as
// they are (a byte order mark dropped), with their decided types, and
// searched; a filename sent with a path keeps its last element.
func TestUploadTextTypes(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("text types")
		for _, c := range []struct{ file, body, want, name, word string }{
			{"notes/architecture.md", "# Architecture\n\nThe gateway throttles <b>bursts</b> of traffic.\n", "text/markdown", "architecture.md", "throttles"},
			{`C:\docs\meeting.txt`, "\xEF\xBB\xBFMinutes: the auditors want quarterly reports.", "text/plain", "meeting.txt", "auditors"},
			{"limits.json", `{"retention": "ninety days", "regions": ["eu-west"]}`, "application/json", "limits.json", "ninety"},
			{"owners.csv", "service,owner\r\nbilling,Marguerite\r\n", "text/csv", "owners.csv", "marguerite"},
			{"LICENSE", "Permission is hereby granted, free of charge", "text/plain", "LICENSE", "hereby"},
		} {
			doc := mustUpload(t, owner, project, c.file, []byte(c.body))
			if doc.ContentType != c.want || doc.Filename != c.name || doc.Text != strings.TrimPrefix(c.body, "\xEF\xBB\xBF") || doc.Size != len(c.body) {
				t.Errorf("%s: %+v", c.file, doc)
			}
			n, hits := searchDocs(t, owner, project, c.word)
			if n != 1 || hits[0].Node.ID != doc.ID || !strings.Contains(strings.ToLower(hits[0].Snippet), "<mark>"+c.word) {
				t.Errorf("search %q: %d %+v", c.word, n, hits)
			}
			if c.word == "throttles" && !strings.Contains(hits[0].Snippet, "&lt;b&gt;") && strings.Contains(hits[0].Snippet, "<b>") {
				t.Errorf("the snippet of a document is not escaped: %q", hits[0].Snippet)
			}
		}
	})
}

// TestUploadRefusals: a file over the limit, of a refused type, not UTF-8,
// JSON that does not parse, a PDF without text and a broken PDF give one
// userError each and store nothing; a body over the upload limit is
// refused before anything runs.
func TestUploadRefusals(t *testing.T) {
	const limit = 4096
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.MaxUploadBytes = limit }))
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("refusals")
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 32)...)
		elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)
		blank := fpdf.New("P", "mm", "A4", "")
		blank.AddPage()
		blank.Rect(20, 20, 60, 60, "F")
		var scanned bytes.Buffer
		if err := blank.Output(&scanned); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			file string
			data []byte
			code string
		}{
			{"big.txt", bytes.Repeat([]byte("a"), limit+1), "TOO_LARGE"},
			{"image.txt", png, "UNSUPPORTED_TYPE"},
			{"tool.txt", elf, "UNSUPPORTED_TYPE"},
			{"tool.exe", elf, "UNSUPPORTED_TYPE"},
			{"photo.png", png, "UNSUPPORTED_TYPE"},
			{"fake.pdf", []byte("just words"), "UNSUPPORTED_TYPE"},
			{"latin1.txt", []byte("caf\xe9"), "INVALID"},
			{"broken.json", []byte(`{"a": `), "INVALID"},
			{"scan.pdf", scanned.Bytes(), "NO_TEXT"},
			{"cut.pdf", testPDF(t, []string{"hello"})[:200], "INVALID"},
			{"empty.txt", nil, "INVALID"},
		} {
			e := refusedUpload(t, srv, owner, project, c.file, c.data, c.code)
			if strings.Join(e.Field, ".") != "input.file" || e.Message == "" {
				t.Errorf("%s: %+v", c.file, e)
			}
		}
		// A body larger than the limit allows (the upload limit plus the
		// body limit) is answered 413 before the operation runs.
		before := snapshot(t, srv.App.DB)
		huge := bytes.Repeat([]byte("b"), limit+(1<<20)+1)
		body, ct := multipartBody(t, uploadMutation, map[string]any{"input": map[string]any{"projectId": project, "file": nil}},
			[]string{"variables.input.file"}, "huge.txt", huge)
		r := postMultipart(t, owner, body, ct, map[string]string{"X-Requested-With": "XMLHttpRequest"})
		if r.Status != http.StatusRequestEntityTooLarge || len(r.Errors) != 1 || r.Errors[0].Code() != "PAYLOAD_TOO_LARGE" {
			t.Fatalf("a huge upload: %d %s", r.Status, r.Raw)
		}
		if snapshot(t, srv.App.DB) != before {
			t.Fatal("a huge upload changed the database")
		}
	})
}

// TestUploadCSRFAndMalformedMultipart: a multipart request without a
// CSRF header is refused before anything runs, whoever sends it; each of
// the non-simple headers lets it through; a request that does not follow
// the multipart request spec is refused with BAD_REQUEST naming the fault.
func TestUploadCSRFAndMalformedMultipart(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("csrf")
		vars := map[string]any{"input": map[string]any{"projectId": project, "file": nil}}
		body, ct := multipartBody(t, uploadMutation, vars, []string{"variables.input.file"}, "notes.txt", []byte("cross-site words"))
		before := snapshot(t, srv.App.DB)
		for _, h := range []map[string]string{nil, {"Apollo-Require-Preflight": ""}, {"X-Requested-With": "  "}} {
			r := postMultipart(t, owner, body, ct, h)
			if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_REQUEST" ||
				!strings.Contains(r.Errors[0].Message, "Apollo-Require-Preflight") {
				t.Fatalf("without a CSRF header %v: %d %s", h, r.Status, r.Raw)
			}
		}
		if snapshot(t, srv.App.DB) != before {
			t.Fatal("a refused cross-site upload changed the database")
		}
		for i, h := range []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "X-Requested-With"} {
			body, ct := multipartBody(t, uploadMutation, vars, []string{"variables.input.file"}, fmt.Sprintf("n%d.txt", i), []byte("allowed"))
			r := postMultipart(t, owner, body, ct, map[string]string{h: "1"})
			if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Raw), `"filename":"n`) {
				t.Fatalf("with %s: %d %s", h, r.Status, r.Raw)
			}
		}

		ops := func(v map[string]any) string {
			b, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": v})
			return string(b)
		}
		part := func(name, filename, value string) string {
			disp := fmt.Sprintf(`form-data; name=%q`, name)
			if filename != "" {
				disp += fmt.Sprintf(`; filename=%q`, filename)
			}
			return "--B\r\nContent-Disposition: " + disp + "\r\n\r\n" + value + "\r\n"
		}
		good := ops(vars)
		for _, c := range []struct{ name, body, want string }{
			{"no parts", "--B--\r\n", "operations part is missing"},
			{"map first", part("map", "", `{}`) + part("operations", "", good) + "--B--\r\n", "where operations was expected"},
			{"operations not JSON", part("operations", "", "{nope") + part("map", "", `{}`) + "--B--\r\n", "operations: "},
			{"batched operations", part("operations", "", "["+good+"]") + part("map", "", `{}`) + "--B--\r\n", "operations: "},
			{"map not an object", part("operations", "", good) + part("map", "", `["x"]`) + "--B--\r\n", "map: "},
			{"map path outside variables", part("operations", "", good) + part("map", "", `{"0": ["query"]}`) + part("0", "a.txt", "x") + "--B--\r\n", `does not start with`},
			{"map path through an object by index", part("operations", "", good) + part("map", "", `{"0": ["variables.input.0"]}`) + part("0", "a.txt", "x") + "--B--\r\n", "names no variable"},
			{"map path through a string", part("operations", "", ops(map[string]any{"input": "text"})) + part("map", "", `{"0": ["variables.input.file"]}`) + part("0", "a.txt", "x") + "--B--\r\n", "neither an object nor a list"},
			{"map path to a value", part("operations", "", ops(map[string]any{"input": map[string]any{"projectId": project, "file": "x"}})) + part("map", "", `{"0": ["variables.input.file"]}`) + part("0", "a.txt", "x") + "--B--\r\n", "must hold null"},
			{"file not in the map", part("operations", "", good) + part("map", "", `{}`) + part("7", "a.txt", "x") + "--B--\r\n", `"7" is not named in the map`},
			{"file missing", part("operations", "", good) + part("map", "", `{"0": ["variables.input.file"]}`) + "--B--\r\n", "was not sent"},
			{"no boundary end", part("operations", "", good) + "garbage", "multipart"},
		} {
			before := snapshot(t, srv.App.DB)
			r := postMultipart(t, owner, []byte(c.body), "multipart/form-data; boundary=B", map[string]string{"Apollo-Require-Preflight": "true"})
			if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_REQUEST" || !strings.Contains(r.Errors[0].Message, c.want) {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
			}
			if snapshot(t, srv.App.DB) != before {
				t.Errorf("%s changed the database", c.name)
			}
		}
		r := postMultipart(t, owner, body, "multipart/form-data", map[string]string{"Apollo-Require-Preflight": "true"})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "boundary") {
			t.Errorf("no boundary: %d %s", r.Status, r.Raw)
		}
		if logs := srv.Logs.Problems(); logs != "" {
			t.Errorf("malformed uploads logged problems:\n%s", logs)
		}
	})
}

// TestDocumentAccess: a stranger uploading to, listing or deleting in a
// project answers NOT_FOUND, as a missing project does; a VIEWER member
// (READ share) and a READ token list and search documents but cannot
// upload or delete (FORBIDDEN); a WRITE member can; anonymous requests are
// UNAUTHENTICATED; an archived project refuses both with INVALID_STATE.
func TestDocumentAccess(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		stranger, _ := srv.Client(t).NewUser()
		_, readTok := createToken(t, w.owner, "docs", []string{"READ"}, nil)
		reader := srv.Client(t).As(readTok)
		doc := mustUpload(t, w.owner, w.project, "shared.md", []byte("# Shared\n\nThe warehouse ships twice a day."))
		list := `query($p: ID!) { project(id: $p) { documents { totalCount nodes { id } } } }`
		for name, c := range map[string]*testenv.Client{"viewer": w.viewer, "READ token": reader, "writer": w.writer} {
			var out struct {
				Project struct {
					Documents struct {
						TotalCount int
						Nodes      []struct{ ID string }
					}
				}
			}
			c.Must(list, map[string]any{"p": w.project}, &out)
			if out.Project.Documents.TotalCount != 1 || out.Project.Documents.Nodes[0].ID != doc.ID {
				t.Errorf("%s lists %+v", name, out)
			}
			if n, _ := searchDocs(t, c, w.project, "warehouse"); n != 1 {
				t.Errorf("%s finds %d", name, n)
			}
		}
		vars := map[string]any{"input": map[string]any{"projectId": w.project, "file": nil}}
		del := `mutation($d: ID!) { deleteDocument(input: {documentId: $d}) { deletedDocumentId } }`
		for name, c := range map[string]struct {
			client *testenv.Client
			code   string
		}{
			"stranger": {stranger, "NOT_FOUND"}, "viewer": {w.viewer, "FORBIDDEN"}, "READ token": {reader, "FORBIDDEN"},
			"anonymous": {srv.Client(t), "UNAUTHENTICATED"},
		} {
			before := snapshot(t, srv.App.DB)
			r := uploadRequest(t, c.client, uploadMutation, vars, []string{"variables.input.file"}, "x.txt", []byte("not allowed"))
			if len(r.Errors) == 0 || r.Errors[0].Code() != c.code || strings.Contains(string(r.Raw), `"filename"`) {
				t.Errorf("upload as %s: %s", name, r.Raw)
			}
			if r := c.client.Do(del, map[string]any{"d": doc.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != c.code {
				t.Errorf("delete as %s: %s", name, r.Raw)
			}
			if name == "stranger" {
				if r := c.client.Do(list, map[string]any{"p": w.project}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
					t.Errorf("list as a stranger: %s", r.Raw)
				}
				if r := c.client.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": doc.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
					t.Errorf("node as a stranger: %s", r.Raw)
				}
			}
			if snapshot(t, srv.App.DB) != before {
				t.Errorf("refused %s changed the database", name)
			}
		}
		// The stranger's answer is the one for a project that does not exist.
		missing := ids.Encode(ids.Project, 987654)
		r := uploadRequest(t, stranger, uploadMutation, map[string]any{"input": map[string]any{"projectId": missing, "file": nil}},
			[]string{"variables.input.file"}, "x.txt", []byte("x"))
		if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("upload to a missing project: %s", r.Raw)
		}
		written := mustUpload(t, w.writer, w.project, "writer.txt", []byte("the writer may upload"))
		var out struct {
			DeleteDocument struct{ DeletedDocumentID *string }
		}
		w.writer.Must(del, map[string]any{"d": written.ID}, &out)
		if out.DeleteDocument.DeletedDocumentID == nil {
			t.Fatal("the writer could not delete")
		}

		w.owner.Must(`mutation($p: ID!) { archiveProject(input: {projectId: $p}) { userErrors { code } } }`, map[string]any{"p": w.project}, nil)
		refusedUpload(t, srv, w.owner, w.project, "late.txt", []byte("too late"), "INVALID_STATE")
		var archived struct {
			DeleteDocument struct {
				DeletedDocumentID *string
				UserErrors        []testenv.UserErrorT
			}
		}
		w.owner.Must(`mutation($d: ID!) { deleteDocument(input: {documentId: $d}) { deletedDocumentId userErrors { code } } }`, map[string]any{"d": doc.ID}, &archived)
		if archived.DeleteDocument.DeletedDocumentID != nil || len(archived.DeleteDocument.UserErrors) != 1 || archived.DeleteDocument.UserErrors[0].Code != "INVALID_STATE" {
			t.Errorf("delete in an archived project: %+v", archived)
		}
	})
}

// TestDocumentPagination walks a project's documents newest first, forward
// and backward, with totalCount, and reads the documents of several
// projects in one query.
func TestDocumentPagination(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("paged documents")
		other := owner.CreateProject("other documents")
		var uploaded []string
		for i := range 5 {
			uploaded = append(uploaded, mustUpload(t, owner, project, fmt.Sprintf("doc-%d.txt", i), []byte(fmt.Sprintf("document number %d", i))).ID)
		}
		mustUpload(t, owner, other, "elsewhere.txt", []byte("another project"))
		type pageT struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
			Nodes []struct{ ID, Filename string }
		}
		read := func(vars map[string]any) pageT {
			var out struct{ Project struct{ Documents pageT } }
			vars["p"] = project
			owner.Must(`query($p: ID!, $first: Int, $after: String, $last: Int, $before: String) { project(id: $p) {
				documents(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id filename } } } }`, vars, &out)
			return out.Project.Documents
		}
		var got []string
		var after *string
		for {
			vars := map[string]any{"first": 2}
			if after != nil {
				vars["after"] = *after
			}
			p := read(vars)
			if p.TotalCount != 5 {
				t.Fatalf("totalCount %d", p.TotalCount)
			}
			for _, n := range p.Nodes {
				got = append(got, n.ID)
			}
			if !p.PageInfo.HasNextPage {
				break
			}
			after = p.PageInfo.EndCursor
		}
		want := []string{uploaded[4], uploaded[3], uploaded[2], uploaded[1], uploaded[0]}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("forward %v, want %v", got, want)
		}
		last := read(map[string]any{"last": 2})
		if len(last.Nodes) != 2 || last.Nodes[0].ID != uploaded[1] || last.Nodes[1].ID != uploaded[0] || !last.PageInfo.HasPreviousPage {
			t.Fatalf("last page %+v", last)
		}
		before := read(map[string]any{"last": 2, "before": *last.PageInfo.StartCursor})
		if len(before.Nodes) != 2 || before.Nodes[0].ID != uploaded[3] || before.Nodes[1].ID != uploaded[2] {
			t.Fatalf("page before %+v", before)
		}
		if r := owner.Do(`query($p: ID!) { project(id: $p) { documents(first: 101) { totalCount } } }`, map[string]any{"p": project}); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Fatalf("first: 101: %s", r.Raw)
		}
		var both struct {
			Projects struct {
				Nodes []struct {
					Documents struct{ TotalCount int }
				}
			}
		}
		owner.Must(`{ projects { nodes { documents(first: 1) { totalCount nodes { filename } } } } }`, nil, &both)
		counts := []int{}
		for _, n := range both.Projects.Nodes {
			counts = append(counts, n.Documents.TotalCount)
		}
		if fmt.Sprint(counts) != "[1 5]" {
			t.Fatalf("documents of both projects: %v", counts)
		}
	})
}

// matrixDocument writes a document of project straight into the database
// and returns its global id.
func matrixDocument(t *testing.T, srv *testenv.Server, project string) string {
	t.Helper()
	d := &models.Document{ProjectID: mustID(t, ids.Project, project), Filename: "matrix.md", ContentType: "text/markdown",
		Size: 9, SHA256: strings.Repeat("0", 64), Text: "# matrix\n", UploadedAt: time.Now().UTC()}
	if err := srv.App.Store.CreateDocument(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return ids.Encode(ids.Document, d.ID)
}
