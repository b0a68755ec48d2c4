package datafold

import (
	"context"
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

// NewTransportPool is the default transport with a stall timeout short
// enough for a test.
func NewTransportPool(stall time.Duration) *http.Transport { return newTransportPool(stall) }
