package counsel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"socrates/internal/llm"
	"socrates/internal/socratic"
	"socrates/models"
)

// Bounds of a chat reply's context.
const (
	// ReplyHistory is how many of the session's last messages a reply's
	// prompt shows, oldest first.
	ReplyHistory = 10
	// MaxHistoryMessage is the longest part, in characters, of an earlier
	// message a reply's prompt shows; a longer one is cut with "…".
	MaxHistoryMessage = 1000
	// ReplyBudget bounds the estimated tokens (EstimateTokens) of the
	// current specifications a reply's prompt shows: those of the focus
	// category first, then the others, newest first in each group.
	ReplyBudget = 3000
)

// Turn is an earlier message of a conversation.
type Turn struct {
	Role    models.MessageRole
	Content string
}

// ReplyInput is what a chat reply reads.
type ReplyInput struct {
	// Message is the user's new message.
	Message string
	// Found are the specifications extracted from it; Conflicts how many
	// of them conflict.
	Found     []socratic.Extracted
	Conflicts int
	// Next is the suggested question, for the least covered category.
	Next *socratic.Question
	// Focus is the category the conversation should turn to.
	Focus models.SpecCategory
	// Current are the project's CURRENT specifications.
	Current []socratic.SpecView
	// History are the session's messages before this one, oldest first.
	History []Turn
}

const replySystem = `You are a Socratic requirements counselor in a free conversation. Reflect briefly what you understood
from the user's message, point out any tension with the project's current specifications or earlier messages, and end with one open
question about the focus category. At most four sentences. No leading or fashionable wording.`

// replyPrompt writes the user prompt of a chat reply within the bounds:
// the focus category, the current specifications (ReplyBudget), the last
// ReplyHistory messages and the new message.
func replyPrompt(in ReplyInput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Focus category: %s\n", in.Focus)
	b.WriteString("Current specifications ([CATEGORY] key = value):\n")
	ordered := slices.Clone(in.Current)
	slices.SortStableFunc(ordered, func(x, y socratic.SpecView) int {
		fx, fy := x.Category == in.Focus, y.Category == in.Focus
		if fx != fy {
			if fx {
				return -1
			}
			return 1
		}
		return compareDesc(x.Ref, y.Ref)
	})
	used := 0
	for _, s := range ordered {
		line := fmt.Sprintf("- [%s] %s = %s\n", s.Category, s.Key, cut(s.Value, MaxPromptValue))
		if used+EstimateTokens(line) > ReplyBudget {
			break
		}
		used += EstimateTokens(line)
		b.WriteString(line)
	}
	history := in.History
	if len(history) > ReplyHistory {
		history = history[len(history)-ReplyHistory:]
	}
	b.WriteString("Conversation so far (oldest first):\n")
	for _, t := range history {
		who := "User"
		if t.Role == models.MessageRoleAssistant {
			who = "Counselor"
		}
		fmt.Fprintf(&b, "%s: %s\n", who, cut(strings.TrimSpace(t.Content), MaxHistoryMessage))
	}
	fmt.Fprintf(&b, "User message:\n%s\n", in.Message)
	return b.String()
}

// Reply writes the counselor's answer to a chat message, streaming it as
// it is written; a language model reads the context the input holds
// within its bounds. When the model fails, stream.Restart voids the text
// so far and the built-in reply follows.
func (c *Counselor) Reply(ctx context.Context, e Engine, in ReplyInput, stream Stream) (reply string, o Outcome) {
	ctx, span := c.begin(ctx, "reply", e)
	defer func() { finish(span, o) }()
	start := time.Now()
	if e.Provider != nil {
		res, err := c.stream(ctx, e, "reply", llm.Request{Model: e.Model, System: replySystem, MaxTokens: 400,
			Messages: []llm.Message{{Role: "user", Content: replyPrompt(in)}}}, stream.Delta)
		if err == nil && strings.TrimSpace(res.Text) == "" {
			err = llm.ErrEmpty
		}
		if err == nil {
			return strings.TrimSpace(res.Text), answered(e, res, start)
		}
		reason := c.fellBack(ctx, "reply", e, err)
		stream.Restart(reason)
		reply = socratic.Reply(in.Found, in.Conflicts, in.Next)
		streamWords(reply, stream.Delta)
		o = c.builtin("reply", start, e, reason)
		o.InputTokens, o.OutputTokens = res.InputTokens, res.OutputTokens
		return reply, o
	}
	reply = socratic.Reply(in.Found, in.Conflicts, in.Next)
	streamWords(reply, stream.Delta)
	return reply, c.builtin("reply", start, e, e.Unavailable)
}
