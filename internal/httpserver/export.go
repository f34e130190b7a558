package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"socrates/internal/apperr"
	"socrates/internal/database"
	"socrates/internal/export"
	"socrates/internal/ids"
	"socrates/models"
)

// Exporter builds the export of a project for the principal in ctx:
// UNAUTHENTICATED when anonymous, NOT_FOUND when the project does not
// exist or the principal may not read it.
type Exporter interface {
	ByID(ctx context.Context, projectID int64, f models.ExportFormat, history bool) (*models.Export, error)
}

// exportRoute is the pattern of the export download, and the route its
// requests are counted and traced under.
// exportAnyMethod matches the same paths with any other method.
const (
	exportPattern   = "GET /projects/{id}/{file}"
	exportAnyMethod = "/projects/{id}/{file}"
	exportRoute     = "/projects/{id}/export"
)

// exportDownload serves GET /projects/{id}/export.{md,json,yaml,csv}
// (with ?history=true for every status of specification) as an
// attachment. The project's contents are read through the pool, every
// connection released before the file is written.
type exportDownload struct {
	exports Exporter
	logger  *slog.Logger
	timeout time.Duration
}

// ServeHTTP implements http.Handler.
func (h exportDownload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ext, ok := strings.CutPrefix(r.PathValue("file"), "export.")
	if !ok {
		refuse(w, r, h.logger, http.StatusNotFound, apperr.NotFound,
			"no such file; a project's exports are export.md, export.json, export.yaml and export.csv")
		return
	}
	format, ok := export.FormatOf(ext)
	if !ok {
		refuse(w, r, h.logger, http.StatusBadRequest, apperr.BadRequest,
			fmt.Sprintf("unknown export extension %q; use md, json, yaml or csv", ext))
		return
	}
	projectID, err := ids.DecodeAs(ids.Project, r.PathValue("id"))
	if err != nil {
		refuse(w, r, h.logger, http.StatusBadRequest, apperr.BadRequest, "the project id is malformed: "+err.Error())
		return
	}
	history := false
	if v := r.URL.Query()["history"]; len(v) > 0 {
		if history, err = strconv.ParseBool(v[len(v)-1]); err != nil || len(v) > 1 {
			refuse(w, r, h.logger, http.StatusBadRequest, apperr.BadRequest, "history must be given once, as true or false")
			return
		}
	}
	ctx := r.Context()
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	out, err := h.exports.ByID(ctx, projectID, format, history)
	if err != nil {
		failDownload(w, r, h.logger, "export", err)
		return
	}
	attachment(w.Header(), out.MimeType, out.Filename)
	w.Header().Set("Content-Length", strconv.Itoa(len(out.Content)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(out.Content))
	}
}

// attachment sets the headers of a file download: its type, its name,
// and that no shared cache keeps it (it is the viewer's own view).
func attachment(h http.Header, mime, filename string) {
	h.Set("Content-Type", mime)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
	h.Set("Cache-Control", "private, no-store")
}

// failDownload answers a failed download (what names it in the log): the
// client's mistakes with their code, an unavailable database with 503, a
// timeout with 503 TIMEOUT, anything else with a bare INTERNAL and the
// request id, logged.
func failDownload(w http.ResponseWriter, r *http.Request, logger *slog.Logger, what string, err error) {
	id := RequestID(r.Context())
	if e, ok := apperr.As(err); ok {
		switch e.Code {
		case apperr.Unauthenticated:
			w.Header().Set("WWW-Authenticate", "Bearer")
			refuse(w, r, logger, http.StatusUnauthorized, e.Code, e.Message)
			return
		case apperr.NotFound:
			refuse(w, r, logger, http.StatusNotFound, e.Code, e.Message)
			return
		case apperr.Forbidden:
			refuse(w, r, logger, http.StatusForbidden, e.Code, e.Message)
			return
		case apperr.BadUserInput:
			refuse(w, r, logger, http.StatusBadRequest, apperr.BadRequest, e.Message)
			return
		}
	}
	if e, ok := apperr.As(err); (ok && e.Code == apperr.Unavailable) || (!ok && database.Unavailable(err)) {
		u := apperr.UnavailableNow()
		logger.WarnContext(r.Context(), what+": database unavailable", "request_id", id, "error", err.Error())
		w.Header().Set("Retry-After", strconv.Itoa(u.RetryAfterSeconds()))
		writeError(w, mediaJSON, http.StatusServiceUnavailable, u.Code, u.Message)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		logger.WarnContext(r.Context(), what+" timed out", "request_id", id, "error", err.Error())
		writeError(w, mediaJSON, http.StatusServiceUnavailable, apperr.Timeout, "the "+what+" took too long and was stopped")
		return
	}
	if errors.Is(err, context.Canceled) {
		logger.InfoContext(r.Context(), what+" cancelled", "request_id", id, "error", err.Error())
		return
	}
	logger.ErrorContext(r.Context(), what+" failed", "request_id", id, "error", err.Error())
	writeError(w, mediaJSON, http.StatusInternalServerError, apperr.Internal, "internal error (request id "+id+")")
}
