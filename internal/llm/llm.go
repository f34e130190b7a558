// Package llm talks to language-model providers: Anthropic through its
// official Go SDK, and any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM,
// LM Studio) through the official openai-go SDK. Both stream. The package
// knows nothing of the dialogue; it sends a prompt and streams text back,
// with timeouts, retries and token usage.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"socrates/models"
)

// Message is one turn of a prompt.
type Message struct {
	// Role is "user" or "assistant".
	Role    string
	Content string
}

// Request is a prompt.
type Request struct {
	Model     string
	System    string
	Messages  []Message
	MaxTokens int
}

// Result is a finished completion with its token usage.
type Result struct {
	Text         string
	Model        string
	InputTokens  int
	OutputTokens int
}

// Provider streams completions.
type Provider interface {
	// ID names the provider.
	ID() models.LLMProviderID
	// Stream sends req and calls onDelta with each piece of text as it
	// arrives, then returns the whole result.
	Stream(ctx context.Context, req Request, onDelta func(string)) (Result, error)
}

// Config configures a provider client.
type Config struct {
	APIKey  string
	BaseURL string
	// Timeout bounds one attempt; 0 means 60 s.
	Timeout time.Duration
	// MaxRetries is the number of retries after a failed attempt that can
	// be retried (connection errors, 408, 429, 5xx) before any text arrived.
	MaxRetries int
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 60 * time.Second
	}
	return c.Timeout
}

// ErrEmpty is returned when a provider streamed no text at all.
var ErrEmpty = errors.New("the provider returned no text")

// New returns the client for a provider.
func New(id models.LLMProviderID, cfg Config) (Provider, error) {
	switch id {
	case models.LLMProviderIDAnthropic:
		if cfg.APIKey == "" {
			return nil, errors.New("anthropic needs an API key")
		}
		return newAnthropic(cfg), nil
	case models.LLMProviderIDOpenaiCompatible:
		if cfg.APIKey == "" && cfg.BaseURL == "" {
			return nil, errors.New("an OpenAI-compatible provider needs an API key or a base URL")
		}
		return newOpenAI(cfg), nil
	}
	return nil, fmt.Errorf("no client for provider %s", id)
}

// DefaultModel is the model a provider uses when none is chosen.
func DefaultModel(id models.LLMProviderID) string {
	switch id {
	case models.LLMProviderIDAnthropic:
		return "claude-sonnet-4-6"
	case models.LLMProviderIDOpenaiCompatible:
		return "gpt-4o-mini"
	}
	return "socratic-builtin-1"
}

// price is the list price in USD per million input and output tokens.
type price struct{ in, out float64 }

func prices(id models.LLMProviderID) map[string]price {
	switch id {
	case models.LLMProviderIDAnthropic:
		return map[string]price{
			"claude-opus-4-5": {5, 25}, "claude-opus-4-6": {5, 25}, "claude-sonnet-4-5": {3, 15}, "claude-sonnet-4-6": {3, 15},
			"claude-haiku-4-5": {1, 5}, "claude-3-5-haiku-latest": {0.8, 4},
		}
	case models.LLMProviderIDOpenaiCompatible:
		return map[string]price{
			"gpt-4o": {2.5, 10}, "gpt-4o-mini": {0.15, 0.6}, "gpt-4.1": {2, 8}, "gpt-4.1-mini": {0.4, 1.6}, "gpt-4.1-nano": {0.1, 0.4},
		}
	}
	return nil
}

// KnownModels lists the models with a known price, default first.
func KnownModels(id models.LLMProviderID) []string {
	out := []string{DefaultModel(id)}
	for m := range prices(id) {
		if m != out[0] {
			out = append(out, m)
		}
	}
	sortStrings(out[1:])
	return out
}

// Cost returns the list-price cost of a call in USD; 0 for unknown models
// (local models served through an OpenAI-compatible endpoint cost nothing).
// A model is priced by its own name, else by the longest priced family its
// name starts with, followed by "-" or "@" (dated snapshots such as
// gpt-4o-mini-2024-07-18 or claude-sonnet-4-5@20250929 share their
// family's price). A "-latest" alias names its family.
func Cost(id models.LLMProviderID, model string, in, out int) float64 {
	p, ok := priceOf(prices(id), model)
	if !ok {
		return 0
	}
	return (float64(in)*p.in + float64(out)*p.out) / 1e6
}

// priceOf finds the price of model in table; see Cost.
func priceOf(table map[string]price, model string) (price, bool) {
	if p, ok := table[model]; ok {
		return p, true
	}
	var best price
	bestName, bestFamily := "", ""
	for name, p := range table {
		family := strings.TrimSuffix(name, "-latest")
		rest, ok := strings.CutPrefix(model, family)
		if !ok || (rest != "" && rest[0] != '-' && rest[0] != '@') {
			continue
		}
		// The longest family wins; between an alias and its family, both
		// priced, the smaller name: the answer never depends on the
		// map's order.
		if bestName == "" || len(family) > len(bestFamily) || (len(family) == len(bestFamily) && name < bestName) {
			best, bestName, bestFamily = p, name, family
		}
	}
	return best, bestName != ""
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
