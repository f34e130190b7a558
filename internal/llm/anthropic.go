package llm

import (
	"context"
	"fmt"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"socrates/models"
)

type anthropicProvider struct {
	client anthropic.Client
	cfg    Config
}

func newAnthropic(cfg Config) *anthropicProvider {
	opts := []option.RequestOption{
		option.WithAPIKey(cfg.APIKey),
		option.WithMaxRetries(cfg.MaxRetries),
		option.WithRequestTimeout(cfg.timeout()),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &anthropicProvider{client: anthropic.NewClient(opts...), cfg: cfg}
}

// ID implements Provider.
func (p *anthropicProvider) ID() models.LLMProviderID { return models.LLMProviderIDAnthropic }

// Stream implements Provider with the Messages API's streaming events.
func (p *anthropicProvider) Stream(ctx context.Context, req Request, onDelta func(string)) (Result, error) {
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(req.Model),
		MaxTokens: int64(maxTokens(req)),
	}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, m := range req.Messages {
		block := anthropic.NewTextBlock(m.Content)
		if m.Role == "assistant" {
			params.Messages = append(params.Messages, anthropic.NewAssistantMessage(block))
		} else {
			params.Messages = append(params.Messages, anthropic.NewUserMessage(block))
		}
	}
	stream := p.client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	var text strings.Builder
	res := Result{Model: req.Model}
	for stream.Next() {
		ev := stream.Current()
		switch ev.Type {
		case "message_start":
			res.InputTokens = int(ev.Message.Usage.InputTokens)
			res.OutputTokens = int(ev.Message.Usage.OutputTokens)
			if ev.Message.Model != "" {
				res.Model = string(ev.Message.Model)
			}
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
				text.WriteString(ev.Delta.Text)
				onDelta(ev.Delta.Text)
			}
		case "message_delta":
			if ev.Usage.OutputTokens > 0 {
				res.OutputTokens = int(ev.Usage.OutputTokens)
			}
			if ev.Usage.InputTokens > 0 {
				res.InputTokens = int(ev.Usage.InputTokens)
			}
		}
	}
	if err := stream.Err(); err != nil {
		return res, fmt.Errorf("anthropic stream: %w", err)
	}
	res.Text = text.String()
	if strings.TrimSpace(res.Text) == "" {
		return res, ErrEmpty
	}
	return res, nil
}

func maxTokens(req Request) int {
	if req.MaxTokens > 0 {
		return req.MaxTokens
	}
	return 1024
}
