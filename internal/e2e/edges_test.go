package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// exchange is one raw HTTP exchange with the server.
type exchange struct {
	Status int
	Header http.Header
	Body   []byte
}

// send sends a request as a hostile or careless client would: any method,
// headers and body (a body of unknown length goes chunked).
func send(t *testing.T, srv *testenv.Server, method, target string, header map[string]string, body io.Reader) exchange {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, target, err)
	}
	return exchange{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// refusal checks that x is a GraphQL response with one error of the given
// code and no data, with the given status, whose message says want.
func (x exchange) refusal(t *testing.T, what string, status int, code, want string) {
	t.Helper()
	var body struct {
		Errors []testenv.GQLError `json:"errors"`
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(x.Body, &body); err != nil || json.Unmarshal(x.Body, &keys) != nil {
		t.Fatalf("%s: the answer (%d) is not GraphQL JSON: %.300s", what, x.Status, x.Body)
	}
	if _, ok := keys["data"]; ok {
		t.Fatalf("%s: a refused request has data: %s", what, x.Body)
	}
	if x.Status != status || len(body.Errors) != 1 || body.Errors[0].Code() != code || !strings.Contains(body.Errors[0].Message, want) {
		t.Fatalf("%s: %d %s, want %d with %s saying %q", what, x.Status, x.Body, status, code, want)
	}
	if x.Header.Get("X-Request-ID") == "" {
		t.Fatalf("%s: no X-Request-ID", what)
	}
}

// quietLogs fails the test when the server logged an error or a panic:
// a client's mistake is not the server's.
func quietLogs(t *testing.T, srv *testenv.Server) {
	t.Helper()
	if lines := errorLines(srv.Logs.String()); lines != "" {
		t.Fatalf("the server logged an error for a client's mistake:\n%s", lines)
	}
}

// jsonHeaders are the headers of a well-formed POST, plus extra ones.
func jsonHeaders(extra ...string) map[string]string {
	h := map[string]string{"Content-Type": "application/json"}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

// onlyReader hides the length of a body, so the client sends it chunked.
type onlyReader struct{ io.Reader }

// TestBodyOverTheLimitAnswers413 sends bodies over MAX_BODY_BYTES, with a
// length and chunked, up to 10 MB: each gets 413 with PAYLOAD_TOO_LARGE as
// a GraphQL error the client can read (no reset connection), a body of
// exactly the limit still runs, and the server logs no error.
func TestBodyOverTheLimitAnswers413(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		limit := int(testenv.TestConfig(t, dbURL).MaxBodyBytes)
		// A body of n bytes: a query padded with spaces inside the object.
		body := func(n int) []byte {
			b := []byte(`{"query":"{ viewer { id } }"`)
			b = append(b, bytes.Repeat([]byte(" "), n-len(b)-1)...)
			return append(b, '}')
		}
		if x := send(t, srv, http.MethodPost, "/query", jsonHeaders(), bytes.NewReader(body(limit))); x.Status != http.StatusOK || !strings.Contains(string(x.Body), `"viewer":null`) {
			t.Fatalf("a body of exactly the limit: %d %.300s", x.Status, x.Body)
		}
		want := "larger than the limit of " + strconv.Itoa(limit) + " bytes"
		for _, c := range []struct {
			name    string
			size    int
			chunked bool
			accept  string
		}{
			{"one byte over", limit + 1, false, ""},
			{"one byte over, chunked", limit + 1, true, ""},
			{"10 MB", 10 << 20, false, ""},
			{"10 MB chunked", 10 << 20, true, ""},
			{"10 MB, graphql-response+json", 10 << 20, false, "application/graphql-response+json"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var r io.Reader = bytes.NewReader(body(c.size))
				if c.chunked {
					r = onlyReader{r}
				}
				x := send(t, srv, http.MethodPost, "/query", jsonHeaders("Accept", c.accept, "X-Request-ID", "too-large-1"), r)
				x.refusal(t, c.name, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", want)
				mediaType := "application/json"
				if c.accept != "" {
					mediaType = c.accept
				}
				if ct := x.Header.Get("Content-Type"); ct != mediaType {
					t.Fatalf("Content-Type %q, want %q", ct, mediaType)
				}
			})
		}
		// A client that writes its whole body before it reads anything
		// (as simple clients do) gets to write it, then reads the 413.
		t.Run("10 MB written before reading", func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			b := body(10 << 20)
			head := fmt.Sprintf("POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(b))
			if _, err := conn.Write(append([]byte(head), b...)); err != nil {
				t.Fatalf("the server stopped reading the body: %v", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer after the body: %v", err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			exchange{Status: resp.StatusCode, Header: resp.Header, Body: raw}.refusal(t, "10 MB written first", http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", want)
		})

		// A token does not change the answer, nor does a stream.
		_, tok := srv.Client(t).NewUser()
		x := send(t, srv, http.MethodPost, "/query", jsonHeaders("Authorization", "Bearer "+tok.AccessToken), bytes.NewReader(body(10<<20)))
		x.refusal(t, "10 MB with a token", http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", want)
		x = send(t, srv, http.MethodPost, "/query", jsonHeaders("Accept", "text/event-stream"), bytes.NewReader(body(limit+1)))
		x.refusal(t, "over the limit for SSE", http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", want)

		// The server still answers, and said what happened at INFO.
		srv.Client(t).Must(`{ viewer { id } }`, nil, nil)
		quietLogs(t, srv)
		if !regexp.MustCompile(`level=INFO msg="request refused" request_id=too-large-1 .*status=413`).MatchString(srv.Logs.String()) {
			t.Fatalf("no INFO line for the refusal with its request id:\n%s", srv.Logs.String())
		}
	})
}

// TestMalformedRequestsAnswer400 sends bodies and URLs that are not a
// GraphQL request: each gets 400 with BAD_REQUEST and a message that says
// what is wrong, in the media type the client accepts, and the server logs
// no error.
func TestMalformedRequestsAnswer400(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		for _, c := range []struct {
			name, contentType, body, want string
		}{
			{"broken JSON", "application/json", `{"query": "{ viewer { id } }"`, "not valid JSON"},
			{"JSON with a syntax error", "application/json", `{"query": "{ viewer { id } }",}`, "not valid JSON: invalid character '}'"},
			{"an array", "application/json", `[{"query": "{ viewer { id } }"}]`, "must be a JSON object with a query, not an array"},
			{"a string", "application/json", `"{ viewer { id } }"`, "not a string"},
			{"null", "application/json", `null`, "not null"},
			{"a number", "application/json", `42`, "not a number"},
			{"empty", "application/json", ``, "the request body is empty"},
			{"no query", "application/json", `{"variables": {}}`, "the request has no query"},
			{"a query that is a number", "application/json", `{"query": 5}`, "query must be a string, not number"},
			{"variables as a string", "application/json", `{"query": "{ viewer { id } }", "variables": "{}"}`, "variables must be a JSON object, not string"},
			{"operationName as an object", "application/json", `{"query": "{ viewer { id } }", "operationName": {}}`, "operationName must be a string, not object"},
			{"two objects", "application/json", `{"query": "{ viewer { id } }"} {}`, "more than one JSON value"},
			{"JSON with a charset", "application/json; charset=utf-8", `{"query": 5}`, "query must be a string"},
			{"text/plain", "text/plain", `{"query": "{ viewer { id } }"}`, "the Content-Type text/plain is not supported; send the body as application/json"},
			{"a form", "application/x-www-form-urlencoded", `query=%7B+viewer+%7B+id+%7D+%7D`, "application/x-www-form-urlencoded is not supported"},
			{"no Content-Type", "", `{"query": "{ viewer { id } }"}`, "the request has no Content-Type"},
			{"a malformed Content-Type", "application/", `{"query": "{ viewer { id } }"}`, "is malformed"},
		} {
			for _, accept := range []string{"", "application/graphql-response+json"} {
				name := c.name
				if accept != "" {
					name += " (" + accept + ")"
				}
				h := map[string]string{"X-Request-ID": "malformed-1"}
				if c.contentType != "" {
					h["Content-Type"] = c.contentType
				}
				if accept != "" {
					h["Accept"] = accept
				}
				x := send(t, srv, http.MethodPost, "/query", h, strings.NewReader(c.body))
				x.refusal(t, name, http.StatusBadRequest, "BAD_REQUEST", c.want)
				mediaType := "application/json"
				if accept != "" {
					mediaType = accept
				}
				if ct := x.Header.Get("Content-Type"); ct != mediaType {
					t.Fatalf("%s: Content-Type %q, want %q", name, ct, mediaType)
				}
				if strings.Contains(string(x.Body), "INTERNAL") {
					t.Fatalf("%s: %s", name, x.Body)
				}
			}
		}
		// Over server-sent events and GET the same mistakes get the same
		// answer.
		x := send(t, srv, http.MethodPost, "/query", jsonHeaders("Accept", "text/event-stream"), strings.NewReader(`{"query": "{ viewer`))
		x.refusal(t, "SSE with broken JSON", http.StatusBadRequest, "BAD_REQUEST", "not valid JSON")
		x = send(t, srv, http.MethodPost, "/query", jsonHeaders("Accept", "text/event-stream"), strings.NewReader(`[]`))
		x.refusal(t, "SSE with an array", http.StatusBadRequest, "BAD_REQUEST", "not an array")
		for _, c := range []struct{ name, query, want string }{
			{"no query", "", "the request has no query"},
			{"variables that are not JSON", "query=" + url.QueryEscape("{ viewer { id } }") + "&variables=" + url.QueryEscape("{nope"), "variables is not valid JSON"},
			{"variables that are an array", "query=" + url.QueryEscape("{ viewer { id } }") + "&variables=" + url.QueryEscape("[1]"), "variables must be a JSON object, not an array"},
			{"extensions that are a string", "query=" + url.QueryEscape("{ viewer { id } }") + "&extensions=" + url.QueryEscape(`"x"`), "extensions must be a JSON object, not a string"},
			{"a malformed query string", "query=%zz", "the URL's query string is malformed"},
		} {
			x := send(t, srv, http.MethodGet, "/query?"+c.query, nil, nil)
			x.refusal(t, "GET with "+c.name, http.StatusBadRequest, "BAD_REQUEST", c.want)
		}

		srv.Client(t).Must(`{ viewer { id } }`, nil, nil)
		quietLogs(t, srv)
		if !regexp.MustCompile(`level=INFO msg="request refused" request_id=malformed-1 .*status=400 code=BAD_REQUEST reason="the request body is not valid JSON`).MatchString(srv.Logs.String()) {
			t.Fatalf("no INFO line for the refusal with its request id:\n%s", srv.Logs.String())
		}
	})
}

// TestGraphQLOverHTTPStatuses checks the statuses of the GraphQL-over-HTTP
// spec: with application/json a document that does not parse or validate
// answers 200 (the request was well-formed), with
// application/graphql-response+json 400; GET runs queries only (405 with
// Allow: POST for a mutation, which does not run); other methods answer
// 405 with the methods allowed.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			for _, c := range []struct{ name, query, code string }{
				{"a syntax error", "{ viewer { id }", "GRAPHQL_PARSE_FAILED"},
				{"an unknown field", "{ viewer { nope } }", "GRAPHQL_VALIDATION_FAILED"},
				{"a fragment cycle", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "GRAPHQL_VALIDATION_FAILED"},
				{"an unknown operation name", "query A { viewer { id } }", "GRAPHQL_VALIDATION_FAILED"},
			} {
				operationName := ""
				if strings.HasPrefix(c.query, "query A") {
					operationName = "B"
				}
				for accept, status := range map[string]int{
					"": http.StatusOK, "application/json": http.StatusOK, "*/*": http.StatusOK,
					"application/graphql-response+json":                         http.StatusBadRequest,
					"application/graphql-response+json, application/json;q=0.9": http.StatusBadRequest,
				} {
					r := sendQuery(t, srv, method, c.query, operationName, accept, "")
					if r.Status != status || len(r.Errors) == 0 || r.Errors[0].Code() != c.code || r.HasData {
						t.Fatalf("%s %s, Accept %q: %d %s, want %d with %s", method, c.name, accept, r.Status, r.Raw, status, c.code)
					}
					want := "application/json"
					if status == http.StatusBadRequest {
						want = "application/graphql-response+json"
					}
					if r.ContentType != want {
						t.Fatalf("%s %s, Accept %q: Content-Type %q", method, c.name, accept, r.ContentType)
					}
				}
			}
		}

		// GET runs queries; a mutation or subscription is refused with 405
		// and Allow: POST, and nothing runs.
		for _, accept := range []string{"", "application/graphql-response+json"} {
			if r := sendQuery(t, srv, http.MethodGet, "{ viewer { id } }", "", accept, tok.AccessToken); r.Status != http.StatusOK || !strings.Contains(string(r.Data), tok.User.ID) {
				t.Fatalf("GET query: %d %s", r.Status, r.Raw)
			}
			for name, doc := range map[string]string{
				"mutation":     `mutation { createProject(input: {name: "over GET"}) { project { id } } }`,
				"subscription": `subscription { projectEvents(projectId: "x") { type } }`,
			} {
				x := send(t, srv, http.MethodGet, "/query?query="+url.QueryEscape(doc), map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Accept": accept}, nil)
				x.refusal(t, "GET "+name, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET runs queries only; send a "+name+" with POST")
				if allow := x.Header.Get("Allow"); allow != "POST" {
					t.Fatalf("GET %s: Allow %q", name, allow)
				}
			}
		}
		var n struct{ Projects struct{ TotalCount int } }
		me.Must(`{ projects { totalCount } }`, nil, &n)
		if n.Projects.TotalCount != 0 {
			t.Fatalf("a mutation over GET ran: %d projects", n.Projects.TotalCount)
		}

		// Methods the endpoint does not serve.
		for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead} {
			x := send(t, srv, method, "/query", jsonHeaders(), strings.NewReader(`{"query":"{ viewer { id } }"}`))
			if x.Status != http.StatusMethodNotAllowed || x.Header.Get("Allow") != "GET, POST, OPTIONS" {
				t.Fatalf("%s: %d, Allow %q", method, x.Status, x.Header.Get("Allow"))
			}
			if method != http.MethodHead {
				x.refusal(t, method, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "the method "+method+" is not allowed")
			}
		}
		if x := send(t, srv, http.MethodOptions, "/query", nil, nil); x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Allow"), "POST") {
			t.Fatalf("OPTIONS: %d, Allow %q", x.Status, x.Header.Get("Allow"))
		}
		quietLogs(t, srv)
	})
}

