package main

import (
	"slices"
	"testing"
	"time"
)

func TestMatchEventsInPublicationOrder(t *testing.T) {
	expected := []expectedEvent{
		{"QUESTION_ASKED", 0}, {"MESSAGE_ADDED", 0},
		{"QUESTION_ANSWERED", 1}, {"MESSAGE_ADDED", 1}, {"SPECIFICATIONS_EXTRACTED", 1},
		{"QUESTION_ASKED", 2}, {"MESSAGE_ADDED", 2},
	}
	ev := func(types ...string) []receivedEvent {
		out := make([]receivedEvent, len(types))
		for i, typ := range types {
			out[i] = receivedEvent{At: time.Unix(int64(i), 0), Type: typ}
		}
		return out
	}
	// All received.
	got := matchEvents(expected, ev("QUESTION_ASKED", "MESSAGE_ADDED", "QUESTION_ANSWERED", "MESSAGE_ADDED",
		"SPECIFICATIONS_EXTRACTED", "QUESTION_ASKED", "MESSAGE_ADDED"))
	if want := []int{0, 0, 1, 1, 1, 2, 2}; !slices.Equal(got, want) {
		t.Fatalf("all: %v, want %v", got, want)
	}
	// A missing event does not shift the attribution of later ones.
	got = matchEvents(expected, ev("QUESTION_ASKED", "QUESTION_ANSWERED", "MESSAGE_ADDED", "QUESTION_ASKED"))
	if want := []int{0, 1, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("missing: %v, want %v", got, want)
	}
	// An event that was never triggered is marked unexpected.
	got = matchEvents(expected, ev("QUESTION_ASKED", "CONFLICT_DETECTED", "MESSAGE_ADDED"))
	if want := []int{0, -1, 0}; !slices.Equal(got, want) {
		t.Fatalf("unexpected: %v, want %v", got, want)
	}
}
