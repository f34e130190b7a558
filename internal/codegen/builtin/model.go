// Package builtin is the default code generator: offline and
// deterministic (the same specifications give byte-identical files). It
// renders a project skeleton per stack with text/template: a README
// listing the requirements by category, configuration from the
// non-functional specifications, a data model with handlers (Go, Python)
// or components (TypeScript React) from the functional requirements,
// tests, a CI workflow and a Dockerfile. A file that no specification
// gives a reason for (cache settings without a cache, an auth middleware
// without an auth method, a database module without a database) is never
// written.
package builtin

import (
	"regexp"
	"socrates/internal/slug"
	"strconv"
	"strings"
	"unicode"

	"socrates/internal/codegen"
	"socrates/models"
)

// PgxVersion is the version of github.com/jackc/pgx/v5 a Go skeleton on
// PostgreSQL requires: the one the server itself is built with.
const PgxVersion = "v5.12.0"

// maxResources bounds the resources derived from the requirements.
const maxResources = 20

// project is what the templates render: the specifications, sorted out.
type project struct {
	Name        string
	Slug        string
	Description string
	Categories  []category
	// Port is the port a specification names, "" for the default.
	Port       string
	Database   string
	Postgres   bool
	Cache      string
	Redis      bool
	Auth       string
	Limits     []setting
	Resources  []resource
	PgxVersion string
}

type category struct {
	Name  string
	Items []item
}

type item struct{ Key, Value string }

// setting is an environment variable with its default and where it comes from.
type setting struct {
	Env, Default, Source string
}

// resource is a functional requirement made into a record type and its
// routes.
type resource struct {
	Type  string   // Go/Python/TS type name, e.g. OrderTracking
	Snake string   // order_tracking
	Path  string   // order-tracking
	Notes []string // the requirement's values
}

// HasConfig reports whether any setting besides the port comes from the
// specifications.
func (p *project) HasConfig() bool {
	return p.Port != "" || p.Database != "" || p.Cache != "" || p.Auth != "" || len(p.Limits) > 0
}

// Services reports whether a compose file has something to run.
func (p *project) Services() bool { return p.Postgres || p.Redis }

// DefaultPort is the port the service listens on by default.
func (p *project) DefaultPort() string {
	if p.Port != "" {
		return p.Port
	}
	return "8080"
}

var portValue = regexp.MustCompile(`\b([0-9]{2,5})\b`)

// analyze sorts the specifications into what the templates need.
func analyze(in codegen.Input) *project {
	p := &project{Name: in.Project, Slug: slug.Of(in.Project), Description: in.Description, PgxVersion: PgxVersion}
	byCat := map[models.SpecCategory][]item{}
	res := map[string]*resource{}
	var order []string
	for _, sp := range in.Specifications {
		key, value := strings.ToLower(sp.Key), strings.TrimSpace(sp.Value)
		byCat[sp.Category] = append(byCat[sp.Category], item{Key: sp.Key, Value: oneLine(value)})
		lower := strings.ToLower(value)
		switch {
		case key == "port" || strings.HasSuffix(key, "_port"):
			if m := portValue.FindStringSubmatch(value); m != nil {
				if n, _ := strconv.Atoi(m[1]); n > 0 && n < 65536 {
					p.Port = m[1]
				}
			}
		case sp.Category == models.SpecCategoryTechStack && (key == "database" || strings.HasSuffix(key, "_database") || key == "db"):
			p.Database = oneLine(value)
			p.Postgres = strings.Contains(lower, "postgres")
		case strings.Contains(key, "cache"):
			p.Cache = oneLine(value)
			p.Redis = strings.Contains(lower, "redis")
		case sp.Category == models.SpecCategorySecurity && (strings.Contains(key, "auth") || strings.Contains(key, "login")):
			p.Auth = oneLine(value)
		case sp.Category == models.SpecCategoryPerformance || sp.Category == models.SpecCategoryScalability:
			if strings.ContainsAny(value, "0123456789") {
				p.Limits = append(p.Limits, setting{Env: envName(key), Default: oneLine(value), Source: sp.Category.String() + "." + sp.Key})
			}
		case sp.Category == models.SpecCategoryRequirements:
			typ := typeName(sp.Key)
			r, ok := res[typ]
			if !ok {
				if len(res) >= maxResources {
					continue
				}
				snake := snakeName(sp.Key)
				r = &resource{Type: typ, Snake: snake, Path: strings.ReplaceAll(snake, "_", "-")}
				res[typ] = r
				order = append(order, typ)
			}
			r.Notes = append(r.Notes, oneLine(value))
		}
	}
	for _, c := range models.AllSpecCategory {
		if items := byCat[c]; len(items) > 0 {
			p.Categories = append(p.Categories, category{Name: c.String(), Items: items})
		}
	}
	for _, t := range order {
		p.Resources = append(p.Resources, *res[t])
	}
	// Two limits with one name keep the later value.
	seen := map[string]int{}
	var limits []setting
	for _, l := range p.Limits {
		if i, ok := seen[l.Env]; ok {
			limits[i] = l
			continue
		}
		seen[l.Env] = len(limits)
		limits = append(limits, l)
	}
	p.Limits = limits
	return p
}

// oneLine folds a value onto one line without quotes or backticks that
// could end a string literal in a template.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("`", "'", `"`, "'", `\`, "/").Replace(s)
}

// words splits a key into lower-case ASCII words.
func words(key string) []string {
	out := strings.FieldsFunc(strings.ToLower(key), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(out) == 0 || unicode.IsDigit(rune(out[0][0])) {
		out = append([]string{"feature"}, out...)
	}
	return out
}

// reserved are type names a resource may not take in any stack: the
// skeletons' own types and Python's constants.
var reserved = map[string]bool{"Config": true, "Item": true, "App": true, "BaseModel": true, "None": true, "True": true, "False": true}

func typeName(key string) string {
	var b strings.Builder
	for _, w := range words(key) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	if reserved[b.String()] {
		b.WriteString("Record")
	}
	return b.String()
}

func snakeName(key string) string { return strings.Join(words(key), "_") }

func envName(key string) string { return strings.ToUpper(snakeName(key)) }
