package builtin

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"go/format"
	"strings"
	"text/template"

	"socrates/internal/codegen"
	"socrates/models"
)

//go:embed templates
var templateFS embed.FS

// Generator is the built-in generator.
type Generator struct {
	// tmpl holds each stack's templates, by folder.
	tmpl map[string]*template.Template
}

// New parses the templates.
func New() (*Generator, error) {
	g := &Generator{tmpl: map[string]*template.Template{}}
	for _, dir := range []string{"go", "python", "react", "common"} {
		t, err := template.New("").Funcs(template.FuncMap{
			"lower": strings.ToLower,
			"quote": func(s string) string { return fmt.Sprintf("%q", s) },
			"js":    jsString,
		}).ParseFS(templateFS, "templates/common/*.tmpl", "templates/"+dir+"/*.tmpl")
		if err != nil {
			return nil, fmt.Errorf("parse the generator's %s templates: %w", dir, err)
		}
		g.tmpl[dir] = t
	}
	return g, nil
}

// file is one file a stack may write: its path, its template, and whether
// the specifications give a reason for it.
type file struct {
	path, tmpl string
	when       func(p *project) bool
}

func always(*project) bool          { return true }
func withConfig(p *project) bool    { return p.HasConfig() }
func withResources(p *project) bool { return len(p.Resources) > 0 }
func withAuth(p *project) bool      { return p.Auth != "" }
func withDatabase(p *project) bool  { return p.Database != "" }
func withPostgres(p *project) bool  { return p.Postgres }
func withServices(p *project) bool  { return p.Services() }
func withAPIConfig(p *project) bool { return p.Auth != "" || len(p.Limits) > 0 || p.Port != "" }

var stacks = map[models.CodeStack][]file{
	models.CodeStackGoService: {
		{"README.md", "readme.md.tmpl", always},
		{"go.mod", "go.mod.tmpl", always},
		{"go.sum", "go.sum.tmpl", withPostgres},
		{"main.go", "main.go.tmpl", always},
		{"config.go", "config.go.tmpl", always},
		{"models.go", "models.go.tmpl", withResources},
		{"handlers.go", "handlers.go.tmpl", withResources},
		{"store.go", "store.go.tmpl", withResources},
		{"auth.go", "auth.go.tmpl", withAuth},
		{"database.go", "database.go.tmpl", withPostgres},
		{"schema.sql", "schema.sql.tmpl", withPostgres},
		{"main_test.go", "main_test.go.tmpl", always},
		{".env.example", "env.tmpl", withConfig},
		{"docker-compose.yml", "compose.yml.tmpl", withServices},
		{"Dockerfile", "Dockerfile.tmpl", always},
		{".github/workflows/ci.yml", "ci.yml.tmpl", always},
	},
	models.CodeStackPythonFastapi: {
		{"README.md", "readme.md.tmpl", always},
		{"requirements.txt", "requirements.txt.tmpl", always},
		{"app/__init__.py", "init.py.tmpl", always},
		{"app/main.py", "main.py.tmpl", always},
		{"app/config.py", "config.py.tmpl", always},
		{"app/models.py", "models.py.tmpl", withResources},
		{"app/routes.py", "routes.py.tmpl", withResources},
		{"app/auth.py", "auth.py.tmpl", withAuth},
		{"app/database.py", "database.py.tmpl", withDatabase},
		{"tests/__init__.py", "init.py.tmpl", always},
		{"tests/test_api.py", "test_api.py.tmpl", always},
		{".env.example", "env.tmpl", withConfig},
		{"docker-compose.yml", "compose.yml.tmpl", withServices},
		{"Dockerfile", "Dockerfile.tmpl", always},
		{".github/workflows/ci.yml", "ci.yml.tmpl", always},
	},
	models.CodeStackTypescriptReact: {
		{"README.md", "readme.md.tmpl", always},
		{"package.json", "package.json.tmpl", always},
		{"tsconfig.json", "tsconfig.json.tmpl", always},
		{"vite.config.ts", "vite.config.ts.tmpl", always},
		{"index.html", "index.html.tmpl", always},
		{"src/main.tsx", "main.tsx.tmpl", always},
		{"src/App.tsx", "App.tsx.tmpl", always},
		{"src/api.ts", "api.ts.tmpl", always},
		{"src/auth.ts", "auth.ts.tmpl", withAuth},
		{"src/config.ts", "config.ts.tmpl", withAPIConfig},
		{"src/App.test.tsx", "App.test.tsx.tmpl", always},
		{".env.example", "env.tmpl", withAPIConfig},
		{"Dockerfile", "Dockerfile.tmpl", always},
		{".github/workflows/ci.yml", "ci.yml.tmpl", always},
	},
}

// stackDir names a stack's template folder.
func stackDir(s models.CodeStack) string {
	switch s {
	case models.CodeStackGoService:
		return "go"
	case models.CodeStackPythonFastapi:
		return "python"
	}
	return "react"
}

// Plan lists the files of in.Stack that the specifications give a reason
// for, each rendered on demand.
func (g *Generator) Plan(ctx context.Context, in codegen.Input) ([]codegen.Planned, error) {
	files, ok := stacks[in.Stack]
	if !ok {
		return nil, &codegen.Refusal{Message: fmt.Sprintf("the built-in generator has no %s stack", in.Stack)}
	}
	p := analyze(in)
	dir := stackDir(in.Stack)
	var out []codegen.Planned
	for _, f := range files {
		if !f.when(p) {
			continue
		}
		out = append(out, codegen.Planned{Path: f.path, Render: func() (string, error) { return g.render(dir, f.tmpl, p) }})
	}
	if in.Stack == models.CodeStackTypescriptReact {
		for _, r := range p.Resources {
			out = append(out, codegen.Planned{Path: "src/components/" + r.Type + "List.tsx", Render: func() (string, error) {
				return g.render("react", "component.tsx.tmpl", r)
			}})
		}
	}
	return out, nil
}

func (g *Generator) render(dir, name string, data any) (string, error) {
	var b bytes.Buffer
	t := g.tmpl[dir].Lookup(name)
	if t == nil {
		return "", fmt.Errorf("no template %s/%s", dir, name)
	}
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	if strings.HasSuffix(name, ".go.tmpl") {
		out, err := format.Source(b.Bytes())
		if err != nil {
			return "", fmt.Errorf("format %s: %w", name, err)
		}
		return string(out), nil
	}
	return b.String(), nil
}

// jsString writes s as a JavaScript string literal.
func jsString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
