package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"

	"socrates/models"
)

// Render writes a Document in a format.
func Render(d Document, f models.ExportFormat) (string, error) {
	switch f {
	case models.ExportFormatMarkdown:
		return Markdown(d), nil
	case models.ExportFormatJSON:
		return JSON(d)
	case models.ExportFormatYaml:
		return YAML(d)
	case models.ExportFormatCSV:
		return CSV(d)
	}
	return "", fmt.Errorf("render export: unknown format %q", f)
}

// JSON writes a Document as indented JSON, ending with a newline. Text is
// written as it is (no HTML escaping of <, > and &).
func JSON(d Document) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return "", fmt.Errorf("render export as JSON: %w", err)
	}
	return b.String(), nil
}

// YAML writes a Document as a YAML document indented by two spaces.
func YAML(d Document) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return "", fmt.Errorf("render export as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("render export as YAML: %w", err)
	}
	return b.String(), nil
}

// CSVHeader is the header row of the CSV export.
var CSVHeader = []string{
	"id", "category", "key", "value", "status", "confidence", "source", "content", "reasoning",
	"question_id", "superseded_by_id", "created_at", "rejection_note",
}

// CSV writes the Document's specifications as CSV (RFC 4180, CRLF line
// ends), the header row first, one row per specification. A free-text
// cell (key, value, content, reasoning, rejection note) that a spreadsheet would take for
// a formula (it starts with =, +, -, @, a tab or a carriage return) is
// prefixed with a single quote.
func CSV(d Document) (string, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	rows := [][]string{CSVHeader}
	for _, s := range d.Specifications {
		rows = append(rows, []string{
			s.ID, s.Category, CSVText(s.Key), CSVText(s.Value), s.Status,
			strconv.FormatFloat(s.Confidence, 'f', -1, 64), s.Source, CSVText(s.Content), CSVText(deref(s.Reasoning)),
			deref(s.QuestionID), deref(s.SupersededByID), s.CreatedAt, CSVText(deref(s.RejectionNote)),
		})
	}
	if err := w.WriteAll(rows); err != nil {
		return "", fmt.Errorf("render export as CSV: %w", err)
	}
	return b.String(), nil
}

// CSVText guards a free-text cell against being read as a formula.
func CSVText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
