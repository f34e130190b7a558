package export

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"socrates/internal/socratic"
)

// Markdown writes a Document as a readable Markdown document: the title
// and description, phase, status and maturity, the coverage table, the
// specifications grouped by the ten categories (a table each), the open
// and the decided conflicts with their resolution notes, every session's
// questions with their answers, and the uploaded documents. With history,
// a rejected specification's note follows its table.
func Markdown(d Document) string {
	var b strings.Builder
	p := d.Project
	fmt.Fprintf(&b, "# %s\n\n", inline(p.Name))
	if p.Description != nil && strings.TrimSpace(*p.Description) != "" {
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(*p.Description))
	}
	scope := "CURRENT only"
	if d.IncludesHistory {
		scope = "every status (history included)"
	}
	fmt.Fprintf(&b, "- Phase: %s\n- Status: %s\n- Maturity: %d/100\n- Open conflicts: %d\n- Specifications: %s\n\n",
		p.Phase, p.Status, p.Maturity, p.OpenConflictCount, scope)

	b.WriteString("## Coverage\n\n")
	b.WriteString("| Category | Specifications | Confidence | Target | Coverage |\n|---|---:|---:|---:|---:|\n")
	for _, c := range d.Coverage {
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %d%% |\n", CategoryTitle(c.Category), c.SpecCount, number(c.ConfidenceSum), c.Target,
			int(math.Round(c.Coverage*100)))
	}

	b.WriteString("\n## Specifications\n")
	for _, c := range socratic.Categories() {
		fmt.Fprintf(&b, "\n### %s\n\n", CategoryTitle(string(c)))
		n := 0
		for _, s := range d.Specifications {
			if s.Category != string(c) {
				continue
			}
			if n == 0 {
				b.WriteString("| Key | Value | Status | Confidence | Source |\n|---|---|---|---:|---|\n")
			}
			n++
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(s.Key), cell(s.Value), s.Status, number(s.Confidence), s.Source)
		}
		if n == 0 {
			b.WriteString("_No specifications._\n")
		}
		for _, s := range d.Specifications {
			if s.Category == string(c) && s.RejectionNote != nil && strings.TrimSpace(*s.RejectionNote) != "" {
				fmt.Fprintf(&b, "\n- `%s` = %s rejected: %s\n", code(s.Key), inline(s.Value), inline(*s.RejectionNote))
			}
		}
	}

	b.WriteString("\n## Conflicts\n")
	var open, decided []Conflict
	for _, c := range d.Conflicts {
		if c.Status == "OPEN" {
			open = append(open, c)
		} else {
			decided = append(decided, c)
		}
	}
	writeConflicts(&b, "Open", open)
	writeConflicts(&b, "Resolved", decided)

	b.WriteString("\n## Questions and answers\n")
	if len(d.Sessions) == 0 {
		b.WriteString("\n_No sessions._\n")
	}
	for i, s := range d.Sessions {
		fmt.Fprintf(&b, "\n### Session %d (%s, %s, started %s)\n", i+1, s.Mode, s.Status, s.StartedAt)
		if len(s.Questions) == 0 {
			b.WriteString("\n_No questions._\n")
		}
		for j, q := range s.Questions {
			fmt.Fprintf(&b, "\n#### %d. %s\n\n", j+1, inline(q.Text))
			fmt.Fprintf(&b, "- Category: %s\n- Asked: %s\n", CategoryTitle(q.Category), q.AskedAt)
			if q.Answer == nil {
				b.WriteString("\n_Not answered yet._\n")
				continue
			}
			fmt.Fprintf(&b, "- Answered: %s\n\n", deref(q.AnsweredAt))
			b.WriteString(quote(*q.Answer))
		}
	}

	b.WriteString("\n## Documents\n\n")
	if len(d.Documents) == 0 {
		b.WriteString("_No documents._\n")
	} else {
		b.WriteString("| File | Type | Bytes | Uploaded |\n|---|---|---:|---|\n")
		for _, doc := range d.Documents {
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", cell(doc.Filename), doc.MimeType, doc.Size, doc.UploadedAt)
		}
	}
	return b.String()
}

func writeConflicts(b *strings.Builder, title string, cs []Conflict) {
	fmt.Fprintf(b, "\n### %s (%d)\n", title, len(cs))
	if len(cs) == 0 {
		b.WriteString("\n_None._\n")
	}
	for _, c := range cs {
		fmt.Fprintf(b, "\n#### %s conflict, %s severity\n\n%s\n\n", c.Type, c.Severity, inline(c.Description))
		if c.Status != "OPEN" {
			fmt.Fprintf(b, "- Status: %s\n", c.Status)
			if c.Resolution != nil {
				fmt.Fprintf(b, "- Resolution: %s\n", *c.Resolution)
			}
			if c.ResolvedAt != nil {
				fmt.Fprintf(b, "- Resolved: %s\n", *c.ResolvedAt)
			}
			if c.ResolutionNote != nil && strings.TrimSpace(*c.ResolutionNote) != "" {
				fmt.Fprintf(b, "- Note: %s\n", inline(*c.ResolutionNote))
			}
		} else {
			fmt.Fprintf(b, "- Detected: %s\n", c.DetectedAt)
		}
		for _, s := range c.Specifications {
			fmt.Fprintf(b, "- %s: `%s` = %s (%s, %s)\n", s.Role, code(s.Key), inline(s.Value), CategoryTitle(s.Category), s.Status)
		}
	}
}

// CategoryTitle writes a category for people: TECH_STACK is "Tech stack".
func CategoryTitle(c string) string {
	s := strings.ReplaceAll(strings.ToLower(c), "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// inline puts text on one line: runs of whitespace, line breaks
// included, become one space.
func inline(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell makes text safe in a table cell: one line, pipes escaped.
func cell(s string) string { return strings.ReplaceAll(inline(s), "|", `\|`) }

// code makes text safe in an inline code span.
func code(s string) string { return strings.ReplaceAll(inline(s), "`", "'") }

// quote writes text as a block quote, line by line.
func quote(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> " + line + "\n")
	}
	return b.String()
}

// number writes a float in its shortest form.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
