package httpserver

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"

	"socrates/internal/apperr"
	"socrates/internal/gqlws"
)

// websocketTransport serves GraphQL over websocket. A malformed handshake,
// or one from an origin not allowed, is answered here as a GraphQL error
// with a status (gqlws.Transport.Handshake says what is wrong), before the
// library would answer it in plain text and log outside the server's log.
type websocketTransport struct {
	*gqlws.Transport
	logger *slog.Logger
}

var _ graphql.Transport = websocketTransport{}

// Do implements graphql.Transport.
func (t websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if status, problem := t.Handshake(r); problem != "" {
		code := apperr.BadRequest
		switch status {
		case http.StatusUpgradeRequired:
			w.Header().Set("Sec-WebSocket-Version", "13")
		case http.StatusForbidden:
			code = apperr.Forbidden
		}
		refuse(w, r, t.logger, status, code, problem)
		return
	}
	t.Transport.Do(w, r, exec)
}
