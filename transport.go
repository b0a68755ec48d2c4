package datafold

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrResponseTooLarge is wrapped by the error a call returns when a response
// body is longer than the limit set with [WithMaxResponseBytes].
var ErrResponseTooLarge = errors.New("datafold: response body too large")

// ErrMalformedBody is wrapped by the error a call returns when a successful
// response declares a JSON body but sends an empty or invalid one. The error
// names the status, so a caller can tell that the server did answer.
var ErrMalformedBody = errors.New("datafold: malformed response body")

// RetryPolicy says when and how often a request is sent again.
//
// Requests with idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE)
// are retried after a connection error or a 429, 502, 503 or 504 answer;
// POST and PATCH only when RetryNonIdempotent is set. A request whose body
// cannot be replayed (no GetBody) is never retried. Between attempts the
// client waits for the server's Retry-After (seconds or an HTTP date) when
// it sends one, otherwise for an exponential backoff with jitter; a canceled
// context or one whose deadline comes before the next attempt ends the
// retries at once. When retries run out the last response is returned as is,
// so [CheckResponse] reports the real status.
//
// Start from [DefaultRetryPolicy] and change what you need.
type RetryPolicy struct {
	// MaxRetries is how many times a request may be sent again after the
	// first attempt. Zero disables retries.
	MaxRetries int
	// MinBackoff is the wait before the first retry; each further retry
	// waits twice as long, up to MaxBackoff. The actual wait is drawn
	// between half and all of that, so many clients do not retry in step.
	MinBackoff time.Duration
	// MaxBackoff caps the exponential wait.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client will wait for.
	// When the server asks for longer, the response is returned instead of
	// retried, so the caller can decide.
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

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxRetries < 0:
		return errors.New("datafold: RetryPolicy.MaxRetries is negative")
	case p.MinBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0:
		return errors.New("datafold: RetryPolicy durations must not be negative")
	case p.MaxBackoff < p.MinBackoff:
		return errors.New("datafold: RetryPolicy.MaxBackoff is less than MinBackoff")
	}
	return nil
}

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

func (t *transport) methodRetryable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete,
		http.MethodOptions, http.MethodTrace:
		return true
	}
	return t.policy.RetryNonIdempotent
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

// retryError is the last attempt's error, saying how many were made.
type retryError struct {
	attempts int
	err      error
}

func (e *retryError) Error() string {
	return fmt.Sprintf("datafold: gave up after %d attempts: %v", e.attempts, e.err)
}

func (e *retryError) Unwrap() error { return e.err }

