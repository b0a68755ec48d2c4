package datafold_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// TestHostileResponses is the hostile-input matrix: one row per answer a
// server or a proxy may give, each over HTTP/1.1 and over HTTP/2 with TLS,
// checked as a caller sees it through Check. The rows that need machinery
// of their own are tests in the file of their concern, over both protocols
// as well: connection refused and the retry bounds in retry_test.go; a
// connection reset mid-body and a 1 GiB body in body_test.go; a server
// slower than the deadline, 307 to the same host, 302 to another host and
// https→http redirects in transport_test.go; the key echoed into a body or
// a redirect's Location in secret_test.go; a server that never answers in
// pool_test.go; http:// off loopback in server_test.go and apikey_test.go;
// empty, blank or newline-bearing keys in apikey_test.go; fuzzed bodies and
// statuses in FuzzCheckResponse.
func TestHostileResponses(t *testing.T) {
	t.Parallel()
	const htmlPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
	bigHTML := htmlPage + strings.Repeat("<!-- padding to defeat IE friendly error pages -->\n", 800) + "</body></html>"

	tests := []struct {
		name       string
		handler    http.HandlerFunc
		failFirst  int    // the fake fails this many calls first...
		failStatus int    // ...with this status...
		retryAfter string // ...and this Retry-After
		wantStatus int    // StatusCode() of the final response, 0 for none
		wantIs     error  // errors.Is target, nil for success
		wantText   string // substring of the error
		wantCalls  int    // requests the server saw
		wantWaits  string // the waits between them, when it matters
		maxWaited  time.Duration
		check      func(t *testing.T, o outcome)
	}{
		{
			name:       "200_empty_object",
			handler:    jsonBody(200, `{}`),
			wantStatus: 200, wantCalls: 1,
		},
		{
			name:     "200_empty_body_declared_json",
			handler:  jsonBody(200, ``),
			wantIs:   datafold.ErrMalformedBody,
			wantText: `DELETE /api/v1/lineage/bi/42/: the server answered 200 OK with an empty body`, wantCalls: 1,
		},
		{
			name:     "200_non_json_body_declared_json",
			handler:  jsonBody(200, `OK`),
			wantIs:   datafold.ErrMalformedBody,
			wantText: `answered 200 OK with a body that is not JSON: OK`, wantCalls: 1,
		},
		{
			// Judged whole: an invalid body longer than any prefix check
			// is still ErrMalformedBody, from the plain call too.
			name:     "200_long_truncated_json",
			handler:  jsonBody(200, `{"removed": true, "note": "`+strings.Repeat("x", 200)),
			wantIs:   datafold.ErrMalformedBody,
			wantText: `answered 200 OK with a body that is not JSON: {"removed": true, "note": "xxx`, wantCalls: 1,
		},
		{
			name: "200_non_json_body_plain_text",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "OK")
			},
			// Nothing claimed JSON, so nothing failed to decode: success,
			// with the text in Body.
			wantStatus: 200, wantCalls: 1,
			check: func(t *testing.T, o outcome) {
				if string(o.resp.Body) != "OK" || o.resp.JSON200 != nil {
					t.Errorf("Body = %q, JSON200 = %v; want \"OK\" and nil", o.resp.Body, o.resp.JSON200)
				}
			},
		},
		{
			name:       "401_string_detail",
			handler:    jsonBody(401, `{"detail":"Not authenticated"}`),
			wantStatus: 401, wantIs: datafold.ErrUnauthorized,
			wantText: "datafold: DELETE /api/v1/lineage/bi/42/: 401 Unauthorized: Not authenticated", wantCalls: 1,
		},
		{
			name:       "403_string_detail",
			handler:    jsonBody(403, `{"detail":"Invalid API key"}`),
			wantStatus: 403, wantIs: datafold.ErrUnauthorized,
			wantText: "403 Forbidden: Invalid API key", wantCalls: 1,
		},
		{
			name:       "404_string_detail",
			handler:    jsonBody(404, `{"detail":"Integration not found"}`),
			wantStatus: 404, wantIs: datafold.ErrNotFound,
			wantText: "datafold: DELETE /api/v1/lineage/bi/42/: 404 Not Found: Integration not found", wantCalls: 1,
		},
		{
			name:       "422_list_detail",
			handler:    jsonBody(422, `{"detail":[{"type":"int_parsing","loc":["path","bi_datasource_id"],"msg":"Input should be a valid integer","input":"x"}]}`),
			wantStatus: 422, wantIs: datafold.ErrValidation,
			wantText: "422 Unprocessable Entity: path.bi_datasource_id: Input should be a valid integer", wantCalls: 1,
		},
		{
			name:    "422_garbage_declared_json",
			handler: jsonBody(422, `<html>oops</html>`),
			wantIs:  datafold.ErrValidation,
			// The response comes back with the error: CheckResponse, not
			// the generated decoder, judged it.
			wantStatus: 422, wantText: "422 Unprocessable Entity: <html>oops</html>", wantCalls: 1,
		},
		{
			name:       "422_string_detail_from_httpexception",
			handler:    jsonBody(422, `{"detail":"Integration is in use by 3 dashboards"}`),
			wantIs:     datafold.ErrValidation,
			wantStatus: 422, wantText: "datafold: DELETE /api/v1/lineage/bi/42/: 422 Unprocessable Entity: Integration is in use by 3 dashboards", wantCalls: 1,
		},
		{
			name:      "429_retry_after_then_200",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 429, retryAfter: "2",
			wantStatus: 200, wantCalls: 2, wantWaits: "[2s]",
		},
		{
			name:      "429_retry_after_beyond_cap",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 429, retryAfter: "3600",
			wantStatus: 429, wantIs: datafold.ErrRateLimited,
			wantText: "429 Too Many Requests: Too Many Requests", wantCalls: 1, wantWaits: "[]",
			check: func(t *testing.T, o outcome) {
				var e *datafold.APIError
				if !errors.As(o.err, &e) || e.RetryAfter != time.Hour {
					t.Errorf("err = %#v, want RetryAfter of an hour", o.err)
				}
			},
		},
		{
			// Too large for int64: still a number of seconds, far
			// beyond the cap, so the 429 is returned at once.
			name:      "429_retry_after_beyond_int64",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 429, retryAfter: "99999999999999999999",
			wantStatus: 429, wantIs: datafold.ErrRateLimited, wantCalls: 1, wantWaits: "[]",
			check: func(t *testing.T, o outcome) {
				var e *datafold.APIError
				if !errors.As(o.err, &e) || e.RetryAfter < 100*365*24*time.Hour {
					t.Errorf("err = %#v, want a RetryAfter of more than a century", o.err)
				}
			},
		},
		{
			name:      "503_then_200",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 503, retryAfter: "0",
			wantStatus: 200, wantCalls: 2, wantWaits: "[0s]",
		},
		{
			// Bounded: four attempts, three backoffs of at most 500ms,
			// 1s and 2s, then the last 503.
			name:      "503_forever",
			handler:   jsonBody(200, `{}`),
			failFirst: 100, failStatus: 503,
			wantStatus: 503, wantText: "503 Service Unavailable: Service Unavailable (after 4 attempts)", wantCalls: 4,
			maxWaited: 3500 * time.Millisecond,
			check: func(t *testing.T, o outcome) {
				var e *datafold.APIError
				if !errors.As(o.err, &e) || e.Attempts != 4 {
					t.Errorf("err = %v, want *APIError with Attempts 4", o.err)
				}
			},
		},
		{
			// No answer at all: retried, then the network's error.
			name:     "connection_reset_before_answer",
			handler:  resetConn,
			wantText: "gave up after 4 attempts", wantCalls: 4,
		},
		{
			name: "html_502_from_proxy",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				_, _ = io.WriteString(w, bigHTML)
			},
			wantStatus: 502, wantText: "502 Bad Gateway: <html> <head><title>502 Bad Gateway</title></head>", wantCalls: 4,
			check: func(t *testing.T, o outcome) {
				if n := len(o.err.Error()); n > 300 {
					t.Errorf("error is %d bytes long for a %d-byte page; want a short excerpt", n, len(bigHTML))
				}
				var e *datafold.APIError
				if errors.As(o.err, &e) && len(e.Body) > 512 {
					t.Errorf("APIError.Body keeps %d bytes, want at most 512", len(e.Body))
				}
			},
		},
		{
			name: "request_id_header",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-8c1e")
				jsonBody(500, `{"detail":"Internal Server Error"}`)(w, r)
			},
			wantStatus: 500, wantText: "500 Internal Server Error: Internal Server Error [request id req-8c1e]", wantCalls: 1,
		},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				clk := &clock{}
				c, srv := setup(t, over(proto), answer(tt.handler),
					withClient(datafold.WithRetryPolicy(datafold.DefaultRetryPolicy()), datafold.WithSleep(clk.sleep)))
				if tt.failFirst > 0 {
					srv.FailNext(tt.failFirst, tt.failStatus, tt.retryAfter)
				}
				o := call(t, c)

				switch {
				case tt.wantIs == nil && tt.wantText == "" && o.err != nil:
					t.Fatalf("err = %v, want success", o.err)
				case tt.wantIs != nil && !errors.Is(o.err, tt.wantIs):
					t.Errorf("err = %v, want errors.Is %v", o.err, tt.wantIs)
				case tt.wantText != "" && (o.err == nil || !strings.Contains(o.err.Error(), tt.wantText)):
					t.Errorf("err = %v, want one containing %q", o.err, tt.wantText)
				}
				if tt.wantStatus != 0 && (o.resp == nil || o.resp.StatusCode() != tt.wantStatus) {
					t.Errorf("response = %+v, want status %d", o.resp, tt.wantStatus)
				}
				if n := len(srv.Requests()); n != tt.wantCalls {
					t.Errorf("server saw %d requests, want %d", n, tt.wantCalls)
				}
				if got := fmt.Sprint(clk.recorded()); tt.wantWaits != "" && got != tt.wantWaits {
					t.Errorf("waited %v, want %v as Retry-After said", got, tt.wantWaits)
				}
				var waited time.Duration
				for _, w := range clk.recorded() {
					waited += w
				}
				if tt.maxWaited != 0 && waited > tt.maxWaited {
					t.Errorf("waited %v in all, want at most %v", waited, tt.maxWaited)
				}
				if tt.check != nil {
					tt.check(t, o)
				}
			})
		}
	}
}

