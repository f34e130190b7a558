package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunLoadCountsRequestsAndFailures(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer t" || !strings.Contains(string(body), "projects") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch n.Add(1) % 10 {
		case 0:
			_, _ = io.WriteString(w, `{"errors":[{"message":"boom"}],"data":null}`)
		default:
			_, _ = io.WriteString(w, `{"data":{"projects":{"nodes":[]}}}`)
		}
	}))
	defer srv.Close()
	client := newLoadClient(4)
	defer client.CloseIdleConnections()

	res := runLoad(context.Background(), client, loadSpec{URL: srv.URL, Body: []byte(`{"query":"{ projects { nodes { id } } }"}`),
		Auth: "Bearer t", Clients: 4, Requests: 100})
	if res.Requests != 100 || res.Failures != 10 || !strings.Contains(res.FirstFailure, "boom") {
		t.Fatalf("requests %d, failures %d (%s)", res.Requests, res.Failures, res.FirstFailure)
	}
	if len(res.Latencies) != 100 || res.RPS() <= 0 {
		t.Fatalf("latencies %d, rps %v", len(res.Latencies), res.RPS())
	}

	timed := runLoad(context.Background(), client, loadSpec{URL: srv.URL, Body: []byte(`{"query":"{ projects { nodes { id } } }"}`),
		Auth: "Bearer wrong", Clients: 2, Duration: 100 * time.Millisecond})
	if timed.Requests == 0 || timed.Failures != timed.Requests || !strings.Contains(timed.FirstFailure, "401") {
		t.Fatalf("timed load: %+v", timed.FirstFailure)
	}
	if timed.Elapsed < 100*time.Millisecond {
		t.Fatalf("stopped after %s", timed.Elapsed)
	}
}
