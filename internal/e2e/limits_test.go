package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/querylimit"
	"socrates/internal/testenv"
)

// gqlReply is one GraphQL response over HTTP, with its status and whether
// it held a data entry at all.
type gqlReply struct {
	Status      int
	ContentType string
	Data        json.RawMessage
	HasData     bool
	Errors      []testenv.GQLError
	// Cost is extensions.cost, nil when absent.
	Cost *struct{ Requested, Limit int }
	Raw  []byte
}

// sendQuery sends a document as a client does: POST with a JSON body, or
// GET with the document in the URL; accept, when set, is the Accept header.
func sendQuery(t *testing.T, srv *testenv.Server, method, query, operationName, accept, token string) gqlReply {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		v := url.Values{"query": {query}}
		if operationName != "" {
			v.Set("operationName", operationName)
		}
		req, _ = http.NewRequest(http.MethodGet, srv.URL+"/query?"+v.Encode(), nil)
	} else {
		body, err := json.Marshal(map[string]any{"query": query, "operationName": operationName})
		if err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequest(http.MethodPost, srv.URL+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return decodeReply(t, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
}

func decodeReply(t *testing.T, status int, contentType string, raw []byte) gqlReply {
	t.Helper()
	var body struct {
		Data       *json.RawMessage   `json:"data"`
		Errors     []testenv.GQLError `json:"errors"`
		Extensions struct {
			Cost *struct{ Requested, Limit int } `json:"cost"`
		} `json:"extensions"`
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil || json.Unmarshal(raw, &keys) != nil {
		t.Fatalf("response (%d) is not GraphQL JSON: %.300s", status, raw)
	}
	r := gqlReply{Status: status, ContentType: contentType, Errors: body.Errors, Cost: body.Extensions.Cost, Raw: raw}
	if d, ok := keys["data"]; ok {
		r.HasData, r.Data = true, d
	}
	return r
}

// chainedFragments is the document of the problem report: fragment F0
// selects viewer { id } and each further fragment spreads the one before
// twice, levels times.
func chainedFragments(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { viewer { id } }\n", levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// commasUnderBody returns `{ viewer { id } }` followed by as many commas
// as keep the JSON request body one byte under maxBody.
func commasUnderBody(maxBody int64) string {
	q := "{ viewer { id } }"
	overhead := len(`{"query":"","operationName":""}`) + len(q)
	return q + strings.Repeat(",", int(maxBody)-1-overhead)
}

// TestHostileDocumentsAreRefusedByRule sends, unauthenticated, the
// documents whose cost has nothing to do with their size, and checks each
// is refused by the rule that bounds it: the message names what was
// counted and the limit, the code is BAD_USER_INPUT, the status is 200 for
// application/json and 400 for application/graphql-response+json, and
// websocket clients get the same error.
func TestHostileDocumentsAreRefusedByRule(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		cfg := testenv.TestConfig(t, dbURL)
		ids := func(n int) string { return strings.Repeat("id ", n) }
		commas := commasUnderBody(cfg.MaxBodyBytes)
		cases := []struct {
			name, query, want string
			small             bool // fits in a URL, so GET and websocket are tried too
		}{
			{"fragments chained 30 deep", chainedFragments(30), "the document spreads fragments 6442450879 times once they are expanded; the limit is 1000", true},
			{"20,000 duplicate fields", "{ viewer { " + ids(20_000) + "} }", "the document has more than 15000 tokens; the limit is 15000", false},
			{"20,000 duplicate fields from fragments", "{ viewer { " + strings.Repeat("...D ", 200) + "} } fragment D on User { " + ids(100) + "}",
				"the document selects 20101 fields once fragments are expanded; the limit is 10000", true},
			{"duplicate fields in same-named selection sets", "{ viewer { " + ids(150) + "} viewer { " + ids(150) + "} }",
				"a selection set holds 300 fields once fragments are expanded and fields of the same name merged; the limit is 200", true},
			{"1 MiB of commas", commas, fmt.Sprintf("the document is %d bytes long; the limit is 262144", len(commas)), false},
			{"list literal nested 5000 deep", "{ node(id: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + ") { id } }",
				"the document nests selection sets, lists and input objects more than 1000 levels deep; the limit is 1000", true},
			// Also not valid (no field nope): refused by the limit, before validation.
			{"data nested 13 deep", "{ nope projects { nodes { sessions { nodes { project { sessions { nodes { project { sessions { nodes { project { owner { id } } } } } } } } } } } } }",
				"the operation is nested 13 levels deep; the limit is 12", true},
		}
		refused := func(t *testing.T, how string, r gqlReply, wantStatus int, want string) {
			t.Helper()
			if r.Status != wantStatus {
				t.Fatalf("%s: status %d, want %d: %.300s", how, r.Status, wantStatus, r.Raw)
			}
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Message != want {
				t.Fatalf("%s: got %.400s\nwant the message %q with BAD_USER_INPUT", how, r.Raw, want)
			}
			if r.HasData && string(r.Data) != "null" {
				t.Fatalf("%s: a refused document has data: %.200s", how, r.Raw)
			}
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.name == "1 MiB of commas" {
					body, _ := json.Marshal(map[string]any{"query": c.query, "operationName": ""})
					if n := int64(len(body)); n >= cfg.MaxBodyBytes || n < cfg.MaxBodyBytes-64 {
						t.Fatalf("the body is %d bytes; it should be just under MAX_BODY_BYTES (%d)", n, cfg.MaxBodyBytes)
					}
				}
				refused(t, "POST", sendQuery(t, srv, http.MethodPost, c.query, "", "", ""), http.StatusOK, c.want)
				refused(t, "POST application/json", sendQuery(t, srv, http.MethodPost, c.query, "", "application/json", ""), http.StatusOK, c.want)
				r := sendQuery(t, srv, http.MethodPost, c.query, "", "application/graphql-response+json", "")
				refused(t, "POST application/graphql-response+json", r, http.StatusBadRequest, c.want)
				if !strings.HasPrefix(r.ContentType, "application/graphql-response+json") {
					t.Fatalf("content type %q", r.ContentType)
				}
				if !c.small {
					return
				}
				refused(t, "GET", sendQuery(t, srv, http.MethodGet, c.query, "", "", ""), http.StatusOK, c.want)
				refused(t, "GET application/graphql-response+json", sendQuery(t, srv, http.MethodGet, c.query, "", "application/graphql-response+json", ""), http.StatusBadRequest, c.want)

				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				ws, err := testenv.DialWS(ctx, srv, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.Close()
				refused(t, "websocket", decodeReply(t, http.StatusOK, "", ws.QueryWS(t, ctx, "1", c.query)), http.StatusOK, c.want)
			})
		}

		// Documents that are merely wrong answer as the GraphQL-over-HTTP
		// spec asks: 200 with application/json.
		if r := sendQuery(t, srv, http.MethodPost, "{ viewer { id }", "", "", ""); r.Status != http.StatusOK ||
			len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" {
			t.Fatalf("syntax error: %d %s", r.Status, r.Raw)
		}
		if r := sendQuery(t, srv, http.MethodPost, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "", "", ""); len(r.Errors) == 0 ||
			r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "within itself") {
			t.Fatalf("fragment cycle: %d %s", r.Status, r.Raw)
		}
		// The server still answers.
		if r := sendQuery(t, srv, http.MethodPost, "{ viewer { id } }", "", "", ""); r.Status != http.StatusOK || len(r.Errors) != 0 {
			t.Fatalf("after the refusals: %d %s", r.Status, r.Raw)
		}
	})
}

