package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"socrates/graph"
	"socrates/internal/codegen"
	"socrates/internal/ids"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
	"socrates/models"
)

// matrixGeneration writes a PENDING generation of project with one file
// straight into the database and returns their global ids.
func matrixGeneration(t *testing.T, srv *testenv.Server, project string) (string, string) {
	t.Helper()
	ctx := context.Background()
	g := &models.CodeGeneration{ProjectID: mustID(t, ids.Project, project), Version: 1, Stack: models.CodeStackGoService,
		Status: models.GenerationStatusPending, StartedAt: time.Now().UTC()}
	if err := srv.App.Store.CreateGeneration(ctx, g); err != nil {
		t.Fatal(err)
	}
	f := &models.GeneratedFile{GenerationID: g.ID, Path: "README.md", Content: "# matrix\n", Size: 9, Lines: 1}
	if err := srv.App.Store.CreateGeneratedFiles(ctx, []*models.GeneratedFile{f}); err != nil {
		t.Fatal(err)
	}
	return ids.Encode(ids.CodeGeneration, g.ID), ids.Encode(ids.GeneratedFile, f.ID)
}

func mustID(t *testing.T, typeName, global string) int64 {
	t.Helper()
	id, err := ids.DecodeAs(typeName, global)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The principals of the access matrix, in order of growing access.
const (
	pAnon     = "anonymous"
	pStranger = "stranger"
	pToken    = "read token"
	pViewer   = "viewer"
	pWriter   = "writer"
	pAdmin    = "admin"
	pOwner    = "owner"
)

var principals = []string{pAnon, pStranger, pToken, pViewer, pWriter, pAdmin, pOwner}

// projectLevel is each principal's permission on the matrix project:
// 0 none, 1 READ, 2 WRITE, 3 ADMIN, 4 OWNER.
var projectLevel = map[string]int{pAnon: 0, pStranger: 0, pToken: 1, pViewer: 1, pWriter: 2, pAdmin: 3, pOwner: 4}

// world is everything the matrix needs: a project with a session, answered
// and open questions, a specification, a conflict, a message; three teams
// sharing it at READ, WRITE and ADMIN; and a READ token of the owner.
type world struct {
	srv     *testenv.Server
	clients map[string]*testenv.Client
	ids     map[string]string
	emails  map[string]string
}

func buildWorld(t *testing.T, srv *testenv.Server) *world {
	t.Helper()
	w := newTeamWorld(t, srv)
	x := &world{srv: srv, clients: map[string]*testenv.Client{}, ids: map[string]string{}, emails: map[string]string{}}
	stranger, strangerTok := srv.Client(t).NewUser()
	_, extra := srv.Client(t).NewUser()
	_, member := srv.Client(t).NewUser()
	if errs := addMember(t, w.owner, w.adminTeam, member.User.Email, "DEVELOPER"); len(errs) > 0 {
		t.Fatal(errs)
	}
	q1 := ask(t, w.owner, w.session).AskNextQuestion.Question
	a1 := answer(t, w.owner, q1.ID, "We will store everything in PostgreSQL")
	q2 := ask(t, w.owner, w.session).AskNextQuestion.Question
	a2 := answer(t, w.owner, q2.ID, "Actually we will use MongoDB as the database")
	open := ask(t, w.owner, w.session).AskNextQuestion.Question
	var msgs struct {
		Node struct {
			Messages struct{ Nodes []struct{ ID string } }
		}
	}
	w.owner.Must(`query($s: ID!) { node(id: $s) { ... on Session { messages { nodes { id } } } } }`, map[string]any{"s": w.session}, &msgs)
	var act struct {
		Project struct {
			Activity struct{ Nodes []struct{ ID string } }
		}
	}
	w.owner.Must(`query($p: ID!) { project(id: $p) { activity { nodes { id } } } }`, map[string]any{"p": w.project}, &act)
	tokenID, readTok := createToken(t, w.owner, "matrix", []string{"READ"}, nil)
	// Use the token once, so its lastUsedAt does not move during the matrix.
	srv.Client(t).As(readTok).Must(`{ viewer { id } }`, nil, nil)
	var me struct{ Viewer struct{ ID string } }
	w.owner.Must(`{ viewer { id } }`, nil, &me)

	x.clients = map[string]*testenv.Client{
		pAnon: srv.Client(t), pStranger: stranger, pToken: srv.Client(t).As(readTok),
		pViewer: w.viewer, pWriter: w.writer, pAdmin: w.admin, pOwner: w.owner,
	}
	// A generation with a file, written directly: the matrix project is
	// not mature enough to generate one.
	gen, file := matrixGeneration(t, srv, w.project)
	x.ids = map[string]string{
		"CodeGeneration": gen, "GeneratedFile": file, "Document": matrixDocument(t, srv, w.project),
		"Project": w.project, "Session": w.session, "Question": q1.ID, "OpenQuestion": open.ID, "Message": msgs.Node.Messages.Nodes[0].ID,
		"Specification": a1.AnswerQuestion.Specifications[0].ID, "Conflict": a2.AnswerQuestion.Conflicts[0].ID,
		"Team": w.adminTeam, "ReadTeam": w.readTeam, "User": me.Viewer.ID, "Member": member.User.ID,
		"ApiToken": tokenID, "Activity": act.Project.Activity.Nodes[0].ID,
	}
	x.emails = map[string]string{"owner": w.ownerTok.User.Email, "extra": extra.User.Email, "stranger": strangerTok.User.Email}
	return x
}

// schema is the server's GraphQL schema, the source of the matrix's rows.
func schema(t *testing.T) *ast.Schema {
	t.Helper()
	return graph.NewExecutableSchema(graph.Config{}).Schema()
}

// mutationRule says who may run a mutation: a level on the matrix project
// (1 READ .. 4 OWNER), or a team role on the admin team, or one of the
// classes below. Every mutation of the schema must have a rule.
type mutationRule struct {
	project int    // 1..4: needs this permission on the project
	team    string // "OWNER" or "LEAD": needs this role (or higher) in the admin team
	class   string // "public", "user", "human"
}

var mutationRules = map[string]mutationRule{
	"register": {class: "public"}, "login": {class: "public"}, "refreshToken": {class: "public"}, "logout": {class: "public"},
	"changePassword": {class: "human"}, "createApiToken": {class: "human"}, "revokeApiToken": {class: "self-token"},
	"setLLMCredential": {class: "human"}, "removeLLMCredential": {class: "human"},
	"createProject": {class: "user"}, "createTeam": {class: "user"},
	"updateProject": {project: 3}, "archiveProject": {project: 3}, "restoreProject": {project: 3}, "setProjectLLM": {project: 3},
	"deleteProject": {project: 4}, "transferProject": {project: 4},
	"advanceProjectPhase": {project: 2}, "startSession": {project: 2}, "pauseSession": {project: 2}, "resumeSession": {project: 2},
	"endSession": {project: 2}, "setSessionMode": {project: 2}, "askNextQuestion": {project: 2}, "answerQuestion": {project: 2},
	"sendChatMessage": {project: 2}, "addSpecification": {project: 2}, "updateSpecification": {project: 2}, "resolveConflict": {project: 2},
	"rejectSpecification": {project: 2}, "restoreSpecification": {project: 2}, "generateCode": {project: 2},
	"uploadDocument": {project: 2}, "deleteDocument": {project: 2},
	"shareProject": {project: 3, team: "MEMBER"}, "unshareProject": {project: 3},
	"updateTeam": {team: "LEAD"}, "deleteTeam": {team: "OWNER"}, "addTeamMember": {team: "LEAD"},
	"updateTeamMemberRole": {team: "OWNER"}, "removeTeamMember": {team: "OWNER"},
}

// teamRole is each principal's role in the admin team.
var teamRole = map[string]int{pOwner: 3, pAdmin: 1, pToken: 3} // OWNER 3, LEAD 2, DEVELOPER 1

// expectMutation returns the top-level code a principal gets, "" when allowed.
func expectMutation(rule mutationRule, p string) string {
	if p == pToken {
		return "FORBIDDEN" // a READ token may run no mutation
	}
	switch rule.class {
	case "public":
		return ""
	case "user", "human":
		if p == pAnon {
			return "UNAUTHENTICATED"
		}
		return ""
	case "self-token":
		switch p {
		case pAnon:
			return "UNAUTHENTICATED"
		case pOwner:
			return ""
		}
		return "NOT_FOUND"
	}
	if p == pAnon {
		return "UNAUTHENTICATED"
	}
	if rule.project > 0 {
		lvl := projectLevel[p]
		switch {
		case lvl == 0:
			return "NOT_FOUND"
		case lvl < rule.project:
			return "FORBIDDEN"
		}
	}
	if rule.team != "" {
		role, member := teamRole[p]
		need := map[string]int{"MEMBER": 1, "LEAD": 2, "OWNER": 3}[rule.team]
		switch {
		case !member:
			return "NOT_FOUND"
		case role < need:
			return "FORBIDDEN"
		}
	}
	return ""
}

// inputFor builds the variables of a mutation from its input type.
func (x *world) inputFor(s *ast.Schema, name string, field *ast.FieldDefinition, seq int) map[string]any {
	arg := field.Arguments.ForName("input")
	in := s.Types[arg.Type.Name()]
	v := map[string]any{}
	for _, f := range in.Fields {
		if val, ok := x.value(s, name, f, seq); ok {
			v[f.Name] = val
		}
	}
	return map[string]any{"input": v}
}

func (x *world) value(s *ast.Schema, mutation string, f *ast.FieldDefinition, seq int) (any, bool) {
	switch f.Name {
	case "clientMutationId":
		return "matrix", true
	case "projectId":
		return x.ids["Project"], true
	case "sessionId":
		return x.ids["Session"], true
	case "questionId":
		return x.ids["OpenQuestion"], true
	case "conflictId":
		return x.ids["Conflict"], true
	case "specificationId":
		return x.ids["Specification"], true
	case "apiTokenId":
		return x.ids["ApiToken"], true
	case "documentId":
		return x.ids["Document"], true
	case "file":
		return nil, true // the multipart request puts the file here
	case "userId":
		return x.ids["Member"], true
	case "teamId":
		if mutation == "unshareProject" {
			return x.ids["ReadTeam"], true
		}
		return x.ids["Team"], true
	case "email":
		switch mutation {
		case "register":
			return fmt.Sprintf("matrix-%d@example.com", seq), true
		case "login":
			return x.emails["owner"], true
		}
		return x.emails["extra"], true
	case "password", "currentPassword":
		return "password-123", true
	case "newPassword":
		return "password-456", true
	case "answer":
		return "We need 99.9% uptime", true
	case "message":
		return "Orders go through Kafka", true
	case "refreshToken":
		return "not-a-real-refresh-token", true
	case "mergedValue", "baseUrl":
		return nil, false
	case "apiKey":
		return "sk-matrix", true
	case "key":
		return "cache", true
	case "value":
		return "Redis", true
	case "phase":
		return "ANALYSIS", true
	}
	if !f.Type.NonNull {
		return nil, false
	}
	t := s.Types[f.Type.Name()]
	switch {
	case f.Type.Elem != nil && t.Kind == ast.Enum:
		return []string{t.EnumValues[0].Name}, true
	case t.Kind == ast.Enum:
		switch t.Name {
		case "SessionMode":
			return "DIRECT_CHAT", true
		case "ProjectPermission":
			return "READ", true
		case "TeamRole":
			return "DEVELOPER", true
		case "LLMProviderID":
			return "ANTHROPIC", true
		}
		return t.EnumValues[0].Name, true
	case t.Name == "String":
		return "matrix text", true
	case t.Name == "Float":
		return 0.5, true
	case t.Name == "Int":
		return 1, true
	case t.Name == "Boolean":
		return false, true
	case t.Name == "Time":
		return time.Now().Add(time.Hour).Format(time.RFC3339), true
	}
	return nil, false
}

// TestAccessMatrixMutations runs every mutation of the schema as each
// principal on a fresh world and checks the outcome against the rules;
// a refused mutation leaves the database exactly as it was.
func TestAccessMatrixMutations(t *testing.T) {
	s := schema(t)
	var names []string
	for _, f := range s.Mutation.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		for i, name := range names {
			rule, ok := mutationRules[name]
			if !ok {
				t.Errorf("mutation %s has no access rule in the matrix", name)
				continue
			}
			t.Run(name, func(t *testing.T) {
				x := buildWorld(t, srv)
				field := s.Mutation.Fields.ForName(name)
				query := fmt.Sprintf("mutation($input: %s) { %s(input: $input) { __typename } }", field.Arguments.ForName("input").Type.String(), name)
				for j, p := range principals {
					if name == "deleteDocument" {
						// Each principal allowed deletes one: give each its own.
						x.ids["Document"] = matrixDocument(t, srv, x.ids["Project"])
					}
					vars := x.inputFor(s, name, field, i*100+j)
					want := expectMutation(rule, p)
					before := snapshot(t, srv.App.DB)
					var r *testenv.Response
					if name == "uploadDocument" {
						r = uploadRequest(t, x.clients[p], query, vars, []string{"variables.input.file"}, "matrix.txt", []byte("matrix upload"))
					} else {
						r = x.clients[p].Do(query, vars)
					}
					got := ""
					for _, e := range r.Errors {
						switch c := e.Code(); c {
						case "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "INTERNAL", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED":
							got = c
						}
					}
					if got != want {
						t.Errorf("%s as %s: got %q, want %q: %s", name, p, got, want, r.Raw)
					}
					if want != "" && snapshot(t, srv.App.DB) != before {
						t.Errorf("%s as %s was refused but changed the database", name, p)
					}
				}
			})
		}
	})
}