// TestUnauthorizedChallengesTheClient checks the WWW-Authenticate header of
// a 401, as RFC 6750 gives it: the bearer scheme alone when no bearer
// token was sent, and error="invalid_token" for a token that is bad,
// expired or revoked.
func TestUnauthorizedChallengesTheClient(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		tokenID, apiToken := createToken(t, me, "soon revoked", []string{"READ"}, nil)
		srv.Client(t).As(apiToken).Must(`{ viewer { id } }`, nil, nil)
		me.Must(`mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors { code } } }`, map[string]any{"id": tokenID}, nil)
		parts := strings.Split(tok.AccessToken, ".")

		for _, c := range []struct{ name, header, challenge string }{
			{"garbage", "Bearer abc", `Bearer error="invalid_token"`},
			{"tampered", "Bearer " + parts[0] + "." + parts[1] + "x." + parts[2], `Bearer error="invalid_token"`},
			{"revoked API token", "Bearer " + apiToken, `Bearer error="invalid_token"`},
			{"unknown API token", "Bearer soc_" + strings.Repeat("a", 40), `Bearer error="invalid_token"`},
			{"basic", "Basic dXNlcjpwYXNz", "Bearer"},
			{"no scheme", tok.AccessToken, "Bearer"},
			{"no token", "Bearer ", "Bearer"},
		} {
			for _, accept := range []string{"", "application/graphql-response+json"} {
				x := send(t, srv, http.MethodPost, "/query", jsonHeaders("Authorization", c.header, "Accept", accept), strings.NewReader(`{"query":"{ viewer { id } }"}`))
				x.refusal(t, c.name, http.StatusUnauthorized, "UNAUTHENTICATED", "")
				if got := x.Header.Get("WWW-Authenticate"); got != c.challenge {
					t.Fatalf("%s: WWW-Authenticate %q, want %q", c.name, got, c.challenge)
				}
			}
		}
		// A good token passes, and an anonymous request is not challenged.
		if x := send(t, srv, http.MethodPost, "/query", jsonHeaders("Authorization", "Bearer "+tok.AccessToken), strings.NewReader(`{"query":"{ viewer { id } }"}`)); x.Status != http.StatusOK || x.Header.Get("WWW-Authenticate") != "" {
			t.Fatalf("good token: %d %s %v", x.Status, x.Body, x.Header)
		}
		if x := send(t, srv, http.MethodPost, "/query", jsonHeaders(), strings.NewReader(`{"query":"{ viewer { id } }"}`)); x.Status != http.StatusOK || x.Header.Get("WWW-Authenticate") != "" {
			t.Fatalf("anonymous: %d %s %v", x.Status, x.Body, x.Header)
		}
		quietLogs(t, srv)
	})
}