// TestComplexityRefusalAndIntrospectionIsFree checks that the complexity
// limit keeps its code, answers 400 to application/graphql-response+json,
// and does not count introspection or __typename.
func TestComplexityRefusalAndIntrospectionIsFree(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		// { viewer { id } } costs 2: viewer and id.
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.MaxComplexity = 2 }))
		free := `{ __typename viewer { id __typename } __type(name: "Project") { name fields { name type { name ofType { name } } } } }`
		if r := sendQuery(t, srv, http.MethodPost, free, "", "", ""); r.Status != http.StatusOK || len(r.Errors) != 0 {
			t.Fatalf("introspection counted in complexity: %d %s", r.Status, r.Raw)
		}
		over := `{ viewer { id email } }`
		want := "operation has complexity 3, which exceeds the limit of 2"
		for accept, status := range map[string]int{"": http.StatusOK, "application/json": http.StatusOK, "application/graphql-response+json": http.StatusBadRequest} {
			r := sendQuery(t, srv, http.MethodPost, over, "", accept, "")
			if r.Status != status || len(r.Errors) != 1 || r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" || r.Errors[0].Message != want {
				t.Fatalf("Accept %q: %d %s, want %d with %q", accept, r.Status, r.Raw, status, want)
			}
		}
	})
}

