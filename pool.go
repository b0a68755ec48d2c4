package datafold

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"sync"
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
// build: a short stall, a test CA, an in-memory network.
type poolConfig struct {
	stall time.Duration
	roots *x509.CertPool
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
}

// newTransportPool returns the client's connection pool: an http.Transport
// sized for concurrency, bounded against silent servers by net/http's own
// mechanisms. ResponseHeaderTimeout ends a request whose answer does not
// start within the stall timeout, on HTTP/1.1 and on each HTTP/2 stream
// (only that stream is reset). On HTTP/2, pings close a connection that
// goes silent as a whole, failing every request on it with an error the
// retrying transport retries on a new connection.
//
// A body that stops arriving midway over a live connection is bounded only
// by the caller's context: the timer net/http would need for it is a cost
// on every request, for a fault no hostile-matrix row has met.
func newTransportPool(pc poolConfig) *http.Transport {
	dial := pc.dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: pc.stall,
		HTTP2: &http.HTTP2Config{
			// Silence for half the stall sends a ping; no answer for the
			// other half closes the connection.
			SendPingTimeout: pc.stall / 2,
			PingTimeout:     pc.stall / 2,
		},
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
	return t
}
