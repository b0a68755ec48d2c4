package datafold_test

// The hostile-input matrix: one row per way a server or network can
// misbehave, each against a server that speaks FastAPI's shapes.

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// clock records the waits the client asks for instead of sleeping.
type clock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// protos are the protocols every network row of the matrix runs over:
// plain HTTP/1.1 on loopback, and HTTP/2 over TLS, which the client's
// default transport negotiates with any TLS server that offers it.
var protos = []string{"h1", "h2"}

// setupOn is setup on the given protocol. For "h2" the fake runs behind TLS
// with HTTP/2 enabled and the client keeps its own default transport,
// trusting the test CA through a pool of the same design; every request
// that reaches the fake must have come over HTTP/2.
func setupOn(t *testing.T, proto string, h http.HandlerFunc, opts ...datafold.Option) (*api.ClientWithResponses, *datafoldtest.Server) {
	t.Helper()
	if proto == "h1" {
		return setup(t, h, opts...)
	}
	srv, roots := newFakeTLS(t, h)
	base := []datafold.Option{
		datafold.WithServer(srv.URL),
		datafold.WithAPIKey(testKey),
		datafold.WithRetryPolicy(fastRetries),
		datafold.WithTestPool(datafold.TestPool{Roots: roots}),
	}
	c, err := datafold.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, srv
}

// newFakeTLS starts the fake behind TLS with HTTP/2, failing t on a request
// that is not HTTP/2 or does not conform to the OpenAPI document.
func newFakeTLS(t *testing.T, h http.HandlerFunc, opts ...datafoldtest.Option) (*datafoldtest.Server, *x509.CertPool) {
	t.Helper()
	return newFakeTLSCounting(t, h, nil, opts...)
}

