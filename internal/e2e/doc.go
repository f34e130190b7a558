// Package e2e tests the server end to end: a real server on a loopback port,
// real HTTP and websocket clients, and real SQLite and PostgreSQL databases.
package e2e