// Timeout keeps url.Error's Timeout method truthful through the wrapping,
// for callers that test err.(net.Error).Timeout().
func (e *retryError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

// shouldRetry reports whether an outcome is worth another attempt:
// connection failures and the statuses that mean "try again later".
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
// may not meet, as opposed to a canceled context, a certificate that will
// stay wrong, or a request we refused to send.
func transient(err error) bool {
	var (
		certErr    *tls.CertificateVerificationError
		hostErr    x509.HostnameError
		unknownCA  x509.UnknownAuthorityError
		invalidErr x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrInsecureTransport),
		errors.As(err, &certErr), errors.As(err, &hostErr),
		errors.As(err, &unknownCA), errors.As(err, &invalidErr):
		return false
	}
	// A name that does not exist will not start existing in the next
	// second; a resolver that timed out or failed may answer next time.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || http2ConnectionLost(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// http2ConnectionLost reports whether err is how net/http's HTTP/2 client
// fails the streams of a connection that broke under them (a reset, a
// failed write, a GOAWAY) or a stream the server reset. Which of these a
// stream gets when its connection goes down depends on which goroutine
// notices first; all of them mean the request may be sent again on
// another connection. The errors are unexported, so they are known by
// their text.
func http2ConnectionLost(err error) bool {
	s := err.Error()
	for _, m := range []string{
		"http2: client connection lost",
		"http2: client connection force closed",
		"http2: server sent GOAWAY",
		"stream error: stream ID",
	} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// backoff returns how long to wait before attempt+1, and false when the
// server asked for a longer wait than the policy accepts.
func (t *transport) backoff(attempt int, resp *http.Response) (time.Duration, bool) {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			return d, d <= t.policy.MaxRetryAfter
		}
	}
	// MinBackoff doubled per retry, stopping at MaxBackoff before it can
	// overflow.
	d := t.policy.MinBackoff
	for i := 1; i < attempt && d < t.policy.MaxBackoff; i++ {
		if d > t.policy.MaxBackoff/2 {
			d = t.policy.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, t.policy.MaxBackoff)
	if d <= 0 {
		return 0, true
	}
	// Equal jitter: at least half the backoff, so waits still grow.
	return d/2 + rand.N(d/2+1), true
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err == nil && secs < 0:
		return 0, false
	case err == nil && secs <= int64(time.Duration(1<<62)/time.Second):
		return time.Duration(secs) * time.Second, true
	case err == nil, errors.Is(err, strconv.ErrRange) && v[0] != '-' && v[0] != '+':
		// More seconds than a Duration holds is still a number of
		// seconds: far too long, not absent.
		return time.Duration(1 << 62), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// drain reads a little of a body we are discarding so that its connection
// can be reused, then closes it.
func drain(rc io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, rc, 4<<10)
	_ = rc.Close()
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

// body bounds a response body and turns the ways a body can defeat the
// generated decoder into errors that name the request and status.
type body struct {
	rc       io.ReadCloser
	resp     *http.Response
	req      *http.Request
	limit    int64
	n        int64
	attempts int
	check    bodyCheck
	err      error
	// head keeps the start of a successful JSON body so it can be checked
	// at the end without a second buffer.
	head [64]byte
	// full keeps a whole 422 body: an error path, and FastAPI's shape must
	// be judged on all of it.
	full []byte
}

// bodyCheck is what body verifies at the end of a body.
type bodyCheck uint8

const (
	checkNone bodyCheck = iota
	// checkSuccess: a 2xx body declared as JSON must be JSON.
	checkSuccess
	// checkValidation: a 422 declared as JSON must be FastAPI's validation
	// error, the type every FastAPI operation declares for 422.
	checkValidation
)

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Ask for at most one byte past the limit: enough to know it was
	// crossed, never enough to hold more than the limit in memory.
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n+1]
	}
	n, err := b.rc.Read(p)
	switch b.check {
	case checkSuccess:
		if b.n < int64(len(b.head)) {
			copy(b.head[b.n:], p[:n])
		}
	case checkValidation:
		b.full = append(b.full, p[:n]...)
	}
	b.n += int64(n)
	if b.n > b.limit {
		b.err = fmt.Errorf("%w: %s %s: the body is longer than the %d-byte limit (see datafold.WithMaxResponseBytes)",
			ErrResponseTooLarge, b.req.Method, b.req.URL.EscapedPath(), b.limit)
		return n - int(b.n-b.limit), b.err
	}
	switch {
	case err == io.EOF && b.check != checkNone:
		if e := b.checkBody(); e != nil {
			b.err = e
			return n, e
		}
	case err != nil && err != io.EOF:
		// A connection that breaks mid-body is not retried: the caller
		// may already hold part of the body. Say which call it was.
		b.err = fmt.Errorf("datafold: %s %s: reading the %s response body: %w",
			b.req.Method, b.req.URL.EscapedPath(), statusLine(b.resp.StatusCode), err)
		return n, b.err
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// checkBody runs at the end of a body the generated decoder will unmarshal.
// Where it would fail, it fails here instead with an error that keeps the
// status: the decoder's own is a bare "unexpected end of JSON input" or
// "cannot unmarshal string into ... []ValidationError".
func (b *body) checkBody() error {
	if b.check == checkValidation {
		if isValidationError(b.full) {
			return nil
		}
		// FastAPI sends this for HTTPException(422, "..."): a 422 the
		// typed JSON422 cannot hold, so report it as the API error it is.
		return newAPIError(b.resp.StatusCode, b.resp, b.full)
	}
	head := b.head[:min(b.n, int64(len(b.head)))]
	switch {
	case b.n == 0:
	case b.n <= int64(len(b.head)) && json.Valid(head):
		return nil
	case b.n > int64(len(b.head)) && startsJSON(head):
		return nil // too long to check here; the decoder will judge the rest
	}
	what := "an empty body"
	if b.n > 0 {
		what = "a body that is not JSON: " + excerpt(scrubHead(head, credential(b.req), b.n > int64(len(head))), 80)
	}
	return fmt.Errorf("%w: %s %s: the server answered %s with %s, though it declared Content-Type %q",
		ErrMalformedBody, b.req.Method, b.req.URL.EscapedPath(), statusLine(b.resp.StatusCode), what, b.resp.Header.Get("Content-Type"))
}

// isValidationError reports whether b decodes as FastAPI's
// HTTPValidationError: {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}.
func isValidationError(b []byte) bool {
	var v struct {
		Detail []struct {
			Loc  []json.RawMessage `json:"loc"`
			Msg  string            `json:"msg"`
			Type string            `json:"type"`
		} `json:"detail"`
	}
	return json.Unmarshal(b, &v) == nil
}

// startsJSON reports whether b, after leading whitespace, begins like a JSON
// value.
func startsJSON(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return true
		}
		return false
	}
	return false
}

// checkFor says what to verify of resp's body. Only bodies that claim JSON
// and that the generated decoder will unmarshal are checked; responses
// without a body by definition are left alone.
func checkFor(req *http.Request, resp *http.Response) bodyCheck {
	// The same test the generated decoder uses to decide to unmarshal.
	if req.Method == http.MethodHead || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return checkNone
	}
	switch code := resp.StatusCode; {
	case code == http.StatusNoContent, code == http.StatusResetContent:
		return checkNone
	case code >= 200 && code < 300:
		return checkSuccess
	case code == http.StatusUnprocessableEntity:
		return checkValidation
	}
	return checkNone
}