// newFakeTLSCounting is newFakeTLS counting in conns, when not nil, the
// connections the server accepts.
func newFakeTLSCounting(t *testing.T, h http.HandlerFunc, conns *atomic.Int64, opts ...datafoldtest.Option) (*datafoldtest.Server, *x509.CertPool) {
	t.Helper()
	fopts := []datafoldtest.Option{
		datafoldtest.WithViolationFunc(func(err error) { t.Errorf("datafoldtest: %v", err) }),
		datafoldtest.WithAPIKey(testKey),
	}
	if h != nil {
		fopts = append(fopts, datafoldtest.WithOperation("RemoveIntegration", h))
	}
	fake, err := datafoldtest.NewHandler(append(fopts, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ts := newH2Server(t, fake, conns)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	return &datafoldtest.Server{Handler: fake, URL: ts.URL}, roots
}

// newH2Server starts h behind TLS with HTTP/2 enabled.
func newH2Server(t *testing.T, h http.Handler, conns *atomic.Int64) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("request came over %s, want HTTP/2", r.Proto)
		}
		h.ServeHTTP(w, r)
	}))
	if conns != nil {
		ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
	}
	// Handshakes cut short by the client's dial races are not news.
	ts.Config.ErrorLog = discardLog()
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// rawClient starts h on a bare httptest server, with no fake in front (for
// paths the OpenAPI document does not have), and returns a client for it:
// "h1" is plain http, "h1+tls" HTTP/1.1 over TLS, "h2" and "h2+tls" HTTP/2
// over TLS.
func rawClient(t *testing.T, proto string, h http.HandlerFunc, opts ...datafold.Option) *api.ClientWithResponses {
	t.Helper()
	var ts *httptest.Server
	var roots *x509.CertPool
	switch proto {
	case "h1":
		ts = httptest.NewServer(h)
		t.Cleanup(ts.Close)
	case "h1+tls":
		ts = httptest.NewUnstartedServer(h)
		ts.Config.ErrorLog = discardLog()
		ts.StartTLS()
		t.Cleanup(ts.Close)
	default:
		ts = newH2Server(t, h, nil)
	}
	if ts.TLS != nil {
		roots = x509.NewCertPool()
		roots.AddCert(ts.Certificate())
	}
	base := []datafold.Option{
		datafold.WithServer(ts.URL),
		datafold.WithAPIKey(testKey),
		datafold.WithRetryPolicy(fastRetries),
		datafold.WithTestPool(datafold.TestPool{Roots: roots}),
	}
	c, err := datafold.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// resetConn ends the request's connection (HTTP/1.1) or stream (HTTP/2)
// without an answer.
func resetConn(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// lockedWriter lets a log handler and the test share a buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func jsonBody(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// outcome is what a call produced, in the form the matrix checks.
type outcome struct {
	resp *api.RemoveIntegrationResponse
	err  error // the call's error, else CheckResponse's
}

func call(t *testing.T, c *api.ClientWithResponses) outcome {
	t.Helper()
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err == nil {
		err = datafold.CheckResponse(resp)
	}
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("error %q contains the API key", strings.ReplaceAll(err.Error(), testKey, "<key>"))
	}
	return outcome{resp, err}
}

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
			name:     "422_garbage_declared_json",
			handler:  jsonBody(422, `<html>oops</html>`),
			wantIs:   datafold.ErrValidation,
			wantText: "422 Unprocessable Entity: <html>oops</html>", wantCalls: 1,
		},
		{
			name:     "422_string_detail_from_httpexception",
			handler:  jsonBody(422, `{"detail":"Integration is in use by 3 dashboards"}`),
			wantIs:   datafold.ErrValidation,
			wantText: "datafold: DELETE /api/v1/lineage/bi/42/: 422 Unprocessable Entity: Integration is in use by 3 dashboards", wantCalls: 1,
		},
		{
			name:      "429_retry_after_then_200",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 429, retryAfter: "2",
			wantStatus: 200, wantCalls: 2,
		},
		{
			name:      "429_retry_after_beyond_cap",
			handler:   jsonBody(200, `{}`),
			failFirst: 1, failStatus: 429, retryAfter: "3600",
			wantStatus: 429, wantIs: datafold.ErrRateLimited,
			wantText: "429 Too Many Requests: Too Many Requests", wantCalls: 1,
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
			wantStatus: 429, wantIs: datafold.ErrRateLimited, wantCalls: 1,
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
			wantStatus: 200, wantCalls: 2,
		},
		{
			name:      "503_forever",
			handler:   jsonBody(200, `{}`),
			failFirst: 100, failStatus: 503,
			wantStatus: 503, wantText: "503 Service Unavailable: Service Unavailable (after 4 attempts)", wantCalls: 4,
			check: func(t *testing.T, o outcome) {
				var e *datafold.APIError
				if !errors.As(o.err, &e) || e.Attempts != 4 {
					t.Errorf("err = %v, want *APIError with Attempts 4", o.err)
				}
			},
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
				c, srv := setupOn(t, proto, tt.handler, datafold.WithRetryPolicy(datafold.DefaultRetryPolicy()), datafold.WithSleep(clk.sleep))
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
				if tt.retryAfter != "" && tt.wantCalls > 1 {
					want := []time.Duration{0}
					if tt.retryAfter == "2" {
						want = []time.Duration{2 * time.Second}
					}
					if got := clk.recorded(); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("waited %v, want %v as Retry-After said", got, want)
					}
				}
				if tt.check != nil {
					tt.check(t, o)
				}
			})
		}
	}
}

func TestRetry_backoffGrowsWithJitter(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	policy := datafold.DefaultRetryPolicy()
	c, srv := setup(t, jsonBody(200, `{}`), datafold.WithRetryPolicy(policy), datafold.WithSleep(clk.sleep))
	srv.FailNext(3, http.StatusServiceUnavailable, "")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}
	waits := clk.recorded()
	if len(waits) != 3 {
		t.Fatalf("waits = %v, want 3", waits)
	}
	for i, w := range waits {
		full := policy.MinBackoff << i
		if w < full/2 || w > full {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, full/2, full)
		}
	}
}

