package document

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"socrates/internal/apperr"
	"socrates/internal/validate"
)

// The content types a document may have.
const (
	TypeText     = "text/plain"
	TypeMarkdown = "text/markdown"
	TypePDF      = "application/pdf"
	TypeJSON     = "application/json"
	TypeCSV      = "text/csv"
)

// byExtension maps the file extensions allowed to their content types.
var byExtension = map[string]string{
	".txt": TypeText, ".text": TypeText,
	".md": TypeMarkdown, ".markdown": TypeMarkdown,
	".pdf":  TypePDF,
	".json": TypeJSON,
	".csv":  TypeCSV,
}

// Extensions lists the allowed extensions, for messages.
const Extensions = ".txt, .md, .markdown, .pdf, .json or .csv"

// MaxFilenameBytes is the longest filename kept.
const MaxFilenameBytes = 255

// pdfMagic starts every PDF file (within its first 1024 bytes).
const pdfMagic = "%PDF-"

// utf8BOM is the byte order mark some editors put before UTF-8 text.
const utf8BOM = "\xEF\xBB\xBF"

// Filename returns the name to keep for an uploaded file: its last path
// element (a browser or a client may send a whole path), trimmed. It is
// refused when empty, over MaxFilenameBytes, not UTF-8 or with control
// characters.
func Filename(name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || name == "." || name == "..":
		return "", apperr.Invalid("file", apperr.CodeRequired, "the file has no name; send it with a filename")
	case !utf8.ValidString(name):
		return "", apperr.Invalid("file", apperr.CodeInvalid, "the filename is not valid UTF-8")
	case len(name) > MaxFilenameBytes:
		return "", apperr.Invalid("file", apperr.CodeTooLong, "the filename is %d bytes long; at most %d are allowed", len(name), MaxFilenameBytes)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", apperr.Invalid("file", apperr.CodeInvalid, "the filename has control characters")
	}
	return name, nil
}

// Decide returns the content type of an uploaded file from its bytes and
// its name: the extension must be one of the allowed ones (or absent) and
// agree with what the bytes are. A PDF must start with %PDF-; a text type
// must be UTF-8 text (a byte order mark is allowed) with no NUL byte, and
// JSON must parse and CSV must read as records. A file without an
// extension is a PDF when its bytes are one and plain text otherwise.
// Refusals are UNSUPPORTED_TYPE (another type, or bytes that are not what
// the name says) and INVALID (text that is not UTF-8, JSON or CSV that
// does not parse, an empty file).
func Decide(filename string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", apperr.Invalid("file", apperr.CodeInvalid, "the file is empty")
	}
	ext := strings.ToLower(path.Ext(filename))
	claimed, known := byExtension[ext]
	if ext != "" && !known {
		return "", apperr.Invalid("file", apperr.CodeUnsupportedType,
			"files of type %s are not accepted; upload plain text, Markdown, PDF, JSON or CSV (%s)", ext, Extensions)
	}
	sniffed := http.DetectContentType(data)
	isPDF := isPDF(data)
	switch {
	case claimed == TypePDF && !isPDF:
		return "", apperr.Invalid("file", apperr.CodeUnsupportedType, "the file is named %s but its bytes are not a PDF (they look like %s)", ext, kind(sniffed))
	case claimed == TypePDF || (claimed == "" && isPDF):
		return TypePDF, nil
	case isPDF:
		return "", apperr.Invalid("file", apperr.CodeUnsupportedType, "the file is named %s but its bytes are a PDF; name it .pdf", ext)
	case !strings.HasPrefix(sniffed, "text/"):
		what := "it"
		if ext != "" {
			what = "its name says " + ext + " but it"
		}
		return "", apperr.Invalid("file", apperr.CodeUnsupportedType,
			"the file is not text: %s looks like %s; upload plain text, Markdown, PDF, JSON or CSV", what, kind(sniffed))
	}
	if claimed == "" {
		claimed = TypeText
	}
	if err := checkText(claimed, data); err != nil {
		return "", err
	}
	return claimed, nil
}

// isPDF reports whether data starts with the PDF header, which readers
// accept within the first 1024 bytes.
func isPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.Contains(head, []byte(pdfMagic))
}

// kind names a sniffed media type in a message.
func kind(sniffed string) string {
	mediaType, _, _ := strings.Cut(sniffed, ";")
	if mediaType == "application/octet-stream" {
		return "binary data"
	}
	return mediaType
}

// checkText checks that data is text of the given type.
func checkText(contentType string, data []byte) error {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return apperr.Invalid("file", apperr.CodeUnsupportedType, "the file is not text: it has a NUL byte at byte %d", i)
	}
	if at := validate.InvalidUTF8(data); at >= 0 {
		return apperr.Invalid("file", apperr.CodeInvalid, "the file is not valid UTF-8 text (at byte %d); save it as UTF-8", at)
	}
	switch contentType {
	case TypeJSON:
		if err := checkJSON(data); err != nil {
			return apperr.Invalid("file", apperr.CodeInvalid, "the file is not valid JSON: %s", err.Error())
		}
	case TypeCSV:
		if err := checkCSV(data); err != nil {
			return apperr.Invalid("file", apperr.CodeInvalid, "the file is not valid CSV: %s", err.Error())
		}
	}
	return nil
}

// checkJSON checks that data holds exactly one JSON value.
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("%s (at byte %d)", syntax.Error(), syntax.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("it ends before its value does")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("it holds more than one JSON value")
	}
	return nil
}

// checkCSV checks that data reads as CSV records (rows may differ in
// their number of fields).
func checkCSV(data []byte) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for {
		if _, err := r.Read(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}
