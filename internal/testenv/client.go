package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Client speaks GraphQL over HTTP POST to a test server.
type Client struct {
	t     testing.TB
	URL   string
	Token string
}

// Client returns an anonymous client of s.
func (s *Server) Client(t testing.TB) *Client {
	return &Client{t: t, URL: s.URL + "/query"}
}

// As returns a copy of c that sends token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// GQLError is one entry of a response's errors.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e GQLError) Code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	Raw    []byte
}

// Codes returns the extensions.code of every error.
func (r *Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// Decode unmarshals data into out.
func (r *Response) Decode(t testing.TB, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Do posts an operation and returns the decoded response, whatever it holds.
func (c *Client) Do(query string, vars map[string]any) *Response {
	c.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("post query: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		c.t.Fatalf("decode response (%d) %q: %v", resp.StatusCode, raw, err)
	}
	return out
}

// Must posts an operation, fails the test on any error, and decodes data
// into out (when out is not nil).
func (c *Client) Must(query string, vars map[string]any, out any) {
	c.t.Helper()
	r := c.Do(query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		c.t.Fatalf("operation failed (%d): %s", r.Status, r.Raw)
	}
	if out != nil {
		r.Decode(c.t, out)
	}
}

// UserErrorT mirrors UserError for decoding.
type UserErrorT struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// Tokens are the credentials a register or login returns.
type Tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	User         struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
	UserErrors []UserErrorT `json:"userErrors"`
}

// Register creates an account and returns its tokens.
func (c *Client) Register(email, password string) Tokens {
	c.t.Helper()
	var out struct{ Register Tokens }
	c.Must(`mutation($e: String!, $p: String!) { register(input: {email: $e, password: $p}) {
		accessToken refreshToken user { id email } userErrors { field message code } } }`,
		map[string]any{"e": email, "p": password}, &out)
	if len(out.Register.UserErrors) > 0 {
		c.t.Fatalf("register %s: %+v", email, out.Register.UserErrors)
	}
	return out.Register
}

// NewUser registers a user with a generated email and returns a client
// acting as that user.
func (c *Client) NewUser() (*Client, Tokens) {
	c.t.Helper()
	tok := c.Register(fmt.Sprintf("user-%s@example.com", randomHex(5)), "password-123")
	return c.As(tok.AccessToken), tok
}

// CreateProject creates a project and returns its id.
func (c *Client) CreateProject(name string) string {
	c.t.Helper()
	var out struct {
		CreateProject struct {
			Project    struct{ ID string }
			UserErrors []UserErrorT
		}
	}
	c.Must(`mutation($n: String!) { createProject(input: {name: $n}) { project { id } userErrors { field message code } } }`,
		map[string]any{"n": name}, &out)
	if len(out.CreateProject.UserErrors) > 0 {
		c.t.Fatalf("create project: %+v", out.CreateProject.UserErrors)
	}
	return out.CreateProject.Project.ID
}

// StartSession starts a session on a project and returns its id.
func (c *Client) StartSession(projectID string) string {
	c.t.Helper()
	var out struct {
		StartSession struct {
			Session    struct{ ID string }
			UserErrors []UserErrorT
		}
	}
	c.Must(`mutation($p: ID!) { startSession(input: {projectId: $p}) { session { id } userErrors { field message code } } }`,
		map[string]any{"p": projectID}, &out)
	if len(out.StartSession.UserErrors) > 0 {
		c.t.Fatalf("start session: %+v", out.StartSession.UserErrors)
	}
	return out.StartSession.Session.ID
}
