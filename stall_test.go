package datafold_test

// The stall timeout on HTTP/2, where requests share a connection.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// One stream that never answers fails after the stall timeout even while
// other requests keep its HTTP/2 connection busy, and they are not
// disturbed: the stall resets that stream alone.
func TestStallTimeout_http2StreamAmongBusyOnes(t *testing.T) {
	t.Parallel()
	const stall = time.Second
	var conns atomic.Int64
	c, _ := setupH2Conns(t, &conns, stall, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/1/") {
			<-r.Context().Done() // never answers
			return
		}
		jsonBody(200, `{}`)(w, r)
	}, datafold.WithoutRetries())

	// Other requests keep frames flowing on the connection until the
	// stalled one returns, or for at most 20 stall timeouts.
	stop := make(chan struct{})
	trafficDone := make(chan error, 1)
	var busyCalls atomic.Int64
	go func() {
		limit := time.After(20 * stall)
		for {
			select {
			case <-stop:
				trafficDone <- nil
				return
			case <-limit:
				trafficDone <- errors.New("traffic stopped at its limit before the stalled call returned")
				return
			default:
			}
			resp, err := c.RemoveIntegrationWithResponse(context.Background(), 2)
			if err == nil {
				err = datafold.CheckResponse(resp)
			}
			if err != nil {
				trafficDone <- err
				return
			}
			busyCalls.Add(1)
		}
	}()
	// Let the busy traffic open the connection first, so the stalled
	// request shares it.
	for busyCalls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}

	start := time.Now()
	_, err := c.RemoveIntegrationWithResponse(context.Background(), 1)
	took := time.Since(start)
	close(stop)
	if terr := <-trafficDone; terr != nil {
		t.Errorf("busy traffic: %v", terr)
	}

	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) ||
		!strings.Contains(err.Error(), "stall timeout") {
		t.Errorf("stalled call: err = %v, want the stall timeout", err)
	}
	if took < stall {
		t.Errorf("stalled call failed after %v, before the %v stall timeout", took, stall)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the server accepted %d connections, want 1: the stall must not cost the connection", n)
	}
	t.Logf("stalled call failed after %v while %d other calls went through", took, busyCalls.Load())
}

