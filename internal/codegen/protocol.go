package codegen

import (
	"fmt"
	"strings"
)

// The model protocol. A language model writes a skeleton as a sequence of
// blocks, each announcing one regular file by its path relative to the
// project root:
//
//	<<<FILE cmd/server/main.go>>>
//	package main
//	...
//	<<<END>>>
//
// Nothing but blank lines may stand between blocks. Anything else is
// refused, and the whole answer with it: a line starting with "<<<"
// that is not one of the two markers (a symbolic link, a directory, a
// mode), a path ValidatePath refuses (absolute, "..", backslashes), a
// path announced twice, a block left open, more files or bytes than the
// limits allow, or no file at all. A refused answer writes nothing; the
// built-in generator writes the skeleton instead.
const (
	fileMarker = "<<<FILE "
	markerEnd  = ">>>"
	endMarker  = "<<<END>>>"
)

// ProtocolFormat describes the protocol for a model's system prompt.
const ProtocolFormat = `Write every file as one block, and nothing outside the blocks:
<<<FILE relative/path/of/the/file>>>
the file's content, as many lines as it needs
<<<END>>>
Paths are relative to the project root, with forward slashes, no "..", no leading slash. Only regular files: no links, no directories, no modes.`

// File is one file a model wrote.
type File struct {
	Path    string
	Content string
}

// ParseFiles reads a model's answer written in the protocol above and
// returns its files in the order written, or a Refusal naming the first
// thing that breaks the protocol or lim.
func ParseFiles(text string, lim Limits) ([]File, error) {
	refuse := func(line int, format string, args ...any) error {
		return &Refusal{fmt.Sprintf("the model's files were refused (line %d): %s", line, fmt.Sprintf(format, args...))}
	}
	var (
		files []File
		seen  = map[string]bool{}
		cur   *File
		body  []string
		start int
		total int
	)
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		n := i + 1
		if cur == nil {
			switch {
			case strings.TrimSpace(line) == "":
				continue
			case strings.HasPrefix(line, fileMarker) && strings.HasSuffix(line, markerEnd):
				p := strings.TrimSuffix(strings.TrimPrefix(line, fileMarker), markerEnd)
				if err := ValidatePath(p); err != nil {
					return nil, refuse(n, "%v", err)
				}
				if seen[p] {
					return nil, refuse(n, "%s is announced twice", p)
				}
				if len(files) == lim.MaxFiles {
					return nil, refuse(n, "more than %d files", lim.MaxFiles)
				}
				seen[p] = true
				cur, body, start = &File{Path: p}, nil, n
			case strings.HasPrefix(line, "<<<"):
				return nil, refuse(n, "%q is not a file announcement (only regular files are written)", cut(line, 60))
			default:
				return nil, refuse(n, "text outside a file block")
			}
			continue
		}
		if line == endMarker {
			if len(body) > 0 {
				cur.Content = strings.Join(body, "\n") + "\n"
			}
			if len(cur.Content) > lim.MaxFileBytes {
				return nil, refuse(n, "%s is %d bytes; a file may have at most %d", cur.Path, len(cur.Content), lim.MaxFileBytes)
			}
			if total += len(cur.Content); total > lim.MaxBytes {
				return nil, refuse(n, "the files pass %d bytes together", lim.MaxBytes)
			}
			files = append(files, *cur)
			cur = nil
			continue
		}
		if strings.HasPrefix(line, fileMarker) {
			return nil, refuse(n, "a file is announced inside %s, opened at line %d", cur.Path, start)
		}
		body = append(body, line)
	}
	if cur != nil {
		return nil, refuse(start, "%s is never closed with %s", cur.Path, endMarker)
	}
	if len(files) == 0 {
		return nil, &Refusal{"the model's answer holds no file"}
	}
	return files, nil
}

// cut shortens s to at most n bytes for a message, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
