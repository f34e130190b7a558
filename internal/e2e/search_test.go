package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/testenv"
)

const searchQuery = `query($p: ID!, $q: String!, $first: Int, $after: String) { project(id: $p) {
	search(query: $q, first: $first, after: $after) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
		edges { cursor snippet rank node { __typename ... on Specification { id key status } ... on Question { id text answer } } }
		nodes { __typename }
	} } }`

type searchHitT struct {
	Cursor, Snippet string
	Rank            float64
	Node            struct {
		Typename     string `json:"__typename"`
		ID, Key      string
		Status       string
		Text, Answer string
	}
}

type searchPageT struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []searchHitT
	Nodes []struct {
		Typename string `json:"__typename"`
	}
}

// searchPage runs one search and fails the test on any error.
func searchPage(t *testing.T, c *testenv.Client, project, q string, first *int, after *string) searchPageT {
	t.Helper()
	var out struct{ Project struct{ Search searchPageT } }
	vars := map[string]any{"p": project, "q": q}
	if first != nil {
		vars["first"] = *first
	}
	if after != nil {
		vars["after"] = *after
	}
	c.Must(searchQuery, vars, &out)
	return out.Project.Search
}

// label names a hit the same way on both databases: a specification by its
// key, a question by the first word of its answer (the corpus makes it
// unique).
func (h searchHitT) label() string {
	if h.Node.Typename == "Specification" {
		return "spec:" + h.Node.Key
	}
	first, _, _ := strings.Cut(h.Node.Answer, " ")
	return "question:" + first
}

func labels(hits []searchHitT, n int) []string {
	out := []string{}
	for i, h := range hits {
		if i == n {
			break
		}
		out = append(out, h.label())
	}
	return out
}

// corpusSpecs are the specifications of the search corpus, added by hand.
var corpusSpecs = []struct{ category, key, value string }{
	{"TECH_STACK", "primary_database", "a relational database holds every invoice"},
	{"TECH_STACK", "cache_layer", "Redis caches rendered pages in front of the API"},
	{"SECURITY", "auth_method", "single sign-on through OpenID Connect"},
	{"GOALS", "launch_goal", "first merchants live before the holiday season"},
	{"DISASTER_RECOVERY", "backup_policy", "nightly database backups kept for thirty days"},
	{"REQUIREMENTS", "invoice_search", "accountants find invoices by customer name"},
	{"PERFORMANCE", "page_latency", "pages render within 300 milliseconds for 95 percent of requests"},
	{"MONITORING", "alerting", "on-call engineers are paged when error rates rise"},
}

// corpusAnswers answer the first questions of a session, in order; each
// starts with a word no other answer starts with. What the built-in engine
// extracts from them is searched too, so the expected hits below follow
// its rules (it hears capabilities, not the answers' own keys, in these).
var corpusAnswers = []string{
	"Merchants upload receipts as scanned files and expect an email confirmation",
	"Auditors read exported ledgers; archives move to cold storage after a year",
	"Shoppers pay by card, and refunds return to the same card within a week",
}

// seedSearch fills a project with the corpus through the API.
func seedSearch(t *testing.T, c *testenv.Client, project string) {
	t.Helper()
	for _, s := range corpusSpecs {
		addSpecAs(t, c, project, s.category, s.key, s.value)
	}
	session := c.StartSession(project)
	for _, a := range corpusAnswers {
		answer(t, c, ask(t, c, session).AskNextQuestion.Question.ID, a)
	}
}

// searchCases are queries over the corpus and the labels their results
// start with, in order, on both databases.
var searchCases = []struct {
	query string
	top   []string
}{
	{"databases", []string{"spec:primary_database", "spec:backup_policy"}},
	{"nightly backup", []string{"spec:backup_policy"}},
	{"invoices customer", []string{"spec:invoice_search"}},
	{`"cold storage"`, []string{"question:Auditors"}},
	{`"storage cold"`, nil},
	{"memcached OR redis", []string{"spec:cache_layer"}},
	{"openid OR kubernetes", []string{"spec:auth_method"}},
	{"invoices -accountants", []string{"spec:primary_database"}},
	{"sign-on", []string{"spec:auth_method"}},
	{"REFUNDS card", []string{"question:Shoppers"}},
	{"the merchants", []string{"spec:launch_goal", "question:Merchants"}},
	{"paging engineers", []string{"spec:alerting"}},
	{"kubernetes", nil},
}

