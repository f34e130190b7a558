package llm

import (
	"context"
	"fmt"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"

	"socrates/models"
)

type openaiProvider struct {
	client openai.Client
}

func newOpenAI(cfg Config) *openaiProvider {
	key := cfg.APIKey
	if key == "" {
		// Local servers such as Ollama ignore the key but the SDK wants one.
		key = "unused"
	}
	opts := []option.RequestOption{
		option.WithAPIKey(key),
		option.WithMaxRetries(cfg.MaxRetries),
		option.WithRequestTimeout(cfg.timeout()),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &openaiProvider{client: openai.NewClient(opts...)}
}

// ID implements Provider.
func (p *openaiProvider) ID() models.LLMProviderID { return models.LLMProviderIDOpenaiCompatible }

// Stream implements Provider with streamed chat completion chunks.
func (p *openaiProvider) Stream(ctx context.Context, req Request, onDelta func(string)) (Result, error) {
	params := openai.ChatCompletionNewParams{
		Model:         req.Model,
		MaxTokens:     param.NewOpt(int64(maxTokens(req))),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: param.NewOpt(true)},
	}
	if req.System != "" {
		params.Messages = append(params.Messages, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		if m.Role == "assistant" {
			params.Messages = append(params.Messages, openai.AssistantMessage(m.Content))
		} else {
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	stream := p.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()
	var text strings.Builder
	res := Result{Model: req.Model}
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Model != "" {
			res.Model = chunk.Model
		}
		for _, c := range chunk.Choices {
			if d := c.Delta.Content; d != "" {
				text.WriteString(d)
				onDelta(d)
			}
		}
		if chunk.Usage.PromptTokens > 0 || chunk.Usage.CompletionTokens > 0 {
			res.InputTokens, res.OutputTokens = int(chunk.Usage.PromptTokens), int(chunk.Usage.CompletionTokens)
		}
	}
	if err := stream.Err(); err != nil {
		return res, fmt.Errorf("openai-compatible stream: %w", err)
	}
	res.Text = text.String()
	if strings.TrimSpace(res.Text) == "" {
		return res, ErrEmpty
	}
	return res, nil
}
