package errcodes

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func write(t *testing.T, root, path, src string) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

const apperrSrc = `package apperr
type Validation struct{}
type FieldError struct{ Code string }
func (v *Validation) Add(field, code, format string, args ...any) {}
func Invalid(field, code, format string, args ...any) *Validation { return nil }
const (
	CodeRequired = "REQUIRED"
	CodeTaken    = "TAKEN"
)
`

func TestDescribedCodesScanFindsEveryForm(t *testing.T) {
	root := t.TempDir()
	write(t, root, "internal/apperr/apperr.go", apperrSrc)
	write(t, root, "internal/svc/svc.go", `package svc
import ae "socrates/internal/apperr"
func a() error { return ae.Invalid("x", "GONE", "m") }
func b(v *ae.Validation) { v.Add("x", ae.CodeRequired, "m") }
func c() { w := &ae.Validation{}; w.Add("y", "LOCAL", "m"); var other T; other.Add("z", "NOT_A_CODE", "m") }
func d() ae.FieldError { return ae.FieldError{Code: ae.CodeTaken} }
type T struct{}
func (T) Add(a, b, c string) {}
`)
	write(t, root, "internal/svc/svc_test.go", `package svc
import "socrates/internal/apperr"
func e() error { return apperr.Invalid("x", "ONLY_IN_TESTS", "m") }
`)
	got, err := UserErrorCodes(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GONE", "LOCAL", "REQUIRED", "TAKEN"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDescribedCodesScanRefusesVariables(t *testing.T) {
	root := t.TempDir()
	write(t, root, "internal/apperr/apperr.go", apperrSrc)
	write(t, root, "internal/svc/svc.go", `package svc
import "socrates/internal/apperr"
func a(code string) error { return apperr.Invalid("x", code, "m") }
`)
	if _, err := UserErrorCodes(root); err == nil || !strings.Contains(err.Error(), "svc.go:3") {
		t.Fatalf("want an error naming svc.go:3, got %v", err)
	}
}