// TestCostIsVisible checks that every query and mutation answer carries
// extensions.cost {requested, limit}, computed by the rules that refuse,
// also when they refuse, over POST and GET.
func TestCostIsVisible(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.MaxComplexity = 40 }))
		_, tok := srv.Client(t).NewUser()
		cases := []struct {
			query     string
			requested int
			refused   bool
		}{
			{"{ viewer { id } }", 2, false},
			{"{ viewer { id email } }", 3, false},
			// introspection and __typename are free
			{`{ __typename __type(name: "Project") { name } }`, 0, false},
			// a page counts its size: 1 + 10 x (1 + 1 + 1)
			{"{ projects(first: 10) { nodes { id name } } }", 0, false},
			{"{ projects(first: 100) { nodes { id name } } }", 0, true},
		}
		for _, c := range cases {
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				r := sendQuery(t, srv, method, c.query, "", "", tok.AccessToken)
				if r.Cost == nil || r.Cost.Limit != 40 {
					t.Fatalf("%s %s: no cost or wrong limit: %s", method, c.query, r.Raw)
				}
				if c.requested > 0 && r.Cost.Requested != c.requested {
					t.Errorf("%s %s: requested %d, want %d", method, c.query, r.Cost.Requested, c.requested)
				}
				if refused := len(r.Errors) == 1 && r.Errors[0].Code() == "COMPLEXITY_LIMIT_EXCEEDED"; refused != c.refused {
					t.Errorf("%s %s: refused %v: %s", method, c.query, refused, r.Raw)
				}
				if c.refused != (r.Cost.Requested > r.Cost.Limit) {
					t.Errorf("%s %s: cost %+v disagrees with the refusal", method, c.query, *r.Cost)
				}
				if c.requested == 0 && !c.refused && c.query[2] == '_' && r.Cost.Requested != 0 {
					t.Errorf("introspection costs %d", r.Cost.Requested)
				}
			}
		}
		// A mutation's answer carries it as well.
		r := sendQuery(t, srv, http.MethodPost, `mutation { createProject(input: {name: "Cost"}) { project { id } } }`, "", "", tok.AccessToken)
		if r.Cost == nil || r.Cost.Requested < 2 || len(r.Errors) != 0 {
			t.Fatalf("mutation: %s", r.Raw)
		}
	})
}

// introspectionQueries returns the queries graphql-js 16's
// getIntrospectionQuery generates, by option set.
func introspectionQueries(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("testdata/introspection/*.graphql")
	if err != nil || len(files) < 8 {
		t.Fatalf("introspection queries: %v %v", files, err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".graphql")] = string(b)
	}
	return out
}

// checkIntrospection checks a successful introspection result describes
// this schema, with the fields its option set asked for.
func checkIntrospection(t *testing.T, how, name, query string, r gqlReply) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) != 0 || !r.HasData {
		t.Fatalf("%s %s: %d %.500s", name, how, r.Status, r.Raw)
	}
	var data struct {
		Schema struct {
			QueryType struct{ Name string }
			Types     []map[string]any
		} `json:"__schema"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("%s %s: %v", name, how, err)
	}
	var project map[string]any
	for _, ty := range data.Schema.Types {
		if ty["name"] == "Project" {
			project = ty
		}
	}
	if data.Schema.QueryType.Name != "Query" || project == nil || len(project["fields"].([]any)) < 10 {
		t.Fatalf("%s %s: the result does not describe the schema: %.300s", name, how, r.Data)
	}
	for _, field := range []string{"description", "specifiedByURL", "isOneOf"} {
		_, asked := project[field]
		if asked != strings.Contains(query, field) {
			t.Fatalf("%s %s: Project has %s: %v, asked: %v", name, how, field, asked, strings.Contains(query, field))
		}
	}
}

// TestIntrospectionQueriesSucceed runs the introspection query every tool
// sends (GraphiQL, graphql-codegen, Rover, Postman, Insomnia), with and
// without each option, over POST, GET and the websocket.
func TestIntrospectionQueriesSucceed(t *testing.T) {
	queries := introspectionQueries(t)
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ws, err := testenv.DialWS(ctx, srv, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		for name, q := range queries {
			t.Run(name, func(t *testing.T) {
				checkIntrospection(t, "POST", name, q, sendQuery(t, srv, http.MethodPost, q, "IntrospectionQuery", "", ""))
				checkIntrospection(t, "POST graphql-response+json", name, q,
					sendQuery(t, srv, http.MethodPost, q, "IntrospectionQuery", "application/graphql-response+json, application/json;q=0.9", ""))
				checkIntrospection(t, "GET", name, q, sendQuery(t, srv, http.MethodGet, q, "IntrospectionQuery", "", ""))
				checkIntrospection(t, "websocket", name, q, decodeReply(t, http.StatusOK, "", ws.QueryWS(t, ctx, name, q)))
			})
		}
	})
}

// TestBigLegitimateDocumentsPass runs a large dashboard query (30 aliases,
// the limit, and fragments) and checks that the most expensive document of
// each hostile shape the limits accept is indeed not refused by a limit.
func TestBigLegitimateDocumentsPass(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		projectID := me.CreateProject("Dashboard")
		me.StartSession(projectID)

		var q strings.Builder
		q.WriteString("query Dashboard($p: ID!) {\n  viewer { ...UserFields }\n")
		for i := range 30 {
			fmt.Fprintf(&q, "  p%d: project(id: $p) { ...ProjectCard sessions(first: 5) { nodes { ...SessionRow } pageInfo { hasNextPage endCursor } } specifications(first: 10) { totalCount nodes { id key value status confidence __typename } } }\n", i)
		}
		q.WriteString(`}
