package datafold

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// stallTimeout is how long a request may wait on a silent server before it
// fails: a server that accepts a request and never answers would otherwise
// hang a caller that set no deadline.
const stallTimeout = 2 * time.Minute

// defaultTransport is shared by every client NewClient makes without
// WithHTTPClient, so they share one connection pool.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	return newTransportPool(poolConfig{stall: stallTimeout})
})

// poolConfig is what differs between the shared pool and the ones tests
// build: a short stall, a test CA, a clock.
type poolConfig struct {
	stall time.Duration
	roots *x509.CertPool
	// now stamps connection read deadlines; nil means time.Now.
	now func() time.Time
}

// newTransportPool returns the client's connection pool: an http.Transport
// sized for concurrency, with two stall checks.
//
// The wait on a connection is bounded by a read deadline that every read
// and write moves (stallConn). On HTTP/1.1, where a connection carries one
// request at a time, that bounds each request at no cost per request. On
// HTTP/2 the frames of other streams move it too, so one stream that never
// answers would wait as long as its neighbours keep talking; there each
// request also gets its own bound (stallTransport). The deadline still
// catches a connection that goes silent as a whole: it is then closed, and
// every stream on it fails with the same timeout, which the retrying
// transport retries like any other connection error.
func newTransportPool(pc poolConfig) *stallTransport {
	now := pc.now
	if now == nil {
		now = time.Now
	}
	stall := pc.stall
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &stallConn{Conn: c, timeout: stall, now: now}, nil
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Shorter than stallTimeout, so an idle pooled connection is
		// closed by the pool before its read deadline can fire.
		IdleConnTimeout: 90 * time.Second,
		// Go's default keeps 2 idle connections per host, so a burst of
		// concurrent calls (the CLI removing many ids, a worker pool)
		// would open and close a connection per call beyond that.
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
	}
	if pc.roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: pc.roots, MinVersion: tls.VersionTLS12}
	}
	return &stallTransport{base: t, dog: newWatchdog(stall)}
}

// stallConn fails a read after timeout of silence on the connection.
// It stands in for http.Transport's ResponseHeaderTimeout, which starts a
// timer for every request (four allocations and 6% of parallel throughput,
// measured in bench/); moving a read deadline costs neither, and also
// catches a body that stops arriving.
//
// The first write after the server last sent something moves the deadline
// too: a pooled connection's background read started when it went idle,
// and the wait for an answer must be counted from the request, not from
// then. Later writes do not: on an HTTP/2 connection whose server has gone
// silent, new requests and stream resets keep being written, and must not
// keep the dead connection alive.
type stallConn struct {
	net.Conn
	timeout time.Duration
	now     func() time.Time
	// wrote is set by the first write after a read returned data.
	wrote atomic.Bool
}

