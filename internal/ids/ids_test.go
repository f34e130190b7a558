package ids

import "testing"

func TestRoundTrip(t *testing.T) {
	g := Encode(Project, 42)
	typ, id, err := Decode(g)
	if err != nil || typ != Project || id != 42 {
		t.Fatalf("Decode(%q) = %s %d %v", g, typ, id, err)
	}
	if _, err := DecodeAs(Session, g); err == nil {
		t.Fatal("a Project id decoded as a Session id")
	}
	for _, bad := range []string{"", "!!", Encode("Project", 0), "UHJvamVjdA", "UHJvamVjdDot MQ"} {
		if _, _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}