// TestRateLimitedSaysWhenToRetry checks that RATE_LIMITED carries the wait
// as the Retry-After header and extensions.retryAfter, both in whole
// seconds and agreeing with the message, for the per-address limit and
// the per-email limit on failed logins.
func TestRateLimitedSaysWhenToRetry(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) {
			c.AuthRequestsPerMinute = 6
			c.LoginFailuresPer15Min = 2
		}))
		c := srv.Client(t)
		c.Register("first@example.com", "password-1")
		login := func(password string) exchange {
			body, _ := json.Marshal(map[string]any{"query": `mutation($p: String!) { login(input: {email: "first@example.com", password: $p}) { accessToken userErrors { code } } }`,
				"variables": map[string]any{"p": password}})
			return send(t, srv, http.MethodPost, "/query", jsonHeaders(), bytes.NewReader(body))
		}
		check := func(what string, x exchange, atMost int) {
			t.Helper()
			var body struct {
				Errors []testenv.GQLError `json:"errors"`
			}
			if err := json.Unmarshal(x.Body, &body); err != nil || x.Status != http.StatusOK || len(body.Errors) != 1 || body.Errors[0].Code() != "RATE_LIMITED" {
				t.Fatalf("%s: %d %s", what, x.Status, x.Body)
			}
			header, err := strconv.Atoi(x.Header.Get("Retry-After"))
			if err != nil || header < 1 || header > atMost {
				t.Fatalf("%s: Retry-After %q, want whole seconds in [1, %d]", what, x.Header.Get("Retry-After"), atMost)
			}
			ext, ok := body.Errors[0].Extensions["retryAfter"].(float64)
			if !ok || ext != math.Trunc(ext) || int(ext) != header {
				t.Fatalf("%s: extensions.retryAfter %v, Retry-After %d", what, body.Errors[0].Extensions["retryAfter"], header)
			}
			if msg := body.Errors[0].Message; !strings.Contains(msg, "try again in") {
				t.Fatalf("%s: message %q", what, msg)
			}
		}
		for range 2 {
			if x := login("wrong-password"); !strings.Contains(string(x.Body), "INVALID_CREDENTIALS") || x.Header.Get("Retry-After") != "" {
				t.Fatalf("failed login: %s %v", x.Body, x.Header)
			}
		}
		check("after two failed logins", login("password-1"), 15*60)

		// Six calls a minute from this address: register, three logins,
		// then two more registers; the seventh waits.
		c.Register("second@example.com", "password-1")
		c.Register("third@example.com", "password-1")
		check("the seventh call in a minute", send(t, srv, http.MethodPost, "/query", jsonHeaders(),
			strings.NewReader(`{"query":"mutation { register(input: {email: \"fourth@example.com\", password: \"password-1\"}) { accessToken } }"}`)), 60)
		// Other operations carry no Retry-After.
		if x := send(t, srv, http.MethodPost, "/query", jsonHeaders(), strings.NewReader(`{"query":"{ viewer { id } }"}`)); x.Header.Get("Retry-After") != "" {
			t.Fatalf("Retry-After on a query: %v", x.Header)
		}
		quietLogs(t, srv)
	})
}
