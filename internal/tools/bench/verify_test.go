package main

import (
	"encoding/base64"
	"strings"
	"testing"

	"socrates/internal/ids"
)

func peerNodeID(typ, key string) string {
	return base64.StdEncoding.EncodeToString([]byte(`["` + typ + `",` + key + `]`))
}

func TestCollectIDsComparesServersByPrimaryKeys(t *testing.T) {
	socrates := `{"data":{"projects":{"nodes":[{"id":"` + ids.Encode("Project", 2) + `","name":"b","id2":"x",
		"owner":{"id":"` + ids.Encode("User", 1) + `"},"conflicts":{"nodes":[{"id":"` + ids.Encode("Conflict", 9) + `",
		"specifications":[{"id":"` + ids.Encode("Specification", 7) + `","key":"id"},{"id":"` + ids.Encode("Specification", 3) + `"}]}]}},
		{"id":"` + ids.Encode("Project", 1) + `","tags":["id","x"]}]}}}`
	peer := `{"data":{"allProjects":{"nodes":[{"id":"` + peerNodeID("Project", "2") + `","name":"b",
		"userByOwnerId":{"id":"` + peerNodeID("User", `"1"`) + `"},"conflictsByProjectId":{"nodes":[{"id":"` + peerNodeID("Conflict", "9") + `",
		"conflictSpecificationsByConflictId":{"nodes":[{"specificationBySpecificationId":{"id":"` + peerNodeID("Specification", "7") + `"}},
		{"specificationBySpecificationId":{"id":"` + peerNodeID("Specification", "3") + `"}}]}}]}},
		{"id":"` + peerNodeID("Project", "1") + `"}]}}}`
	a, err := collectIDs([]byte(socrates), socratesID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := collectIDs([]byte(peer), peerID)
	if err != nil {
		t.Fatal(err)
	}
	want := "Project:2 User:1 Conflict:9 Specification:7 Specification:3 Project:1"
	if got := strings.Join(a, " "); got != want {
		t.Fatalf("Socrates ids %q, want %q", got, want)
	}
	if err := compareIDs(a, b); err != nil {
		t.Fatal(err)
	}
	if err := compareIDs(a, b[:len(b)-1]); err == nil {
		t.Fatal("lists of different lengths compared equal")
	}
	b[1] = "User:2"
	if err := compareIDs(a, b); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("difference not found: %v", err)
	}
}

func TestCollectIDsRefusesErrors(t *testing.T) {
	if _, err := collectIDs([]byte(`{"errors":[{"message":"boom"}],"data":null}`), socratesID); err == nil {
		t.Fatal("a response with errors was accepted")
	}
	if _, err := collectIDs([]byte(`{"data":{"id":"not-an-id"}}`), socratesID); err == nil {
		t.Fatal("a malformed id was accepted")
	}
}