// When an HTTP/2 connection goes silent as a whole, its read deadline
// closes it, and every stream on it fails with the same timeout: retried,
// for idempotent requests, on a new connection; returned to the caller
// otherwise. None hangs.
func TestStallTimeout_http2ConnectionTornDown(t *testing.T) {
	t.Parallel()
	const (
		stall   = 500 * time.Millisecond
		streams = 4
	)
	tests := []struct {
		name        string
		opts        []datafold.Option
		wantSuccess bool
	}{
		{name: "retried_on_a_new_connection", opts: []datafold.Option{datafold.WithRetryPolicy(fastRetries)}, wantSuccess: true},
		{name: "without_retries_each_fails", opts: []datafold.Option{datafold.WithoutRetries()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Every first attempt blocks; once all of them have
			// arrived, the proxy freezes their connection both ways.
			var arrived atomic.Int64
			var seen sync.Map // id -> attempts
			px := &freezingProxy{}
			srv, roots := newFakeTLS(t, func(w http.ResponseWriter, r *http.Request) {
				n, _ := seen.LoadOrStore(r.URL.Path, new(atomic.Int64))
				if n.(*atomic.Int64).Add(1) == 1 {
					if arrived.Add(1) == streams {
						px.freeze()
					}
					<-r.Context().Done()
					return
				}
				jsonBody(200, `{}`)(w, r)
			})
			px.start(t, strings.TrimPrefix(srv.URL, "https://"))
			c, err := datafold.NewClient(append([]datafold.Option{
				datafold.WithServer("https://" + px.addr()), datafold.WithAPIKey(testKey),
				datafold.WithTestPool(stall, roots),
			}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}

			errs := make(chan error, streams)
			for id := 1; id <= streams; id++ {
				go func() {
					resp, err := c.RemoveIntegrationWithResponse(context.Background(), id)
					if err == nil {
						err = datafold.CheckResponse(resp)
					}
					errs <- err
				}()
			}
			for range streams {
				select {
				case err := <-errs:
					if tt.wantSuccess && err != nil {
						t.Errorf("call: %v, want success after a retry", err)
					}
					if !tt.wantSuccess && !errors.Is(err, os.ErrDeadlineExceeded) {
						t.Errorf("call: %v, want a timeout", err)
					}
				case <-time.After(20 * stall):
					t.Fatal("a call on the frozen connection hangs")
				}
			}
			// The calls may have ended by their own stall timeouts
			// a moment before the connection's deadline closed it.
			for i := 0; !px.frozenClosed(); i++ {
				if i == 100 {
					t.Fatal("the client never closed the frozen connection")
				}
				time.Sleep(stall / 10)
			}
		})
	}
}

// Requests written to an HTTP/2 connection whose server has gone silent do
// not keep it alive: it is closed a stall timeout after the first of them,
// however many follow.
func TestStallTimeout_http2SilentConnectionClosedDespiteWrites(t *testing.T) {
	t.Parallel()
	const stall = 500 * time.Millisecond
	var arrived atomic.Int64
	px := &freezingProxy{}
	srv, roots := newFakeTLS(t, func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == 1 {
			px.freeze()
		}
		<-r.Context().Done()
	})
	px.start(t, strings.TrimPrefix(srv.URL, "https://"))
	c, err := datafold.NewClient(datafold.WithServer("https://"+px.addr()), datafold.WithAPIKey(testKey),
		datafold.WithTestPool(stall, roots), datafold.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	// A new request every fifth of the stall timeout, each written to
	// the silent connection while it stays open.
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(stall / 5)
		defer tick.Stop()
		for {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = c.RemoveIntegrationWithResponse(context.Background(), 1)
			}()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	for !px.frozenClosed() {
		if time.Since(start) > 20*stall {
			t.Fatal("the silent connection is still open after 20 stall timeouts of requests written to it")
		}
		time.Sleep(stall / 10)
	}
	t.Logf("silent connection closed after %v", time.Since(start))
}

// setupH2Conns is setupOn("h2") counting the TCP connections the server
// accepts.
func setupH2Conns(t *testing.T, conns *atomic.Int64, stall time.Duration, h http.HandlerFunc, opts ...datafold.Option) (*api.ClientWithResponses, string) {
	t.Helper()
	srv, roots := newFakeTLSCounting(t, h, conns)
	c, err := datafold.NewClient(append([]datafold.Option{
		datafold.WithServer(srv.URL), datafold.WithAPIKey(testKey), datafold.WithTestPool(stall, roots),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv.URL
}

// freezingProxy forwards TCP connections to a server; after freeze, the
// connections it already has stop forwarding in both directions, as a
// network path that drops everything would, while new ones work.
type freezingProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn // client side of the connections open at freeze
	frozen []net.Conn
	gone   atomic.Int64 // frozen connections the client closed
}

func (p *freezingProxy) addr() string { return p.ln.Addr().String() }

func (p *freezingProxy) start(t *testing.T, backend string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			cc, err := ln.Accept()
			if err != nil {
				return
			}
			sc, err := net.Dial("tcp", backend)
			if err != nil {
				_ = cc.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, cc, sc)
			p.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(sc, cc, cc) }()
			go func() { defer wg.Done(); p.pipe(cc, sc, cc) }()
		}
	}()
}

// pipe copies src to dst until src ends, dropping what it reads once
// client is frozen.
func (p *freezingProxy) pipe(dst, src, client net.Conn) {
	defer func() { _ = dst.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.isFrozen(client) {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if src == client && p.isFrozen(client) {
				p.gone.Add(1)
			}
			return
		}
	}
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < len(p.conns); i += 2 {
		p.frozen = append(p.frozen, p.conns[i])
	}
}

func (p *freezingProxy) isFrozen(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		if f == c {
			return true
		}
	}
	return false
}

func (p *freezingProxy) frozenClosed() bool { return p.gone.Load() > 0 }
