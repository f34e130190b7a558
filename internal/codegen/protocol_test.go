package codegen

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFilesReadsBlocks(t *testing.T) {
	text := "\n<<<FILE README.md>>>\n# Shop\n\nOrders and payments.\n<<<END>>>\n\r\n<<<FILE cmd/server/main.go>>>\r\npackage main\r\n<<<END>>>\n<<<FILE .keep>>>\n<<<END>>>\n"
	files, err := ParseFiles(text, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{Path: "README.md", Content: "# Shop\n\nOrders and payments.\n"},
		{Path: "cmd/server/main.go", Content: "package main\n"},
		{Path: ".keep", Content: ""},
	}
	if len(files) != len(want) {
		t.Fatalf("files %+v, want %+v", files, want)
	}
	for i := range want {
		if files[i] != want[i] {
			t.Errorf("file %d: %+v, want %+v", i, files[i], want[i])
		}
	}
}

func TestParseFilesRefuses(t *testing.T) {
	small := Limits{MaxFiles: 2, MaxFileBytes: 10, MaxBytes: 15}
	block := func(path, content string) string { return "<<<FILE " + path + ">>>\n" + content + "<<<END>>>\n" }
	for _, c := range []struct {
		name, text, why string
		lim             Limits
	}{
		{"absolute path", block("/etc/passwd", "x\n"), "absolute", DefaultLimits()},
		{"parent segments", block("../outside.go", "x\n"), "dot segments", DefaultLimits()},
		{"hidden parent", block("a/../../b", "x\n"), "dot segments", DefaultLimits()},
		{"backslashes", block(`a\b.go`, "x\n"), "backslashes", DefaultLimits()},
		{"drive letter", block("C:/x.go", "x\n"), "drive letter", DefaultLimits()},
		{"symbolic link", "<<<LINK a -> /etc/passwd>>>\n", "not a file announcement", DefaultLimits()},
		{"directory", "<<<DIR build>>>\n", "not a file announcement", DefaultLimits()},
		{"prose around", "Here are your files:\n" + block("a.go", "x\n"), "text outside", DefaultLimits()},
		{"twice", block("a.go", "x\n") + block("a.go", "y\n"), "announced twice", DefaultLimits()},
		{"nested", "<<<FILE a.go>>>\n<<<FILE b.go>>>\n<<<END>>>\n", "inside a.go", DefaultLimits()},
		{"never closed", "<<<FILE a.go>>>\npackage a\n", "never closed", DefaultLimits()},
		{"no file", "\n\n", "holds no file", DefaultLimits()},
		{"too many files", block("a", "1\n") + block("b", "2\n") + block("c", "3\n"), "more than 2 files", small},
		{"file too large", block("a", "0123456789\n"), "at most 10", small},
		{"too large together", block("a", "012345678\n") + block("b", "012345678\n"), "pass 15 bytes", small},
	} {
		t.Run(c.name, func(t *testing.T) {
			files, err := ParseFiles(c.text, c.lim)
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Message, c.why) {
				t.Fatalf("got %+v, %v; want a refusal saying %q", files, err, c.why)
			}
			if files != nil {
				t.Errorf("a refused answer returned files %+v", files)
			}
		})
	}
}
