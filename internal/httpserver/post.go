package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
	"socrates/internal/gqlresp"
	"socrates/internal/gqlws"
	"socrates/internal/validate"
)

// Response media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaMultipart       = "multipart/form-data"
)

// post serves GraphQL over HTTP POST with a JSON body, with the media
// types and statuses of the GraphQL-over-HTTP spec, and writes the
// response without encoding its data a second time: the executor has
// already rendered the data as JSON, and encoding/json would validate and
// copy all of it again (for a large read, a tenth of the server's time).
type post struct {
	logger *slog.Logger
}

var _ graphql.Transport = post{}

// Supports implements graphql.Transport.
func (post) Supports(r *http.Request) bool { return postOf(r, mediaJSON) }

// postOf reports whether r is a POST of the given media type and not a
// websocket upgrade.
func postOf(r *http.Request, media string) bool {
	if r.Method != http.MethodPost || gqlws.IsUpgrade(r) {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == media
}

// Do implements graphql.Transport.
func (p post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := readBody(r)
	if err != nil {
		refuse(w, r, p.logger, http.StatusBadRequest, apperr.BadRequest, "the request body could not be read")
		return
	}
	params, problem := decodeParams(body)
	if problem != "" {
		refuse(w, r, p.logger, http.StatusBadRequest, apperr.BadRequest, problem)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, p.logger, params, false)
}

// execute runs a request whose parameters are well-formed and writes the
// answer: a request that cannot run (a document that does not parse or
// validate, or is over a limit) answers 200 with application/json and 400
// with application/graphql-response+json, as the GraphQL-over-HTTP spec
// asks; one that ran answers 200. With queriesOnly (GET), any other
// operation answers 405 with Allow: POST.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, logger *slog.Logger, params *graphql.RawParams, queriesOnly bool) {
	ctx := r.Context()
	contentType := responseMediaType(r)
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		w.Header().Set("Content-Type", contentType)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		setRetryAfter(w, resp)
		w.WriteHeader(requestErrorStatus(contentType, errs))
		writeRequestError(w, resp)
		return
	}
	if queriesOnly && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", allowMutation)
		refuse(w, r, logger, http.StatusMethodNotAllowed, apperr.MethodNotAllowed,
			fmt.Sprintf("GET runs queries only; send a %s with POST", rc.Operation.Operation))
		return
	}
	w.Header().Set("Content-Type", contentType)
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// The executor gives nothing once the request's context ended:
		// the client went away (or the server is shutting down) before
		// the operation ran, and nobody is left to answer.
		logger.InfoContext(ctx, "request ended before it ran", "request_id", RequestID(ctx), "error", fmt.Sprint(context.Cause(ctx)))
		return
	}
	setRetryAfter(w, resp)
	_ = gqlresp.Write(w, resp) // a failed write is the client gone
}

// decodeParams decodes a POST body: one JSON object whose query and
// operationName are strings and whose variables and extensions are
// objects. It returns what is wrong, for the client, when the body is not
// that, or has no query (and no persisted query hash).
func decodeParams(body []byte) (*graphql.RawParams, string) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, "the request body is empty; send a JSON object with a query"
	}
	if bytes.HasPrefix(trimmed, []byte(byteOrderMark)) {
		return nil, "the request body starts with a byte order mark; send JSON without one"
	}
	if trimmed[0] != '{' {
		return nil, "the request body must be a JSON object with a query, not " + jsonKind(trimmed[0])
	}
	// JSON is UTF-8 (RFC 8259); the decoder would quietly turn invalid
	// bytes into U+FFFD, so a name could be stored other than sent.
	if at := validate.InvalidUTF8(body); at >= 0 {
		return nil, fmt.Sprintf("the request body is not valid UTF-8 (at byte %d)", at)
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return nil, fmt.Sprintf("the request body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)
		case errors.As(err, &typ):
			want := "a JSON object"
			if typ.Field == "query" || typ.Field == "operationName" {
				want = "a string"
			}
			return nil, fmt.Sprintf("%s must be %s, not %s", typ.Field, want, typ.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, "the request body is not valid JSON: it ends before the object does"
		}
		return nil, "the request body is not valid JSON: " + err.Error()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "the request body holds more than one JSON value; send one object"
	}
	if problem := missingQuery(params); problem != "" {
		return nil, problem
	}
	return params, ""
}

// missingQuery says that a request has no query, unless it names a
// persisted query instead.
func missingQuery(p *graphql.RawParams) string {
	if strings.TrimSpace(p.Query) != "" {
		return ""
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return ""
	}
	return "the request has no query"
}

// byteOrderMark is the UTF-8 encoding of U+FEFF, which JSON text must not
// start with (RFC 8259, section 8.1).
const byteOrderMark = "\uFEFF"

// jsonKind names the JSON value that starts with c.
func jsonKind(c byte) string {
	switch {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "something that is not JSON"
}

// setRetryAfter sets the Retry-After header to the longest
// extensions.retryAfter of resp's errors (see errorPresenter).
func setRetryAfter(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil {
		return
	}
	longest := 0
	for _, e := range resp.Errors {
		if s, ok := e.Extensions["retryAfter"].(int); ok && s > longest {
			longest = s
		}
	}
	if longest > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(longest))
	}
}

// responseMediaType is the media type of the answer to r, chosen as
// gqlgen's HTTP transports choose it: application/json when Accept is
// empty or its first known type is application/json or a wildcard,
// application/graphql-response+json otherwise.
func responseMediaType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// requestErrorStatus is the HTTP status of a request that failed before it
// ran. With application/json it is 200: the GraphQL-over-HTTP spec keeps
// 4xx there for requests that are not well-formed, and these were. With
// application/graphql-response+json a document that does not parse or
// validate, or is refused by a limit or because introspection is off, is
// 400; anything else (an unknown
// persisted query) is 200.
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	if contentType != mediaGraphQLResponse {
		return http.StatusOK
	}
	if errcode.GetErrorKind(errs) == errcode.KindProtocol {
		return http.StatusBadRequest
	}
	for _, err := range errs {
		switch err.Extensions["code"] {
		case string(apperr.BadUserInput), string(apperr.ComplexityExceeded), string(apperr.IntrospectionDisabled):
			return http.StatusBadRequest
		}
	}
	return http.StatusOK
}

// writeRequestError writes the response to a request that did not run:
// its errors and extensions, without a data entry, as the GraphQL spec
// answers an error raised before execution begins.
func writeRequestError(w io.Writer, resp *graphql.Response) {
	_ = json.NewEncoder(w).Encode(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
}
