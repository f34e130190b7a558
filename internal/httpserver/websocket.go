package httpserver

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// websocketTransport serves GraphQL over websocket. It takes only requests
// that ask to upgrade to websocket: RFC 9110 lets a server ignore an
// Upgrade to anything else (curl sends "Upgrade: h2c"), and those go to
// the other transports. A malformed handshake, or one from an origin not
// allowed, is answered here as a GraphQL error with a status, before the
// library would answer it in plain text and log outside the server's log.
type websocketTransport struct {
	graphql.Transport
	origins []string
	logger  *slog.Logger
}

var _ graphql.Transport = websocketTransport{}

// Supports implements graphql.Transport.
func (websocketTransport) Supports(r *http.Request) bool { return isWebsocketUpgrade(r) }

// Do implements graphql.Transport.
func (t websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if status, code, problem := t.handshakeProblem(r); problem != "" {
		if status == http.StatusUpgradeRequired {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		refuse(w, r, t.logger, status, code, problem)
		return
	}
	t.Transport.Do(w, r, exec)
}

// isWebsocketUpgrade reports whether r asks to upgrade to websocket.
func isWebsocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket")
}

// handshakeProblem checks what the websocket library checks of an opening
// handshake (RFC 6455, section 4.2.1) and of its Origin, and says what is
// wrong, with the status and code to answer.
func (t websocketTransport) handshakeProblem(r *http.Request) (int, string, string) {
	switch {
	case !r.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, codeBadRequest, "a websocket handshake needs HTTP/1.1, not " + r.Proto
	case r.Method != http.MethodGet:
		return http.StatusBadRequest, codeBadRequest, "a websocket handshake is a GET request, not " + r.Method
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, codeBadRequest, "a websocket handshake needs the header Connection: Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired, codeBadRequest,
			fmt.Sprintf("the websocket version %q is not supported; use 13", r.Header.Get("Sec-WebSocket-Version"))
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return http.StatusBadRequest, codeBadRequest, "a websocket handshake needs one Sec-WebSocket-Key header"
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(key) != 16 {
		return http.StatusBadRequest, codeBadRequest, "the Sec-WebSocket-Key must be 16 bytes in base64"
	}
	if !originAllowed(r, t.origins) {
		return http.StatusForbidden, "FORBIDDEN", fmt.Sprintf("the origin %q may not open a websocket here", r.Header.Get("Origin"))
	}
	return 0, "", ""
}

// originAllowed reports whether the websocket library accepts r's Origin
// under the host patterns allowed: no Origin, the request's own host, or a
// match of a pattern, as the library matches them.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

// headerHasToken reports whether a comma-separated header of r holds
// token, in any letter case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}
