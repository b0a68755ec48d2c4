package datafold_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
