package datafold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// ErrResponseTooLarge is wrapped by the error a call returns when a response
// body is longer than the limit set with [WithMaxResponseBytes].
var ErrResponseTooLarge = errors.New("datafold: response body too large")

// ErrMalformedBody is wrapped by the error a call returns when a successful
// response declares a JSON body but sends an empty, invalid or incomplete
// one: not JSON, or broken off by the connection midway. The error names the
// status, so a caller can tell that the server did answer, and so did what
// was asked.
var ErrMalformedBody = errors.New("datafold: malformed response body")

// body is a response body the transport has read in full (up to the limit)
// before handing the response on. Reading it there is what lets a body that
// breaks off be retried like any other connection failure, lets the JSON a
// 2xx declares be checked whole, and returns the connection to the pool
// before the caller decodes.
type body struct {
	buf      *[]byte // pooled; nil once closed
	data     []byte
	off      int
	err      error // the reason the body is unusable, returned instead of data
	attempts int
	secret   string
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		// Too large, broken off or not what it declared: the caller
		// gets the reason at once, not a part of the body to decode.
		return 0, b.err
	}
	if b.off < len(b.data) {
		n := copy(p, b.data[b.off:])
		b.off += n
		return n, nil
	}
	return 0, io.EOF
}

// Close gives the buffer back for the next response. The generated methods
// close after they have copied the body out.
func (b *body) Close() error {
	if b.buf != nil {
		*b.buf = b.data[:0]
		putBuffer(b.buf)
		b.buf, b.data = nil, nil
	}
	return nil
}

// buffers holds response buffers between calls, so that reading a body in
// full costs no allocation on the common path.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1<<10); return &b }}

// maxPooled keeps a rare large body from pinning its buffer in the pool.
const maxPooled = 64 << 10

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooled {
		buffers.Put(b)
	}
}

// readBody reads rc to its end, or to one byte past limit, into a pooled
// buffer. readErr is the connection's error when the body broke off; tooLarge
// says the limit was crossed (data then holds the first limit bytes).
func readBody(rc io.Reader, limit int64, size int64) (buf *[]byte, data []byte, readErr error, tooLarge bool) {
	buf = buffers.Get().(*[]byte)
	data = (*buf)[:0]
	if size > limit {
		// Declared too long: no need to read a byte of it.
		return buf, data, nil, true
	}
	if size > int64(cap(data)) {
		data = make([]byte, 0, size+1) // +1: see EOF without growing
	}
	for {
		if len(data) == cap(data) {
			// Double, up to the limit: append grows large slices by a
			// quarter, which for a 10 MiB body allocates ten times that.
			n := max(2*int64(cap(data)), 1<<10)
			if n > limit {
				n = limit + 1
			}
			grown := make([]byte, len(data), n)
			copy(grown, data)
			data = grown
		}
		// Ask for at most one byte past the limit: enough to know it was
		// crossed, never enough to hold more than the limit in memory.
		room := data[len(data):cap(data)]
		if left := limit - int64(len(data)); int64(len(room)) > left {
			room = room[:left+1]
		}
		n, err := rc.Read(room)
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			*buf = data
			return buf, data[:limit], nil, true
		}
		if err == io.EOF {
			*buf = data
			return buf, data, nil, false
		}
		if err != nil {
			*buf = data
			return buf, data, err, false
		}
	}
}

// judge returns the error a body that arrived whole must carry, if any: a
// 2xx declared as JSON that is empty or not JSON, or a 422 that is not
// FastAPI's validation list. The generated decoder's own errors would be a
// bare "unexpected end of JSON input" or "cannot unmarshal string into ...
// []ValidationError", without the status.
func judge(req *http.Request, resp *http.Response, data []byte, secret string) error {
	// The same test the generated decoder uses to decide to unmarshal.
	if req.Method == http.MethodHead || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return nil
	}
	switch code := resp.StatusCode; {
	case code == http.StatusNoContent, code == http.StatusResetContent:
		return nil
	case code == http.StatusUnprocessableEntity:
		if isValidationError(data) {
			return nil
		}
		// FastAPI sends this for HTTPException(422, "..."): a 422 the
		// typed JSON422 cannot hold, so report it as the API error it is.
		return newAPIError(code, resp, data)
	case code < 200 || code >= 300:
		return nil
	}
	if len(data) > 0 && json.Valid(data) {
		return nil
	}
	what := "an empty body"
	if len(data) > 0 {
		what = "a body that is not JSON: " + excerpt(scrubBytes(data, secret), 80)
	}
	return fmt.Errorf("%w: %s %s: the server answered %s with %s, though it declared Content-Type %q",
		ErrMalformedBody, req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), what, resp.Header.Get("Content-Type"))
}

// brokenBody is the error of a body the connection broke off. After a 2xx
// the request has been carried out, so it is a malformed body, not a failed
// request.
func brokenBody(req *http.Request, resp *http.Response, err error, secret string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return fmt.Errorf("%w: %s %s: the server answered %s, then the body broke off: %w",
			ErrMalformedBody, req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), err)
	}
	return fmt.Errorf("datafold: %s %s: reading the %s response body: %w",
		req.Method, redactPath(req.URL, secret), statusLine(resp.StatusCode), err)
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
