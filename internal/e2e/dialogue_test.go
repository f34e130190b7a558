package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// subscription is one GraphQL subscription on its own websocket.
type subscription struct {
	t  *testing.T
	ws *testenv.WS
}

// subscribe opens a websocket as token, starts a subscription and waits
// until the server's broker has registered it.
func subscribe(t *testing.T, srv *testenv.Server, token, topic, query string, vars map[string]any) *subscription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := srv.App.Broker.Subscribers(topic)
	ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	if err := ws.Subscribe(ctx, "s", query, vars); err != nil {
		t.Fatal(err)
	}
	for srv.App.Broker.Subscribers(topic) <= before {
		if ctx.Err() != nil {
			t.Fatalf("subscription to %s never registered", topic)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return &subscription{t: t, ws: ws}
}

// next returns the data of the next event.
func (s *subscription) next() map[string]any {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := s.ws.Next(ctx, "s")
	if err != nil {
		s.t.Fatalf("read subscription: %v", err)
	}
	if m.Type != "next" {
		s.t.Fatalf("want next, got %s %s", m.Type, m.Payload)
	}
	var p struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		s.t.Fatalf("event %s: %v", m.Payload, err)
	}
	for _, v := range p.Data {
		return v.(map[string]any)
	}
	s.t.Fatalf("empty event %s", m.Payload)
	return nil
}

// until reads events until one of type typ arrives, returning the types seen.
func (s *subscription) until(field, value string) (map[string]any, []string) {
	s.t.Helper()
	var seen []string
	for range 50 {
		e := s.next()
		v, _ := e[field].(string)
		seen = append(seen, v)
		if v == value {
			return e, seen
		}
	}
	s.t.Fatalf("no %s=%s event; saw %v", field, value, seen)
	return nil, nil
}

type projectState struct {
	Project struct {
		Maturity          int
		OpenConflictCount int
		CategoryCoverage  []struct {
			Category      string
			ConfidenceSum float64
			Target        int
		}
		All struct{ Nodes []specT }
	}
}

func state(t *testing.T, c *testenv.Client, projectID string) projectState {
	t.Helper()
	var out projectState
	c.Must(`query($p: ID!) { project(id: $p) { maturity openConflictCount categoryCoverage { category confidenceSum target }
		all: specifications(status: null, first: 100) { nodes { id category key value status confidence } } } }`, map[string]any{"p": projectID}, &out)
	return out
}

// expectedMaturity applies the domain formula to the CURRENT specifications.
func expectedMaturity(specs []specT) int {
	targets := map[string]float64{"GOALS": 10, "REQUIREMENTS": 15, "TECH_STACK": 12, "SCALABILITY": 8, "SECURITY": 10,
		"PERFORMANCE": 8, "TESTING": 8, "MONITORING": 6, "DATA_RETENTION": 5, "DISASTER_RECOVERY": 8}
	sums := map[string]float64{}
	for _, s := range specs {
		if s.Status == "CURRENT" {
			sums[s.Category] += s.Confidence
		}
	}
	total := 0.0
	for c, t := range targets {
		total += math.Min(sums[c], t)
	}
	return int(math.Round(total / 90 * 100))
}

func statusOf(specs []specT, key, value string) string {
	for _, s := range specs {
		if s.Key == key && s.Value == value {
			return s.Status
		}
	}
	return ""
}