func TestRetry_retryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	c, srv := setup(t, jsonBody(200, `{}`), datafold.WithSleep(clk.sleep))
	srv.FailNext(1, http.StatusTooManyRequests, time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat))
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}
	// HTTP dates have one-second resolution.
	if w := clk.recorded(); len(w) != 1 || w[0] < 3*time.Second || w[0] > 5*time.Second {
		t.Errorf("waits = %v, want one of about 5s", w)
	}
}

func TestRetry_backoffNeverOverflows(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	policy := datafold.RetryPolicy{MaxRetries: 40, MinBackoff: 5 * time.Second, MaxBackoff: time.Hour, MaxRetryAfter: time.Minute}
	c, srv := setup(t, jsonBody(200, `{}`), datafold.WithRetryPolicy(policy), datafold.WithSleep(clk.sleep))
	srv.FailNext(40, http.StatusServiceUnavailable, "")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}
	for i, w := range clk.recorded() {
		if w < 2500*time.Millisecond || w > time.Hour {
			t.Errorf("wait %d = %v, want between MinBackoff/2 and MaxBackoff", i, w)
		}
	}
}

func TestRetry_notForPOST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []datafold.Option
		wantCalls int
	}{
		{name: "default", wantCalls: 1},
		{name: "opted_in", opts: []datafold.Option{datafold.WithRetryPolicy(datafold.RetryPolicy{MaxRetries: 2, RetryNonIdempotent: true})}, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if string(body) != `{"a":1}` {
					t.Errorf("attempt body = %q, want the original body replayed", body)
				}
				mu.Lock()
				calls++
				mu.Unlock()
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			t.Cleanup(srv.Close)
			c, err := datafold.NewClient(append([]datafold.Option{datafold.WithServer(srv.URL), datafold.WithAPIKey(testKey), datafold.WithSleep((&clock{}).sleep)}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			// The seed spec has no POST yet; send one through the same
			// transport the generated client uses.
			doer := c.ClientInterface.(*api.Client).Client
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/things/", strings.NewReader(`{"a":1}`))
			resp, err := doer.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if calls != tt.wantCalls {
				t.Errorf("POST sent %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestRetry_disabled(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, jsonBody(200, `{}`), datafold.WithoutRetries())
	srv.FailNext(1, http.StatusServiceUnavailable, "0")
	o := call(t, c)
	if o.resp == nil || o.resp.StatusCode() != 503 || len(srv.Requests()) != 1 {
		t.Errorf("status %v after %d requests, want one 503", o.resp, len(srv.Requests()))
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			_ = ln.Close() // nothing listens there now

			scheme := map[string]string{"h1": "http://", "h2": "https://"}[proto]
			clk := &clock{}
			c, err := datafold.NewClient(datafold.WithServer(scheme+addr), datafold.WithAPIKey(testKey),
				datafold.WithSleep(clk.sleep), datafold.WithTestPool(datafold.TestPool{Roots: x509.NewCertPool()}))
			if err != nil {
				t.Fatal(err)
			}
			o := call(t, c)
			if !errors.Is(o.err, syscall.ECONNREFUSED) || !strings.Contains(o.err.Error(), "gave up after 4 attempts") {
				t.Errorf("err = %v, want connection refused after 4 attempts", o.err)
			}
			if n := len(clk.recorded()); n != 3 {
				t.Errorf("waited %d times, want 3", n)
			}
		})
	}
}

func TestConnectionResetMidBody(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		for _, tt := range []struct {
			name   string
			breaks int // how many answers break off before one arrives whole
			calls  int
			wantOK bool
		}{
			// A DELETE is idempotent: a broken answer is asked for again.
			{name: "once", breaks: 1, calls: 2, wantOK: true},
			// Retries run out: the status arrived, so the removal happened,
			// and the error says so (ErrMalformedBody, naming the status).
			{name: "always", breaks: 99, calls: 4},
		} {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int64
				c, srv := setupOn(t, proto, func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) > int64(tt.breaks) {
						jsonBody(200, `{}`)(w, r)
						return
					}
					breakBody(t, w, r)
				})
				o := call(t, c)
				if got := len(srv.Requests()); got != tt.calls {
					t.Errorf("server saw %d requests, want %d", got, tt.calls)
				}
				switch {
				case tt.wantOK && o.err != nil:
					t.Errorf("err = %v, want the second answer", o.err)
				case !tt.wantOK && (!errors.Is(o.err, datafold.ErrMalformedBody) || !strings.Contains(o.err.Error(), "answered 200 OK, then the body broke off")):
					t.Errorf("err = %v, want ErrMalformedBody saying the 200 OK arrived", o.err)
				}
			})
		}
	}
}

