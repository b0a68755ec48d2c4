package datafold_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// The waits between attempts when the server names none: DefaultRetryPolicy's
// start near 500ms and double up to 8s, each drawn between half and all of
// its step (equal jitter), so that clients do not retry in step.
func TestRetry_backoff(t *testing.T) {
	t.Parallel()
	type bounds struct{ lo, hi time.Duration }
	const ms, s = time.Millisecond, time.Second
	defaultSix := datafold.DefaultRetryPolicy()
	defaultSix.MaxRetries = 6
	tests := []struct {
		name   string
		policy datafold.RetryPolicy
		want   []bounds
	}{
		{name: "default_policy_doubles_to_the_cap", policy: defaultSix,
			want: []bounds{{250 * ms, 500 * ms}, {500 * ms, s}, {s, 2 * s}, {2 * s, 4 * s}, {4 * s, 8 * s}, {4 * s, 8 * s}}},
		// However many doublings: 0 doubled stays 0.
		{name: "min_backoff_zero_never_waits", policy: datafold.RetryPolicy{MaxRetries: 70, MaxBackoff: time.Hour},
			want: make([]bounds, 70)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{}
			c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(tt.policy), datafold.WithSleep(clk.sleep)))
			srv.FailNext(len(tt.want), http.StatusServiceUnavailable, "")
			if o := call(t, c); o.err != nil {
				t.Fatal(o.err)
			}
			waits := clk.recorded()
			if len(waits) != len(tt.want) {
				t.Fatalf("waited %d times, want %d", len(waits), len(tt.want))
			}
			for i, w := range waits {
				if b := tt.want[i]; w < b.lo || w > b.hi {
					t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, b.lo, b.hi)
				}
			}
		})
	}
}

func TestRetry_backoffNeverOverflows(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	policy := datafold.RetryPolicy{MaxRetries: 40, MinBackoff: 5 * time.Second, MaxBackoff: time.Hour, MaxRetryAfter: time.Minute}
	c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(policy), datafold.WithSleep(clk.sleep)))
	srv.FailNext(40, http.StatusServiceUnavailable, "")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}
	for i, w := range clk.recorded() {
		if w < policy.MinBackoff/2 || w > policy.MaxBackoff {
			t.Errorf("wait %d = %v, want between MinBackoff/2 and MaxBackoff", i, w)
		}
	}
}

// Retry-After is honoured up to MaxRetryAfter, the cap included; one
// second more and the answer comes back at once, for the caller to decide.
// A date already past means no wait.
func TestRetry_retryAfterCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		wantWaits  string
		wantStatus int
	}{
		{name: "at_the_cap", retryAfter: "30", wantWaits: "[30s]", wantStatus: 200},
		{name: "one_second_over", retryAfter: "31", wantWaits: "[]", wantStatus: 429},
		{name: "date_in_the_past", retryAfter: time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), wantWaits: "[0s]", wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{}
			// MaxRetryAfter: 30s.
			c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(datafold.DefaultRetryPolicy()), datafold.WithSleep(clk.sleep)))
			srv.FailNext(1, http.StatusTooManyRequests, tt.retryAfter)
			resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(clk.recorded()); resp.StatusCode() != tt.wantStatus || got != tt.wantWaits {
				t.Errorf("status %d after waiting %v, want %d after %v", resp.StatusCode(), got, tt.wantStatus, tt.wantWaits)
			}
		})
	}
}

// A context canceled as an answer asking for no wait arrives ends the call:
// no attempt goes out on a canceled context.
func TestRetry_canceledBeforeImmediateRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var cancel context.CancelFunc
	c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		cancel()
		return canned(http.StatusServiceUnavailable, http.Header{"Retry-After": {"0"}}, nil)(r)
	}))
	// Sixteen calls, so that a wait of 0 left to a select between the
	// timer and the cancel would show.
	for range 16 {
		calls.Store(0)
		ctx, stop := context.WithCancel(t.Context())
		cancel = stop
		_, err := c.RemoveIntegrationWithResponse(ctx, 42)
		stop()
		if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
			t.Fatalf("err = %v after %d attempts, want context.Canceled after 1", err, calls.Load())
		}
	}
}

// A Retry-After given as an HTTP date is waited for exactly, in the fake
// time of a bubble, with the client's own sleep.
func TestRetry_retryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, srv := setup(t, inBubble(), answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(datafold.DefaultRetryPolicy())))
		srv.FailNext(1, http.StatusTooManyRequests, time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat))
		start := time.Now()
		if o := call(t, c); o.err != nil {
			t.Fatal(o.err)
		}
		if took, n := time.Since(start), len(srv.Requests()); took != 5*time.Second || n != 2 {
			t.Errorf("%d requests in %v, want 2, the second after the 5s the date said", n, took)
		}
	})
}

