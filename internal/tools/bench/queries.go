package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"socrates/internal/workload"
)

// peerNested is query N for PostGraphile: the same rows in the same order
// (projects of the owner newest first by created_at then id; sessions
// newest first; questions and CURRENT specifications oldest first;
// conflicts newest first; a conflict's specifications EXISTING first, then
// by id) and the same columns. PostGraphile has no viewer, so the owner is
// a condition.
const peerNested = `query N($owner: BigInt!) { allProjects(first: 20, condition: {ownerId: $owner}, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { id name description phase status maturity createdAt
  userByOwnerId { id email name }
  sessionsByProjectId(first: 5, orderBy: ROW_ID_DESC) { nodes { id mode status startedAt
    questionsBySessionId(first: 10, orderBy: ROW_ID_ASC) { nodes { id text category askedAt answer answeredAt } } } }
  specificationsByProjectId(first: 50, condition: {status: "CURRENT"}, orderBy: ROW_ID_ASC) { nodes { id category key value confidence status createdAt } }
  conflictsByProjectId(first: 5, orderBy: ROW_ID_DESC) { nodes { id type severity status description detectedAt
    conflictSpecificationsByConflictId(orderBy: [ROLE_ASC, SPECIFICATION_ID_ASC]) { nodes { specificationBySpecificationId { id key value status } } } } } } } }`

// peerSimple is query S for PostGraphile.
const peerSimple = `query S($owner: BigInt!) { allProjects(first: 20, condition: {ownerId: $owner}, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { id name maturity } } }`

// readLoad is one read the servers are compared on.
type readLoad struct {
	// Key is the -only name and the table label.
	Key   string
	Label string
	// Socrates and Peer are the request bodies for each server.
	Socrates []byte
	Peer     []byte
}

// requestBody marshals a GraphQL POST body.
func requestBody(query string, vars map[string]any) ([]byte, error) {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("marshal request: %w", err)
	}
	return b, nil
}

// readWorkloads returns queries N and S for the bench user.
func readWorkloads(benchUser int64) ([]readLoad, error) {
	owner := map[string]any{"owner": strconv.FormatInt(benchUser, 10)}
	var out []readLoad
	for _, w := range []struct{ key, label, socrates, peer string }{
		{"n", "N (nested read)", workload.NestedQuery, peerNested},
		{"s", "S (simple read)", workload.SimpleQuery, peerSimple},
	} {
		sb, err := requestBody(w.socrates, nil)
		if err != nil {
			return nil, err
		}
		pb, err := requestBody(w.peer, owner)
		if err != nil {
			return nil, err
		}
		out = append(out, readLoad{Key: w.key, Label: w.label, Socrates: sb, Peer: pb})
	}
	return out, nil
}
