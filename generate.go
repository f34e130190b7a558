package main

// gqlgen writes the executor in graph/; leanexec then marshals its plain
// fields straight from the models (see internal/tools/leanexec).
//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go run ./internal/tools/leanexec -dir graph
