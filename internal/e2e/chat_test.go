package e2e

import (
	"strings"
	"testing"

	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// TestDirectChat talks freely in a DIRECT_CHAT session.
func TestDirectChat(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("chatty")
		sid := me.StartSession(pid)
		me.Must(`mutation($s: ID!) { setSessionMode(input: {sessionId: $s, mode: DIRECT_CHAT}) { session { mode } userErrors { code } } }`, map[string]any{"s": sid}, nil)
		events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type message { role content } } }`, map[string]any{"s": sid})
		var out struct {
			SendChatMessage struct {
				Message           struct{ Role, Content string }
				Reply             struct{ Role, Content string }
				SuggestedQuestion *string
				Specifications    []specT
				Conflicts         []struct{ Type string }
				Project           struct{ Maturity int }
				UserErrors        []testenv.UserErrorT
			}
		}
		me.Must(`mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) {
			message { role content } reply { role content } suggestedQuestion
			specifications { key value status category confidence } conflicts { type } project { maturity } userErrors { code } } }`,
			map[string]any{"s": sid, "m": "We need 99.9% uptime, and orders flow through Kafka into PostgreSQL."}, &out)
		c := out.SendChatMessage
		if c.Message.Role != "USER" || c.Reply.Role != "ASSISTANT" || c.SuggestedQuestion == nil || *c.SuggestedQuestion == "" {
			t.Fatalf("chat: %+v", c)
		}
		for _, key := range []string{"uptime_target", "message_queue", "database"} {
			if specByKey(c.Specifications, key) == nil {
				t.Fatalf("no %s in %+v", key, c.Specifications)
			}
		}
		if !strings.Contains(c.Reply.Content, "Kafka") || c.Project.Maturity == 0 {
			t.Fatalf("reply %q, maturity %d", c.Reply.Content, c.Project.Maturity)
		}
		if e, _ := events.until("type", "MESSAGE_ADDED"); e["message"].(map[string]any)["role"] != "USER" {
			t.Fatalf("message event %v", e)
		}
		if e, _ := events.until("type", "MESSAGE_ADDED"); e["message"].(map[string]any)["role"] != "ASSISTANT" {
			t.Fatalf("reply event %v", e)
		}
		// A contradiction in chat takes the same conflict path.
		me.Must(`mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) { conflicts { type } specifications { key status } userErrors { code } } }`,
			map[string]any{"s": sid, "m": "On second thought, MySQL will be the database."}, &out)
		if len(out.SendChatMessage.Conflicts) != 1 || out.SendChatMessage.Conflicts[0].Type != "TECHNOLOGY" {
			t.Fatalf("chat conflict: %+v", out.SendChatMessage)
		}
		var hist struct {
			Node struct {
				Messages struct {
					TotalCount int
					Nodes      []struct{ Role string }
				}
			}
		}
		me.Must(`query($s: ID!) { node(id: $s) { ... on Session { messages { totalCount nodes { role } } } } }`, map[string]any{"s": sid}, &hist)
		if hist.Node.Messages.TotalCount != 4 || hist.Node.Messages.Nodes[0].Role != "USER" || hist.Node.Messages.Nodes[1].Role != "ASSISTANT" {
			t.Fatalf("history: %+v", hist.Node.Messages)
		}
	})
}
