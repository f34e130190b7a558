package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// gqlClient sends GraphQL operations as one user.
type gqlClient struct {
	http *http.Client
	url  string
	auth string
}

// gqlError is one top-level error of a response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// userError is one entry of a mutation payload's userErrors.
type userError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// do posts an operation and decodes its data into out; top-level errors
// are returned as an error.
func (c *gqlClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := requestBody(query, vars)
	if err != nil {
		return err
	}
	raw, err := fetchOnce(ctx, c.http, c.url, c.auth, body)
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("decode response %s: %w", truncateBytes(raw, 200), err)
	}
	if len(resp.Errors) > 0 {
		return fmt.Errorf("graphql error: %s (%v)", resp.Errors[0].Message, resp.Errors[0].Extensions["code"])
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			return fmt.Errorf("decode data: %w", err)
		}
	}
	return nil
}
