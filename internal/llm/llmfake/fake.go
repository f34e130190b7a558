// Package llmfake runs local HTTP servers that speak the streaming wire
// formats of the Anthropic Messages API and the OpenAI Chat Completions API,
// so that tests exercise the real SDKs without touching the network.
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Behaviour is what the fake does with the next requests.
type Behaviour struct {
	// Chunks are the text pieces streamed in order.
	Chunks []string
	// Delay is waited before the first byte of the response.
	Delay time.Duration
	// ChunkDelay is waited between chunks.
	ChunkDelay time.Duration
	// Status, when not 0 or 200, answers with this HTTP status and an
	// error body instead of a stream.
	Status int
	// BrokenJSON sends a malformed event in the middle of the stream.
	BrokenJSON bool
	// Hang keeps the connection open without sending anything until the
	// client gives up.
	Hang bool
	// InputTokens and OutputTokens are reported as usage.
	InputTokens, OutputTokens int
	// Gate, when set, holds every request until it is closed.
	Gate chan struct{}
	// Respond, when set, chooses the chunks for each request (Chunks is
	// used otherwise).
	Respond func(Request) []string
}

// Request is what the fake received.
type Request struct {
	Path    string
	Headers http.Header
	Body    map[string]any
}

// Server is a fake provider.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	behaviour Behaviour
	requests  []Request
	waiting   int
	done      chan struct{}
}

// Waiting returns how many requests are held at the gate.
func (s *Server) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// Anthropic starts a fake Anthropic Messages API.
func Anthropic() *Server { return start(true) }

// OpenAI starts a fake OpenAI-compatible Chat Completions API.
func OpenAI() *Server { return start(false) }

func start(anthropic bool) *Server {
	s := &Server{done: make(chan struct{})}
	s.behaviour = Behaviour{Chunks: []string{"Hello"}, InputTokens: 10, OutputTokens: 5}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, anthropic)
	}))
	return s
}

// Close stops the server, releasing any hanging handlers first.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.Server.CloseClientConnections()
	s.Server.Close()
}

// Set replaces the behaviour for the following requests.
func (s *Server) Set(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour = b
}

// Requests returns what the fake has received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// BaseURL is the base URL to give the SDK (Anthropic: the root;
// OpenAI-compatible: the /v1/ prefix).
func (s *Server) BaseURL(anthropic bool) string {
	if anthropic {
		return s.URL + "/"
	}
	return s.URL + "/v1/"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, anthropic bool) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Path: r.URL.Path, Headers: r.Header.Clone(), Body: body})
	b := s.behaviour
	done := s.done
	s.mu.Unlock()

	wantPath := "/v1/chat/completions"
	if anthropic {
		wantPath = "/v1/messages"
	}
	if r.Method != http.MethodPost || r.URL.Path != wantPath {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	if b.Gate != nil {
		s.mu.Lock()
		s.waiting++
		s.mu.Unlock()
		select {
		case <-b.Gate:
		case <-r.Context().Done():
		case <-done:
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}
	if b.Hang {
		select {
		case <-r.Context().Done():
		case <-done:
		}
		return
	}
	if !sleep(r, done, b.Delay) {
		return
	}
	if b.Status != 0 && b.Status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.Status)
		if anthropic {
			fmt.Fprintf(w, `{"type":"error","error":{"type":"api_error","message":"fake failure %d"}}`, b.Status)
		} else {
			fmt.Fprintf(w, `{"error":{"message":"fake failure %d","type":"server_error"}}`, b.Status)
		}
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	send := func(event, data string) {
		if event != "" {
			fmt.Fprintf(w, "event: %s\n", event)
		}
		fmt.Fprintf(w, "data: %s\n\n", data)
		if flusher != nil {
			flusher.Flush()
		}
	}
	model, _ := body["model"].(string)
	if b.Respond != nil {
		b.Chunks = b.Respond(Request{Path: r.URL.Path, Headers: r.Header, Body: body})
	}
	if anthropic {
		send("message_start", fmt.Sprintf(`{"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","model":%q,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":%d,"output_tokens":1}}}`, model, b.InputTokens))
		send("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		send("ping", `{"type": "ping"}`)
	}
	for i, chunk := range b.Chunks {
		if i > 0 && !sleep(r, done, b.ChunkDelay) {
			return
		}
		text, _ := json.Marshal(chunk)
		if anthropic {
			send("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":%s}}`, text))
		} else {
			send("", fmt.Sprintf(`{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":%q,"choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}`, model, text))
		}
		if b.BrokenJSON && i == len(b.Chunks)/2 {
			send(map[bool]string{true: "content_block_delta", false: ""}[anthropic], `{"type":"content_block_delta", "delta": {`)
		}
	}
	if anthropic {
		send("content_block_stop", `{"type":"content_block_stop","index":0}`)
		send("message_delta", fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":%d}}`, b.OutputTokens))
		send("message_stop", `{"type":"message_stop"}`)
		return
	}
	send("", fmt.Sprintf(`{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":%q,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, model))
	send("", fmt.Sprintf(`{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":%q,"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, model, b.InputTokens, b.OutputTokens, b.InputTokens+b.OutputTokens))
	send("", "[DONE]")
}

func sleep(r *http.Request, done chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	case <-done:
		return false
	}
}

// SystemPrompt returns the system prompt of a recorded request, for either
// wire format.
func (r Request) SystemPrompt() string {
	if sys, ok := r.Body["system"].([]any); ok {
		var parts []string
		for _, b := range sys {
			if m, ok := b.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "\n")
	}
	if msgs, ok := r.Body["messages"].([]any); ok {
		for _, m := range msgs {
			if mm, ok := m.(map[string]any); ok && mm["role"] == "system" {
				if c, ok := mm["content"].(string); ok {
					return c
				}
			}
		}
	}
	return ""
}
