package datafold_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// The issue's signature, exactly.
var _ func(context.Context, *api.ClientWithResponses, string, string, any, any) error = datafold.Do

// doWire is what the server saw of a request sent with Do.
type doWire struct {
	Method, Path, RawQuery, ContentType, Authorization, Body string
	UserAgent                                                bool // names datafold-go
}

// seen records every request an undeclared handler gets, then answers it
// with next.
type seen struct {
	mu   sync.Mutex
	reqs []doWire
}

func (s *seen) handler(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, doWire{
			Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), Authorization: r.Header.Get("Authorization"),
			Body: string(b), UserAgent: strings.Contains(r.Header.Get("User-Agent"), "datafold-go/"),
		})
		s.mu.Unlock()
		next(w, r)
	}
}

func (s *seen) all() []doWire {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]doWire(nil), s.reqs...)
}

// doCall runs Do; an error that shows the key ends the test at once.
func doCall(t *testing.T, c *api.ClientWithResponses, method, path string, in, out any) error {
	t.Helper()
	err := datafold.Do(t.Context(), c, method, path, in, out)
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Fatalf("error %q contains the API key", strings.ReplaceAll(err.Error(), testKey, "<key>"))
	}
	return err
}

type integration struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// What Do puts on the wire, and what it makes of the answer, over both
// protocols: the server, key, User-Agent and body of every generated
// method, with JSON in and out. Paths under /api/v1/widgets are made up,
// so that no newer document declares them and judges the bodies sent.
func TestDo_wire(t *testing.T) {
	t.Parallel()
	key := "Key " + testKey
	tests := []struct {
		name     string
		method   string
		path     string
		in       any
		answer   http.HandlerFunc
		wantWire doWire
		wantOut  any // nil: out is nil
	}{
		{
			name: "get_decodes", method: http.MethodGet, path: "/api/v1/lineage/bi/",
			answer:   jsonBody(200, `[{"id": 7, "name": "Looker"}, {"id": 42, "name": "Tableau"}]`),
			wantWire: doWire{Method: "GET", Path: "/api/v1/lineage/bi/", Authorization: key, UserAgent: true},
			wantOut:  &[]integration{{7, "Looker"}, {42, "Tableau"}},
		},
		{
			name: "query_kept", method: http.MethodGet, path: "/api/v1/widgets?page=2&limit=10",
			answer:   jsonBody(200, `[]`),
			wantWire: doWire{Method: "GET", Path: "/api/v1/widgets", RawQuery: "page=2&limit=10", Authorization: key, UserAgent: true},
			wantOut:  &[]integration{},
		},
		{
			name: "post_encodes", method: http.MethodPost, path: "/api/v1/widgets", in: integration{Name: "Mode"},
			answer:   jsonBody(200, `{"id": 9, "name": "Mode"}`),
			wantWire: doWire{Method: "POST", Path: "/api/v1/widgets", ContentType: "application/json", Authorization: key, Body: `{"id":0,"name":"Mode"}`, UserAgent: true},
			wantOut:  &integration{9, "Mode"},
		},
		{
			name: "raw_message_as_is", method: http.MethodPut, path: "/api/v1/widgets/9", in: json.RawMessage(`{"name" :  "Mode",  "extra": [1, 2]}`),
			answer:   jsonBody(200, `{}`),
			wantWire: doWire{Method: "PUT", Path: "/api/v1/widgets/9", ContentType: "application/json", Authorization: key, Body: `{"name" :  "Mode",  "extra": [1, 2]}`, UserAgent: true},
		},
		{
			// Only control characters are refused; net/url escapes a space.
			name: "space_escaped", method: http.MethodGet, path: "/api/v1/widgets/my dashboards/",
			answer:   jsonBody(200, `[]`),
			wantWire: doWire{Method: "GET", Path: "/api/v1/widgets/my%20dashboards/", Authorization: key, UserAgent: true},
			wantOut:  &[]integration{},
		},
		{
			name: "no_content", method: http.MethodDelete, path: "/api/v1/widgets/9",
			answer:   func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
			wantWire: doWire{Method: "DELETE", Path: "/api/v1/widgets/9", Authorization: key, UserAgent: true},
			wantOut:  &integration{ID: 1}, // untouched: nothing to decode
		},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var s seen
				pattern := tt.method + " " + strings.SplitN(tt.wantWire.Path, "?", 2)[0]
				c, _ := setup(t, over(proto), route(pattern, s.handler(tt.answer)))
				var out any
				if tt.wantOut != nil {
					if tt.name == "no_content" {
						out = &integration{ID: 1}
					} else {
						out = newLike(tt.wantOut)
					}
				}
				if err := doCall(t, c, tt.method, tt.path, tt.in, out); err != nil {
					t.Fatalf("Do: %v", err)
				}
				if diff := cmp.Diff([]doWire{tt.wantWire}, s.all()); diff != "" {
					t.Errorf("wire mismatch (-want +got):\n%s", diff)
				}
				if tt.wantOut != nil {
					if diff := cmp.Diff(tt.wantOut, out); diff != "" {
						t.Errorf("out mismatch (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

// newLike returns a new zero value of the type v points to.
func newLike(v any) any {
	switch v.(type) {
	case *[]integration:
		return new([]integration)
	case *integration:
		return new(integration)
	}
	panic(fmt.Sprintf("newLike: %T", v))
}

// A path that could lead anywhere but the client's server, and arguments
// Do cannot use, are refused before anything is sent, in messages that do
// not repeat the path (it may hold the key, pasted in the wrong place).
func TestDo_refusedBeforeSending(t *testing.T) {
	t.Parallel()
	var s seen
	c, srv := setup(t, route("/", s.handler(jsonBody(200, `{}`))))
	var out integration
	tests := []struct {
		name    string
		other   bool // send through c below, not the test's client
		c       *api.ClientWithResponses
		method  string
		path    string
		in, out any
		wantErr string
	}{
		{name: "empty_path", path: "", wantErr: "must start with /"},
		{name: "relative_path", path: "api/v1/x", wantErr: "must start with /"},
		{name: "absolute_url", path: "https://evil.example/api/v1/x", wantErr: "must start with /"},
		{name: "scheme_relative", path: "//evil.example/api/v1/x", wantErr: "starts with //"},
		{name: "scheme_relative_key", path: "//" + testKey + ".evil.example/", wantErr: "starts with //"},
		{name: "newline", path: "/api/v1/x\nHost: evil.example", wantErr: "control character"},
		{name: "crlf_in_query", path: "/api/v1/x?a=1\r\nX: y", wantErr: "control character"},
		{name: "nul", path: "/api/v1/x\x00", wantErr: "control character"},
		{name: "del", path: "/api/v1/x\x7f", wantErr: "control character"},
		{name: "fragment", path: "/api/v1/x#" + testKey, wantErr: "fragment"},
		{name: "out_not_pointer", path: "/api/v1/x", out: out, wantErr: "not a non-nil pointer"},
		{name: "out_nil_pointer", path: "/api/v1/x", out: (*integration)(nil), wantErr: "not a non-nil pointer"},
		{name: "in_not_json", path: "/api/v1/x", in: make(chan int), wantErr: "encoding the request body"},
		{name: "bad_method", method: "GET /", path: "/api/v1/x", wantErr: "invalid method"},
		{name: "bad_escape", path: "/api/v1/%zz/" + testKey, wantErr: "does not parse"},
		{name: "nil_client", other: true, path: "/api/v1/x", wantErr: "needs a client"},
		{name: "server_does_not_parse", other: true, c: mustClient(t, "https://%zz"), path: "/api/v1/x", wantErr: "the client's server"},
		// The key's editor refuses plain http off loopback, for Do too.
		{name: "editor_refuses", other: true, c: keyClient(t, "http://datafold.example.com"), path: "/api/v1/x", wantErr: "refusing to send the API key"},
		{name: "client_of_another_kind", other: true, c: &api.ClientWithResponses{}, path: "/api/v1/x", wantErr: "needs a client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl, method := c, tt.method
			if tt.other {
				cl = tt.c
			}
			if method == "" {
				method = http.MethodGet
			}
			err := doCall(t, cl, method, tt.path, tt.in, tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Do err = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.path != "" && strings.Contains(err.Error(), tt.path) {
				t.Errorf("the error repeats the path: %q", err)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("the server received %d requests, want none", n)
		}
	})
}

// Do's errors are Check's: an *APIError for any status outside 2xx,
// ErrMalformedBody for a 2xx body out cannot hold, else the transport's.
func TestDo_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    http.HandlerFunc
		wantIs    error
		wantAPI   *datafold.APIError // the fields checked when not nil
		wantInMsg string
	}{
		{name: "404_detail", answer: jsonBody(404, `{"detail":"Not Found"}`), wantIs: datafold.ErrNotFound,
			wantAPI: &datafold.APIError{StatusCode: 404, Method: "GET", Path: "/api/v1/organization/meta", Detail: "Not Found", Attempts: 1}},
		{name: "422_list", answer: jsonBody(422, `{"detail":[{"loc":["query","page"],"msg":"Input should be a valid integer","type":"int_parsing"}]}`), wantIs: datafold.ErrValidation,
			wantAPI: &datafold.APIError{StatusCode: 422, Method: "GET", Path: "/api/v1/organization/meta", Detail: "query.page: Input should be a valid integer",
				Issues: []datafold.ValidationIssue{{Loc: []any{"query", "page"}, Msg: "Input should be a valid integer", Type: "int_parsing"}}, Attempts: 1}},
		{name: "html_502", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>Bad gateway</body></html>")
		}, wantAPI: &datafold.APIError{StatusCode: 502, Method: "GET", Path: "/api/v1/organization/meta", Body: []byte("<html><body>Bad gateway</body></html>"), Attempts: 4}},
		{name: "200_not_json", answer: jsonBody(200, `<html>`), wantIs: datafold.ErrMalformedBody, wantInMsg: "not JSON"},
		{name: "200_empty_declared_json", answer: jsonBody(200, ``), wantIs: datafold.ErrMalformedBody, wantInMsg: "empty body"},
		{name: "200_wrong_shape", answer: jsonBody(200, `{"id": "seven"}`), wantIs: datafold.ErrMalformedBody, wantInMsg: "does not decode into *datafold_test.integration"},
		{name: "200_html_page", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>captive portal</html>")
		}, wantIs: datafold.ErrMalformedBody, wantInMsg: "does not decode"},
		{name: "body_broken_off", answer: breakBody, wantIs: datafold.ErrMalformedBody, wantInMsg: "broke off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, route("GET /api/v1/organization/meta", tt.answer))
			err := doCall(t, c, http.MethodGet, "/api/v1/organization/meta", nil, new(integration))
			if err == nil {
				t.Fatal("Do err = nil")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Do err = %v, want it to match %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Do err = %v, want it to mention %q", err, tt.wantInMsg)
			}
			var apiErr *datafold.APIError
			if got := errors.As(err, &apiErr); got != (tt.wantAPI != nil) {
				t.Fatalf("errors.As(*APIError) = %v for %v", got, err)
			}
			if tt.wantAPI != nil {
				if diff := cmp.Diff(tt.wantAPI, apiErr); diff != "" {
					t.Errorf("APIError mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}

	t.Run("connection_refused", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, nothingListening())
		err := doCall(t, c, http.MethodGet, "/api/v1/organization/meta", nil, nil)
		var apiErr *datafold.APIError
		if err == nil || errors.As(err, &apiErr) || errors.Is(err, datafold.ErrMalformedBody) || !strings.Contains(err.Error(), "after 4 attempts") {
			t.Errorf("Do err = %v, want the transport's error after 4 attempts", err)
		}
	})
}

// The rows of the hostile-input matrix that Do adds, over both protocols.
func TestDo_hostile(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto+"/503_then_200_get_retried", func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			var s seen
			c, _ := setup(t, over(proto), route("GET /api/v1/lineage/bi/", s.handler(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					jsonBody(503, `{"detail":"Service Unavailable"}`)(w, r)
					return
				}
				jsonBody(200, `[{"id": 7}]`)(w, r)
			})))
			var out []integration
			if err := doCall(t, c, http.MethodGet, "/api/v1/lineage/bi/", nil, &out); err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0].ID != 7 || len(s.all()) != 2 {
				t.Errorf("out = %v after %d requests, want [7] after 2", out, len(s.all()))
			}
		})

		t.Run(proto+"/post_not_retried", func(t *testing.T) {
			t.Parallel()
			var s seen
			c, _ := setup(t, over(proto), route("POST /api/v1/widgets", s.handler(jsonBody(503, `{"detail":"Service Unavailable"}`))))
			err := doCall(t, c, http.MethodPost, "/api/v1/widgets", map[string]string{"a": "b"}, nil)
			var apiErr *datafold.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Attempts != 1 {
				t.Errorf("Do err = %v, want a 503 *APIError after one attempt", err)
			}
			if n := len(s.all()); n != 1 {
				t.Errorf("the server got %d POSTs, want 1", n)
			}
		})

		// A retried request carries its body again, byte for byte.
		t.Run(proto+"/put_body_replayed", func(t *testing.T) {
			t.Parallel()
			var s seen
			c, _ := setup(t, over(proto), route("PUT /api/v1/widgets/9", s.handler(func(w http.ResponseWriter, r *http.Request) {
				if len(s.all()) == 1 {
					jsonBody(503, `{"detail":"Service Unavailable"}`)(w, r)
					return
				}
				jsonBody(200, `{}`)(w, r)
			})))
			if err := doCall(t, c, http.MethodPut, "/api/v1/widgets/9", integration{9, "Mode"}, nil); err != nil {
				t.Fatal(err)
			}
			reqs := s.all()
			if len(reqs) != 2 || reqs[0].Body != `{"id":9,"name":"Mode"}` || reqs[1] != reqs[0] {
				t.Errorf("requests = %+v, want the same PUT twice", reqs)
			}
		})

		t.Run(proto+"/1GiB_body", func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, over(proto), route("GET /api/v1/widgets", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = http.NewResponseController(w).Flush()
				chunk := make([]byte, 64<<10)
				for sent := 0; sent < 1<<30; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return // the client stopped reading
					}
				}
			}))
			var out any
			err := doCall(t, c, http.MethodGet, "/api/v1/widgets", nil, &out)
			if !errors.Is(err, datafold.ErrResponseTooLarge) {
				t.Errorf("Do err = %v, want ErrResponseTooLarge", err)
			}
		})

		// A server that echoes the key into a redirect's URL: the key
		// never reaches an error or the debug log.
		t.Run(proto+"/key_echoed_into_redirect", func(t *testing.T) {
			t.Parallel()
			var logged bytes.Buffer
			var mu sync.Mutex
			log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				return logged.Write(p)
			}), &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, _ := setup(t, over(proto), withClient(datafold.WithLogger(log)),
				route("GET /api/v1/organization/meta", func(w http.ResponseWriter, r *http.Request) {
					key := strings.TrimPrefix(r.Header.Get("Authorization"), "Key ")
					http.Redirect(w, r, "/api/v1/echo/"+key+"/?k="+key, http.StatusTemporaryRedirect)
				}),
				route("GET /api/v1/echo/", jsonBody(500, `{"detail":"no"}`)))
			err := doCall(t, c, http.MethodGet, "/api/v1/organization/meta", nil, nil)
			var apiErr *datafold.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(apiErr.Path, "[REDACTED]") {
				t.Errorf("Do err = %v, want a 500 *APIError with the key redacted from its path", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(logged.String(), testKey) || !strings.Contains(logged.String(), "/api/v1/echo/") {
				t.Errorf("debug log shows the key, or not the redirect:\n%s", strings.ReplaceAll(logged.String(), testKey, "<key>"))
			}
		})

		t.Run(proto+"/https_to_http_redirect_refused", func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int64
			_, plain := setup(t, rawHandler(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
			tlsProto := map[string]string{"h1": "h1+tls", "h2": "h2"}[proto]
			c, _ := setup(t, over(tlsProto), route("GET /api/v1/organization/meta", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			if err := doCall(t, c, http.MethodGet, "/api/v1/organization/meta", nil, nil); !errors.Is(err, datafold.ErrInsecureTransport) {
				t.Errorf("Do err = %v, want ErrInsecureTransport", err)
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the plain http server got %d requests, want 0", n)
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Do works on a client built with package api and the key's editor alone,
// and keeps a server's path prefix, as the generated methods do.
func TestDo_clientOfYourOwn(t *testing.T) {
	t.Parallel()
	var s seen
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(testKey),
		datafoldtest.WithRoute("GET /api/v1/lineage/bi/", s.handler(jsonBody(200, `[{"id": 7}]`))),
		datafoldtest.WithRoute("GET /api/v1/missing", jsonBody(404, `{"detail":"Not Found"}`)))
	c := keyClient(t, srv.URL)
	var out []integration
	if err := doCall(t, c, http.MethodGet, "/api/v1/lineage/bi/", nil, &out); err != nil || len(out) != 1 || out[0].ID != 7 {
		t.Fatalf("Do = %v, out %v; want [7]", err, out)
	}
	if got := s.all(); len(got) != 1 || got[0].Authorization != "Key "+testKey {
		t.Errorf("requests = %+v, want one with the key", got)
	}
	if err := doCall(t, c, http.MethodGet, "/api/v1/missing", nil, nil); !errors.Is(err, datafold.ErrNotFound) {
		t.Errorf("Do err = %v, want ErrNotFound", err)
	}

	// A server under a path prefix: /datafold/api/v1/... on the wire.
	var prefixed atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefixed.Store(r.URL.Path)
		jsonBody(200, `{}`)(w, r)
	}))
	t.Cleanup(ts.Close)
	pc, err := datafold.NewClient(datafold.WithServer(ts.URL+"/datafold/"), datafold.WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := doCall(t, pc, http.MethodGet, "/api/v1/organization/meta", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := prefixed.Load(); got != "/datafold/api/v1/organization/meta" {
		t.Errorf("path on the wire = %v, want the server's prefix kept", got)
	}
}
