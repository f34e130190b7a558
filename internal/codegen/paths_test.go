package codegen

import (
	"errors"
	"testing"
)

func TestValidatePath(t *testing.T) {
	for _, ok := range []string{"README.md", "cmd/server/main.go", ".github/workflows/ci.yml", "src/components/Order.tsx", "a..b/c"} {
		if err := ValidatePath(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	long := make([]byte, MaxPathBytes+1)
	for i := range long {
		long[i] = 'a'
	}
	for _, bad := range []string{"", "/etc/passwd", "../up", "a/../../b", "a/./b", "./a", "a//b", "a/", "C:/x", "c:x",
		`a\b`, "..", ".", "a/..", "a\x00b", "a\nb", "\xff", string(long)} {
		err := ValidatePath(bad)
		if err == nil || !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"a/b.go", "../x", "/abs", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if ValidatePath(p) != nil {
			return
		}
		// An accepted path stays inside the root however it is joined.
		if p[0] == '/' || p == ".." || len(p) >= 3 && p[:3] == "../" {
			t.Fatalf("accepted %q", p)
		}
	})
}
