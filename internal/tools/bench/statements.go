package main

import (
	"context"
	"fmt"
	"time"
)

// countResult is what the counting proxy saw during one counting phase.
type countResult struct {
	Clients  int
	Requests int
	Counts   WireCounts
}

// perRequest divides a count by the requests of the phase.
func (c countResult) perRequest(n int64) float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(n) / float64(c.Requests)
}

// StatementsPerRequest is Query plus Execute messages per request.
func (c countResult) StatementsPerRequest() float64 { return c.perRequest(c.Counts.Statements()) }

// ParsesPer100 is Parse messages per 100 requests.
func (c countResult) ParsesPer100() float64 { return 100 * c.perRequest(c.Counts.Parses) }

// TextsPer100 is distinct statement texts per 100 requests.
func (c countResult) TextsPer100() float64 { return 100 * c.perRequest(c.Counts.DistinctTexts) }

// countSpec is one counting phase: Requests requests at 1 client, or
// Clients clients for Duration.
type countSpec struct {
	Body     []byte
	UserID   int64
	Clients  int
	Requests int
	Duration time.Duration
}

// countStatements warms srv (a server connected through proxy) up with
// the same load, clears the proxy's counts, runs the load and returns the
// counts.
func countStatements(ctx context.Context, srv *server, proxy *Proxy, spec countSpec) (countResult, error) {
	auth, err := srv.authHeader(spec.UserID)
	if err != nil {
		return countResult{}, err
	}
	client := newLoadClient(spec.Clients)
	defer client.CloseIdleConnections()
	warm := loadSpec{URL: srv.URL, Body: spec.Body, Auth: auth, Clients: spec.Clients, Requests: max(10, spec.Requests/5)}
	if spec.Requests == 0 {
		warm.Requests, warm.Duration = 0, time.Second
	}
	if w := runLoad(ctx, client, warm); w.Failures > 0 {
		return countResult{}, fmt.Errorf("%s failed while warming up the count: %s", srv.Name, w.FirstFailure)
	}
	proxy.Tally.Reset()
	res := runLoad(ctx, client, loadSpec{URL: srv.URL, Body: spec.Body, Auth: auth, Clients: spec.Clients, Requests: spec.Requests, Duration: spec.Duration})
	counts := proxy.Tally.Snapshot()
	if err := ctx.Err(); err != nil {
		return countResult{}, err
	}
	if res.Failures > 0 {
		return countResult{}, fmt.Errorf("%s failed while counting statements (%d of %d): %s", srv.Name, res.Failures, res.Requests, res.FirstFailure)
	}
	if counts.Malformed > 0 {
		return countResult{}, fmt.Errorf("the counting proxy could not follow %d connections of %s (is TLS on?)", counts.Malformed, srv.Name)
	}
	return countResult{Clients: spec.Clients, Requests: res.Requests, Counts: counts}, nil
}
