package datafold

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says when and how often a request is sent again. Start from
// [DefaultRetryPolicy] and change what you need.
//
// Requests with idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE)
// are retried after a connection error, a body that broke off, or a 429,
// 502, 503 or 504; POST and PATCH only with RetryNonIdempotent, and a body
// without GetBody never. Between attempts the client waits for Retry-After
// (seconds or an HTTP date), else an exponential backoff with jitter; a
// context canceled, or whose deadline comes before the next attempt, ends
// the retries at once. The last response is returned as is, so
// [CheckResponse] reports the real status.
type RetryPolicy struct {
	// MaxRetries is how many times a request may be sent again after the
	// first attempt. Zero disables retries.
	MaxRetries int
	// MinBackoff is the wait before the first retry, doubled for each
	// further one up to MaxBackoff; the wait is drawn between half and all
	// of that, so many clients do not retry in step.
	MinBackoff time.Duration
	// MaxBackoff caps the exponential wait.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one returns the response, for the caller to decide.
	MaxRetryAfter time.Duration
	// RetryNonIdempotent also retries POST and PATCH requests, which may
	// repeat their effect on the server.
	RetryNonIdempotent bool
}

// DefaultRetryPolicy returns the policy [NewClient] uses: 3 retries, waits
// starting near 500ms and capped at 8s, and Retry-After honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    3,
		MinBackoff:    500 * time.Millisecond,
		MaxBackoff:    8 * time.Second,
		MaxRetryAfter: 30 * time.Second,
	}
}

// validate says what is wrong with p, after "RetryPolicy", or "".
func (p RetryPolicy) validate() string {
	if p.MaxRetries < 0 {
		return ".MaxRetries is negative"
	}
	if p.MinBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0 {
		return " durations must not be negative"
	}
	if p.MaxBackoff < p.MinBackoff {
		return ".MaxBackoff is less than MinBackoff"
	}
	return ""
}

func (t *transport) methodRetryable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete,
		http.MethodOptions, http.MethodTrace:
		return true
	}
	return t.retry.RetryNonIdempotent
}

// wrapped is an error with our message in front of another's: how many
// attempts were made, or the message without the secret.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// Timeout keeps url.Error's Timeout method truthful through the wrapping,
// for callers that test err.(net.Error).Timeout().
func (e *wrapped) Timeout() bool { return isTimeout(e.err) }

func isTimeout(err error) bool {
	t, ok := errors.AsType[interface {
		error
		Timeout() bool
	}](err)
	return ok && t.Timeout()
}

// shouldRetry reports whether an outcome is worth another attempt: a
// connection failure, or a status that means "try again later".
func shouldRetry(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		return ctx.Err() == nil && transient(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transient reports whether err is a network failure that a new attempt
// may not meet, unlike a certificate that will stay wrong (crypto/tls wraps
// every failed verification in one type) or a request we refused to send.
// The caller's context is checked apart: net/http's "timeout awaiting
// response headers" matches context.DeadlineExceeded too, and is worth
// another attempt.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInsecureTransport) ||
		errors.As(err, new(*tls.CertificateVerificationError)) {
		return false
	}
	// A name that does not exist will not start existing in the next
	// second; a resolver that timed out or failed may answer next time.
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok && dnsErr.IsNotFound {
		return false
	}
	return errors.As(err, new(net.Error)) || http2ConnectionLost(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// http2ConnectionLost reports whether err is how net/http's HTTP/2 client
// fails the streams of a broken connection (a reset, a failed write, a
// GOAWAY: which one depends on the goroutine that notices first) or a stream
// the server reset. All mean the request may go again on another
// connection. The errors are unexported, so they are known by their text.
func http2ConnectionLost(err error) bool {
	s := err.Error()
	return strings.Contains(s, "http2: client connection lost") || strings.Contains(s, "http2: client connection force closed") ||
		strings.Contains(s, "http2: server sent GOAWAY") || strings.Contains(s, "stream error: stream ID")
}

// backoff returns the wait before attempt+1, or false when the server asked
// for longer than the policy accepts.
func (t *transport) backoff(attempt int, resp *http.Response) (time.Duration, bool) {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d, d <= t.retry.MaxRetryAfter
		}
	}
	// Doubled per retry up to MaxBackoff, compared first to not overflow.
	// No bound on the shift: past 63 bits Go shifts to 0, which no positive
	// MinBackoff is under, and a MinBackoff of 0 stays 0.
	d := t.retry.MaxBackoff
	if shift := attempt - 1; t.retry.MinBackoff <= t.retry.MaxBackoff>>shift {
		d = t.retry.MinBackoff << shift
	}
	// Equal jitter: at least half the backoff, so waits still grow.
	return d/2 + rand.N(d/2+1), true
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
// More seconds than a Duration holds is still a number of seconds: far too
// long, not absent.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	const forever = time.Duration(1 << 62)
	if v != "" && strings.Trim(v, "0123456789") == "" {
		// Digits only: ParseInt fails only past int64, longer than forever.
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			secs = math.MaxInt64
		}
		return time.Duration(min(secs, int64(forever/time.Second))) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
