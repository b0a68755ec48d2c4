package datafold

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// transport sits under the generated client, so everything here applies to
// every operation without per-operation code, and to every redirect hop.
type transport struct {
	base     http.RoundTripper
	policy   RetryPolicy
	maxBody  int64
	insecure bool
	logger   *slog.Logger

	// sleep and now are the clock; tests replace them so that backoff and
	// Retry-After are checked without waiting.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

func newTransport(base http.RoundTripper, c *config) *transport {
	return &transport{
		base:     base,
		policy:   c.retry,
		maxBody:  c.maxBody,
		insecure: c.insecure,
		logger:   c.logger,
		sleep:    c.sleep,
		now:      time.Now,
	}
}

// RoundTrip sends req, retrying as the policy says, and bounds the body of
// the response it returns.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The API key editor already checked the first hop; redirects reach
	// only this point, and Go's client keeps Authorization on a redirect to
	// the same host even when it drops from https to http.
	if !t.insecure && !secureURL(req) && req.Header.Get("Authorization") != "" {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("%w %q", ErrInsecureTransport, req.URL.Hostname())
	}

	ctx := req.Context()
	retryable := t.policy.MaxRetries > 0 && t.methodRetryable(req.Method) &&
		(req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)

	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("datafold: replaying the request body: %w", err)
			}
			r = req.Clone(ctx)
			r.Body = b
		}

		var start time.Time
		logging := t.logger != nil && t.logger.Enabled(ctx, slog.LevelDebug)
		if logging {
			start = time.Now()
		}
		resp, err := t.base.RoundTrip(r)
		if logging {
			t.log(ctx, r, resp, err, attempt, time.Since(start))
		}

		if !retryable || attempt > t.policy.MaxRetries || !shouldRetry(ctx, resp, err) {
			return t.finish(req, resp, err, attempt)
		}
		wait, ok := t.backoff(attempt, resp)
		if !ok {
			return t.finish(req, resp, err, attempt)
		}
		if deadline, has := ctx.Deadline(); has && t.now().Add(wait).After(deadline) {
			// The next attempt could not finish in time: answer now
			// with what we have instead of sleeping into the deadline.
			return t.finish(req, resp, err, attempt)
		}
		if resp != nil && resp.Body != nil {
			drain(resp.Body)
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("datafold: waiting to retry after attempt %d: %w", attempt, err)
		}
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// connection pool underneath.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// finish hands the last outcome to the caller: the response with its body
// bounded and its attempt count recorded, or the error with the count.
func (t *transport) finish(req *http.Request, resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err != nil {
		if attempts > 1 {
			return nil, &retryError{attempts: attempts, err: err}
		}
		return nil, err
	}
	rc := resp.Body
	if rc == nil {
		// http.Client would have put an empty body there; RoundTrippers
		// written as test stubs often leave it nil.
		rc = http.NoBody
	}
	resp.Body = &body{
		rc:       rc,
		resp:     resp,
		req:      req,
		limit:    t.maxBody,
		attempts: attempts,
		check:    checkFor(req, resp),
	}
	return resp, nil
}

// drain reads a little of a body we are discarding so that its connection
// can be reused, then closes it.
func drain(rc io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, rc, 4<<10)
	_ = rc.Close()
}

func (t *transport) log(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt int, took time.Duration) {
	u := *req.URL
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.User = nil
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", u.String()),
		slog.Int("attempt", attempt),
		slog.Duration("duration", took),
		slog.Any("headers", redactHeaders(req.Header)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", scrub(err.Error(), credential(req))))
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "datafold request", attrs...)
}

func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		if _, ok := out[k]; ok {
			out[k] = []string{"[REDACTED]"}
		}
	}
	return out
}