// The plain methods' *http.Response goes through the same path, and a
// failed one has its body read into the *APIError.
func TestCheck_plainMethod(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.AddIntegrations(42)

	resp, err := datafold.Check(c.RemoveIntegration(t.Context(), 42))
	if err != nil {
		t.Fatalf("first removal: %v", err)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) == "" {
		t.Errorf("a 2xx body is left for the caller: read %q, %v", b, err)
	}
	_ = resp.Body.Close()

	resp, err = datafold.Check(c.RemoveIntegration(t.Context(), 42))
	var apiErr *datafold.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, datafold.ErrNotFound) {
		t.Fatalf("second removal: err = %v, want a 404 *APIError", err)
	}
	if resp == nil || apiErr.Detail != "Integration not found" || apiErr.Method != http.MethodDelete {
		t.Errorf("resp = %v, APIError = %+v; want the response and FastAPI's detail", resp, apiErr)
	}
}

// Without Check, the generated methods return a malformed 2xx as their own
// error (their types cannot hold it) and every other status as a response,
// a 422 that is not FastAPI's list included.
func TestWithoutCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantIs     error // of the call's own error
		wantStatus int
		wantJSON   bool // JSON422 decoded
	}{
		{name: "200_not_json", handler: jsonBody(200, `{"removed": tr`), wantIs: datafold.ErrMalformedBody},
		{name: "404", handler: jsonBody(404, `{"detail":"Integration not found"}`), wantStatus: 404},
		{name: "422_list", handler: jsonBody(422, `{"detail":[{"loc":["path","bi_datasource_id"],"msg":"m","type":"t"}]}`), wantStatus: 422, wantJSON: true},
		{name: "422_string", handler: jsonBody(422, `{"detail":"Integration is in use"}`), wantStatus: 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, answer(tt.handler))
			resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
			if tt.wantIs != nil {
				if !errors.Is(err, tt.wantIs) || resp != nil {
					t.Fatalf("resp, err = %v, %v; want no response and errors.Is %v", resp, err, tt.wantIs)
				}
				return
			}
			if err != nil || resp.StatusCode() != tt.wantStatus || (resp.JSON422 != nil) != tt.wantJSON {
				t.Fatalf("resp, err = %+v, %v; want status %d, JSON422 decoded: %v", resp, err, tt.wantStatus, tt.wantJSON)
			}
			var apiErr *datafold.APIError
			if err := datafold.CheckResponse(resp); !errors.As(err, &apiErr) || apiErr.Detail == "" {
				t.Errorf("CheckResponse = %v, want an *APIError with FastAPI's detail", err)
			}
		})
	}
}

