package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"socrates/internal/app"
	"socrates/internal/codegen"
	"socrates/internal/codegen/builtin"
	"socrates/internal/config"
	"socrates/internal/ids"
	"socrates/internal/testenv"
	"socrates/models"
)

// categoryTargets are the domain's targets: a project with this many
// CURRENT specifications of confidence 1 per category is at maturity 100.
var categoryTargets = []struct {
	category string
	target   int
}{{"GOALS", 10}, {"REQUIREMENTS", 15}, {"TECH_STACK", 12}, {"SCALABILITY", 8}, {"SECURITY", 10},
	{"PERFORMANCE", 8}, {"TESTING", 8}, {"MONITORING", 6}, {"DATA_RETENTION", 5}, {"DISASTER_RECOVERY", 8}}

// meaningful are the specifications the generator reads; the rest of
// each category is filled with plain facts.
var meaningful = map[string][][2]string{
	"REQUIREMENTS": {{"order_tracking", "Customers follow an order to delivery"}, {"invoices", "Merchants download monthly invoices"}},
	"TECH_STACK":   {{"database", "PostgreSQL"}, {"http_port", "The API listens on 9090"}},
	"SECURITY":     {{"auth_method", "OAuth 2"}},
	"PERFORMANCE":  {{"latency_target", "p95 under 200 ms"}},
}

// matureProject brings a project to maturity 100 with no open conflict
// through addSpecification, ten specifications per request.
func matureProject(t *testing.T, c *testenv.Client, project string) {
	t.Helper()
	type spec struct{ cat, key, value string }
	var all []spec
	for _, ct := range categoryTargets {
		m := meaningful[ct.category]
		for i := 0; i < ct.target; i++ {
			if i < len(m) {
				all = append(all, spec{ct.category, m[i][0], m[i][1]})
				continue
			}
			all = append(all, spec{ct.category, fmt.Sprintf("%s_fact_%d", strings.ToLower(ct.category), i), fmt.Sprintf("fact %d", i)})
		}
	}
	for len(all) > 0 {
		n := min(10, len(all))
		var b strings.Builder
		b.WriteString("mutation($p: ID!) {")
		for i, s := range all[:n] {
			fmt.Fprintf(&b, " a%d: addSpecification(input: {projectId: $p, category: %s, key: %q, value: %q}) { userErrors { code message } conflicts { id } }",
				i, s.cat, s.key, s.value)
		}
		b.WriteString(" }")
		var out map[string]struct {
			UserErrors []testenv.UserErrorT
			Conflicts  []struct{ ID string }
		}
		c.Must(b.String(), map[string]any{"p": project}, &out)
		for k, v := range out {
			if len(v.UserErrors) > 0 || len(v.Conflicts) > 0 {
				t.Fatalf("%s: %+v", k, v)
			}
		}
		all = all[n:]
	}
	var p struct {
		Project struct {
			Maturity      int
			QualityReport struct{ ReadyForCodeGeneration bool }
		}
	}
	c.Must(`query($p: ID!) { project(id: $p) { maturity qualityReport { readyForCodeGeneration } } }`, map[string]any{"p": project}, &p)
	if p.Project.Maturity != 100 || !p.Project.QualityReport.ReadyForCodeGeneration {
		t.Fatalf("not mature: %+v", p)
	}
}

// gate holds the built-in generator until released, so that a test can
// watch a generation in progress.
type gate struct {
	inner   codegen.Generator
	release chan struct{}
	once    sync.Once
}

func (g *gate) Plan(ctx context.Context, in codegen.Input) ([]codegen.Planned, error) {
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.inner.Plan(ctx, in)
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func gatedServer(t *testing.T, dbURL string) (*testenv.Server, *gate) {
	t.Helper()
	b, err := builtin.New()
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{inner: b, release: make(chan struct{})}
	t.Cleanup(g.open)
	srv := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.Generator = g }))
	return srv, g
}

type genPayload struct {
	GenerateCode struct {
		Generation *struct {
			ID, Status string
			Version    int
		}
		UserErrors []testenv.UserErrorT
	}
}

