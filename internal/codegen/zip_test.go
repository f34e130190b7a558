package codegen

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"socrates/models"
)

func TestZipIsDeterministic(t *testing.T) {
	files := []*models.GeneratedFile{{Path: "b/main.go", Content: "package main\n"}, {Path: "README.md", Content: "# x\n"}}
	var a, b bytes.Buffer
	if err := WriteZip(&a, files); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&b, []*models.GeneratedFile{files[1], files[0]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two archives of the same files differ")
	}
	r, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != 2 || r.File[0].Name != "README.md" || r.File[1].Name != "b/main.go" {
		t.Fatalf("entries %v", r.File)
	}
	for _, f := range r.File {
		if len(f.Extra) != 0 || f.Modified.Year() != 1980 {
			t.Errorf("%s: extra %x, modified %v", f.Name, f.Extra, f.Modified)
		}
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		if f.Name == "README.md" && string(body) != "# x\n" {
			t.Errorf("content %q", body)
		}
	}
	if err := WriteZip(io.Discard, []*models.GeneratedFile{{Path: "../evil", Content: "x"}}); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("a traversal path was written: %v", err)
	}
}
