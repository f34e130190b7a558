package e2e

import (
	"strings"
	"testing"

	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/pubsub"
	"socrates/internal/socratic"
	"socrates/internal/testenv"
)

const chatMutation = `mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) {
	message { id content } reply { id role content } suggestedQuestion specifications { key status } userErrors { code message } } }`

type chatResult struct {
	SendChatMessage struct {
		Message           *struct{ ID, Content string }
		Reply             *struct{ ID, Role, Content string }
		SuggestedQuestion *string
		Specifications    []specT
		UserErrors        []testenv.UserErrorT
	}
}

func chat(t *testing.T, c *testenv.Client, sid, message string) chatResult {
	t.Helper()
	var out chatResult
	c.Must(chatMutation, map[string]any{"s": sid, "m": message}, &out)
	if out.SendChatMessage.Reply == nil {
		t.Fatalf("chat: %+v", out.SendChatMessage.UserErrors)
	}
	return out
}

const chatStreamQuery = `subscription($s: ID!) { chatStream(sessionId: $s) { kind delta provider fallback message reply { id role content } } }`

// readReply reads one reply from chatStream up to COMPLETED and returns
// the STARTED events, the text of the deltas since the last STARTED and
// the completion.
func readReply(t *testing.T, s *subscription) (starts []map[string]any, text string, done map[string]any) {
	t.Helper()
	var b strings.Builder
	for range 200 {
		e := s.next()
		switch e["kind"] {
		case "STARTED":
			starts = append(starts, e)
			b.Reset()
		case "DELTA":
			b.WriteString(e["delta"].(string))
		case "COMPLETED":
			return starts, b.String(), e
		default:
			t.Fatalf("chat stream event %v", e)
		}
	}
	t.Fatal("no COMPLETED event")
	return nil, "", nil
}

func directChat(t *testing.T, c *testenv.Client, pid string) string {
	t.Helper()
	sid := c.StartSession(pid)
	c.Must(`mutation($s: ID!) { setSessionMode(input: {sessionId: $s, mode: DIRECT_CHAT}) { session { mode } userErrors { code } } }`, map[string]any{"s": sid}, nil)
	return sid
}

// TestChatWithContext sends chat messages with a configured provider: the
// reply's request holds the current specifications, the last messages
// and the focus category; the reply streams on chatStream as the model
// writes it; a failing provider falls back to the built-in reply, streamed
// too, with the fallback recorded.
func TestChatWithContext(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		model := &scriptedModel{extraction: `[]`, reply: []string{"You sell gift cards, ", "which sign-on must cover. ", "Who may redeem them?"}}
		fake.Set(llmfake.Behaviour{Respond: model.respond})
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) {
			c.LLMProvider, c.OpenAIKey, c.OpenAIBaseURL = "OPENAI_COMPATIBLE", "k", fake.BaseURL(false)
			c.LLMMaxRetries = 0
		}))
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("chat with context")
		addSpec(t, me, pid, "SECURITY", "authentication", "corporate single sign-on for every user")
		sid := directChat(t, me, pid)
		stream := subscribe(t, srv, tok.AccessToken, pubsub.ChatTopic(sessionNumber(t, sid)), chatStreamQuery, map[string]any{"s": sid})

		first := chat(t, me, sid, "We sell gift cards online.").SendChatMessage
		starts, text, done := readReply(t, stream)
		if len(starts) != 1 || starts[0]["provider"] != "OPENAI_COMPATIBLE" || starts[0]["fallback"] != false {
			t.Fatalf("start %v", starts)
		}
		reply := done["reply"].(map[string]any)
		if text != "You sell gift cards, which sign-on must cover. Who may redeem them?" || reply["content"] != text ||
			reply["id"] != first.Reply.ID || reply["role"] != "ASSISTANT" || done["fallback"] != false || done["provider"] != "OPENAI_COMPATIBLE" {
			t.Fatalf("streamed %q, completion %v, payload %+v", text, done, first.Reply)
		}

		second := chat(t, me, sid, "Customers pay for them by card.").SendChatMessage
		readReply(t, stream)
		prompts := promptsOf(fake, "free conversation")
		if len(prompts) != 2 {
			t.Fatalf("%d reply requests", len(prompts))
		}
		p := prompts[1]
		focus := ""
		for _, q := range socratic.Bank() {
			if second.SuggestedQuestion != nil && q.Text == *second.SuggestedQuestion {
				focus = string(q.Category)
			}
		}
		for _, want := range []string{
			"- [SECURITY] authentication = corporate single sign-on for every user\n",
			"User: We sell gift cards online.\n",
			"Counselor: You sell gift cards, which sign-on must cover. Who may redeem them?\n",
			"Focus category: " + focus + "\n",
			"User message:\nCustomers pay for them by card.\n",
		} {
			if focus == "" || !strings.Contains(p, want) {
				t.Fatalf("the reply request lacks %q:\n%s", want, p)
			}
		}
		if strings.Contains(prompts[0], "Counselor:") || !strings.Contains(prompts[0], "User message:\nWe sell gift cards online.") {
			t.Fatalf("first reply request:\n%s", prompts[0])
		}

		// The provider fails: the built-in engine replies, streamed after a
		// second STARTED that says so, and the call is a fallback.
		fake.Set(llmfake.Behaviour{Status: 503})
		third := chat(t, me, sid, "Orders are stored in PostgreSQL.").SendChatMessage
		starts, text, done = readReply(t, stream)
		if len(starts) != 2 || starts[1]["fallback"] != true || starts[1]["provider"] != "BUILTIN" || !strings.Contains(starts[1]["message"].(string), "failed") {
			t.Fatalf("fallback starts %v", starts)
		}
		if !strings.HasPrefix(third.Reply.Content, "Thank you. I noted") || text != third.Reply.Content ||
			done["fallback"] != true || done["provider"] != "BUILTIN" || !strings.Contains(done["message"].(string), "failed") {
			t.Fatalf("fallback reply %q streamed %q, completion %v", third.Reply.Content, text, done)
		}
		if specByKey(third.Specifications, "database") == nil {
			t.Fatalf("the built-in extraction did not stand in: %+v", third.Specifications)
		}
		replies := callsOf(llmCalls(t, srv, pid), "REPLY")
		if len(replies) != 3 || replies[0].Fallback || replies[1].Fallback || !replies[2].Fallback {
			t.Fatalf("reply calls %+v", replies)
		}
	})
}

// TestChatStreamOffline keeps the built-in engine working without a
// provider: its reply streams on chatStream too, and no model is asked.
func TestChatStreamOffline(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("offline chat")
		sid := directChat(t, me, pid)
		stream := subscribe(t, srv, tok.AccessToken, pubsub.ChatTopic(sessionNumber(t, sid)), chatStreamQuery, map[string]any{"s": sid})
		out := chat(t, me, sid, "Orders flow through Kafka.").SendChatMessage
		starts, text, done := readReply(t, stream)
		if len(starts) != 1 || starts[0]["provider"] != "BUILTIN" || text != out.Reply.Content || !strings.Contains(text, "Kafka") ||
			done["fallback"] != false || done["reply"].(map[string]any)["id"] != out.Reply.ID {
			t.Fatalf("offline stream: starts %v, text %q, done %v", starts, text, done)
		}
		for _, c := range llmCalls(t, srv, pid) {
			if c.Operation == "CONFLICTS" || c.Fallback {
				t.Fatalf("offline calls %+v", c)
			}
		}
	})
}
