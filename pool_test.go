package datafold_test

// The stall bound of the default pool, in fake time: every wait is exact,
// and a two-minute bound takes no time to test.

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	datafold "github.com/datafold/datafold-go"
)

// A server that never answers fails each attempt after the default
// two-minute stall timeout, and the call after four attempts, with no
// deadline from the caller.
func TestPool_serverNeverAnswers(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"h1", "h1+tls", "h2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, _ := setup(t, over(proto), inBubble(), rawHandler(neverAnswers))
				start := time.Now()
				_, err := c.RemoveIntegrationWithResponse(context.Background(), 42)
				if !datafold.IsTimeout(err) || !strings.Contains(err.Error(), "timeout awaiting response headers") ||
					!strings.Contains(err.Error(), "gave up after 4 attempts") {
					t.Errorf("err = %v, want a header timeout after 4 attempts", err)
				}
				if took := time.Since(start); took != 4*2*time.Minute {
					t.Errorf("took %v, want 4 × 2m", took)
				}
			})
		})
	}
}

// One stream that never answers fails after the stall timeout while other
// requests keep its HTTP/2 connection busy, and they are not disturbed:
// only that stream is reset.
func TestPool_stalledStreamAmongBusyOnes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const stall = time.Minute
		c, srv := setup(t, over("h2"), inBubble(), stallTimeout(stall), withClient(datafold.WithoutRetries()),
			rawHandler(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/1/") {
					neverAnswers(w, r)
					return
				}
				jsonBody(200, `{}`)(w, r)
			}))
		// One call first, so the stalled one shares its connection.
		if _, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), 2)); err != nil {
			t.Fatal(err)
		}

		stalled := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := c.RemoveIntegrationWithResponse(context.Background(), 1)
			stalled <- err
		}()
		// Traffic on the same connection every tenth of the stall.
		var busy atomic.Int64
		for done := false; !done; {
			if _, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), 2)); err != nil {
				t.Fatalf("busy call: %v", err)
			}
			busy.Add(1)
			select {
			case err := <-stalled:
				done = true
				if !datafold.IsTimeout(err) || !strings.Contains(err.Error(), "timeout awaiting response headers") {
					t.Errorf("stalled call: err = %v, want a header timeout", err)
				}
				if took := time.Since(start); took != stall {
					t.Errorf("stalled call failed after %v, want exactly the %v stall timeout", took, stall)
				}
			case <-time.After(stall / 10):
			}
		}
		if n := srv.pipes.accepted.Load(); n != 1 {
			t.Errorf("the server accepted %d connections, want 1: the stall must not cost the connection", n)
		}
		if n := busy.Load(); n < 10 {
			t.Errorf("%d busy calls, want one every tenth of the stall", n)
		}
	})
}

// An HTTP/2 connection that goes silent as a whole is closed by pings
// within the stall timeout, however many requests are written to it, and
// every request on it fails: retried, for idempotent requests, on a new
// connection; returned to the caller otherwise. None hangs.
func TestPool_silentConnectionClosed(t *testing.T) {
	t.Parallel()
	const (
		stall   = time.Minute
		streams = 4
	)
	for _, tt := range []struct {
		name    string
		opts    []datafold.Option
		wantErr bool
	}{
		{name: "retried_on_a_new_connection", opts: []datafold.Option{datafold.WithRetryPolicy(fastRetries)}},
		{name: "without_retries_each_fails", opts: []datafold.Option{datafold.WithoutRetries()}, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// Each id's first attempt blocks; a second one, on a new
				// connection, is answered.
				var ps *pipeServer
				var arrived atomic.Int64
				c, srv := setup(t, over("h2"), inBubble(), stallTimeout(stall), withClient(tt.opts...),
					rawHandler(func(w http.ResponseWriter, r *http.Request) {
						if ps.accepted.Load() == 1 && !strings.HasSuffix(r.URL.Path, "/100/") {
							arrived.Add(1)
							neverAnswers(w, r)
							return
						}
						jsonBody(200, `{}`)(w, r)
					}))
				ps = srv.pipes
				// One call first, so the streams share its connection.
				if _, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), 100)); err != nil {
					t.Fatal(err)
				}
				errs := make(chan error, streams)
				for id := 1; id <= streams; id++ {
					go func() {
						_, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), id))
						errs <- err
					}()
				}
				synctest.Wait()
				if arrived.Load() != streams {
					t.Fatalf("%d streams arrived, want %d", arrived.Load(), streams)
				}
				frozeAt := time.Now()
				ps.freeze()
				for range streams {
					err := <-errs
					switch {
					case tt.wantErr && !datafold.IsTimeout(err) && !strings.Contains(err.Error(), "connection lost"):
						t.Errorf("call: %v, want a timeout or a lost connection", err)
					case !tt.wantErr && err != nil:
						t.Errorf("call: %v, want success after a retry", err)
					}
				}
				synctest.Wait()
				if !ps.frozenClosed() {
					t.Error("the client never closed the frozen connection")
				}
				if took := time.Since(frozeAt); took > stall {
					t.Errorf("the calls ended %v after the connection went silent, want at most the %v stall", took, stall)
				}
			})
		})
	}
}