// The generated decoder's own JSON errors, from a client NewClient did not
// build (so no transport judged the body), are malformed bodies to Check.
func TestCheck_decoderErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(jsonBody(200, `{"removed": tr`))
	t.Cleanup(srv.Close)
	c, err := api.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 42))
	if syntax := new(json.SyntaxError); !errors.Is(err, datafold.ErrMalformedBody) || !errors.As(err, &syntax) {
		t.Errorf("err = %v, want ErrMalformedBody wrapping the decoder's *json.SyntaxError", err)
	}
}

// otherResponse is not from package api: CheckResponse still works, without
// the method and path it cannot find.
type otherResponse struct{ code int }

func (o otherResponse) StatusCode() int { return o.code }
func (o otherResponse) GetBody() []byte { return []byte(`{"detail":"gone"}`) }

// statusOnly is a response that is not even a struct.
type statusOnly int

func (s statusOnly) StatusCode() int { return int(s) }
func (statusOnly) GetBody() []byte   { return nil }

// CheckResponse reports anything that is not an answer as an error, never
// as a panic or an *APIError with status 0.
func TestCheckResponse_notAResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		r       any
		wantErr string
	}{
		{name: "nil", r: nil, wantErr: "nil response"},
		{name: "nil_http_response", r: (*http.Response)(nil), wantErr: "nil response"},
		{name: "typed_nil", r: (*api.RemoveIntegrationResponse)(nil), wantErr: "nil response"},
		{name: "string", r: "200 OK", wantErr: "called with a string"},
		{name: "int", r: 200, wantErr: "called with a int"},
		{name: "no_http_response", r: &api.RemoveIntegrationResponse{Body: []byte("x")}, wantErr: "holds no HTTP response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := datafold.CheckResponse(tt.r)
			var apiErr *datafold.APIError
			if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckResponse = %v, want an error (not an *APIError) containing %q", err, tt.wantErr)
			}
		})
	}
}

