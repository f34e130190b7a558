package httpserver

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"socrates/internal/apperr"
)

// sse serves GraphQL over server-sent events through gqlgen's transport,
// after checking the body as post does, so that a malformed one answers
// 400 with BAD_REQUEST as it does over plain POST.
type sse struct {
	transport.SSE
	logger *slog.Logger
}

// Do implements graphql.Transport.
func (s sse) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := readBody(r)
	if err != nil {
		refuse(w, r, s.logger, http.StatusBadRequest, apperr.BadRequest, "the request body could not be read")
		return
	}
	if _, problem := decodeParams(body); problem != "" {
		refuse(w, r, s.logger, http.StatusBadRequest, apperr.BadRequest, problem)
		return
	}
	r.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body}
	s.SSE.Do(w, r, exec)
}