func generate(t *testing.T, c *testenv.Client, project, stack string) genPayload {
	t.Helper()
	var out genPayload
	c.Must(`mutation($p: ID!, $s: CodeStack!) { generateCode(input: {projectId: $p, stack: $s}) { generation { id status version } userErrors { field code message } } }`,
		map[string]any{"p": project, "s": stack}, &out)
	return out
}

type progress struct {
	Status      string
	FilesDone   int
	TotalFiles  int
	CurrentPath *string
	Error       *string
}

// watch subscribes to a generation's progress and returns its steps
// until the stream completes; before runs once the subscription is sent.
func watch(t *testing.T, srv *testenv.Server, token, id string, before func()) []progress {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + token})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Subscribe(ctx, "g", `subscription($g: ID!) { codeGenerationProgress(generationId: $g) { status filesDone totalFiles currentPath error } }`, map[string]any{"g": id}); err != nil {
		t.Fatal(err)
	}
	var steps []progress
	for {
		m, err := ws.Next(ctx, "g")
		if err != nil {
			t.Fatalf("after %+v: %v", steps, err)
		}
		switch m.Type {
		case "complete":
			return steps
		case "next":
			var p struct {
				Data struct{ CodeGenerationProgress progress }
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, p.Data.CodeGenerationProgress)
			if len(steps) == 1 && before != nil {
				before()
			}
		default:
			t.Fatalf("%s %s", m.Type, m.Payload)
		}
	}
}

type genFile struct {
	Path, Content string
	Size, Lines   int
}