func (c *stallConn) Write(p []byte) (int, error) {
	if !c.wrote.Load() && c.wrote.CompareAndSwap(false, true) {
		if err := c.Conn.SetReadDeadline(c.now().Add(c.timeout)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

func (c *stallConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(c.now().Add(c.timeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.wrote.Load() {
		c.wrote.Store(false)
	}
	return n, err
}

// stallTransport gives each https request its own stall bound, because
// https is where HTTP/2 shares a connection between requests. Plain http
// requests pass straight through: the pool never speaks HTTP/2 without TLS,
// so the connection's read deadline already bounds them.
//
// The bound costs a cancelable context and a small record per request, and
// no timer: one watchdog goroutine per pool, running only while requests
// are in flight, ticks four times per stall timeout and cancels the
// requests that have waited through four ticks without progress. A request
// therefore fails between one and one and a quarter stall timeouts after
// the server last gave it anything, and the cancel resets only its own
// stream: the connection and its other requests carry on.
type stallTransport struct {
	base *http.Transport
	dog  *watchdog
}

func (t *stallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return t.base.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{ctx: ctx, cancel: cancel, dog: t.dog}
	t.dog.add(w)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		err = w.explain(err)
		w.release()
		return nil, err
	}
	w.since.Store(notWaiting)
	if resp.Body == nil || resp.Body == http.NoBody {
		w.release()
		return resp, nil
	}
	w.rc = resp.Body
	resp.Body = w
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool.
func (t *stallTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// notWaiting marks a request whose caller holds the response and is not
// reading its body: a slow reader is not a stalled server.
const notWaiting = -1

// ticksPerStall is how finely the watchdog divides the stall timeout.
const ticksPerStall = 4

// watch is one https request in flight, and then its response body.
type watch struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	dog    *watchdog
	rc     io.ReadCloser
	// since is the watchdog tick at which the current wait began, or
	// notWaiting.
	since    atomic.Int64
	released atomic.Bool
}

func (w *watch) Read(p []byte) (int, error) {
	w.since.Store(w.dog.tick.Load())
	n, err := w.rc.Read(p)
	w.since.Store(notWaiting)
	switch {
	case err == io.EOF:
		// After EOF an HTTP/1 connection is already back in the pool (its
		// read loop has taken the EOF before Read returns), so canceling
		// the context now cannot cost the connection.
		w.release()
	case err != nil:
		err = w.explain(err)
	}
	return n, err
}

func (w *watch) Close() error {
	err := w.rc.Close()
	w.release()
	return err
}

// explain replaces the cancellation error a stalled request gets with the
// stall error, which says what happened and is retried as a timeout.
func (w *watch) explain(err error) error {
	if cause := context.Cause(w.ctx); cause == w.dog.err && w.ctx.Err() != nil {
		return cause
	}
	return err
}

func (w *watch) release() {
	if w.released.CompareAndSwap(false, true) {
		w.dog.remove(w)
		w.cancel(nil)
	}
}

// watchdog cancels the requests of one pool that wait too long.
type watchdog struct {
	stall time.Duration
	err   *stallError
	tick  atomic.Int64

	mu      sync.Mutex
	active  map[*watch]struct{}
	running bool
}

func newWatchdog(stall time.Duration) *watchdog {
	return &watchdog{stall: stall, err: &stallError{stall}, active: map[*watch]struct{}{}}
}

func (d *watchdog) add(w *watch) {
	w.since.Store(d.tick.Load())
	d.mu.Lock()
	d.active[w] = struct{}{}
	if !d.running {
		d.running = true
		go d.run()
	}
	d.mu.Unlock()
}

func (d *watchdog) remove(w *watch) {
	d.mu.Lock()
	delete(d.active, w)
	d.mu.Unlock()
}

// run ticks until no request is in flight, so an idle pool holds no
// goroutine.
func (d *watchdog) run() {
	ticker := time.NewTicker(d.stall / ticksPerStall)
	defer ticker.Stop()
	for range ticker.C {
		now := d.tick.Add(1)
		d.mu.Lock()
		if len(d.active) == 0 {
			d.running = false
			d.mu.Unlock()
			return
		}
		for w := range d.active {
			// Strictly more than ticksPerStall ticks: never less than a
			// whole stall timeout, whenever in a tick the wait began.
			if s := w.since.Load(); s != notWaiting && now-s > ticksPerStall {
				w.cancel(d.err)
			}
		}
		d.mu.Unlock()
	}
}

// stallError is what a request gets when the server gave it nothing for
// the stall timeout. Like a connection read deadline, it is a timeout
// [net.Error] matching [os.ErrDeadlineExceeded], so it is retried.
type stallError struct{ after time.Duration }

func (e *stallError) Error() string {
	return fmt.Sprintf("datafold: the server sent nothing for %v (stall timeout)", e.after)
}

func (*stallError) Timeout() bool   { return true }
func (*stallError) Temporary() bool { return true }

func (*stallError) Is(target error) bool { return target == os.ErrDeadlineExceeded }
