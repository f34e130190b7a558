package slug

import (
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	for in, want := range map[string]string{
		"Clinic Platform 01":        "clinic-platform-01",
		"  --Ça va?  Oui!--  ":      "a-va-oui",
		"":                          "project",
		"日本語":                       "project",
		strings.Repeat("ab ", 50):   strings.TrimSuffix(strings.Repeat("ab-", 20), "-"),
		"Shop/Backend: v2.0 (beta)": "shop-backend-v2-0-beta",
	} {
		if got := Of(in); got != want {
			t.Errorf("Of(%q) = %q, want %q", in, got, want)
		}
		if got := Of(in); len(got) > Max {
			t.Errorf("Of(%q) is %d long", in, len(got))
		}
	}
}