// TestSearchCorpus runs a table of queries over a corpus seeded through
// the API and finds the same top results, in the same order, on both
// databases; snippets mark the matched words and escape the rest.
func TestSearchCorpus(t *testing.T) {
	results := map[string]map[string][]string{}
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("search corpus")
		seedSearch(t, owner, project)
		got := map[string][]string{}
		for _, c := range searchCases {
			page := searchPage(t, owner, project, c.query, nil, nil)
			top := labels(page.Edges, 3)
			got[c.query] = top
			if len(top) < len(c.top) || !slices.Equal(top[:len(c.top)], c.top) {
				t.Errorf("%q: top %v, want %v first", c.query, top, c.top)
			}
			if c.top == nil && len(page.Edges) != 0 {
				t.Errorf("%q: found %v, want nothing", c.query, labels(page.Edges, 10))
			}
			if page.TotalCount != len(page.Edges) || len(page.Nodes) != len(page.Edges) {
				t.Errorf("%q: totalCount %d, %d edges, %d nodes", c.query, page.TotalCount, len(page.Edges), len(page.Nodes))
			}
			for i, e := range page.Edges {
				if !strings.Contains(e.Snippet, "<mark>") || e.Rank <= 0 || e.Rank >= 1 {
					t.Errorf("%q hit %s: snippet %q rank %v", c.query, e.label(), e.Snippet, e.Rank)
				}
				if i > 0 && e.Rank > page.Edges[i-1].Rank {
					t.Errorf("%q: hits out of rank order: %v", c.query, page.Edges)
				}
			}
			t.Logf("%q: %v", c.query, labels(page.Edges, 10))
		}
		results[t.Name()] = got
		if p := srv.Logs.Problems(); p != "" {
			t.Errorf("the log reports problems:\n%s", p)
		}
	})
	var first map[string][]string
	for name, got := range results {
		if first == nil {
			first = got
			continue
		}
		for q, top := range got {
			if !slices.Equal(top, first[q]) {
				t.Errorf("%q: top 3 differ between databases: %v (%s) and %v", q, top, name, first[q])
			}
		}
	}
}

// TestSearchHostileInput sends queries built to break an engine's syntax
// or the SQL: each either finds what its words find or is refused with
// BAD_USER_INPUT, never an internal error, and nothing changes.
func TestSearchHostileInput(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("hostile search")
		seedSearch(t, owner, project)
		before := snapshot(t, srv.App.DB)
		refused := []string{"", "   ", "\t\n", `"`, `""`, "-", "--", "OR", "*", "^", "-database", "the", "(((", "\u0000",
			strings.Repeat("a", 201), strings.Repeat("é", 201)}
		found := []string{
			`"database`, `database"`, `database*`, `^database`, `NEAR(database invoice)`, "NEAR(", `database AND invoice`, `database NOT x`,
			`key:database`, `{key value}: database`, `database'; DROP TABLE specifications; --`, `' OR 1=1 --`, `database) OR (1=1`,
			`database & invoice | !x`, `database <-> invoice`, `database:*`, `-"" database`, `database OR`, `OR database`,
			"database \u0000", "データベース database", "database 🚀", "DATABASE", "Dätabase", `\"database\"`, "database%_",
			strings.Repeat("database ", 22),
		}
		for _, q := range refused {
			r := owner.Do(searchQuery, map[string]any{"p": project, "q": q})
			if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Message == "" {
				t.Errorf("query %q: %s", q, r.Raw)
			}
		}
		for _, q := range found {
			r := owner.Do(searchQuery, map[string]any{"p": project, "q": q})
			if len(r.Errors) > 0 {
				t.Errorf("query %q: %s", q, r.Raw)
				continue
			}
			var out struct{ Project struct{ Search searchPageT } }
			r.Decode(t, &out)
			for _, e := range out.Project.Search.Edges {
				if !strings.Contains(e.Snippet, "<mark>") {
					t.Errorf("query %q: snippet without a match: %q", q, e.Snippet)
				}
			}
		}
		if snapshot(t, srv.App.DB) != before {
			t.Error("a search changed the database")
		}
		if p := srv.Logs.Problems(); p != "" {
			t.Errorf("the log reports problems:\n%s", p)
		}
	})
}

// TestSearchSnippetIsEscaped stores text that looks like HTML and finds it:
// the snippet marks the matched word and escapes the rest.
func TestSearchSnippetIsEscaped(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("escaped snippets")
		addSpecAs(t, owner, project, "REQUIREMENTS", "markup_rule", `<script>alert("x")</script> & <b>widgets</b> stay plain text`)
		page := searchPage(t, owner, project, "widgets", nil, nil)
		if len(page.Edges) != 1 {
			t.Fatalf("widgets: %+v", page)
		}
		s := page.Edges[0].Snippet
		// PostgreSQL's parser leaves what looks like a tag out of the
		// snippet; SQLite keeps it, escaped.
		if strings.Contains(s, "<script") || strings.Contains(s, "<b>") || !strings.Contains(s, "&amp;") ||
			!strings.Contains(s, "<mark>widgets</mark>") {
			t.Errorf("snippet %q", s)
		}
	})
}

