package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"socrates/internal/apperr"
)

// Methods the GraphQL endpoint serves, as the Allow header lists them.
const (
	allowQuery    = "GET, POST, OPTIONS"
	allowMutation = "POST"
)

// An over-limit body is read and thrown away, up to drainBytes and for at
// most drainTime, after the answer is sent: a client that writes its whole
// body before it reads the answer then sees the 413 instead of a reset
// connection.
const (
	drainBytes = 64 << 20
	drainTime  = 10 * time.Second
)

// edge refuses, before authentication and GraphQL, the requests to the
// GraphQL endpoint that are malformed at the HTTP level: a method other
// than GET, POST and OPTIONS (405 with Allow), a POST whose Content-Type
// is neither application/json nor multipart/form-data (400), a multipart
// POST without a CSRF header (400, see csrfHeaders), or a body over the
// limit (413): maxBody, and maxBody plus maxUpload for a multipart upload.
// A POST body within the limit is read into memory here, so the
// transports behind never read from the network.
type edge struct {
	maxBody   int64
	maxUpload int64
	logger    *slog.Logger
	next      http.Handler
}

// csrfHeaders are the request headers of which a multipart POST must carry
// one (not empty). A browser sends a multipart form to another origin
// without asking it first (a "simple" request); with one of these headers
// it must ask (a CORS preflight), which the server answers only for its
// allowed origins. They are the headers Apollo's clients and servers use
// for this (Apollo-Require-Preflight, X-Apollo-Operation-Name) and the one
// many HTTP libraries add (X-Requested-With).
var csrfHeaders = []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "X-Requested-With"}

// ServeHTTP implements http.Handler.
func (e edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodOptions:
		e.next.ServeHTTP(w, r)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", allowQuery)
		refuse(w, r, e.logger, http.StatusMethodNotAllowed, apperr.MethodNotAllowed,
			fmt.Sprintf("the method %s is not allowed on this endpoint; use GET or POST", r.Method))
		return
	}
	multipart, msg := contentTypeProblem(r.Header.Get("Content-Type"))
	if msg != "" {
		refuse(w, r, e.logger, http.StatusBadRequest, apperr.BadRequest, msg)
		return
	}
	limit := e.maxBody
	if multipart {
		if !hasCSRFHeader(r) {
			e.refuseUnread(w, r, http.StatusBadRequest, apperr.BadRequest,
				"a multipart request must carry a non-empty Apollo-Require-Preflight, X-Apollo-Operation-Name or X-Requested-With header (CSRF protection)")
			return
		}
		limit += e.maxUpload
	}
	body, err := read(r, limit)
	if errors.Is(err, errTooLarge) {
		e.refuseUnread(w, r, http.StatusRequestEntityTooLarge, apperr.PayloadTooLarge,
			fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
		return
	}
	if err != nil {
		refuse(w, r, e.logger, http.StatusBadRequest, apperr.BadRequest, "the request body could not be read: "+err.Error())
		return
	}
	r.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body}
	r.ContentLength = int64(len(body))
	e.next.ServeHTTP(w, r)
}

// hasCSRFHeader reports whether r carries one of csrfHeaders, not empty.
func hasCSRFHeader(r *http.Request) bool {
	for _, h := range csrfHeaders {
		if strings.TrimSpace(r.Header.Get(h)) != "" {
			return true
		}
	}
	return false
}

// contentTypeProblem says what is wrong with the Content-Type of a POST,
// or returns "" when it is application/json or multipart/form-data (then
// multipart is true).
func contentTypeProblem(value string) (multipart bool, problem string) {
	const want = "send the body as application/json (or multipart/form-data for an upload)"
	if strings.TrimSpace(value) == "" {
		return false, "the request has no Content-Type; " + want
	}
	mediaType, _, err := mime.ParseMediaType(value)
	if err != nil {
		return false, fmt.Sprintf("the Content-Type %q is malformed; %s", value, want)
	}
	switch mediaType {
	case mediaJSON:
		return false, ""
	case mediaMultipart:
		return true, ""
	}
	return false, fmt.Sprintf("the Content-Type %s is not supported; %s", mediaType, want)
}

// errTooLarge reports a body over the limit.
var errTooLarge = errors.New("request body too large")

// read reads the whole body of r, or returns errTooLarge as soon as it is
// known to be over limit bytes.
func read(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge
	}
	// A body of known length (within the limit) is read without growing
	// the buffer; one sent chunked starts small.
	capacity := int64(64 << 10)
	if r.ContentLength >= 0 {
		capacity = r.ContentLength + bytes.MinRead
	}
	buf := bytes.NewBuffer(make([]byte, 0, capacity))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// refuseUnread answers a request whose body was not read (or not to its
// end) and closes the connection, after reading what remains of the body
// (within drainBytes and drainTime), unless the client is waiting for a
// 100 Continue before it sends the body at all.
func (e edge) refuseUnread(w http.ResponseWriter, r *http.Request, status int, code apperr.Code, message string) {
	rc := http.NewResponseController(w)
	drain := !strings.EqualFold(r.Header.Get("Expect"), "100-continue")
	if drain {
		// Lets the body be read after the answer is written (HTTP/1.1
		// otherwise stops reading the body at the first write).
		drain = rc.EnableFullDuplex() == nil
	}
	w.Header().Set("Connection", "close")
	refuse(w, r, e.logger, status, code, message)
	if !drain {
		return
	}
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(drainTime))
	_, _ = io.CopyN(io.Discard, r.Body, drainBytes)
}

// bufferedBody is a request body already read into memory.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

// Close implements io.Closer.
func (*bufferedBody) Close() error { return nil }

// readBody returns the body of r, without a copy when edge has read it.
func readBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Body.(*bufferedBody); ok {
		return b.data, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// refuse answers a request that is the client's mistake with a GraphQL
// error body in the media type the client accepts, and logs it at INFO
// with the request id: a client's mistake is not the server's error.
func refuse(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, code apperr.Code, message string) {
	logger.InfoContext(r.Context(), "request refused", "request_id", RequestID(r.Context()),
		"method", r.Method, "status", status, "code", string(code), "reason", message)
	writeError(w, responseMediaType(r), status, code, message)
}

// writeError writes a GraphQL response holding one error and no data, as
// the GraphQL-over-HTTP spec answers a request that could not run.
func writeError(w http.ResponseWriter, mediaType string, status int, code apperr.Code, message string) {
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": string(code)}}},
	})
}
