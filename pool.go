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

// stallTimeout is how long a request waits on a silent server before it
// fails, so that one that never answers cannot hang a caller without a
// deadline.
const stallTimeout = 2 * time.Minute

// defaultTransport is the one pool of every client made without
// WithHTTPClient.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	return newTransportPool(poolConfig{stall: stallTimeout})
})

// poolConfig is what tests change: the stall, a CA, an in-memory network.
type poolConfig struct {
	stall time.Duration
	roots *x509.CertPool
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
}

// newTransportPool returns the client's connection pool: an http.Transport
// sized for concurrency, bounded against silent servers by net/http's own
// mechanisms. ResponseHeaderTimeout ends a request whose answer does not
// start within the stall timeout (on HTTP/2, only its stream is reset);
// HTTP/2 pings close a connection gone silent as a whole, and its requests
// are retried on a new one. A body that stops midway over a live connection
// is bounded by the caller's context only: the timer that would take is a
// cost on every request, for a fault no hostile-matrix row has met.
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
