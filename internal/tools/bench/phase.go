package main

import (
	"context"
	"fmt"
	"math"
	"time"
)

// pgMeter reads the CPU time of the PostgreSQL backends serving the bench
// database; a nil meter measures nothing (SQLite, or a server elsewhere).
type pgMeter struct {
	admin *pgAdmin
	db    string
}

func (m *pgMeter) snapshot(ctx context.Context) (map[int]time.Duration, error) {
	if m == nil {
		return nil, nil
	}
	return m.admin.BackendCPU(ctx, m.db)
}

// phaseResult is one measured phase of one server.
type phaseResult struct {
	Requests     int
	Failures     int
	FirstFailure string
	RPS          float64
	P50, P99     float64 // milliseconds
	// CPUPerReq is the server process's user+system CPU per request, ms.
	CPUPerReq float64
	// PGCPUPerReq is the PostgreSQL backends' CPU per request, ms (NaN
	// when not measured).
	PGCPUPerReq float64
	// PeakRSS is the server's highest resident set during the phase, MiB.
	PeakRSS float64
}

// phaseSpec is a closed-loop phase: a warm-up, then the measured load.
type phaseSpec struct {
	Body     []byte
	UserID   int64
	Clients  int
	Warmup   time.Duration
	Duration time.Duration
}

// measurePhase warms srv up, then runs the closed-loop load while reading
// the server's CPU time and peak RSS and the backends' CPU time.
func measurePhase(ctx context.Context, srv *server, spec phaseSpec, pg *pgMeter) (phaseResult, error) {
	auth, err := srv.authHeader(spec.UserID)
	if err != nil {
		return phaseResult{}, err
	}
	client := newLoadClient(spec.Clients)
	defer client.CloseIdleConnections()
	load := loadSpec{URL: srv.URL, Body: spec.Body, Auth: auth, Clients: spec.Clients, Duration: spec.Warmup}
	if spec.Warmup > 0 {
		warm := runLoad(ctx, client, load)
		if err := ctx.Err(); err != nil {
			return phaseResult{}, err
		}
		if warm.Failures > 0 {
			return phaseResult{}, fmt.Errorf("%s failed during warm-up (%d of %d requests): %s", srv.Name, warm.Failures, warm.Requests, warm.FirstFailure)
		}
	}
	pg0, err := pg.snapshot(ctx)
	if err != nil {
		return phaseResult{}, err
	}
	cpu0, err := processCPU(srv.Pid())
	if err != nil {
		return phaseResult{}, err
	}
	rss := startPeakRSS(srv.Pid())
	load.Duration = spec.Duration
	res := runLoad(ctx, client, load)
	peak, rssErr := rss.Finish()
	cpu1, err := processCPU(srv.Pid())
	if err != nil {
		return phaseResult{}, err
	}
	pg1, err := pg.snapshot(ctx)
	if err != nil {
		return phaseResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return phaseResult{}, err
	}
	if rssErr != nil {
		return phaseResult{}, rssErr
	}
	out := phaseResult{Requests: res.Requests, Failures: res.Failures, FirstFailure: res.FirstFailure, RPS: res.RPS(),
		PeakRSS: peak, PGCPUPerReq: math.NaN(), CPUPerReq: math.NaN(), P50: math.NaN(), P99: math.NaN()}
	if res.Requests > 0 {
		lat := sortedCopy(res.Latencies)
		out.P50, out.P99 = ms(percentile(lat, 50)), ms(percentile(lat, 99))
		out.CPUPerReq = ms(cpu1-cpu0) / float64(res.Requests)
		if pg != nil {
			out.PGCPUPerReq = ms(backendCPUDelta(pg0, pg1)) / float64(res.Requests)
		}
	}
	return out, nil
}