// TestSocraticDialogueOverWebsocket runs the whole dialogue with live
// subscriptions: a question streamed STARTED/DELTA/COMPLETED, two answers
// that contradict each other, and each way of resolving the conflict.
func TestSocraticDialogueOverWebsocket(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		for _, resolution := range []string{"REPLACE", "KEEP_OLD", "MERGE", "IGNORE"} {
			t.Run(resolution, func(t *testing.T) {
				me, tok := srv.Client(t).NewUser()
				pid := me.CreateProject("Dialogue " + resolution)
				sid := me.StartSession(pid)
				var sidNum int64
				fmt.Sscan(strings.TrimPrefix(string(mustDecode(t, sid)), "Session:"), &sidNum)

				stream := subscribe(t, srv, tok.AccessToken, pubsub.QuestionTopic(sidNum),
					`subscription($s: ID!) { questionStream(sessionId: $s) { kind delta provider fallback message question { id text category } } }`,
					map[string]any{"s": sid})
				events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sidNum),
					`subscription($s: ID!) { sessionEvents(sessionId: $s) { type question { id } specifications { key value status }
						conflicts { type status } project { maturity openConflictCount } previousMaturity } }`,
					map[string]any{"s": sid})

				q1 := ask(t, me, sid).AskNextQuestion.Question
				if q1.Category != "GOALS" || q1.BiasScore != 0 || q1.QualityScore != 1 || q1.Context == nil {
					t.Fatalf("first question: %+v", q1)
				}
				first := stream.next()
				if first["kind"] != "STARTED" || first["provider"] != "BUILTIN" {
					t.Fatalf("first stream event %v", first)
				}
				var text strings.Builder
				deltas := 0
				for {
					e := stream.next()
					if e["kind"] == "DELTA" {
						deltas++
						text.WriteString(e["delta"].(string))
						continue
					}
					if e["kind"] != "COMPLETED" || e["question"].(map[string]any)["id"] != q1.ID || e["fallback"] != false {
						t.Fatalf("completion event %v", e)
					}
					break
				}
				if deltas == 0 || text.String() != q1.Text {
					t.Fatalf("%d deltas spelling %q, want %q", deltas, text.String(), q1.Text)
				}
				if e, _ := events.until("type", "QUESTION_ASKED"); e["question"].(map[string]any)["id"] != q1.ID {
					t.Fatalf("QUESTION_ASKED %v", e)
				}

				a1 := answer(t, me, q1.ID, "We will store everything in PostgreSQL")
				pg := specByKey(a1.AnswerQuestion.Specifications, "database")
				if pg == nil || pg.Value != "PostgreSQL" || pg.Status != "CURRENT" || pg.Source != "EXTRACTED" || pg.Confidence != 1 {
					t.Fatalf("first answer specs: %+v", a1.AnswerQuestion.Specifications)
				}
				if a1.AnswerQuestion.Question.Answer == nil || len(a1.AnswerQuestion.Question.Specifications) == 0 {
					t.Fatalf("answered question: %+v", a1.AnswerQuestion.Question)
				}
				if e, _ := events.until("type", "SPECIFICATIONS_EXTRACTED"); len(e["specifications"].([]any)) == 0 {
					t.Fatalf("extraction event %v", e)
				}
				if e, _ := events.until("type", "MATURITY_CHANGED"); e["previousMaturity"].(float64) != 0 {
					t.Fatalf("maturity event %v", e)
				}

				q2 := ask(t, me, sid).AskNextQuestion.Question
				if q2.Text == q1.Text {
					t.Fatal("a question was repeated in the session")
				}
				a2 := answer(t, me, q2.ID, "Actually we will use MongoDB as the database")
				mongo := specByKey(a2.AnswerQuestion.Specifications, "database")
				if mongo == nil || mongo.Value != "MongoDB" || mongo.Status != "PENDING" {
					t.Fatalf("second answer specs: %+v", a2.AnswerQuestion.Specifications)
				}
				if len(a2.AnswerQuestion.Conflicts) != 1 {
					t.Fatalf("conflicts: %+v", a2.AnswerQuestion.Conflicts)
				}
				conflict := a2.AnswerQuestion.Conflicts[0]
				if conflict.Type != "TECHNOLOGY" || conflict.Status != "OPEN" || len(conflict.Specifications) != 2 ||
					conflict.Specifications[0].Value != "PostgreSQL" || conflict.Specifications[1].Value != "MongoDB" {
					t.Fatalf("conflict: %+v", conflict)
				}
				if a2.AnswerQuestion.Project.OpenConflictCount != 1 {
					t.Fatalf("open conflicts %d", a2.AnswerQuestion.Project.OpenConflictCount)
				}
				if e, _ := events.until("type", "CONFLICT_DETECTED"); len(e["conflicts"].([]any)) != 1 {
					t.Fatalf("conflict event %v", e)
				}
				before := state(t, me, pid)
				if statusOf(before.Project.All.Nodes, "database", "PostgreSQL") != "CURRENT" || before.Project.Maturity != expectedMaturity(before.Project.All.Nodes) {
					t.Fatalf("before resolution: %+v", before.Project)
				}

				vars := map[string]any{"c": conflict.ID, "r": resolution, "note": "decided in review"}
				if resolution == "MERGE" {
					vars["m"] = "PostgreSQL for transactions, MongoDB for the event archive"
				}
				var res struct {
					ResolveConflict struct {
						Conflict *struct {
							Status, Resolution, ResolutionNote string
							ResolvedBy                         struct{ ID string }
							ResolvedAt                         *string
						}
						Specifications []specT
						Project        struct{ Maturity, OpenConflictCount int }
						UserErrors     []testenv.UserErrorT
					}
				}
				me.Must(`mutation($c: ID!, $r: ConflictResolution!, $note: String, $m: String) { resolveConflict(input: {conflictId: $c, resolution: $r, note: $note, mergedValue: $m}) {
					conflict { status resolution resolutionNote resolvedBy { id } resolvedAt }
					specifications { id key value status }
					project { maturity openConflictCount } userErrors { field message code } } }`, vars, &res)
				rc := res.ResolveConflict
				if len(rc.UserErrors) > 0 || rc.Conflict == nil || rc.Conflict.ResolvedBy.ID != tok.User.ID || rc.Conflict.ResolvedAt == nil ||
					rc.Conflict.ResolutionNote != "decided in review" || rc.Project.OpenConflictCount != 0 {
					t.Fatalf("resolve: %+v", rc)
				}
				after := state(t, me, pid)
				all := after.Project.All.Nodes
				pgStatus, mongoStatus := statusOf(all, "database", "PostgreSQL"), statusOf(all, "database", "MongoDB")
				want := map[string][2]string{
					"REPLACE": {"SUPERSEDED", "CURRENT"}, "KEEP_OLD": {"CURRENT", "REJECTED"},
					"MERGE": {"SUPERSEDED", "SUPERSEDED"}, "IGNORE": {"CURRENT", "CURRENT"},
				}[resolution]
				if pgStatus != want[0] || mongoStatus != want[1] {
					t.Fatalf("after %s: PostgreSQL %s, MongoDB %s; want %v", resolution, pgStatus, mongoStatus, want)
				}
				wantStatus := map[bool]string{true: "IGNORED", false: "RESOLVED"}[resolution == "IGNORE"]
				if rc.Conflict.Status != wantStatus || rc.Conflict.Resolution != resolution {
					t.Fatalf("conflict after: %+v", rc.Conflict)
				}
				if resolution == "MERGE" && statusOf(all, "database", vars["m"].(string)) != "CURRENT" {
					t.Fatalf("no merged specification: %+v", all)
				}
				if after.Project.Maturity != expectedMaturity(all) || rc.Project.Maturity != after.Project.Maturity {
					t.Fatalf("maturity %d, formula says %d", after.Project.Maturity, expectedMaturity(all))
				}
				if e, _ := events.until("type", "CONFLICT_RESOLVED"); e["conflicts"].([]any)[0].(map[string]any)["status"] != wantStatus {
					t.Fatalf("resolution event %v", e)
				}
				if resolution == "IGNORE" {
					if after.Project.Maturity <= before.Project.Maturity {
						t.Fatalf("IGNORE kept both: maturity should rise from %d, is %d", before.Project.Maturity, after.Project.Maturity)
					}
					events.until("type", "MATURITY_CHANGED")
				}

				// The supersede chain is readable from both ends.
				if resolution == "REPLACE" {
					var chain struct {
						Node struct {
							Status       string
							SupersededBy *struct {
								Value      string
								Supersedes []struct{ Value string }
							}
						}
					}
					me.Must(`query($id: ID!) { node(id: $id) { ... on Specification { status supersededBy { value supersedes { value } } } } }`,
						map[string]any{"id": pg.ID}, &chain)
					if chain.Node.SupersededBy == nil || chain.Node.SupersededBy.Value != "MongoDB" || chain.Node.SupersededBy.Supersedes[0].Value != "PostgreSQL" {
						t.Fatalf("supersede chain: %+v", chain.Node)
					}
				}

				// Resolving again is refused and changes nothing.
				r := me.Do(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { conflict { id } userErrors { code } } }`,
					map[string]any{"c": conflict.ID})
				if !strings.Contains(string(r.Raw), `"INVALID_STATE"`) {
					t.Fatalf("second resolution: %s", r.Raw)
				}
			})
		}
	})
}

func mustDecode(t *testing.T, id string) []byte {
	t.Helper()
	b, err := decodeB64(id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
