package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec describes a closed-loop load: Clients goroutines, each sending
// the next request as soon as the previous one was answered, for Duration
// or until Requests requests were sent in all (whichever is set).
type loadSpec struct {
	URL      string
	Body     []byte
	Auth     string
	Clients  int
	Duration time.Duration
	Requests int
}

// loadResult is what a load measured.
type loadResult struct {
	Requests     int
	Failures     int
	FirstFailure string
	Elapsed      time.Duration
	// Latencies are per request, unsorted.
	Latencies []time.Duration
}

// RPS is the completed requests per second.
func (r loadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// newLoadClient returns an HTTP client that keeps a connection alive for
// each of clients goroutines and does not ask for compression.
func newLoadClient(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}, Timeout: 60 * time.Second}
}

// runLoad runs a closed-loop load and returns what it measured. Each body
// is read in full and discarded; a request fails unless the status is 200
// and the body has no top-level "errors" (the documents sent select no
// field named errors, so any occurrence of the key is the top-level one).
func runLoad(ctx context.Context, client *http.Client, spec loadSpec) loadResult {
	var (
		mu      sync.Mutex
		res     loadResult
		sent    atomic.Int64
		wg      sync.WaitGroup
		start   = time.Now()
		stopAt  = start.Add(spec.Duration)
		limited = spec.Requests > 0
	)
	for range spec.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			var buf bytes.Buffer
			failures, first := 0, ""
			for ctx.Err() == nil {
				if limited {
					if sent.Add(1) > int64(spec.Requests) {
						break
					}
				} else if !time.Now().Before(stopAt) {
					break
				}
				t0 := time.Now()
				err := postOnce(ctx, client, spec, &buf)
				if ctx.Err() != nil {
					break
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					failures++
					if first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Failures += failures
			if res.FirstFailure == "" {
				res.FirstFailure = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(res.Latencies)
	return res
}

// postOnce sends one request and checks its answer.
func postOnce(ctx context.Context, client *http.Client, spec loadSpec, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, spec.URL, bytes.NewReader(spec.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if spec.Auth != "" {
		req.Header.Set("Authorization", spec.Auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, truncateBytes(buf.Bytes(), 200))
	}
	if bytes.Contains(buf.Bytes(), []byte(`"errors":`)) {
		return fmt.Errorf("errors in response: %s", truncateBytes(buf.Bytes(), 200))
	}
	return nil
}

// fetchOnce posts body and returns the response body, failing on a status
// other than 200.
func fetchOnce(ctx context.Context, client *http.Client, url, auth string, body []byte) ([]byte, error) {
	b, status, err := postRaw(ctx, client, url, auth, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d: %s", url, status, truncateBytes(b, 300))
	}
	return b, nil
}

// postRaw posts body and returns the response body and status, whatever
// the status.
func postRaw(ctx context.Context, client *http.Client, url, auth string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("post %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", url, err)
	}
	return b, resp.StatusCode, nil
}
