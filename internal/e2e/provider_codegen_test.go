package e2e

import (
	"strings"
	"testing"

	"socrates/internal/codegen"
	"socrates/internal/llm/llmfake"
	"socrates/internal/testenv"
)

// TestModelWritesGeneratedFiles: with a provider configured, a mature
// project's generation holds the files the model wrote in the model
// protocol, recorded as a CODE_GENERATION call; an answer that breaks the
// protocol (a path outside the project, a link) or a failing provider
// leaves none of the model's files: the built-in generator writes the
// skeleton and the call is recorded as a fallback with the reason.
func TestModelWritesGeneratedFiles(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.Anthropic()
		t.Cleanup(fake.Close)
		var code []string
		setCode := func(status int, chunks ...string) {
			code = chunks
			fake.Set(llmfake.Behaviour{Respond: func(r llmfake.Request) []string {
				switch sys := r.SystemPrompt(); {
				case strings.Contains(sys, "skeleton of a software project"):
					return code
				case strings.Contains(sys, "for contradictions"):
					return []string{`{"conflicts": []}`}
				}
				return []string{"[]"}
			}})
			if status != 0 {
				fake.Set(llmfake.Behaviour{Status: status})
			}
		}
		setCode(0, "[]")
		srv := providerServer(t, dbURL, fake, true)
		c, tok := srv.Client(t).NewUser()
		project := c.CreateProject("model written")
		matureProject(t, c, project)

		run := func() (paths []string, files map[string]string) {
			t.Helper()
			out := generate(t, c, project, "GO_SERVICE")
			if out.GenerateCode.Generation == nil {
				t.Fatalf("generate: %+v", out)
			}
			steps := watch(t, srv, tok.AccessToken, out.GenerateCode.Generation.ID, nil)
			if last := steps[len(steps)-1]; last.Status != "COMPLETED" {
				t.Fatalf("steps %+v", steps)
			}
			var node struct {
				Node struct {
					Files struct{ Nodes []genFile }
				}
			}
			c.Must(`query($g: ID!) { node(id: $g) { ... on CodeGeneration { files(first: 100) { nodes { path content size lines } } } } }`,
				map[string]any{"g": out.GenerateCode.Generation.ID}, &node)
			files = map[string]string{}
			for _, f := range node.Node.Files.Nodes {
				paths = append(paths, f.Path)
				files[f.Path] = f.Content
			}
			return paths, files
		}

		// Accepted: exactly the model's files.
		setCode(0, "<<<FILE README.md>>>\n# Model written\n<<<END>>>\n",
			"<<<FILE cmd/server/main.go>>>\npackage main\n\nfunc main() {}\n<<<END>>>\n")
		paths, files := run()
		if strings.Join(paths, ",") != "README.md,cmd/server/main.go" || files["cmd/server/main.go"] != "package main\n\nfunc main() {}\n" {
			t.Fatalf("the model's files were not kept as written: %v %q", paths, files)
		}
		calls := callsOf(llmCalls(t, srv, project), codegen.UsageOperation)
		if len(calls) != 1 || calls[0].Fallback {
			t.Fatalf("code generation calls %+v", calls)
		}
		var prompt string
		for _, r := range fake.Requests() {
			if strings.Contains(r.SystemPrompt(), "skeleton") {
				prompt = userPrompt(r)
			}
		}
		if !strings.Contains(prompt, "[TECH_STACK] database: PostgreSQL") || !strings.Contains(prompt, "Project: model written") {
			t.Errorf("the prompt lacks the specifications: %q", prompt)
		}

		// Refused answers and a failing provider: the built-in skeleton.
		for i, c := range []struct {
			name   string
			status int
			chunks []string
			reason string
		}{
			{"outside the root", 0, []string{"<<<FILE ../../etc/cron.d/x>>>\n* * * * * id\n<<<END>>>\n"}, "dot segments"},
			{"absolute", 0, []string{"<<<FILE /tmp/x>>>\nx\n<<<END>>>\n"}, "absolute"},
			{"a link", 0, []string{"<<<LINK config -> /etc/passwd>>>\n"}, "not a file announcement"},
			{"prose", 0, []string{"Sure! Here is your project."}, "text outside"},
			{"provider down", 500, nil, "failed"},
		} {
			setCode(c.status, c.chunks...)
			paths, files := run()
			if _, ok := files["go.mod"]; !ok || len(paths) < 5 {
				t.Fatalf("%s: not the built-in skeleton: %v", c.name, paths)
			}
			for _, p := range paths {
				if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || p == "config" {
					t.Fatalf("%s: the model's path %q was written", c.name, p)
				}
			}
			calls := callsOf(llmCalls(t, srv, project), codegen.UsageOperation)
			got := calls[len(calls)-1]
			if len(calls) != i+2 || !got.Fallback || got.Error == nil || !strings.Contains(*got.Error, c.reason) {
				t.Fatalf("%s: calls %d, last %+v (error %v), want a fallback saying %q", c.name, len(calls), got, deref(got.Error), c.reason)
			}
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