fragment UserFields on User { id email name createdAt __typename }
fragment ProjectCard on Project { id name description phase status maturity viewerPermission createdAt updatedAt archivedAt openConflictCount owner { ...UserFields } __typename }
fragment SessionRow on Session { id mode status startedAt endedAt startedBy { ...UserFields } project { id name } __typename }
`)
		var out map[string]json.RawMessage
		me.Must(q.String(), map[string]any{"p": projectID}, &out)
		if len(out) != 31 || !strings.Contains(string(out["p29"]), `"name":"Dashboard"`) || !strings.Contains(string(out["viewer"]), tok.User.ID) {
			t.Fatalf("dashboard: %v", out)
		}

		cfg := testenv.TestConfig(t, dbURL)
		limits := querylimit.Limits{Bytes: cfg.MaxQueryBytes, Tokens: cfg.MaxTokens, Spreads: cfg.MaxSpreads, Fields: cfg.MaxFields,
			SelectionFields: cfg.MaxSelectionFields, Depth: cfg.MaxDepth, Aliases: cfg.MaxAliases, IntrospectionDepth: cfg.MaxIntrospectionDepth}
		docs := limits.MostExpensive(int(cfg.MaxBodyBytes))
		if len(docs) != len(limits.HostileShapes()) {
			t.Fatalf("%d most expensive documents", len(docs))
		}
		for _, h := range docs {
			r := sendQuery(t, srv, http.MethodPost, h.Query, "", "", tok.AccessToken)
			for _, e := range r.Errors {
				if code := e.Code(); code == "BAD_USER_INPUT" || code == "COMPLEXITY_LIMIT_EXCEEDED" {
					t.Fatalf("%s at size %d was refused by a limit: %.300s", h.Shape, h.Size, r.Raw)
				}
			}
			if r.Status != http.StatusOK {
				t.Fatalf("%s at size %d: status %d %.300s", h.Shape, h.Size, r.Status, r.Raw)
			}
			if h.Shape != "deep list" && (len(r.Errors) != 0 || !strings.Contains(string(r.Data), tok.User.ID)) {
				t.Fatalf("%s at size %d did not run: %.300s", h.Shape, h.Size, r.Raw)
			}
		}
	})
}

// TestPersistedQueriesAreChecked checks automatic persisted queries: a
// document over a limit is refused when it is registered (so the APQ cache
// never keeps it), and an operation sent by hash alone is checked too.
func TestPersistedQueriesAreChecked(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		apq := func(query, hash, operationName string) gqlReply {
			t.Helper()
			body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName,
				"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}})
			resp, err := http.Post(srv.URL+"/query", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return decodeReply(t, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
		sum := func(q string) string { h := sha256.Sum256([]byte(q)); return hex.EncodeToString(h[:]) }

		hostile := chainedFragments(30)
		if r := apq(hostile, sum(hostile), ""); len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Fatalf("registering a hostile document: %s", r.Raw)
		}
		if r := apq("", sum(hostile), ""); len(r.Errors) != 1 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("the refused document was kept: %s", r.Raw)
		}

		// Registered through its shallow operation, then run by hash alone
		// as its deep one.
		two := "query Shallow { viewer { id } } query Deep { projects { nodes { sessions { nodes { project { sessions { nodes { project { sessions { nodes { project { owner { id } } } } } } } } } } } } }"
		if r := apq(two, sum(two), "Shallow"); len(r.Errors) != 0 {
			t.Fatalf("registering: %s", r.Raw)
		}
		if r := apq("", sum(two), "Shallow"); len(r.Errors) != 0 || r.Status != http.StatusOK {
			t.Fatalf("by hash: %s", r.Raw)
		}
		r := apq("", sum(two), "Deep")
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Message != "the operation is nested 13 levels deep; the limit is 12" {
			t.Fatalf("the deep operation by hash: %s", r.Raw)
		}
	})
}
