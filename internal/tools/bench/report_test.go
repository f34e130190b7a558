package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestReportShowsRatiosOfMedians(t *testing.T) {
	phase := func(rps, cpu float64) phaseResult {
		return phaseResult{Requests: 100, RPS: rps, P50: 10, P99: 20, CPUPerReq: cpu, PGCPUPerReq: math.NaN(), PeakRSS: 100}
	}
	r := &report{
		Command: "go run ./internal/tools/bench",
		Machine: machineInfo{CPUs: 2, Model: "test", MemGiB: 1, Go: "go1", Postgres: "15"},
		Reads: []sideBySide{{Workload: "N", Clients: 8,
			Socrates: []phaseResult{phase(90, 2), phase(100, 2), phase(300, 2)},
			Peer:     []phaseResult{phase(50, 4), phase(40, 4), phase(60, 4)}}},
		Counts: []countRow{
			{Workload: "N", Server: "Socrates", One: countResult{Clients: 1, Requests: 10, Counts: WireCounts{Executes: 30}}, Many: countResult{Clients: 32, Requests: 10, Counts: WireCounts{Executes: 40}}},
			{Workload: "N", Server: "PostGraphile", One: countResult{Clients: 1, Requests: 10, Counts: WireCounts{Executes: 10}}, Many: countResult{Clients: 32, Requests: 10, Counts: WireCounts{Executes: 10}}},
		},
		Fanout: &fanoutResult{Subscribers: 3, Expected: 6, Received: 5, FromResponse: []time.Duration{-time.Millisecond, 2 * time.Millisecond}},
		Hostile: []hostileResult{{Name: "big", Accepted: false, Code: "COMPLEXITY_LIMIT_EXCEEDED", CPUPerReq: 9},
			{Name: "slow", Accepted: true, CPUPerReq: 5}},
		Notes: []string{"noisy"},
	}
	var b strings.Builder
	r.Render(&b)
	out := b.String()
	for _, want := range []string{
		"| N | 8 | Socrates | 100.0 |",    // median of 90, 100, 300
		"| N | 8 | PostGraphile | 50.0 |", // median of 50, 40, 60
		"**ratio Socrates/PostGraphile** | **2.00x** | **1.00x** | **1.00x** | **0.50x** | **n/a** |",
		"| N | Socrates | 3.00 | 4.00 |",
		"**ratio Socrates/PostGraphile** | **3.00x** | **4.00x** |",
		"missed 1",
		"Slowest accepted document: **slow**",
		"- noisy",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
