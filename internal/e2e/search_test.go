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
// starts with a word no other answer starts with.
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
	{"redis OR pages", []string{"spec:cache_layer", "spec:page_latency"}},
	{"openid OR kubernetes", []string{"spec:auth_method"}},
	{"invoices -accountants", []string{"spec:primary_database"}},
	{"sign-on", []string{"spec:auth_method"}},
	{"REFUNDS card", []string{"spec:retention_period", "question:Shoppers"}},
	{"the merchants", []string{"spec:launch_goal", "spec:expected_users", "question:Merchants"}},
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

var _ = fmt.Sprint
var _ = time.Second
var _ = app.Options{}
var _ = config.Config{}