// Any type with Response's two methods is a response to CheckResponse.
func TestCheckResponse_anyResponseType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		r       datafold.Response
		wantErr string
	}{
		{name: "struct_without_http_response", r: otherResponse{410}, wantErr: "datafold: 410 Gone: gone"},
		{name: "not_a_struct", r: statusOnly(503), wantErr: "datafold: 503 Service Unavailable"},
		{name: "not_a_struct_2xx", r: statusOnly(204)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := datafold.CheckResponse(tt.r)
			if got := fmt.Sprint(err); err == nil && tt.wantErr != "" || err != nil && got != tt.wantErr {
				t.Errorf("CheckResponse = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzCheckResponse feeds arbitrary statuses, headers and bodies through the
// client's transport, the generated decoder and CheckResponse. Whatever the
// server sends, nothing panics, errors stay short, printable and free of
// the key, and CheckResponse agrees with the status.
func FuzzCheckResponse(f *testing.F) {
	f.Add(200, "application/json", "", "", []byte(`{}`))
	f.Add(404, "application/json", "", "req-1", []byte(`{"detail":"Integration not found"}`))
	f.Add(422, "application/json", "", "", []byte(`{"detail":[{"loc":["path",0,"x"],"msg":"m","type":"t"}]}`))
	f.Add(429, "application/json", "1", "", []byte(`{"detail":"slow down"}`))
	f.Add(502, "text/html", "", "", []byte("<html><body>Bad Gateway</body></html>"))
	f.Add(200, "application/json; charset=utf-8", "", "", []byte(``))
	f.Add(422, "application/json", "", "", []byte(`{"detail":[{"loc":[{"a":1},null,1.5],"msg":7}]}`))
	f.Add(999, "", "Wed, 21 Oct 2015 07:28:00 GMT", "\x1b[31m", []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter, requestID string, body []byte) {
		if status < 100 || status > 999 {
			status = 100 + (status%900+900)%900
		}
		if status >= 300 && status < 400 || status < 200 {
			// http.Client treats these specially (redirects, 1xx);
			// they are not responses a caller can receive.
			status += 300
		}
		h := http.Header{}
		for k, v := range map[string]string{"Content-Type": contentType, "Retry-After": retryAfter, "X-Request-Id": requestID} {
			if v != "" {
				h.Set(k, v)
			}
		}
		c, _ := setup(t, viaTransport(canned(status, h, body)), withClient(datafold.WithoutRetries()))
		resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
		if err == nil {
			if resp.StatusCode() != status {
				t.Fatalf("StatusCode() = %d, want %d", resp.StatusCode(), status)
			}
			err = datafold.CheckResponse(resp)
			if (err == nil) != (status >= 200 && status < 300) {
				t.Fatalf("status %d: CheckResponse = %v", status, err)
			}
			var apiErr *datafold.APIError
			if err != nil && (!errors.As(err, &apiErr) || apiErr.StatusCode != status) {
				t.Fatalf("status %d: CheckResponse = %#v, want *APIError with that status", status, err)
			}
		}
		if err == nil {
			return
		}
		msg := err.Error()
		if len(msg) > 1500 {
			t.Errorf("error is %d bytes long", len(msg))
		}
		if !utf8.ValidString(msg) {
			t.Errorf("error is not valid UTF-8: %q", msg)
		}
		if i := strings.IndexFunc(msg, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }); i >= 0 {
			t.Errorf("error carries an unprintable character at byte %d: %q", i, msg)
		}
		if strings.Contains(msg, testKey) {
			t.Error("error contains the API key")
		}
	})
}
