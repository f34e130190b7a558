package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"socrates/internal/apperr"
	"socrates/internal/validate"
)

// maxUploadFiles bounds the files of one multipart request.
const maxUploadFiles = 10

// multipartForm serves GraphQL over a multipart POST as the GraphQL
// multipart request spec (github.com/jaydenseric/graphql-multipart-request-spec)
// defines it: an operations part (the request, as a JSON POST body, with
// null where each file goes), a map part (a JSON object naming, for each
// file part, the variable paths it fills), then the file parts. The edge
// has checked the CSRF header and read the whole body within its limit,
// so the files are read from memory and nothing is written to disk.
//
// gqlgen's transport.MultipartForm reads the same spec, but is not used:
// a map path through a value that is not an object or a list (such as
// "variables.input.0" for an object input) panics inside it, its errors
// carry no extensions.code and answer 422, and its answer ignores Accept.
// This transport refuses every malformed request with 400 BAD_REQUEST
// naming the fault, reads operations with the JSON POST's checks, and
// answers through the same path as a JSON POST.
type multipartForm struct {
	logger *slog.Logger
}

var _ graphql.Transport = multipartForm{}

// Supports implements graphql.Transport.
func (multipartForm) Supports(r *http.Request) bool { return postOf(r, mediaMultipart) }

// Do implements graphql.Transport.
func (m multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	params, problem := m.decode(r)
	if problem != "" {
		refuse(w, r, m.logger, http.StatusBadRequest, apperr.BadRequest, "multipart request: "+problem)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, m.logger, params, false)
}

// decode reads the operations, map and file parts into the request's
// parameters, with each file at the paths the map names; it returns what
// is wrong, for the client, when the request does not follow the spec.
func (multipartForm) decode(r *http.Request) (*graphql.RawParams, string) {
	_, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	boundary := ctParams["boundary"]
	if boundary == "" {
		return nil, "the Content-Type has no boundary"
	}
	body, err := readBody(r)
	if err != nil {
		return nil, "the request body could not be read"
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)

	operations, problem := namedPart(mr, "operations")
	if problem != "" {
		return nil, problem
	}
	params, problem := decodeParams(operations)
	if problem != "" {
		return nil, "operations: " + problem
	}
	rawMap, problem := namedPart(mr, "map")
	if problem != "" {
		return nil, problem
	}
	files, problem := decodeMap(rawMap)
	if problem != "" {
		return nil, "map: " + problem
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "a file part is malformed: " + err.Error()
		}
		key := part.FormName()
		paths, ok := files[key]
		if !ok {
			return nil, fmt.Sprintf("the part %q is not named in the map", key)
		}
		if seen[key] {
			return nil, fmt.Sprintf("the part %q is sent twice", key)
		}
		seen[key] = true
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, fmt.Sprintf("the part %q could not be read: %s", key, err.Error())
		}
		for _, p := range paths {
			up := graphql.Upload{File: bytes.NewReader(data), Filename: part.FileName(), Size: int64(len(data)),
				ContentType: part.Header.Get("Content-Type")}
			if problem := placeUpload(params.Variables, p, up); problem != "" {
				return nil, fmt.Sprintf("map: %q: %s", key, problem)
			}
		}
	}
	for key := range files {
		if !seen[key] {
			return nil, fmt.Sprintf("the map names the part %q, which was not sent", key)
		}
	}
	return params, ""
}

// namedPart reads the next part, which must be the form field name.
func namedPart(mr *multipart.Reader, name string) ([]byte, string) {
	part, err := mr.NextPart()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Sprintf("the %s part is missing (the parts must be operations, map, then the files)", name)
	}
	if err != nil {
		return nil, "the body is not valid multipart/form-data: " + err.Error()
	}
	if part.FormName() != name {
		return nil, fmt.Sprintf("the part %q came where %s was expected (the parts must be operations, map, then the files)", part.FormName(), name)
	}
	data, err := io.ReadAll(part)
	if err != nil {
		return nil, fmt.Sprintf("the %s part could not be read: %s", name, err.Error())
	}
	return data, ""
}

// decodeMap reads the map part: a JSON object from part names to
// non-empty lists of paths starting with "variables.".
func decodeMap(data []byte) (map[string][]string, string) {
	if at := validate.InvalidUTF8(data); at >= 0 {
		return nil, fmt.Sprintf("not valid UTF-8 (at byte %d)", at)
	}
	var files map[string][]string
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&files); err != nil || files == nil {
		return nil, `not a JSON object of part names to lists of variable paths, such as {"0": ["variables.input.file"]}`
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "more than one JSON value"
	}
	if len(files) > maxUploadFiles {
		return nil, fmt.Sprintf("%d files; at most %d are accepted in one request", len(files), maxUploadFiles)
	}
	for key, paths := range files {
		if key == "" || key == "operations" || key == "map" {
			return nil, fmt.Sprintf("%q cannot name a file part", key)
		}
		if len(paths) == 0 {
			return nil, fmt.Sprintf("%q has no path", key)
		}
		for _, p := range paths {
			if !strings.HasPrefix(p, "variables.") {
				return nil, fmt.Sprintf("%q: the path %q does not start with \"variables.\"", key, p)
			}
		}
	}
	return files, ""
}

// placeUpload puts up at a path ("variables.input.file",
// "variables.files.0") of the variables, where the operations part must
// hold null: every step must go through an object by key or a list by
// index.
func placeUpload(vars map[string]any, path string, up graphql.Upload) string {
	steps := strings.Split(strings.TrimPrefix(path, "variables."), ".")
	var cur any = vars
	for i, step := range steps {
		last := i == len(steps)-1
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[step]
			if !ok {
				return fmt.Sprintf("the path %q names no variable", path)
			}
			if last {
				if next != nil {
					return fmt.Sprintf("the path %q must hold null in the operations", path)
				}
				v[step] = up
				return ""
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(v) || strconv.Itoa(n) != step {
				return fmt.Sprintf("the path %q has %q where an index of its list is expected", path, step)
			}
			if last {
				if v[n] != nil {
					return fmt.Sprintf("the path %q must hold null in the operations", path)
				}
				v[n] = up
				return ""
			}
			cur = v[n]
		default:
			return fmt.Sprintf("the path %q goes through a value that is neither an object nor a list", path)
		}
	}
	return fmt.Sprintf("the path %q names no variable", path)
}
