package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"socrates/internal/apperr"
	"socrates/internal/ids"
)

// GenerationArchive is a generation's files ready to be written as a ZIP.
type GenerationArchive interface {
	Write(w io.Writer) error
}

// GenerationDownloads prepares the ZIP of a code generation for the
// principal in ctx: UNAUTHENTICATED when anonymous, NOT_FOUND when the
// generation does not exist or the principal may not read its project,
// INVALID_STATE before it is COMPLETED.
type GenerationDownloads interface {
	Archive(ctx context.Context, generationID int64) (filename string, a GenerationArchive, err error)
}

// The routes of the generation download.
const (
	generationPattern   = "GET /generations/{file}"
	generationAnyMethod = "/generations/{file}"
)

// generationDownload serves GET /generations/{id}.zip: the files of a
// COMPLETED generation as one deterministic ZIP, streamed as the files
// are read, a batch at a time, through the pool.
type generationDownload struct {
	generations GenerationDownloads
	logger      *slog.Logger
	timeout     time.Duration
}

// ServeHTTP implements http.Handler.
func (h generationDownload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	global, ok := strings.CutSuffix(r.PathValue("file"), ".zip")
	if !ok {
		refuse(w, r, h.logger, http.StatusNotFound, apperr.NotFound, "no such file; a generation downloads as /generations/{id}.zip")
		return
	}
	id, err := ids.DecodeAs(ids.CodeGeneration, global)
	if err != nil {
		refuse(w, r, h.logger, http.StatusBadRequest, apperr.BadRequest, "the generation id is malformed: "+err.Error())
		return
	}
	ctx := r.Context()
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	name, archive, err := h.generations.Archive(ctx, id)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Code(apperr.CodeInvalidState) {
			refuse(w, r, h.logger, http.StatusConflict, e.Code, e.Message)
			return
		}
		failDownload(w, r, h.logger, "generation download", err)
		return
	}
	attachment(w.Header(), "application/zip", name)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if err := archive.Write(w); err != nil {
		// The status is sent: the client sees a truncated archive.
		h.logger.ErrorContext(r.Context(), "generation download failed while streaming", "request_id", RequestID(r.Context()), "error", err.Error())
	}
}
