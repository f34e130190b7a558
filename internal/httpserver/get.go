package httpserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"socrates/internal/apperr"
	"socrates/internal/gqlws"
	"socrates/internal/validate"
)

// get serves GraphQL over HTTP GET, with the parameters in the URL: query,
// operationName, and variables and extensions as JSON objects. It runs
// queries only; a mutation or subscription answers 405 with Allow: POST,
// as the GraphQL-over-HTTP spec asks.
type get struct {
	logger *slog.Logger
}

var _ graphql.Transport = get{}

// Supports implements graphql.Transport.
func (get) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && !gqlws.IsUpgrade(r)
}

// Do implements graphql.Transport.
func (g get) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(w, r, g.logger, http.StatusBadRequest, apperr.BadRequest, "the URL's query string is malformed: "+err.Error())
		return
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		if at := validate.InvalidUTF8([]byte(values.Get(name))); at >= 0 {
			refuse(w, r, g.logger, http.StatusBadRequest, apperr.BadRequest,
				fmt.Sprintf("the URL's %s parameter is not valid UTF-8 once decoded (at byte %d)", name, at))
			return
		}
	}
	params := &graphql.RawParams{
		Query:         values.Get("query"),
		OperationName: values.Get("operationName"),
		Headers:       r.Header,
	}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if problem := decodeObject(p.name, values.Get(p.name), p.dst); problem != "" {
			refuse(w, r, g.logger, http.StatusBadRequest, apperr.BadRequest, problem)
			return
		}
	}
	if problem := missingQuery(params); problem != "" {
		refuse(w, r, g.logger, http.StatusBadRequest, apperr.BadRequest, problem)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, g.logger, params, true)
}

// decodeObject decodes the URL parameter name, when present, as a JSON
// object into dst, and returns what is wrong when it is not one.
func decodeObject(name, value string, dst *map[string]any) string {
	trimmed := strings.TrimSpace(value)
	if trimmed == "" || trimmed == "null" {
		return ""
	}
	if trimmed[0] != '{' {
		return fmt.Sprintf("%s must be a JSON object, not %s", name, jsonKind(trimmed[0]))
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Sprintf("%s is not valid JSON: %s (at byte %d)", name, syntax.Error(), syntax.Offset)
		}
		return fmt.Sprintf("%s is not valid JSON: %s", name, err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Sprintf("%s holds more than one JSON value", name)
	}
	return ""
}
