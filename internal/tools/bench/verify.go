package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"socrates/internal/ids"
)

// idDecoder turns a server's opaque node id into "<Type>:<primary key>".
type idDecoder func(string) (string, error)

// socratesID decodes a Socrates global id (base64url of "Type:key").
func socratesID(global string) (string, error) {
	typ, key, err := ids.Decode(global)
	if err != nil {
		return "", err
	}
	return typ + ":" + strconv.FormatInt(key, 10), nil
}

// peerID decodes a PostGraphile node id: base64 of a JSON array holding
// the type name and the primary key.
func peerID(nodeID string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(nodeID)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(nodeID); err != nil {
			return "", fmt.Errorf("node id %q is not base64", nodeID)
		}
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) != 2 {
		return "", fmt.Errorf("node id %q is not [type, key]", nodeID)
	}
	var typ string
	if err := json.Unmarshal(parts[0], &typ); err != nil {
		return "", fmt.Errorf("node id %q: type: %w", nodeID, err)
	}
	key := strings.Trim(string(parts[1]), `"`)
	if _, err := strconv.ParseInt(key, 10, 64); err != nil {
		return "", fmt.Errorf("node id %q: key %s is not an integer", nodeID, parts[1])
	}
	return typ + ":" + key, nil
}

// collectIDs walks a GraphQL response in document order and returns the
// decoded value of every "id" field, so two servers' answers can be
// compared by primary keys whatever their shapes. A response with
// top-level errors is refused.
func collectIDs(body []byte, decode idDecoder) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []string
	depth := 0
	expectKey := false
	var lastKey string
	inObject := []bool{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read response: %w", err)
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if depth == 1 && lastKey == "errors" {
					return nil, fmt.Errorf("response has errors: %s", truncateBytes(body, 300))
				}
				depth++
				inObject = append(inObject, t == '{')
				expectKey = t == '{'
				continue
			case '}', ']':
				depth--
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				lastKey = t
				expectKey = false
				continue
			}
			if lastKey == "id" {
				id, err := decode(t)
				if err != nil {
					return nil, err
				}
				out = append(out, id)
			}
		}
		// After a value inside an object, a key comes next.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
		if !expectKey {
			lastKey = ""
		}
	}
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// compareIDs returns nil when both lists are equal, or says where they
// first differ.
func compareIDs(socrates, peer []string) error {
	n := min(len(socrates), len(peer))
	for i := range n {
		if socrates[i] != peer[i] {
			return fmt.Errorf("row %d differs: Socrates has %s, PostGraphile has %s", i, socrates[i], peer[i])
		}
	}
	if len(socrates) != len(peer) {
		return fmt.Errorf("the two servers returned different numbers of ids: Socrates %d, PostGraphile %d", len(socrates), len(peer))
	}
	return nil
}

// fetchIDs sends a workload's body to srv once and returns the decoded ids.
func fetchIDs(ctx context.Context, srv *server, body []byte, userID int64, decode idDecoder) ([]string, error) {
	auth, err := srv.authHeader(userID)
	if err != nil {
		return nil, err
	}
	client := newLoadClient(1)
	defer client.CloseIdleConnections()
	raw, err := fetchOnce(ctx, client, srv.URL, auth, body)
	if err != nil {
		return nil, err
	}
	got, err := collectIDs(raw, decode)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srv.Name, err)
	}
	return got, nil
}

// verifyOrder checks that Socrates returns the seeded projects, newest
// first, and returns its ids.
func verifyOrder(ctx context.Context, soc *server, w readLoad, seeded *Seeded) ([]string, error) {
	got, err := fetchIDs(ctx, soc, w.Socrates, seeded.BenchUserID, socratesID)
	if err != nil {
		return nil, err
	}
	var projects []string
	for _, id := range got {
		if strings.HasPrefix(id, ids.Project+":") {
			projects = append(projects, id)
		}
	}
	var want []string
	for _, id := range seeded.ProjectIDs {
		want = append(want, ids.Project+":"+strconv.FormatInt(id, 10))
	}
	if strings.Join(projects, ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("%s on %s: projects %v, want the seeded %v", w.Label, soc.Name, projects, want)
	}
	return got, nil
}

// verifySameRows checks that both servers return the same rows in the
// same order for a workload, comparing primary keys, and returns how many
// rows that is.
func verifySameRows(ctx context.Context, soc, peer *server, w readLoad, seeded *Seeded) (int, error) {
	a, err := verifyOrder(ctx, soc, w, seeded)
	if err != nil {
		return 0, err
	}
	b, err := fetchIDs(ctx, peer, w.Peer, seeded.BenchUserID, peerID)
	if err != nil {
		return 0, err
	}
	if err := compareIDs(a, b); err != nil {
		return 0, fmt.Errorf("%s: the servers disagree, so the comparison would be unfair: %w", w.Label, err)
	}
	return len(a), nil
}
