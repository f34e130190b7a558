package httpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Response media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// post serves GraphQL over HTTP POST with a JSON body, as gqlgen's POST
// transport does (same media types, statuses and error messages), but
// writes the response without encoding its data a second time: the
// executor has already rendered the data as JSON, and encoding/json would
// validate and copy all of it again (for a large read, a tenth of the
// server's time).
type post struct{}

var _ graphql.Transport = post{}

// Supports implements graphql.Transport.
func (post) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == mediaJSON
}

// Do implements graphql.Transport.
func (post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseMediaType(r)
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		w.WriteHeader(requestErrorStatus(contentType, errs))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
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
// ran, as gqlgen's transports answer it: a protocol error (parse,
// validation) is 422 with application/json and 400 with
// application/graphql-response+json; anything else is 200.
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// writeResponse writes resp as encoding/json would, member for member,
// but writes its data (JSON the executor rendered) as it is.
func writeResponse(w io.Writer, resp *graphql.Response) {
	var head bytes.Buffer
	head.WriteByte('{')
	if len(resp.Errors) > 0 {
		member(&head, "errors", resp.Errors)
		head.WriteByte(',')
	}
	head.WriteString(`"data":`)
	data := []byte(resp.Data)
	if data == nil {
		data = []byte("null")
	}
	var tail bytes.Buffer
	if resp.Label != "" {
		tail.WriteByte(',')
		member(&tail, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		tail.WriteByte(',')
		member(&tail, "path", resp.Path)
	}
	if resp.HasNext != nil {
		tail.WriteByte(',')
		member(&tail, "hasNext", resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		tail.WriteByte(',')
		member(&tail, "extensions", resp.Extensions)
	}
	tail.WriteByte('}')
	for _, part := range [][]byte{head.Bytes(), data, tail.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return
		}
	}
}

// member writes "name":value.
func member(buf *bytes.Buffer, name string, value any) {
	b, err := json.Marshal(value)
	if err != nil {
		b = []byte("null")
	}
	buf.WriteString(`"` + name + `":`)
	buf.Write(b)
}