// breakBody starts a 200 answer and breaks the connection (HTTP/1.1) or the
// stream (HTTP/2) in the middle of its body.
func breakBody(t *testing.T, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"partial": "`)
	if r.ProtoMajor == 2 {
		// HTTP/2 cannot hijack; aborting the handler resets the stream
		// mid-body, HTTP/2's reset.
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	// SO_LINGER 0 turns Close into a TCP reset.
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func TestServerSlowerThanDeadline(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			c, srv := setupOn(t, proto, jsonBody(200, `{}`))
			srv.SetDelay(time.Minute) // ends early when the client goes away

			const deadline = 150 * time.Millisecond
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			start := time.Now()
			_, err := c.RemoveIntegrationWithResponse(ctx, 42)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
			if took > deadline+500*time.Millisecond {
				t.Errorf("returned after %v, want within the %v deadline plus a small margin", took, deadline)
			}
		})
	}
}

func TestServerNeverAnswers(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			// No deadline from the caller: the default transport's stall
			// timeout is what ends the wait. Here it is 50ms instead of 2
			// minutes.
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			h := func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}
			var c *api.ClientWithResponses
			if proto == "h1" {
				c, _ = setup(t, h, datafold.WithHTTPClient(&http.Client{Transport: datafold.NewTransportPool(50 * time.Millisecond)}),
					datafold.WithSleep((&clock{}).sleep))
			} else {
				srv, roots := newFakeTLS(t, h)
				var err error
				c, err = datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(testKey),
					datafold.WithTestPool(datafold.TestPool{Stall: 50 * time.Millisecond, Roots: roots}), datafold.WithSleep((&clock{}).sleep))
				if err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			_, err := c.RemoveIntegrationWithResponse(context.Background(), 42)
			var netErr net.Error
			if !errors.As(err, &netErr) || !netErr.Timeout() || !strings.Contains(err.Error(), "timeout awaiting response headers") ||
				!strings.Contains(err.Error(), "gave up after 4 attempts") {
				t.Errorf("err = %v, want a timeout after 4 attempts", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v, want about 4 × 50ms", took)
			}
		})
	}
}

func TestRetry_stopsAtDeadline(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			// Retry-After of 10s is within the policy cap but beyond the
			// deadline: the client answers at once with the 503 instead of
			// sleeping.
			c, srv := setupOn(t, proto, jsonBody(200, `{}`), datafold.WithRetryPolicy(datafold.DefaultRetryPolicy()))
			srv.FailNext(1, http.StatusServiceUnavailable, "10")
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			start := time.Now()
			resp, err := c.RemoveIntegrationWithResponse(ctx, 42)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != 503 || time.Since(start) > 500*time.Millisecond {
				t.Errorf("status %d after %v, want 503 at once", resp.StatusCode(), time.Since(start))
			}
		})
	}
}

func TestRetry_cancelWhileWaiting(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			c, srv := setupOn(t, proto, jsonBody(200, `{}`), datafold.WithRetryPolicy(datafold.DefaultRetryPolicy()))
			srv.FailNext(1, http.StatusServiceUnavailable, "20")
			ctx, cancel := context.WithCancel(t.Context())
			// Cancel as soon as the server has answered the first attempt.
			go func() {
				for len(srv.Requests()) == 0 {
					runtime.Gosched()
				}
				cancel()
			}()
			start := time.Now()
			_, err := c.RemoveIntegrationWithResponse(ctx, 42)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("returned after %v, want soon after cancel", took)
			}
		})
	}
}

