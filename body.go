package datafold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ErrResponseTooLarge is wrapped by the error a call returns when a response
// body is longer than the limit set with [WithMaxResponseBytes].
var ErrResponseTooLarge = errors.New("datafold: response body too large")

// ErrMalformedBody is wrapped by the error a call returns when a successful
// response declares a JSON body but sends an empty or invalid one. The error
// names the status, so a caller can tell that the server did answer.
var ErrMalformedBody = errors.New("datafold: malformed response body")

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
