package secretbox

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key, err := ParseKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("sk-secret"), []byte("user:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("sk-secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	again, _ := b.Seal([]byte("sk-secret"), []byte("user:1"))
	if bytes.Equal(sealed, again) {
		t.Fatal("sealing twice gave the same bytes: nonce reused")
	}
	got, err := b.Open(sealed, []byte("user:1"))
	if err != nil || string(got) != "sk-secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("user:2")); err == nil {
		t.Fatal("opened with another context")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed, []byte("user:1")); err == nil {
		t.Fatal("opened a tampered value")
	}
	if _, err := ParseKey("short"); err == nil {
		t.Fatal("short key accepted")
	}
}
