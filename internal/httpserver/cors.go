package httpserver

import (
	"net/http"
	"time"

	"github.com/rs/cors"
)

// newCORS answers preflight requests and sets CORS headers for the allowed
// origins ("*" for any, none when the list is empty). Credentials are
// bearer tokens, never cookies, so there is no credentials mode. A refused
// origin, method or header gets no CORS headers, which the browser takes
// as a refusal.
//
// The allowed request headers are those real clients send: credentials and
// content type, Apollo's client-awareness and CSRF-prevention headers (and
// X-Requested-With, which uploads may send instead), and
// tracing headers (W3C trace context and baggage, Sentry) and request ids.
func newCORS(allowed []string) *cors.Cors {
	o := cors.Options{
		AllowedOrigins: allowed,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{
			"Authorization",
			"Content-Type",
			"Accept",
			"Apollographql-Client-Name",
			"Apollographql-Client-Version",
			"Apollo-Require-Preflight",
			"X-Apollo-Operation-Name",
			"X-Requested-With",
			"Traceparent",
			"Tracestate",
			"Baggage",
			"Sentry-Trace",
			"X-Request-Id",
		},
		ExposedHeaders: []string{"X-Request-Id"},
		MaxAge:         int((10 * time.Minute).Seconds()),
	}
	if len(allowed) == 0 {
		// The library reads an empty list as "any origin".
		o.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(o)
}
