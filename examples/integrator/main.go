// Command integrator is an example of a Go integration with Socrates
// through the typed client in socrates/client: it checks its API token,
// finds a project and writes the project's specifications to a file.
//
//	SOCRATES_TOKEN=soc_… go run ./examples/integrator -endpoint http://localhost:8080/query -project <id> -out specs.json
//
// With -format markdown, json, yaml or csv it writes the server's export
// of the project instead. The token is read from the environment, not
// from a flag, so that it stays out of shell history and process lists.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"socrates/client"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv("SOCRATES_TOKEN"), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "integrator:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	endpoint, project, name, out, format string
	timeout                              time.Duration
}

// Document is what the program writes by default: the project and its
// CURRENT specifications, oldest first.
type Document struct {
	Project        Project                `json:"project"`
	Specifications []client.Specification `json:"specifications"`
}

// Project names the project a document was read from.
type Project struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Maturity int    `json:"maturity"`
}

func run(ctx context.Context, args []string, token string, log io.Writer) error {
	var o options
	fs := flag.NewFlagSet("integrator", flag.ContinueOnError)
	fs.SetOutput(log)
	fs.StringVar(&o.endpoint, "endpoint", "http://localhost:8080/query", "the API's /query URL")
	fs.StringVar(&o.project, "project", "", "the project's id")
	fs.StringVar(&o.name, "name", "", "the project's name, when no id is given")
	fs.StringVar(&o.out, "out", "specifications.json", "the file to write")
	fs.StringVar(&o.format, "format", "", "write the server's export instead: markdown, json, yaml or csv")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "how long the whole run may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if token == "" {
		return errors.New("set SOCRATES_TOKEN to an API token (create one with createApiToken)")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	c := client.New(o.endpoint, token, nil)

	me, err := client.Viewer(ctx, c)
	if err != nil {
		return fmt.Errorf("check the token: %w", err)
	}
	if me.Viewer == nil {
		return errors.New("the token was not accepted")
	}
	fmt.Fprintf(log, "signed in as %s\n", me.Viewer.Email)

	id := o.project
	if id == "" {
		if id, err = findProject(ctx, c, o.name); err != nil {
			return err
		}
	}
	var data []byte
	if o.format != "" {
		data, err = export(ctx, c, id, o.format)
	} else {
		data, err = specifications(ctx, c, id)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.out, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	fmt.Fprintf(log, "wrote %s (%d bytes)\n", o.out, len(data))
	return nil
}

// findProject returns the id of the readable project called name, paging
// through the projects.
func findProject(ctx context.Context, c client.Client, name string) (string, error) {
	if name == "" {
		return "", errors.New("give -project <id> or -name <project name>")
	}
	var after *string
	for {
		page, err := client.Projects(ctx, c, 50, after)
		if err != nil {
			return "", fmt.Errorf("list projects: %w", err)
		}
		for _, p := range page.Projects.Nodes {
			if p.Name == name {
				return p.Id, nil
			}
		}
		if !page.Projects.PageInfo.HasNextPage {
			return "", fmt.Errorf("no project called %q", name)
		}
		after = page.Projects.PageInfo.EndCursor
	}
}

// specifications reads every CURRENT specification of the project, a page
// at a time, and returns them as an indented JSON Document.
func specifications(ctx context.Context, c client.Client, id string) ([]byte, error) {
	var doc Document
	var after *string
	for {
		page, err := client.ProjectSpecifications(ctx, c, id, 100, after, nil)
		if err != nil {
			return nil, fmt.Errorf("read specifications: %w", err)
		}
		p := page.Project
		if p == nil {
			return nil, fmt.Errorf("project %s not found", id)
		}
		doc.Project = Project{ID: p.Id, Name: p.Name, Maturity: p.Maturity}
		doc.Specifications = append(doc.Specifications, p.Specifications.Nodes...)
		if !p.Specifications.PageInfo.HasNextPage {
			break
		}
		after = p.Specifications.PageInfo.EndCursor
	}
	if doc.Specifications == nil {
		doc.Specifications = []client.Specification{}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode specifications: %w", err)
	}
	return append(out, '\n'), nil
}

// export returns the server's export of the project in format.
func export(ctx context.Context, c client.Client, id, format string) ([]byte, error) {
	f := client.ExportFormat(strings.ToUpper(format))
	switch f {
	case client.ExportFormatMarkdown, client.ExportFormatJson, client.ExportFormatYaml, client.ExportFormatCsv:
	default:
		return nil, fmt.Errorf("unknown format %q: use markdown, json, yaml or csv", format)
	}
	r, err := client.ProjectExport(ctx, c, id, f)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if r.Project == nil {
		return nil, fmt.Errorf("project %s not found", id)
	}
	return []byte(r.Project.Export.Content), nil
}