// TestGenerateCode: refused while immature, then on a mature project a
// generation goes PENDING -> IN_PROGRESS -> COMPLETED under the
// subscription, its files page, download as a ZIP equal to them, build
// (Go), and versions count up.
func TestGenerateCode(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv, g := gatedServer(t, dbURL)
		w := newTeamWorld(t, srv)
		// Immature: refused, naming the blockers, nothing stored.
		out := generate(t, w.owner, w.project, "GO_SERVICE")
		if out.GenerateCode.Generation != nil || len(out.GenerateCode.UserErrors) == 0 {
			t.Fatalf("an immature project was generated: %+v", out)
		}
		for _, e := range out.GenerateCode.UserErrors {
			if e.Code != "NOT_READY" {
				t.Errorf("user error %+v", e)
			}
		}
		if !strings.Contains(out.GenerateCode.UserErrors[0].Message, "maturity is 0") {
			t.Errorf("the blockers are not named: %+v", out.GenerateCode.UserErrors)
		}
		matureProject(t, w.owner, w.project)

		// A READ share may not generate.
		if r := w.viewer.Do(`mutation($p: ID!) { generateCode(input: {projectId: $p, stack: GO_SERVICE}) { userErrors { code } } }`,
			map[string]any{"p": w.project}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("a READ share generated: %s", r.Raw)
		}
		out = generate(t, w.writer, w.project, "GO_SERVICE")
		gen := out.GenerateCode.Generation
		if gen == nil || gen.Status != "PENDING" || gen.Version != 1 {
			t.Fatalf("generate: %+v", out)
		}
		steps := watch(t, srv, w.writerTok.AccessToken, gen.ID, g.open)
		last := steps[len(steps)-1]
		if first := steps[0].Status; first != "PENDING" && first != "IN_PROGRESS" {
			t.Errorf("first step %+v", steps[0])
		}
		if last.Status != "COMPLETED" || last.FilesDone != last.TotalFiles || last.TotalFiles == 0 {
			t.Fatalf("steps %+v", steps)
		}
		sawFile := false
		for i, s := range steps {
			if s.Status == "IN_PROGRESS" && s.CurrentPath != nil {
				sawFile = true
			}
			if i > 0 && s.Status == steps[i-1].Status && s.FilesDone < steps[i-1].FilesDone {
				t.Errorf("progress went back: %+v", steps)
			}
		}
		if !sawFile {
			t.Errorf("no step named a file: %+v", steps)
		}

		// The generation, its files page by page, as the viewer.
		var node struct {
			Node struct {
				Status                 string
				Version                int
				TotalFiles, TotalLines int
				DownloadURL            *string
				CompletedAt            *string
				Project                struct{ ID string }
				Files                  struct {
					TotalCount int
					Nodes      []genFile
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		q := `query($g: ID!, $after: String) { node(id: $g) { ... on CodeGeneration { status version totalFiles totalLines downloadUrl completedAt project { id }
			files(first: 4, after: $after) { totalCount nodes { path content size lines } pageInfo { hasNextPage endCursor } } } } }`
		var files []genFile
		var after any
		for {
			w.viewer.Must(q, map[string]any{"g": gen.ID, "after": after}, &node)
			files = append(files, node.Node.Files.Nodes...)
			if !node.Node.Files.PageInfo.HasNextPage {
				break
			}
			after = node.Node.Files.PageInfo.EndCursor
		}
		n := node.Node
		if n.Status != "COMPLETED" || n.Version != 1 || n.TotalFiles != len(files) || n.Files.TotalCount != len(files) ||
			n.DownloadURL == nil || n.CompletedAt == nil || n.Project.ID != w.project {
			t.Fatalf("generation %+v with %d files", n, len(files))
		}
		lines := 0
		for i, f := range files {
			lines += f.Lines
			if f.Size != len(f.Content) || (i > 0 && files[i-1].Path >= f.Path) {
				t.Errorf("file %d %s: size %d, order", i, f.Path, f.Size)
			}
		}
		if lines != n.TotalLines {
			t.Errorf("lines %d, totalLines %d", lines, n.TotalLines)
		}

		// The download, as the viewer: the same files, the same bytes twice.
		resp, body := srv.GetAs(t, w.viewerTok.AccessToken, *n.DownloadURL)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "shared-project-v1-go.zip") {
			t.Fatalf("download: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		_, again := srv.GetAs(t, w.ownerTok.AccessToken, *n.DownloadURL)
		if !bytes.Equal(body, again) {
			t.Error("two downloads differ")
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != len(files) {
			t.Fatalf("%d entries, %d files", len(zr.File), len(files))
		}
		dir := t.TempDir()
		for i, zf := range zr.File {
			rc, _ := zf.Open()
			c, _ := io.ReadAll(rc)
			rc.Close()
			if zf.Name != files[i].Path || string(c) != files[i].Content || len(zf.Extra) != 0 {
				t.Errorf("entry %d: %s differs from %s", i, zf.Name, files[i].Path)
			}
			full := filepath.Join(dir, filepath.FromSlash(zf.Name))
			_ = os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, c, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		goBuild(t, dir)

		// A stranger sees nothing; anonymous is asked to authenticate.
		stranger, strangerTok := srv.Client(t).NewUser()
		if r := stranger.Do(`query($g: ID!) { node(id: $g) { id } }`, map[string]any{"g": gen.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("a stranger read the generation: %s", r.Raw)
		}
		if resp, _ := srv.GetAs(t, strangerTok.AccessToken, *n.DownloadURL); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a stranger downloaded: %d", resp.StatusCode)
		}
		if resp, _ := srv.GetAs(t, "", *n.DownloadURL); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous download: %d", resp.StatusCode)
		}

		// A later subscriber gets the final state at once.
		if late := watch(t, srv, w.viewerTok.AccessToken, gen.ID, nil); len(late) != 1 || late[0].Status != "COMPLETED" || late[0].FilesDone != n.TotalFiles {
			t.Errorf("late subscriber: %+v", late)
		}

		// Versions count up; the list is newest first.
		second := generate(t, w.owner, w.project, "PYTHON_FASTAPI").GenerateCode.Generation
		if second == nil || second.Version != 2 {
			t.Fatalf("second generation %+v", second)
		}
		if s := watch(t, srv, w.ownerTok.AccessToken, second.ID, nil); s[len(s)-1].Status != "COMPLETED" {
			t.Fatalf("second: %+v", s)
		}
		var list struct {
			Project struct {
				CodeGenerations struct {
					TotalCount int
					Nodes      []struct {
						Version int
						Stack   string
					}
				}
			}
		}
		w.viewer.Must(`query($p: ID!) { project(id: $p) { codeGenerations(first: 5) { totalCount nodes { version stack } } } }`, map[string]any{"p": w.project}, &list)
		if c := list.Project.CodeGenerations; c.TotalCount != 2 || c.Nodes[0].Version != 2 || c.Nodes[0].Stack != "PYTHON_FASTAPI" || c.Nodes[1].Version != 1 {
			t.Errorf("generations %+v", c)
		}
	})
}

// goBuild runs go vet and go build on an unpacked Go skeleton, offline.
func goBuild(t *testing.T, dir string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Log("the go tool is not installed: the Go skeleton was not built")
		return
	}
	for _, args := range [][]string{{"vet", "./..."}, {"build", "./..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local", "GOSUMDB=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestGenerationRestart: a generation left IN_PROGRESS (or PENDING) by a
// crash is FAILED once a server starts on the database.
func TestGenerationRestart(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		first := testenv.StartServer(t, dbURL)
		me, _ := first.Client(t).NewUser()
		pid := me.CreateProject("crashed")
		id, _ := ids.DecodeAs(ids.Project, pid)
		var gid []string
		for v, st := range []models.GenerationStatus{models.GenerationStatusInProgress, models.GenerationStatusPending} {
			g := &models.CodeGeneration{ProjectID: id, Version: v + 1, Stack: models.CodeStackGoService, Status: st, StartedAt: time.Now().UTC()}
			if err := first.App.Store.CreateGeneration(context.Background(), g); err != nil {
				t.Fatal(err)
			}
			gid = append(gid, ids.Encode(ids.CodeGeneration, g.ID))
		}
		second := testenv.StartServer(t, dbURL, testenv.WithConfig(func(*config.Config) {}))
		for _, g := range gid {
			var out struct {
				Node struct {
					Status      string
					Error       *string
					CompletedAt *string
					DownloadURL *string
				}
			}
			second.Client(t).As(me.Token).Must(`query($g: ID!) { node(id: $g) { ... on CodeGeneration { status error completedAt downloadUrl } } }`, map[string]any{"g": g}, &out)
			if out.Node.Status != "FAILED" || out.Node.Error == nil || *out.Node.Error != codegen.ReasonRestart || out.Node.CompletedAt == nil || out.Node.DownloadURL != nil {
				t.Errorf("after a restart: %+v", out.Node)
			}
		}
	})
}

// TestGenerationLease: with two instances on one database, a generation
// one instance runs keeps a fresh heartbeat, so the other's sweep leaves
// it running and it completes; a generation whose heartbeat went stale
// (its instance stopped) is failed by any instance's sweep, and one with
// a fresh heartbeat is not failed by another instance's start.
func TestGenerationLease(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		const lease = 2 * time.Second
		b, err := builtin.New()
		if err != nil {
			t.Fatal(err)
		}
		g := &gate{inner: b, release: make(chan struct{})}
		t.Cleanup(g.open)
		running := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.Generator, o.GenerationLease = g, lease }))
		me, tok := running.Client(t).NewUser()
		pid := me.CreateProject("two instances")
		matureProject(t, me, pid)
		out := generate(t, me, pid, "GO_SERVICE")
		if out.GenerateCode.Generation == nil {
			t.Fatalf("generate: %+v", out)
		}
		gid := out.GenerateCode.Generation.ID
		id, _ := ids.DecodeAs(ids.CodeGeneration, gid)
		heartbeat := func() (string, time.Time) {
			t.Helper()
			var row struct {
				Status      string    `bun:"status"`
				HeartbeatAt time.Time `bun:"heartbeat_at"`
			}
			if err := running.App.DB.NewRaw("SELECT status, heartbeat_at FROM code_generations WHERE id = ?", id).
				Scan(context.Background(), &row); err != nil {
				t.Fatal(err)
			}
			return row.Status, row.HeartbeatAt
		}
		// The running instance refreshes the heartbeat while the
		// generator is held: wait until it has moved past a lease.
		_, first := heartbeat()
		deadline := time.Now().Add(time.Minute)
		for {
			status, at := heartbeat()
			if status != "PENDING" && status != "IN_PROGRESS" {
				t.Fatalf("the held generation is %s", status)
			}
			if at.Sub(first) > lease {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the heartbeat did not move past %v in a minute (from %v to %v)", lease, first, at)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// Another instance starting, and sweeping with the same lease,
		// leaves it alone.
		other := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.GenerationLease = lease }))
		if n, err := other.App.Codegen.Recover(context.Background()); err != nil || n != 0 {
			t.Fatalf("the other instance's sweep failed %d generations (%v)", n, err)
		}
		if status, _ := heartbeat(); status != "PENDING" && status != "IN_PROGRESS" {
			t.Fatalf("another instance's start ended a running generation: %s", status)
		}
		steps := watch(t, running, tok.AccessToken, gid, g.open)
		if last := steps[len(steps)-1]; last.Status != "COMPLETED" {
			t.Fatalf("steps %+v", steps)
		}

		// A generation whose instance stopped: fresh, it survives a sweep;
		// once its heartbeat is older than the lease, the sweep fails it.
		stopped := &models.CodeGeneration{ProjectID: mustID(t, ids.Project, pid), Version: 2, Stack: models.CodeStackGoService,
			Status: models.GenerationStatusInProgress, StartedAt: time.Now().UTC(), HeartbeatAt: time.Now().UTC()}
		if err := other.App.Store.CreateGeneration(context.Background(), stopped); err != nil {
			t.Fatal(err)
		}
		if n, err := other.App.Codegen.Recover(context.Background()); err != nil || n != 0 {
			t.Fatalf("a fresh generation was swept: %d (%v)", n, err)
		}
		if _, err := other.App.DB.NewUpdate().Table("code_generations").Set("heartbeat_at = ?", time.Now().UTC().Add(-2*lease)).
			Where("id = ?", stopped.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Either instance's own sweep may get there first; this one makes
		// sure one has run.
		if _, err := other.App.Codegen.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		var node struct {
			Node struct {
				Status string
				Error  *string
			}
		}
		me.Must(`query($g: ID!) { node(id: $g) { ... on CodeGeneration { status error } } }`,
			map[string]any{"g": ids.Encode(ids.CodeGeneration, stopped.ID)}, &node)
		if node.Node.Status != "FAILED" || node.Node.Error == nil || *node.Node.Error != codegen.ReasonRestart {
			t.Fatalf("the stale generation: %+v", node.Node)
		}
	})
}