// Requests written to a silent HTTP/2 connection do not keep it open: it
// is closed a stall timeout after it went silent, however many follow.
func TestPool_silentConnectionClosedDespiteWrites(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const stall = time.Minute
		c, srv := setup(t, over("h2"), inBubble(), stallTimeout(stall), rawHandler(neverAnswers), withClient(datafold.WithoutRetries()))
		ps := srv.pipes
		go func() { _, _ = c.RemoveIntegrationWithResponse(context.Background(), 1) }()
		synctest.Wait()
		ps.freeze()
		frozeAt := time.Now()
		// A new request every fifth of the stall, each written to the
		// silent connection while it stays open.
		tick := time.NewTicker(stall / 5)
		defer tick.Stop()
		for !ps.frozenClosed() {
			if time.Since(frozeAt) > stall {
				t.Fatalf("the silent connection is still open %v after it went silent", time.Since(frozeAt))
			}
			go func() { _, _ = c.RemoveIntegrationWithResponse(context.Background(), 1) }()
			<-tick.C
		}
	})
}

// A server that accepts the connection and never completes the TLS
// handshake fails each attempt after 10 seconds, so no call hangs on it.
func TestPool_handshakeNeverCompletes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var silent []net.Conn
		t.Cleanup(func() {
			for _, c := range silent {
				_ = c.Close()
			}
		})
		dial := func(context.Context, string, string) (net.Conn, error) {
			client, server := net.Pipe() // nothing ever reads the server's end
			mu.Lock()
			silent = append(silent, server)
			mu.Unlock()
			return client, nil
		}
		c, err := datafold.NewClient(datafold.WithServer("https://"+pipeHost), datafold.WithAPIKey(testKey),
			datafold.WithRetryPolicy(fastRetries), datafold.WithTestPool(datafold.TestPool{Dial: dial}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.RemoveIntegrationWithResponse(context.Background(), 42)
		if !datafold.IsTimeout(err) || !strings.Contains(err.Error(), "TLS handshake timeout") ||
			!strings.Contains(err.Error(), "gave up after 4 attempts") {
			t.Errorf("err = %v, want a handshake timeout after 4 attempts", err)
		}
		if took := time.Since(start); took != 4*10*time.Second {
			t.Errorf("took %v, want 4 × 10s", took)
		}
	})
}

// A connection left idle stays for the next call, and is closed after 90
// seconds without one, so a process that stops calling lets it go.
func TestPool_idleConnectionClosed(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, srv := setup(t, over(proto), inBubble(), answer(jsonBody(200, `{}`)))
				for range 2 {
					if o := call(t, c); o.err != nil {
						t.Fatal(o.err)
					}
					<-time.After(89 * time.Second)
				}
				if n := srv.pipes.accepted.Load(); n != 1 || srv.pipes.allClosed() {
					t.Fatalf("%d connections, closed: %v; want one, kept between calls 89s apart", n, srv.pipes.allClosed())
				}
				<-time.After(time.Second)
				synctest.Wait()
				if !srv.pipes.allClosed() {
					t.Error("the connection is still open after 90s idle")
				}
			})
		})
	}
}