// TestSearchAccess: a stranger gets NOT_FOUND as for a missing project, an
// anonymous client UNAUTHENTICATED, a READ share and a READ token find what
// the owner finds.
func TestSearchAccess(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		seedSearch(t, w.owner, w.project)
		stranger, _ := srv.Client(t).NewUser()
		_, readTok := createToken(t, w.owner, "search", []string{"READ"}, nil)
		want := labels(searchPage(t, w.owner, w.project, "invoices", nil, nil).Edges, 10)
		if len(want) == 0 {
			t.Fatal("the owner finds nothing")
		}
		for name, c := range map[string]*testenv.Client{"viewer (READ share)": w.viewer, "READ token": srv.Client(t).As(readTok)} {
			if got := labels(searchPage(t, c, w.project, "invoices", nil, nil).Edges, 10); !slices.Equal(got, want) {
				t.Errorf("%s finds %v, the owner %v", name, got, want)
			}
		}
		r := stranger.Do(searchQuery, map[string]any{"p": w.project, "q": "invoices"})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), "snippet") {
			t.Errorf("a stranger's search: %s", r.Raw)
		}
		if r := srv.Client(t).Do(searchQuery, map[string]any{"p": w.project, "q": "invoices"}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous search: %s", r.Raw)
		}
	})
}

// TestSearchPagination walks the hits of a query a page at a time: every
// hit once, in the order of one big page, with a cursor of another query
// refused and first bounded.
func TestSearchPagination(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("paged search")
		for i := range 7 {
			addSpecAs(t, owner, project, "REQUIREMENTS", fmt.Sprintf("report_%d", i), strings.Repeat("monthly ", i+1)+"report export")
		}
		for i := range 4 {
			addSpecAs(t, owner, project, "TESTING", fmt.Sprintf("check_%d", i), "every report is checked")
		}
		all := searchPage(t, owner, project, "report", nil, nil)
		if all.TotalCount != 11 || len(all.Edges) != 11 || all.PageInfo.HasNextPage {
			t.Fatalf("one page: total %d, %d edges, %+v", all.TotalCount, len(all.Edges), all.PageInfo)
		}
		var walked []string
		var after *string
		two := 2
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			p := searchPage(t, owner, project, "report", &two, after)
			if p.TotalCount != 11 || len(p.Edges) > 2 || p.PageInfo.HasPreviousPage != (after != nil) {
				t.Fatalf("page %d: %+v", pages, p)
			}
			for _, e := range p.Edges {
				walked = append(walked, e.Node.ID)
			}
			if !p.PageInfo.HasNextPage {
				break
			}
			after = p.PageInfo.EndCursor
		}
		var want []string
		for _, e := range all.Edges {
			want = append(want, e.Node.ID)
		}
		if !slices.Equal(walked, want) {
			t.Errorf("paged %v, one page %v", walked, want)
		}
		r := owner.Do(searchQuery, map[string]any{"p": project, "q": "monthly", "after": all.Edges[0].Cursor})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Errorf("a cursor of another query: %s", r.Raw)
		}
		for _, vars := range []map[string]any{
			{"p": project, "q": "report", "first": 101}, {"p": project, "q": "report", "first": -1},
			{"p": project, "q": "report", "after": "garbage"},
		} {
			if r := owner.Do(searchQuery, vars); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%v: %s", vars, r.Raw)
			}
		}
		if p := searchPage(t, owner, project, "report", new(int), nil); len(p.Edges) != 0 || !p.PageInfo.HasNextPage {
			t.Errorf("first: 0 gives %+v", p)
		}
	})
}

// TestSearchStatements shows a page of hits costs the same statements
// whatever the project holds and however many hits the page has.
func TestSearchStatements(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 150 * time.Millisecond }),
			testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		owner, _ := srv.Client(t).NewUser()
		project := owner.CreateProject("search statements")
		addSpecAs(t, owner, project, "REQUIREMENTS", "first_report", "a weekly report")
		session := owner.StartSession(project)
		answer(t, owner, ask(t, owner, session).AskNextQuestion.Question.ID, "The report goes to finance")
		const q = `query($p: ID!) { project(id: $p) { search(query: "report", first: 50) { totalCount
			edges { snippet rank node { ... on Specification { id key project { id } } ... on Question { id text session { id } } } } } } }`
		cost := func() int64 { return counter.measure(func() { owner.Must(q, map[string]any{"p": project}, nil) }) }
		small := cost()
		for i := range 12 {
			addSpecAs(t, owner, project, "REQUIREMENTS", fmt.Sprintf("report_%d", i), "report number "+fmt.Sprint(i))
		}
		for range 3 {
			answer(t, owner, ask(t, owner, session).AskNextQuestion.Question.ID, "Another report for the board")
		}
		large := cost()
		t.Logf("statements: %d then %d", small, large)
		if small != large {
			t.Fatalf("a page of hits costs %d statements, then %d:\n%s", small, large, strings.Join(counter.last(), "\n"))
		}
	})
}
