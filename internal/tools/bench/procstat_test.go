package main

import (
	"os"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift fields.
	line := "4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 11 0 99 1000 200 18446744073709551615"
	got, err := parseStatCPU(line)
	if err != nil || got != 187 {
		t.Fatalf("got %d, %v; want 187", got, err)
	}
	if _, err := parseStatCPU("4242 (x) S 1"); err == nil {
		t.Fatal("a short line was accepted")
	}
}

func TestStatusKiB(t *testing.T) {
	status := "Name:\tsocrates\nVmHWM:\t  20480 kB\nVmRSS:\t  10240 kB\n"
	if got, err := statusKiB(status, "VmHWM"); err != nil || got != 20480 {
		t.Fatalf("VmHWM %d, %v", got, err)
	}
	if _, err := statusKiB(status, "VmSwap"); err == nil {
		t.Fatal("a missing field was found")
	}
}

func TestOwnProcessFigures(t *testing.T) {
	if _, err := processCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	p := startPeakRSS(os.Getpid())
	mib, err := p.Finish()
	if err != nil || mib <= 0 {
		t.Fatalf("peak RSS %v MiB, %v", mib, err)
	}
}