func TestHugeBody(t *testing.T) {
	// Not parallel: it measures the heap.
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			const size = 1 << 30
			c, _ := setupOn(t, proto, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", fmt.Sprint(size))
				chunk := make([]byte, 64<<10)
				for sent := 0; sent < size; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return // the client stopped reading
					}
				}
			})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
			runtime.ReadMemStats(&after)

			if !errors.Is(err, datafold.ErrResponseTooLarge) || !strings.Contains(err.Error(), "10485760-byte limit") {
				t.Errorf("err = %v, want ErrResponseTooLarge at the default 10 MiB", err)
			}
			// TotalAlloc only grows, so it bounds the peak of the call's heap.
			grew := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MiB while refusing a %d MiB body", float64(grew)/(1<<20), size>>20)
			if grew > 64<<20 {
				t.Errorf("allocated %d MiB, want far below the body size", grew>>20)
			}
		})
	}
}

func TestBodyLimitOption(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			// "No limit" spelled the obvious way must not overflow.
			c, _ := setupOn(t, proto, jsonBody(200, `{}`), datafold.WithMaxResponseBytes(math.MaxInt64))
			if o := call(t, c); o.err != nil {
				t.Errorf("MaxInt64 limit: %v", o.err)
			}
		})
	}
}

func TestBodyLimitOption_exact(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			c, _ := setupOn(t, proto, jsonBody(200, `{"detail":"`+strings.Repeat("x", 100)+`"}`), datafold.WithMaxResponseBytes(64))
			_, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
			if !errors.Is(err, datafold.ErrResponseTooLarge) {
				t.Errorf("err = %v, want ErrResponseTooLarge", err)
			}
			c, _ = setupOn(t, proto, jsonBody(200, `{"a":"`+strings.Repeat("x", 56)+`"}`), datafold.WithMaxResponseBytes(64))
			if _, err := c.RemoveIntegrationWithResponse(t.Context(), 42); err != nil {
				t.Errorf("a body of exactly the limit: %v", err)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		for _, code := range []int{301, 302, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d_other_host", proto, code), func(t *testing.T) {
				t.Parallel()
				got := make(chan string, 1)
				other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got <- r.Header.Get("Authorization")
				}))
				t.Cleanup(other.Close)
				// "localhost" and "127.0.0.1" are different hosts to Go's
				// redirect rules, as two domains would be.
				otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
				c, _ := setupOn(t, proto, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, otherURL+r.URL.Path, code)
				})
				_, _ = c.RemoveIntegrationWithResponse(t.Context(), 42)
				if auth := <-got; auth != "" {
					t.Errorf("the other host received Authorization %q", strings.ReplaceAll(auth, testKey, "<key>"))
				}
			})
		}

		t.Run(proto+"/307_same_host_keeps_key", func(t *testing.T) {
			t.Parallel()
			c, srv := setupOn(t, proto, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v1/lineage/bi/42/" {
					http.Redirect(w, r, "/api/v1/lineage/bi/43/", http.StatusTemporaryRedirect)
					return
				}
				jsonBody(200, `{}`)(w, r)
			})
			o := call(t, c)
			if o.err != nil {
				t.Fatal(o.err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || !reqs[1].KeyMatched || reqs[1].Method != http.MethodDelete || reqs[1].Path != "/api/v1/lineage/bi/43/" {
				t.Errorf("requests = %+v, want the DELETE repeated at /43/ with the key", reqs)
			}
		})

		t.Run(proto+"/fastapi_trailing_slash", func(t *testing.T) {
			t.Parallel()
			// The fake answers a path without its slash with a 307, as
			// Starlette does; the key must survive the hop.
			c, srv := setupOn(t, proto, nil)
			srv.AddIntegrations(9)
			key, _ := datafold.NewAPIKey(testKey)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, srv.URL+"/api/v1/lineage/bi/9", nil)
			if err := key.Intercept(t.Context(), req); err != nil {
				t.Fatal(err)
			}
			resp, err := c.ClientInterface.(*api.Client).Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != 200 || srv.HasIntegration(9) {
				t.Errorf("status %d, integration still there: %v", resp.StatusCode, srv.HasIntegration(9))
			}
		})
	}

	for _, proto := range protos {
		// A server that echoes the key into a redirect's Location puts
		// it into the next hop's URL: into net/http's *url.Error, the
		// APIError's path, the malformed-body error and the debug log.
		for _, tt := range []struct {
			name   string
			answer http.HandlerFunc
		}{
			{"reset", func(w http.ResponseWriter, r *http.Request) { resetConn(w, r) }},
			{"404", jsonBody(404, `{"detail":"Not Found"}`)},
			{"200_not_json", jsonBody(200, `<html>`)},
			{"200_broken_body", func(w http.ResponseWriter, r *http.Request) { breakBody(t, w, r) }},
		} {
			t.Run(proto+"/key_echoed_into_location/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var logged bytes.Buffer
				var mu sync.Mutex
				logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c := rawClient(t, proto, func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.URL.Path, "/echo/") {
						tt.answer(w, r)
						return
					}
					http.Redirect(w, r, "/echo/"+url.PathEscape(testKey)+"/?k="+testKey, http.StatusTemporaryRedirect)
				}, datafold.WithLogger(logger))
				o := call(t, c) // fails the test if the error holds the key
				if o.err == nil {
					t.Fatal("no error")
				}
				for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
					if s := fmt.Sprintf(verb, o.err); strings.Contains(s, testKey) {
						t.Errorf("%s of the error holds the key: %s", verb, strings.ReplaceAll(s, testKey, "<key>"))
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if !strings.Contains(logged.String(), "/echo/") {
					t.Errorf("the log does not show the redirect:\n%s", logged.String())
				}
				if strings.Contains(logged.String(), testKey) {
					t.Errorf("the debug log holds the key:\n%s", strings.ReplaceAll(logged.String(), testKey, "<key>"))
				}
			})
		}

		// The loopback exception is for a server the user named: an https
		// server cannot send the key to plain http, even on loopback.
		t.Run(proto+"/https_to_http_loopback_refused", func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int64
			plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				if r.Header.Get("Authorization") != "" {
					t.Error("the plain http server received the key")
				}
			}))
			t.Cleanup(plain.Close)
			for _, insecure := range []bool{false, true} {
				opts := []datafold.Option{}
				if insecure {
					opts = append(opts, datafold.WithInsecureHTTP())
				}
				c := rawClient(t, proto+"+tls", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
				}, opts...)
				if o := call(t, c); !errors.Is(o.err, datafold.ErrInsecureTransport) {
					t.Errorf("insecure=%v: err = %v, want ErrInsecureTransport", insecure, o.err)
				}
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the plain http server got %d requests, want 0", n)
			}
		})
	}

	t.Run("https_to_http_same_host_refused", func(t *testing.T) {
		t.Parallel()
		// No network: a transport that answers the first hop with a
		// downgrade and fails the test if a second hop reaches it.
		hops := 0
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			hops++
			if hops > 1 {
				t.Errorf("a request to %s reached the network", r.URL)
			}
			return &http.Response{
				StatusCode: http.StatusTemporaryRedirect,
				Header:     http.Header{"Location": {"http://api.example.test" + r.URL.Path}},
				Body:       http.NoBody,
				Request:    r,
			}, nil
		})
		c, err := datafold.NewClient(datafold.WithServer("https://api.example.test"), datafold.WithAPIKey(testKey),
			datafold.WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		if o := call(t, c); !errors.Is(o.err, datafold.ErrInsecureTransport) {
			t.Errorf("err = %v, want ErrInsecureTransport", o.err)
		}
	})
}
