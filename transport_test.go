package datafold_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

func TestRedirects(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		for _, code := range []int{301, 302, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d_other_host_drops_key", proto, code), func(t *testing.T) {
				t.Parallel()
				got := make(chan string, 1)
				_, other := setup(t, rawHandler(func(w http.ResponseWriter, r *http.Request) {
					got <- r.Header.Get("Authorization")
				}))
				// "localhost" and "127.0.0.1" are different hosts to Go's
				// redirect rules, as two domains would be.
				otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
				c, _ := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, otherURL+r.URL.Path, code)
				}))
				_, _ = c.RemoveIntegrationWithResponse(t.Context(), 42)
				if auth := <-got; auth != "" {
					t.Errorf("the other host received Authorization %q", strings.ReplaceAll(auth, testKey, "<key>"))
				}
			})
		}

		t.Run(proto+"/307_same_host_keeps_key", func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v1/lineage/bi/42/" {
					http.Redirect(w, r, "/api/v1/lineage/bi/43/", http.StatusTemporaryRedirect)
					return
				}
				jsonBody(200, `{}`)(w, r)
			}))
			if o := call(t, c); o.err != nil {
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
			c, srv := setup(t, over(proto))
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

		// The loopback exception is for a server the user named: an https
		// server cannot send the key to plain http, even on loopback, even
		// with WithInsecureHTTP.
		t.Run(proto+"/https_to_http_loopback_refused", func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int64
			_, plain := setup(t, rawHandler(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
			tlsProto := map[string]string{"h1": "h1+tls", "h2": "h2"}[proto]
			for _, opts := range [][]datafold.Option{nil, {datafold.WithInsecureHTTP()}} {
				c, _ := setup(t, over(tlsProto), rawHandler(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
				}), withClient(opts...))
				if o := call(t, c); !errors.Is(o.err, datafold.ErrInsecureTransport) {
					t.Errorf("options %v: err = %v, want ErrInsecureTransport", opts, o.err)
				}
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the plain http server got %d requests, want 0", n)
			}
		})
	}
}

// A redirect that would carry the key over plain http is refused before
// it reaches the network: from https whatever the host, and to a host that
// is not loopback.
func TestRedirects_toPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		server   string
		location string
	}{
		{name: "https_to_http_same_host", server: "https://api.example.test", location: "http://api.example.test"},
		// Go keeps the header for a subdomain; evil.localhost is not
		// loopback.
		{name: "loopback_to_http_subdomain", server: "http://localhost", location: "http://evil.localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hops atomic.Int64
			c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
				if hops.Add(1) > 1 {
					t.Errorf("a request to %s reached the network", r.URL)
				}
				return &http.Response{
					StatusCode: http.StatusTemporaryRedirect,
					Header:     http.Header{"Location": {tt.location + r.URL.Path}},
					Body:       http.NoBody,
					Request:    r,
				}, nil
			}), withClient(datafold.WithServer(tt.server)))
			if o := call(t, c); !errors.Is(o.err, datafold.ErrInsecureTransport) {
				t.Errorf("err = %v, want ErrInsecureTransport", o.err)
			}
		})
	}
}

// The caller's deadline ends a call to a server slower than it, exactly
// when it passes.
func TestTransport_serverSlowerThanDeadline(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, srv := setup(t, over(proto), inBubble())
				srv.SetDelay(time.Minute) // ends early when the client goes away
				const deadline = 150 * time.Millisecond
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				start := time.Now()
				_, err := c.RemoveIntegrationWithResponse(ctx, 42)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want context.DeadlineExceeded", err)
				}
				if took := time.Since(start); took != deadline {
					t.Errorf("returned after %v, want the %v deadline", took, deadline)
				}
			})
		})
	}
}

// WithLogger logs each attempt at debug level, the key redacted.
func TestTransport_log(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithLogger(logger)))
	srv.FailNext(1, http.StatusServiceUnavailable, "0")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want one per attempt:\n%s", len(lines), strings.ReplaceAll(logged.String(), testKey, "<key>"))
	}
	for i, line := range lines {
		if strings.Contains(line, testKey) {
			t.Fatalf("log line %d contains the key", i)
		}
		var rec struct {
			Msg      string
			Method   string
			URL      string
			Status   int
			Attempt  int
			Duration int64
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		wantStatus := []int{503, 200}[i]
		if rec.Method != "DELETE" || !strings.HasSuffix(rec.URL, "/api/v1/lineage/bi/42/") ||
			rec.Status != wantStatus || rec.Attempt != i+1 || rec.Duration <= 0 {
			t.Errorf("log line %d = %+v, want DELETE …/42/, status %d, attempt %d and a duration", i, rec, wantStatus, i+1)
		}
	}
}
