package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"socrates/internal/workload"
)

// Document is a named GraphQL document for the hostile-documents phase.
type Document struct {
	Name  string
	Query string
	Vars  map[string]any
}

// DocumentSource produces the documents the hostile phase times. A
// generator of adversarial documents plugs in here.
type DocumentSource func() ([]Document, error)

// documentsFromDir reads every *.graphql file of dir as one document named
// after the file.
func documentsFromDir(dir string) DocumentSource {
	return func() ([]Document, error) {
		files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no .graphql files in %s", dir)
		}
		slices.Sort(files)
		var out []Document
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read document: %w", err)
			}
			out = append(out, Document{Name: strings.TrimSuffix(filepath.Base(f), ".graphql"), Query: string(b)})
		}
		return out, nil
	}
}

// sampleHostileDocuments are a few expensive-looking documents to time
// until a generator is wired in: the widest pages the limits allow, many
// aliases, nested fragments, and the standard introspection query.
func sampleHostileDocuments() ([]Document, error) {
	var aliases strings.Builder
	aliases.WriteString("{ ")
	for i := range 30 {
		fmt.Fprintf(&aliases, "a%d: projects(first: 20) { nodes { id name sessions(first: 5) { nodes { id } } } } ", i)
	}
	aliases.WriteString("}")
	return []Document{
		{Name: "nested-read-N", Query: workload.NestedQuery},
		{Name: "widest-pages", Query: `{ projects(first: 100) { nodes { id specifications(first: 100) { nodes { id key value
			conflicts { id specifications { id key } } } } conflicts(first: 100) { nodes { id specifications { id } } } } } }`},
		{Name: "thirty-aliases", Query: aliases.String()},
		{Name: "nested-fragments", Query: `fragment Q on Question { id text answer specifications { id key } }
			fragment S on Session { id status questions(first: 50) { nodes { ...Q } } }
			fragment P on Project { id name sessions(first: 20) { nodes { ...S } } }
			{ projects(first: 20) { nodes { ...P } } }`},
		{Name: "introspection", Query: introspectionQuery},
	}, nil
}

// hostileResult is the cost of one document.
type hostileResult struct {
	Name     string
	Accepted bool
	// Code is the first error's extensions.code (or the HTTP status) of a
	// refused document.
	Code      string
	CPUPerReq float64 // ms
	P50       float64 // ms
	Bytes     int
}

// runHostile sends each document repeat times, one at a time, as userID,
// and measures the server's CPU time per request.
func runHostile(ctx context.Context, srv *server, userID int64, docs []Document, repeat int) ([]hostileResult, error) {
	auth, err := srv.authHeader(userID)
	if err != nil {
		return nil, err
	}
	client := newLoadClient(1)
	defer client.CloseIdleConnections()
	var out []hostileResult
	for _, d := range docs {
		body, err := requestBody(d.Query, d.Vars)
		if err != nil {
			return nil, err
		}
		r := hostileResult{Name: d.Name}
		cpu0, err := processCPU(srv.Pid())
		if err != nil {
			return nil, err
		}
		var lat []time.Duration
		for range repeat {
			t0 := time.Now()
			raw, status, err := postRaw(ctx, client, srv.URL, auth, body)
			if err != nil {
				return nil, fmt.Errorf("document %s: %w", d.Name, err)
			}
			lat = append(lat, time.Since(t0))
			r.Bytes = len(raw)
			r.Accepted, r.Code = judgeResponse(raw, status)
		}
		cpu1, err := processCPU(srv.Pid())
		if err != nil {
			return nil, err
		}
		r.CPUPerReq = ms(cpu1-cpu0) / float64(repeat)
		r.P50 = ms(percentile(sortedCopy(lat), 50))
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b hostileResult) int {
		switch {
		case a.CPUPerReq > b.CPUPerReq:
			return -1
		case a.CPUPerReq < b.CPUPerReq:
			return 1
		}
		return 0
	})
	return out, nil
}

// judgeResponse says whether a response is an accepted execution (200, no
// errors) and otherwise names the first error code.
func judgeResponse(raw []byte, status int) (bool, string) {
	var resp struct {
		Errors []gqlError `json:"errors"`
	}
	_ = json.Unmarshal(raw, &resp)
	if status == 200 && len(resp.Errors) == 0 {
		return true, ""
	}
	if len(resp.Errors) > 0 {
		if code, ok := resp.Errors[0].Extensions["code"].(string); ok {
			return false, code
		}
		return false, "error"
	}
	return false, fmt.Sprintf("HTTP %d", status)
}

// introspectionQuery is the standard introspection query tools send.
const introspectionQuery = `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`
