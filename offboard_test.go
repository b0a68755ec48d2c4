package datafold_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// offboard is what a user's tool looks like, written from the README: it
// removes integrations and sorts every outcome through one error path, so
// no failure can fall between "the call failed" and "the answer was bad".
func offboard(ctx context.Context, c *api.ClientWithResponses, id int) string {
	_, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, id))
	var apiErr *datafold.APIError
	switch {
	case err == nil:
		return "removed"
	case errors.Is(err, datafold.ErrNotFound):
		return "already gone"
	case errors.Is(err, datafold.ErrMalformedBody):
		return "probably removed" // the server accepted it, then sent a bad body
	case errors.As(err, &apiErr):
		return fmt.Sprintf("refused: %d %s", apiErr.StatusCode, apiErr.Detail)
	default:
		return "unknown" // no answer: it may or may not have happened
	}
}

func TestOffboardOneErrorPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// handler answers RemoveIntegration in place of the fake; nil
		// leaves the fake's own behaviour, which holds integration 42.
		handler  http.HandlerFunc
		id       int
		want     string
		attempts int
	}{
		{name: "removed", id: 42, want: "removed", attempts: 1},
		{name: "fastapi_404", id: 7, want: "already gone", attempts: 1},
		{
			name: "non_fastapi_422",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = io.WriteString(w, `{"detail": "Integration is in use by 3 monitors"}`)
			},
			id: 42, want: "refused: 422 Integration is in use by 3 monitors", attempts: 1,
		},
		{
			name: "2xx_empty_body",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
			},
			id: 42, want: "probably removed", attempts: 1,
		},
		{
			name: "connection_reset",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				// SO_LINGER 0 turns Close into a TCP reset.
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
			},
			// DELETE is idempotent: retried three times, then given up.
			id: 42, want: "unknown", attempts: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := []datafoldtest.Option{datafoldtest.WithIntegrations(42)}
			// Counted as the handler starts: the fake records a hijacked
			// request only after the reset reaches the client.
			var calls atomic.Int64
			if tt.handler != nil {
				opts = append(opts, datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls.Add(1)
					tt.handler(w, r)
				})))
			}
			srv := datafoldtest.NewServer(t, opts...)

			if got := offboard(t.Context(), srv.Client(), tt.id); got != tt.want {
				t.Errorf("offboard(%d) = %q, want %q", tt.id, got, tt.want)
			}
			n := int(calls.Load())
			if tt.handler == nil {
				n = len(srv.Requests())
			}
			if n != tt.attempts {
				t.Errorf("the server answered %d requests, want %d", n, tt.attempts)
			}
		})
	}
}

// TestCheckPlainMethod: the plain methods' *http.Response goes through the
// same path, and a failed one has its body read into the *APIError.
func TestCheckPlainMethod(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(42))
	c := srv.Client()

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
	if resp == nil || apiErr.Detail == "" || apiErr.Method != http.MethodDelete {
		t.Errorf("resp = %v, APIError = %+v; want the response and FastAPI's detail", resp, apiErr)
	}
	if err := datafold.CheckResponse(resp); err == nil {
		t.Error("CheckResponse(404 *http.Response) = nil")
	}
}

func TestCheckResponseRejectsOtherTypes(t *testing.T) {
	t.Parallel()
	for _, v := range []any{nil, (*http.Response)(nil), (*api.RemoveIntegrationResponse)(nil), "200 OK", 200} {
		if err := datafold.CheckResponse(v); err == nil {
			t.Errorf("CheckResponse(%#v) = nil, want an error", v)
		}
	}
}

// A JSON decoding error from the generated decoder (a 2xx body too long
// for the transport to judge in full) is a malformed body too.
func TestCheckWrapsDecoderErrors(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithOperation("RemoveIntegration",
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"padding": "%0100d", "broken": }`, 0)
		})))
	_, err := datafold.Check(srv.Client().RemoveIntegrationWithResponse(t.Context(), 42))
	if !errors.Is(err, datafold.ErrMalformedBody) {
		t.Errorf("err = %v, want ErrMalformedBody", err)
	}
}
