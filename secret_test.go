package datafold_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
)

// A server that echoes the key puts it in its answer: in a body or a
// header, or into a redirect's Location and so into the next hop's URL,
// which net/http's *url.Error, the APIError's path, the malformed-body
// error and the debug log all name. Each shows [REDACTED] instead.
func TestSecret_echoedKey(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 40)
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		location bool // the key is first echoed into a redirect's Location
	}{
		{name: "string_detail", handler: jsonBody(400, `{"detail":"malformed Authorization header: Key `+testKey+`"}`)},
		{name: "list_detail", handler: jsonBody(422, `{"detail":[{"loc":["header","Key `+testKey+`"],"msg":"bad key `+testKey+`","type":"`+testKey+`"}]}`)},
		{name: "object_detail", handler: jsonBody(400, `{"detail":{"got":"Key `+testKey+`"}}`)},
		// JSON escapes hide the key from the scrub of the raw body.
		{name: "escaped_in_loc_object", handler: jsonBody(422, `{"detail":[{"loc":["header",{"got":"Key `+fmt.Sprintf(`\u%04x`, testKey[0])+testKey[1:]+`"}],"msg":"m","type":"t"}]}`)},
		{name: "plain_text_body", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, "you sent Authorization: Key %s", testKey)
		}},
		{name: "json_without_detail", handler: jsonBody(401, `{"error":"bad key","key":"`+testKey+`"}`)},
		{name: "request_id_header", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", testKey)
			jsonBody(500, `{"detail":"boom"}`)(w, r)
		}},
		{name: "malformed_200", handler: jsonBody(200, `Key `+testKey)},
		// The check keeps the first 64 bytes of a long 200 body: the key
		// may be cut in two there.
		{name: "malformed_200_key_cut", handler: jsonBody(200, "<"+long+" Key "+testKey+long)},
		{name: "location_then_reset", handler: resetConn, location: true},
		{name: "location_then_404", handler: jsonBody(404, `{"detail":"Not Found"}`), location: true},
		{name: "location_then_200_not_json", handler: jsonBody(200, `<html>`), location: true},
		{name: "location_then_200_broken_body", handler: breakBody, location: true},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var logged bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
				serve := answer(tt.handler)
				if tt.location {
					// The echo path is not in the OpenAPI document: no fake.
					serve = rawHandler(func(w http.ResponseWriter, r *http.Request) {
						if strings.HasPrefix(r.URL.Path, "/echo/") {
							tt.handler(w, r)
							return
						}
						http.Redirect(w, r, "/echo/"+url.PathEscape(testKey)+"/?k="+testKey, http.StatusTemporaryRedirect)
					})
				}
				c, _ := setup(t, over(proto), serve, withClient(datafold.WithLogger(logger)))
				o := call(t, c)
				if o.err == nil {
					t.Fatal("no error, want one")
				}
				var shown []string
				for _, verb := range []string{"%v", "%+v", "%#v", "%q"} {
					shown = append(shown, fmt.Sprintf(verb, o.err))
				}
				shown = append(shown, logged.String())
				var e *datafold.APIError
				if errors.As(o.err, &e) {
					shown = append(shown, e.Detail, string(e.Body), e.RequestID, fmt.Sprint(e.Issues))
				}
				for _, s := range shown {
					// The key cut after its first 4 bytes leaks nothing;
					// 5 or more would.
					if strings.Contains(s, testKey[:5]) {
						t.Errorf("%q shows the key", strings.ReplaceAll(s, testKey, "<key>"))
					}
				}
				if !strings.Contains(strings.Join(shown, " "), "[REDACTED]") {
					t.Errorf("error %q: want the echoed key shown as [REDACTED]", strings.ReplaceAll(o.err.Error(), testKey, "<key>"))
				}
				if tt.location && !strings.Contains(logged.String(), "/echo/") {
					t.Errorf("the log does not show the redirect:\n%s", strings.ReplaceAll(logged.String(), testKey, "<key>"))
				}
			})
		}
	}
}

// Without NewClient's transport, the key comes from the request's
// Authorization header: a client of your own, with only the key's editor,
// has an echoed key redacted too, and a response with no request (a stub's)
// is described without one.
func TestSecret_withoutTheTransport(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(jsonBody(http.StatusBadRequest, `{"detail":"malformed Authorization header: Key `+testKey+`"}`))
	t.Cleanup(echo.Close)
	own := keyClient(t, echo.URL)
	tests := []struct {
		name string
		err  func() error
		want *datafold.APIError
	}{
		{name: "client_of_your_own", err: func() error {
			_, err := datafold.Check(own.RemoveIntegrationWithResponse(t.Context(), 42))
			return err
		}, want: &datafold.APIError{StatusCode: 400, Method: "DELETE", Path: "/api/v1/lineage/bi/42/",
			Detail: "malformed Authorization header: Key [REDACTED]", Attempts: 1}},
		{name: "response_without_request", err: func() error {
			return datafold.CheckResponse(&http.Response{StatusCode: http.StatusBadGateway, Body: io.NopCloser(strings.NewReader("bad gateway"))})
		}, want: &datafold.APIError{StatusCode: 502, Body: []byte("bad gateway"), Attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *datafold.APIError
			if err := tt.err(); !errors.As(err, &got) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", strings.ReplaceAll(diff, testKey, "<key>"))
			}
		})
	}
}

// A transport error that names the request's URL, after a redirect the
// server echoed the key into, shows [REDACTED] in its place and still
// matches what it wraps.
func TestSecret_transportErrorNamesURL(t *testing.T) {
	t.Parallel()
	errRefused := errors.New("proxy refused the request")
	c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(r.URL.Path, "/echo/") {
			return &http.Response{
				StatusCode: http.StatusTemporaryRedirect,
				Header:     http.Header{"Location": {"/echo/" + url.PathEscape(testKey) + "/"}},
				Body:       http.NoBody,
				Request:    r,
			}, nil
		}
		return nil, fmt.Errorf("%w: %s", errRefused, r.URL)
	}))
	o := call(t, c)
	if !errors.Is(o.err, errRefused) || !strings.Contains(o.err.Error(), "/echo/[REDACTED]/") {
		t.Errorf("err = %v, want %v naming /echo/[REDACTED]/", o.err, errRefused)
	}
}
