package datafold

import (
	"context"
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
