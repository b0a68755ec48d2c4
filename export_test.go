package datafold

import (
	"context"
	"crypto/x509"
	"net"
	"time"
)

// IsTimeout is the transport's own test for a timeout, through every
// wrapper.
var IsTimeout = isTimeout

// WithSleep replaces the wait between retries, so tests check backoff and
// Retry-After without spending the time.
func WithSleep(f func(context.Context, time.Duration) error) Option {
	return Option{func(c *config) error {
		c.sleep = f
		return nil
	}}
}

// TestPool is what a test may change in the connection pool WithTestPool
// builds: everything else is the shared default pool's design.
type TestPool struct {
	// Stall replaces the 2-minute stall timeout; 0 keeps it.
	Stall time.Duration
	// Roots are trusted besides the system's.
	Roots *x509.CertPool
	// Dial replaces the TCP dialer, for an in-memory network inside a
	// testing/synctest bubble.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// WithTestPool gives the client a connection pool of its own, built as the
// shared default one but for p, so TLS and HTTP/2 tests run on the client's
// own transport instead of a replacement.
func WithTestPool(p TestPool) Option {
	return Option{func(c *config) error {
		if p.Stall == 0 {
			p.Stall = stallTimeout
		}
		c.pool = &poolConfig{stall: p.Stall, roots: p.Roots, dial: p.Dial}
		return nil
	}}
}

// VersionOf is Version for a release tag and the build info of a program.
var VersionOf = version
