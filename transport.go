package datafold

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// transport sits under the generated client, so everything here applies to
// every operation, and to every redirect hop. It reads the client's config,
// the key included, scrubbed from everything the transport prints.
type transport struct {
	base http.RoundTripper
	*config
}

// RoundTrip sends req, retrying as the policy says, and reads the body of
// the response it returns, bounded by the limit.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.refuse(req); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}

	ctx := req.Context()
	// MaxRetries is checked per attempt below; here, whether a retry could
	// send the same request again.
	retryable := t.methodRetryable(req.Method) &&
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

		start := time.Now()
		resp, err := t.base.RoundTrip(r)
		// A body that breaks off is a failed attempt like a connection
		// that breaks before the status line: for an idempotent request,
		// one more attempt may get the whole answer.
		failure := err
		if err == nil {
			failure = t.read(r, resp)
		}
		t.log(ctx, r, resp, failure, attempt, time.Since(start))

		wait, again := time.Duration(0), false
		if retryable && attempt <= t.retry.MaxRetries && shouldRetry(ctx, resp, failure) {
			wait, again = t.backoff(attempt, resp)
		}
		if deadline, has := ctx.Deadline(); !again || has && time.Now().Add(wait).After(deadline) {
			// Done, or the next attempt could not finish in time: answer
			// now with what we have instead of sleeping into the deadline.
			return t.finish(r, resp, err, attempt)
		}
		if resp != nil {
			_ = resp.Body.Close()
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("datafold: waiting to retry after attempt %d: %w", attempt, err)
		}
	}
}

// refuse stops a request that would carry the key over plain http: the
// first hop (whose URL a per-call editor may have changed) and every
// redirect, on which Go keeps Authorization to the same host from https to
// http. Once a hop was https, no redirect may lead back to plain http,
// whatever the host and whatever [WithInsecureHTTP] says.
func (t *transport) refuse(req *http.Request) error {
	if req.URL.Scheme != "http" || req.Header.Get("Authorization") == "" {
		return nil
	}
	for via := req.Response; via != nil && via.Request != nil; via = via.Request.Response {
		if via.Request.URL.Scheme == "https" {
			return fmt.Errorf("%w: a redirect from https to %q", ErrInsecureTransport, scrub("http://"+req.URL.Hostname(), t.key))
		}
	}
	if plainHTTPRefused(req.URL, t.insecure) {
		return fmt.Errorf("%w %q", ErrInsecureTransport, scrub(req.URL.Hostname(), t.key))
	}
	return nil
}

// CloseIdleConnections lets http.Client's reach the pool underneath.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// read replaces resp's body with a [body] holding all of it, up to the
// limit, and returns the connection's error if the body broke off.
func (t *transport) read(req *http.Request, resp *http.Response) error {
	b := &body{secret: t.key}
	rc := resp.Body
	resp.Body = b
	if rc == nil || rc == http.NoBody { // nil from RoundTrippers written as stubs
		return nil
	}
	tooLarge, readErr := b.readFrom(rc, t.maxBody, resp.ContentLength)
	_ = rc.Close()
	if tooLarge {
		b.err = fmt.Errorf("%w: %s %s: the body is longer than the %d-byte limit (see datafold.WithMaxResponseBytes)",
			ErrResponseTooLarge, req.Method, redactPath(req.URL, t.key), t.maxBody)
	} else if readErr != nil {
		b.err = brokenBody(req, resp, readErr, t.key)
	}
	return readErr
}

// finish hands the last outcome on: the response, its body judged, or the
// error, each with the attempt count.
func (t *transport) finish(req *http.Request, resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err != nil {
		if attempts > 1 {
			return nil, &wrapped{fmt.Sprintf("datafold: gave up after %d attempts: %v", attempts, err), err}
		}
		return nil, err
	}
	b := resp.Body.(*body)
	b.attempts = attempts
	if b.err == nil {
		b.err = judge(req, resp, b.data, t.key)
	}
	return resp, nil
}

func (t *transport) log(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt int, took time.Duration) {
	if t.logger == nil || !t.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	u := *req.URL
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.User = nil
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", scrub(u.String(), t.key)),
		slog.Int("attempt", attempt),
		slog.Duration("duration", took),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", scrub(err.Error(), t.key)))
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "datafold request", attrs...)
}
