package datafold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
)

// ErrResponseTooLarge is wrapped by the error a call returns when a response
// body is longer than the limit set with [WithMaxResponseBytes].
var ErrResponseTooLarge = errors.New("datafold: response body too large")

// ErrMalformedBody is wrapped by the error a call returns when a successful
// response declares a JSON body but sends an empty one, one that is not
// JSON, or one broken off midway. The error names the status: the server
// did answer, and so did what was asked.
var ErrMalformedBody = errors.New("datafold: malformed response body")

// body is a response body the transport has read in full (up to the limit),
// so that a body that breaks off is retried like any other connection
// failure, the JSON a 2xx declares is checked whole, and the connection goes
// back to the pool before the caller decodes.
type body struct {
	buf      *[]byte // pooled; nil once closed
	data     []byte  // what buf holds, up to the limit
	off      int
	err      error // the reason the body is unusable, returned instead of data
	attempts int
	secret   string
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err // the reason at once, not a part to decode
	}
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

// Close gives the buffer back, unless a rare large body would pin it.
func (b *body) Close() error {
	if b.buf != nil && cap(*b.buf) <= 64<<10 {
		buffers.Put(b.buf)
	}
	b.buf, b.data = nil, nil
	return nil
}

// buffers holds response buffers between calls, so that reading a body in
// full costs no allocation on the common path.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// readFrom reads rc to its end, or to one byte past limit, and reports
// whether the limit was crossed, or the connection's error. size is the
// declared length, or -1.
func (b *body) readFrom(rc io.Reader, limit, size int64) (tooLarge bool, err error) {
	b.buf = buffers.Get().(*[]byte)
	data := (*b.buf)[:0]
	if size > limit {
		return true, nil // declared too long: no need to read a byte of it
	}
	if size >= int64(cap(data)) {
		// +1 to see EOF; past a MiB, the body must arrive to be held.
		data = make([]byte, 0, min(size, 1<<20)+1)
	}
	end := min(limit, math.MaxInt64-1) + 1 // enough to know it was crossed
	for err == nil && int64(len(data)) < end {
		if len(data) == cap(data) {
			// Double: append grows large slices by a quarter, which
			// for a 10 MiB body allocates ten times that.
			grown := make([]byte, len(data), min(max(2*int64(cap(data)), 1<<10), end))
			copy(grown, data)
			data = grown
		}
		var n int
		n, err = rc.Read(data[len(data):min(int64(cap(data)), end)])
		data = data[:len(data)+n]
	}
	*b.buf = data[:0]
	if int64(len(data)) > limit {
		b.data = data[:limit]
		return true, nil
	}
	b.data = data
	if err == io.EOF {
		err = nil
	}
	return false, err
}

// judge returns the error of a 2xx declared as JSON, yet empty or not JSON:
// the generated decoder's would be a bare "unexpected end of JSON input".
// It takes Content-Type off what that decoder must not parse: an empty 204
// or 205, and a 422 that is not FastAPI's validation list (from
// HTTPException(422, "...")), which JSON422 cannot hold and whose decoding
// would fail and lose the response; [CheckResponse] describes that one.
func judge(req *http.Request, resp *http.Response, data []byte, secret string) error {
	// The same test the generated decoder uses to decide to unmarshal.
	if req.Method == http.MethodHead || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return nil
	}
	code := resp.StatusCode
	if code == http.StatusNoContent || code == http.StatusResetContent {
		if len(data) == 0 {
			resp.Header.Del("Content-Type")
		}
		return nil
	}
	if code == http.StatusUnprocessableEntity {
		if !isValidationError(data) {
			resp.Header.Del("Content-Type")
		}
		return nil
	}
	if code/100 != 2 || json.Valid(data) { // an empty body is not valid JSON
		return nil
	}
	what := "an empty body"
	if len(data) > 0 {
		what = "a body that is not JSON: " + excerpt(scrub(string(data), secret), 80)
	}
	return fmt.Errorf("%w: %s %s: the server answered %s with %s, though it declared Content-Type %q",
		ErrMalformedBody, req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), what, resp.Header.Get("Content-Type"))
}

// brokenBody is the error of a body the connection broke off: after a 2xx,
// a malformed body of a request carried out, not a failed request.
func brokenBody(req *http.Request, resp *http.Response, err error, secret string) error {
	if resp.StatusCode/100 == 2 {
		return fmt.Errorf("%w: %s %s: the server answered %s, then the body broke off: %w",
			ErrMalformedBody, req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), err)
	}
	return fmt.Errorf("datafold: %s %s: reading the %s response body: %w",
		req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), err)
}

// fastAPIIssue is an entry of FastAPI's validation list,
// {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}.
type fastAPIIssue struct {
	Loc       []any
	Msg, Type string
}

// isValidationError reports whether b decodes as FastAPI's validation list.
func isValidationError(b []byte) bool {
	var v struct{ Detail []fastAPIIssue }
	return json.Unmarshal(b, &v) == nil
}
