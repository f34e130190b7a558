package gqlws

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// IsUpgrade reports whether r asks to upgrade to websocket. RFC 9110 lets a
// server ignore an Upgrade to anything else (curl sends "Upgrade: h2c"), so
// such requests are left to the other transports.
func IsUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket")
}

// Handshake checks what the websocket library checks of an opening
// handshake (RFC 6455, section 4.2.1) and of its Origin, and says what is
// wrong and the status to answer with (426 for another websocket version,
// 403 for an origin not allowed, 400 otherwise); "" when nothing is. A
// server answers these itself, in its own format, rather than let the
// library answer in plain text.
func (t *Transport) Handshake(r *http.Request) (int, string) {
	switch {
	case !r.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, "a websocket handshake needs HTTP/1.1, not " + r.Proto
	case r.Method != http.MethodGet:
		return http.StatusBadRequest, "a websocket handshake is a GET request, not " + r.Method
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, "a websocket handshake needs the header Connection: Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired,
			fmt.Sprintf("the websocket version %q is not supported; use 13", r.Header.Get("Sec-WebSocket-Version"))
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return http.StatusBadRequest, "a websocket handshake needs one Sec-WebSocket-Key header"
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(key) != 16 {
		return http.StatusBadRequest, "the Sec-WebSocket-Key must be 16 bytes in base64"
	}
	if !originAllowed(r, t.opts.OriginPatterns) {
		return http.StatusForbidden, fmt.Sprintf("the origin %q may not open a websocket here", r.Header.Get("Origin"))
	}
	return 0, ""
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

// headerHasToken reports whether a comma-separated header holds token, in
// any letter case.
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