// A Retry-After within the policy's cap but beyond the caller's deadline
// is not slept into: the 503 is returned at once.
func TestRetry_stopsAtDeadline(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, srv := setup(t, over(proto), inBubble(), answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(datafold.DefaultRetryPolicy())))
				srv.FailNext(1, http.StatusServiceUnavailable, "10")
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				start := time.Now()
				resp, err := c.RemoveIntegrationWithResponse(ctx, 42)
				if err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); resp.StatusCode() != 503 || took != 0 {
					t.Errorf("status %d after %v, want 503 at once", resp.StatusCode(), took)
				}
			})
		})
	}
}

// Canceling the context ends the wait for a retry at once.
func TestRetry_cancelWhileWaiting(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, srv := setup(t, over(proto), inBubble(), answer(jsonBody(200, `{}`)), withClient(datafold.WithRetryPolicy(datafold.DefaultRetryPolicy())))
				srv.FailNext(1, http.StatusServiceUnavailable, "20")
				ctx, cancel := context.WithCancel(t.Context())
				errs := make(chan error, 1)
				go func() {
					_, err := c.RemoveIntegrationWithResponse(ctx, 42)
					errs <- err
				}()
				synctest.Wait() // the 503 is in; the client waits out the 20s
				if n := len(srv.Requests()); n != 1 {
					t.Fatalf("server saw %d requests before the cancel, want 1", n)
				}
				start := time.Now()
				cancel()
				if err := <-errs; !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if took := time.Since(start); took != 0 {
					t.Errorf("returned %v after the cancel, want at once", took)
				}
			})
		})
	}
}

func TestRetry_connectionRefused(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			clk := &clock{}
			c, _ := setup(t, over(proto), nothingListening(), withClient(datafold.WithSleep(clk.sleep)))
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

// Which network errors are worth another attempt.
func TestRetry_transientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantCalls int
	}{
		// A name that does not exist will not start existing.
		{name: "no_such_host", err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "datafold.invalid", IsNotFound: true}}, wantCalls: 1},
		{name: "connection_reset", err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, wantCalls: 4},
		{name: "eof_before_answer", err: io.ErrUnexpectedEOF, wantCalls: 4},
		// A certificate that is wrong now will be wrong next time.
		{name: "certificate_unknown_authority", err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, wantCalls: 1},
		{name: "resolver_timeout", err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "datafold.corp", IsTimeout: true}}, wantCalls: 4},
		// The streams of an HTTP/2 connection that broke under them fail
		// with net/http's unexported errors; an idempotent request is sent
		// again, as after any other lost connection.
		{name: "h2_force_closed", err: errors.New("http2: client connection force closed via ClientConn.Close"), wantCalls: 4},
		{name: "h2_connection_lost", err: errors.New("http2: client connection lost"), wantCalls: 4},
		{name: "h2_goaway", err: errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=\"\""), wantCalls: 4},
		{name: "h2_stream_reset", err: errors.New("stream error: stream ID 3; INTERNAL_ERROR; received from peer"), wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			c, _ := setup(t, viaTransport(func(*http.Request) (*http.Response, error) {
				calls.Add(1)
				return nil, tt.err
			}))
			o := call(t, c)
			if !errors.Is(o.err, tt.err) {
				t.Errorf("err = %v, want %v", o.err, tt.err)
			}
			// One attempt's error is returned as it is; after retries, it
			// says how many attempts were made.
			if gaveUp := o.err != nil && strings.Contains(o.err.Error(), "gave up after"); gaveUp != (tt.wantCalls > 1) {
				t.Errorf("err = %v, want an attempt count: %v", o.err, tt.wantCalls > 1)
			}
			if n := calls.Load(); n != int64(tt.wantCalls) {
				t.Errorf("sent %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestRetry_notForPOST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		policy    datafold.RetryPolicy
		wantCalls int64
	}{
		{name: "default", policy: fastRetries, wantCalls: 1},
		{name: "opted_in", policy: datafold.RetryPolicy{MaxRetries: 2, RetryNonIdempotent: true}, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			c, srv := setup(t, rawHandler(func(w http.ResponseWriter, r *http.Request) {
				if body, _ := io.ReadAll(r.Body); string(body) != `{"a":1}` {
					t.Errorf("attempt body = %q, want the original body replayed", body)
				}
				calls.Add(1)
				w.WriteHeader(http.StatusServiceUnavailable)
			}), withClient(datafold.WithRetryPolicy(tt.policy)))
			// The spec has no POST yet; send one through the same
			// transport the generated client uses.
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/things/", strings.NewReader(`{"a":1}`))
			resp, err := c.ClientInterface.(*api.Client).Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if n := calls.Load(); n != tt.wantCalls {
				t.Errorf("POST sent %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestRetry_disabled(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithoutRetries()))
	srv.FailNext(1, http.StatusServiceUnavailable, "0")
	o := call(t, c)
	if o.resp == nil || o.resp.StatusCode() != 503 || len(srv.Requests()) != 1 {
		t.Errorf("status %v after %d requests, want one 503", o.resp, len(srv.Requests()))
	}
}
