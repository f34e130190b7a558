// Package models holds the database rows (bun table structs, written by hand)
// and the GraphQL types gqlgen generates into models_gen.go. Nothing in this
// package touches a database.
package models
