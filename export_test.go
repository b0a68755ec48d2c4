package datafold

import (
	"context"
	"crypto/x509"
	"net/http"
	"time"
)

// WithSleep replaces the wait between retries, so tests check backoff and
// Retry-After without spending the time.
func WithSleep(f func(context.Context, time.Duration) error) Option {
	return func(c *config) error {
		c.sleep = f
		return nil
	}
}

// WithTestPool gives the client a connection pool of its own, built exactly
// as the shared default one but with a stall timeout short enough for a
// test (0 keeps the default) and roots trusted besides the system's (nil
// keeps the system's), so TLS and HTTP/2 tests run on the client's own
// transport instead of a replacement.
func WithTestPool(stall time.Duration, roots *x509.CertPool) Option {
	return func(c *config) error {
		if stall == 0 {
			stall = stallTimeout
		}
		c.pool = &poolConfig{stall: stall, roots: roots}
		return nil
	}
}

// NewTransportPool is the default transport with a stall timeout short
// enough for a test.
func NewTransportPool(stall time.Duration) http.RoundTripper {
	return newTransportPool(poolConfig{stall: stall})
}

// NewTransportPoolClock is NewTransportPool with the clock that stamps
// connection read deadlines replaced.
func NewTransportPoolClock(stall time.Duration, now func() time.Time) http.RoundTripper {
	return newTransportPool(poolConfig{stall: stall, now: now})
}