// nodeVisibility is who may fetch each node type through node(id).
var nodeVisibility = map[string]map[string]bool{
	"Project": projectReaders(), "Session": projectReaders(), "Question": projectReaders(), "Message": projectReaders(),
	"Specification": projectReaders(), "Conflict": projectReaders(),
	"Team":           {pOwner: true, pAdmin: true, pToken: true},
	"User":           {pOwner: true, pAdmin: true, pToken: true, pViewer: true, pWriter: true},
	"ApiToken":       {pOwner: true, pToken: true},
	"Activity":       {pOwner: true, pAdmin: true, pToken: true},
	"CodeGeneration": projectReaders(), "GeneratedFile": projectReaders(), "Document": projectReaders(),
}

func projectReaders() map[string]bool {
	return map[string]bool{pToken: true, pViewer: true, pWriter: true, pAdmin: true, pOwner: true}
}

// fieldRules lists nested fields narrower than their parent: who may read them.
var fieldRules = map[string]map[string]bool{
	"Project.activity": {pOwner: true, pAdmin: true, pToken: false},
	"Team.activity":    {pOwner: true, pToken: true},
	"User.activity":    {pOwner: true, pToken: true},
}

// argFields select the fields that take required arguments, which the
// generic selection leaves out; each is read as every principal, with the
// access of its type's row. Every such field of a Node type needs a row.
var argFields = map[string]string{
	"Project.export": "export(format: JSON) { filename }",
	"Project.search": `search(query: "database") { totalCount edges { cursor snippet rank node { __typename } } }`,
}