// TestGenerationProgressAcrossInstances: on PostgreSQL, a subscriber on
// one instance follows, file by file, a generation another instance runs.
func TestGenerationProgressAcrossInstances(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		if !strings.HasPrefix(dbURL, "postgres") {
			t.Skip("instances share events through PostgreSQL; SQLite serves one process")
		}
		running, g := gatedServer(t, dbURL)
		other := testenv.StartServer(t, dbURL)
		me, tok := running.Client(t).NewUser()
		pid := me.CreateProject("followed elsewhere")
		matureProject(t, me, pid)
		out := generate(t, me, pid, "GO_SERVICE")
		if out.GenerateCode.Generation == nil {
			t.Fatalf("generate: %+v", out)
		}
		steps := watch(t, other, tok.AccessToken, out.GenerateCode.Generation.ID, g.open)
		last := steps[len(steps)-1]
		if last.Status != "COMPLETED" || last.FilesDone != last.TotalFiles || last.TotalFiles == 0 {
			t.Fatalf("steps on the other instance %+v", steps)
		}
		files := 0
		for _, s := range steps {
			if s.Status == "IN_PROGRESS" && s.CurrentPath != nil {
				files++
			}
		}
		if files == 0 {
			t.Fatalf("no file step reached the other instance: %+v", steps)
		}
	})
}
