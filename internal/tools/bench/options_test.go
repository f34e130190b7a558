package main

import (
	"io"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-only", "n, fanout", "-clients", "4,16", "-duration", "2s", "-peer=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.wants("n") || !o.wants("fanout") || o.wants("s") || o.Peer || o.maxClients() != 16 || o.Duration != 2*time.Second {
		t.Fatalf("options %+v", o)
	}
	all, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range phaseKeys() {
		if !all.wants(k) {
			t.Errorf("default run leaves out %s", k)
		}
	}
	for _, bad := range [][]string{{"-only", "nope"}, {"-clients", "0"}, {"-rounds", "0"}, {"extra"}} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