// narrowedFields are the field names above: deeper in a query they answer
// FORBIDDEN (or NOT_FOUND inside a team the viewer is not in) for some.
var narrowedFields = map[string]bool{"activity": true}

// selection writes a selection set for a type down to depth levels.
func selection(s *ast.Schema, typeName string, depth int) string {
	t := s.Types[typeName]
	if t.Kind == ast.Interface || t.Kind == ast.Union {
		return "{ __typename }"
	}
	var parts []string
	for _, f := range t.Fields {
		if strings.HasPrefix(f.Name, "__") || hasRequiredArgs(f) {
			continue
		}
		ft := s.Types[f.Type.Name()]
		switch ft.Kind {
		case ast.Scalar, ast.Enum:
			parts = append(parts, f.Name)
		case ast.Object, ast.Interface:
			if depth > 0 {
				parts = append(parts, f.Name+" "+selection(s, ft.Name, depth-1))
			} else {
				parts = append(parts, f.Name+" { __typename }")
			}
		}
	}
	return "{ __typename " + strings.Join(parts, " ") + " }"
}

func hasRequiredArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// TestAccessMatrixReads fetches every Node type through node(id) and
// nodes(ids) with every field two levels deep, and every query field,
// as each principal.
func TestAccessMatrixReads(t *testing.T) {
	s := schema(t)
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		x := buildWorld(t, srv)
		for _, impl := range s.PossibleTypes["Node"] {
			vis, ok := nodeVisibility[impl.Name]
			if !ok {
				t.Errorf("node type %s has no row in the matrix", impl.Name)
				continue
			}
			id := x.ids[impl.Name]
			query := fmt.Sprintf(`query($id: ID!, $ids: [ID!]!) { node(id: $id) { ... on %s %s } nodes(ids: $ids) { __typename } }`, impl.Name, selection(s, impl.Name, 2))
			for _, p := range principals {
				r := x.clients[p].Do(query, map[string]any{"id": id, "ids": []string{id}})
				var data struct {
					Node  map[string]any
					Nodes []map[string]any
				}
				_ = json.Unmarshal(r.Data, &data)
				if !vis[p] {
					want := "NOT_FOUND"
					if p == pAnon {
						want = "UNAUTHENTICATED"
					}
					if data.Node != nil || len(data.Nodes) != 1 || data.Nodes[0] != nil || len(r.Errors) == 0 || r.Errors[0].Code() != want {
						t.Errorf("%s as %s: want %s and no data, got %s", impl.Name, p, want, r.Raw)
					}
					continue
				}
				if data.Node == nil || data.Nodes[0] == nil {
					t.Errorf("%s as %s: no data: %s", impl.Name, p, r.Raw)
					continue
				}
				for _, e := range r.Errors {
					last := fmt.Sprint(e.Path[len(e.Path)-1])
					top := len(e.Path) == 2
					rule, ruled := fieldRules[impl.Name+"."+last]
					switch {
					case top && ruled && !rule[p] && e.Code() == "FORBIDDEN":
					case !top && narrowedFields[last] && (e.Code() == "FORBIDDEN" || e.Code() == "NOT_FOUND"):
					default:
						t.Errorf("%s as %s: %v: %s (%s)", impl.Name, p, e.Path, e.Message, e.Code())
					}
				}
				for key, rule := range fieldRules {
					typ, field, _ := strings.Cut(key, ".")
					if typ == impl.Name && !rule[p] && data.Node[field] != nil {
						t.Errorf("%s as %s can read %s", key, p, field)
					}
				}
				if impl.Name == "User" {
					tokens, _ := data.Node["apiTokens"].(map[string]any)
					n, _ := tokens["totalCount"].(float64)
					if (p == pOwner || p == pToken) != (n > 0) {
						t.Errorf("User.apiTokens as %s lists %v tokens", p, n)
					}
				}
			}
		}
		// The fields that take required arguments.
		for _, impl := range s.PossibleTypes["Node"] {
			for _, f := range impl.Fields {
				if !hasRequiredArgs(f) {
					continue
				}
				sel, ok := argFields[impl.Name+"."+f.Name]
				if !ok {
					t.Errorf("%s.%s takes required arguments and has no row in the matrix", impl.Name, f.Name)
					continue
				}
				query := fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { %s } } }`, impl.Name, sel)
				for _, p := range principals {
					r := x.clients[p].Do(query, map[string]any{"id": x.ids[impl.Name]})
					var data struct{ Node map[string]any }
					_ = json.Unmarshal(r.Data, &data)
					want := visibleOr(p, nodeVisibility[impl.Name])
					got := ""
					if len(r.Errors) > 0 {
						got = r.Errors[0].Code()
					}
					if got != want || (want == "" && (data.Node == nil || data.Node[f.Name] == nil)) {
						t.Errorf("%s.%s as %s: got %q, want %q: %s", impl.Name, f.Name, p, got, want, r.Raw)
					}
				}
			}
		}
		// The query fields.
		queryRules := map[string]func(p string) (string, string){
			"viewer":       func(p string) (string, string) { return `{ viewer { id } }`, "" },
			"projects":     func(p string) (string, string) { return `{ projects { totalCount } }`, unauth(p) },
			"teams":        func(p string) (string, string) { return `{ teams { totalCount } }`, unauth(p) },
			"llmProviders": func(p string) (string, string) { return `{ llmProviders { id } }`, unauth(p) },
			"project": func(p string) (string, string) {
				return `{ project(id: "` + x.ids["Project"] + `") { id } }`, visibleOr(p, projectReaders())
			},
			"node": func(p string) (string, string) {
				return `{ node(id: "` + x.ids["Project"] + `") { id } }`, visibleOr(p, projectReaders())
			},
			"nodes": func(p string) (string, string) {
				return `{ nodes(ids: ["` + x.ids["Project"] + `"]) { id } }`, visibleOr(p, projectReaders())
			},
		}
		for _, f := range s.Query.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			rule, ok := queryRules[f.Name]
			if !ok {
				t.Errorf("query field %s has no row in the matrix", f.Name)
				continue
			}
			for _, p := range principals {
				q, want := rule(p)
				r := x.clients[p].Do(q, nil)
				got := ""
				if len(r.Errors) > 0 {
					got = r.Errors[0].Code()
				}
				if got != want {
					t.Errorf("query %s as %s: got %q, want %q: %s", f.Name, p, got, want, r.Raw)
				}
			}
		}
		// A stranger's lists hold nothing of the owner's.
		var lists struct {
			Projects struct{ TotalCount int }
			Teams    struct{ TotalCount int }
		}
		x.clients[pStranger].Must(`{ projects { totalCount } teams { totalCount } }`, nil, &lists)
		if lists.Projects.TotalCount != 0 || lists.Teams.TotalCount != 0 {
			t.Errorf("a stranger lists %+v", lists)
		}
	})
}

func unauth(p string) string {
	if p == pAnon {
		return "UNAUTHENTICATED"
	}
	return ""
}

func visibleOr(p string, vis map[string]bool) string {
	switch {
	case p == pAnon:
		return "UNAUTHENTICATED"
	case !vis[p]:
		return "NOT_FOUND"
	}
	return ""
}

// TestAccessMatrixSubscriptions subscribes to every subscription field as
// each principal: readers are registered, everyone else refused.
func TestAccessMatrixSubscriptions(t *testing.T) {
	s := schema(t)
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	x := buildWorld(t, srv)
	tokens := map[string]string{}
	for p, c := range x.clients {
		tokens[p] = c.Token
	}
	sid, pid := sessionNumber(t, x.ids["Session"]), int64(0)
	fmt.Sscan(strings.TrimPrefix(string(mustDecode(t, x.ids["Project"])), "Project:"), &pid)
	topics := map[string]string{
		"questionStream": pubsub.QuestionTopic(sid), "chatStream": pubsub.ChatTopic(sid), "sessionEvents": pubsub.SessionTopic(sid), "projectEvents": pubsub.ProjectTopic(pid),
		"codeGenerationProgress": codegen.Topic(mustID(t, ids.CodeGeneration, x.ids["CodeGeneration"])),
	}
	for _, f := range s.Subscription.Fields {
		topic, ok := topics[f.Name]
		if !ok {
			t.Errorf("subscription %s has no row in the matrix", f.Name)
			continue
		}
		arg := f.Arguments[0].Name
		id := x.ids["Session"]
		switch arg {
		case "projectId":
			id = x.ids["Project"]
		case "generationId":
			id = x.ids["CodeGeneration"]
		}
		query := fmt.Sprintf("subscription($id: ID!) { %s(%s: $id) { __typename } }", f.Name, arg)
		for _, p := range principals {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			payload := map[string]any{}
			if tokens[p] != "" {
				payload["Authorization"] = "Bearer " + tokens[p]
			}
			ws, err := testenv.DialWS(ctx, srv, payload)
			if err != nil {
				t.Fatal(err)
			}
			before := srv.App.Broker.Subscribers(topic)
			if err := ws.Subscribe(ctx, "m", query, map[string]any{"id": id}); err != nil {
				t.Fatal(err)
			}
			if projectReaders()[p] {
				for srv.App.Broker.Subscribers(topic) <= before && ctx.Err() == nil {
					time.Sleep(5 * time.Millisecond)
				}
				if ctx.Err() != nil {
					t.Errorf("%s as %s was not registered", f.Name, p)
				}
			} else {
				m, err := ws.Next(ctx, "m")
				want := map[bool]string{true: "UNAUTHENTICATED", false: "NOT_FOUND"}[p == pAnon]
				if err != nil || !strings.Contains(string(m.Payload), want) {
					t.Errorf("%s as %s: want %s, got %s %s %v", f.Name, p, want, m.Type, m.Payload, err)
				}
			}
			ws.Close()
			for srv.App.Broker.Subscribers(topic) > 0 && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}
	}
}
