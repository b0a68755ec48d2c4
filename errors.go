package datafold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinels for the API failures callers usually branch on, which an
// [*APIError] matches with [errors.Is].
var (
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("datafold: not found")
	// ErrUnauthorized matches a 401 or 403: a wrong or underprivileged key.
	ErrUnauthorized = errors.New("datafold: unauthorized")
	// ErrValidation matches a 422, FastAPI's "does not fit the endpoint".
	ErrValidation = errors.New("datafold: validation failed")
	// ErrRateLimited matches a 429 answer that retries did not get past.
	ErrRateLimited = errors.New("datafold: rate limited")
)

// requestIDHeaders carry, best first, an id to find the request in logs.
var requestIDHeaders = []string{"X-Request-Id", "X-Correlation-Id", "Cf-Ray"}

// maxExcerpt bounds the copy of a body an [APIError] keeps: a proxy's HTML
// page prints as a line, not as 40 KB.
const maxExcerpt = 512

// APIError is a response from the Datafold API with a status outside 2xx,
// built by [CheckResponse] from any response type in package api. It holds
// nothing of the request's headers or query, so it is safe to log.
type APIError struct {
	// StatusCode is the HTTP status, such as 404.
	StatusCode int
	// Method is the request's method, such as "DELETE".
	Method string
	// Path is the request's escaped path without the query, such as
	// "/api/v1/lineage/bi/42/".
	Path string
	// Detail is FastAPI's "detail" when it is a string, such as
	// "Integration not found", or a summary of Issues when it is a list.
	Detail string
	// Issues holds FastAPI's validation errors, when "detail" is a list.
	Issues []ValidationIssue
	// RequestID is the server's request id header, when it sent one.
	RequestID string
	// Body is the first 512 bytes of a body without FastAPI's "detail"
	// (an HTML page from a proxy, say).
	Body []byte
	// Attempts is how many times the request was sent, retries included.
	Attempts int
	// RetryAfter is the wait the server asked for in its Retry-After
	// header, or 0: on a 429 or 503, when to try again.
	RetryAfter time.Duration
}

// ValidationIssue is one entry of FastAPI's validation error list.
type ValidationIssue struct {
	// Loc is where the problem is: strings (a section such as "path" or
	// "body", or a field name) and ints (list indexes).
	Loc []any
	// Msg is the human-readable message.
	Msg string
	// Type is the machine-readable error type, such as "int_parsing".
	Type string
}

// Field returns Loc as a dotted path with list indexes in brackets, such as
// "body.items[0].name".
func (v ValidationIssue) Field() string {
	var b strings.Builder
	for _, e := range v.Loc {
		if i, ok := e.(int); ok {
			fmt.Fprintf(&b, "[%d]", i)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, e)
	}
	return b.String()
}

// String returns the issue as "field: message", such as
// "path.bi_datasource_id: Input should be a valid integer".
func (v ValidationIssue) String() string {
	if f := v.Field(); f != "" {
		return f + ": " + v.Msg
	}
	return v.Msg
}

// Error reads like
// "datafold: DELETE /api/v1/lineage/bi/42/: 404 Not Found: Integration not found".
func (e *APIError) Error() string {
	s := "datafold: "
	if e.Method != "" {
		s += e.Method + " "
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Message()
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		s += " [request id " + e.RequestID + "]"
	}
	return s
}

// Message is the status and what the server said, as one printable line:
// "404 Not Found: Integration not found", or the start of a body without
// FastAPI's detail ("502 Bad Gateway: <html> ..."). It is what [APIError.Error]
// says without the request, the attempts and the request id, for a caller
// that shows those apart.
func (e *APIError) Message() string {
	s := statusLine(e.StatusCode)
	if e.Detail != "" {
		s += ": " + e.Detail
	} else if len(e.Body) > 0 {
		s += ": " + excerpt(string(e.Body), 120)
	}
	return s
}

// statusLine names a status as "404 Not Found", from the code alone: the
// server's own reason phrase is free text and stays out of messages.
func statusLine(code int) string {
	return strings.TrimSpace(strconv.Itoa(code) + " " + http.StatusText(code))
}

// Is lets [errors.Is] match e against [ErrNotFound], [ErrUnauthorized],
// [ErrValidation] and [ErrRateLimited] by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// newAPIError describes a non-2xx answer; hr may be nil. A server may echo
// the key it was sent ("malformed Authorization header: Key ..."), so the
// credential is replaced with [REDACTED] in everything kept.
func newAPIError(code int, hr *http.Response, raw []byte) *APIError {
	e := &APIError{StatusCode: code, Attempts: 1}
	var secret string
	if hr != nil {
		secret = credential(hr.Request)
		if b, ok := hr.Body.(*body); ok {
			// The transport knows the key even on a hop to another host,
			// where Go took the Authorization header off.
			e.Attempts, secret = b.attempts, b.secret
		}
		raw = scrubBytes(raw, secret)
		if hr.Request != nil && hr.Request.URL != nil {
			e.Method = hr.Request.Method
			e.Path = redactPath(hr.Request.URL, secret)
		}
		for _, h := range requestIDHeaders {
			if id := hr.Header.Get(h); id != "" {
				e.RequestID = excerpt(scrub(id, secret), 128)
				break
			}
		}
		e.RetryAfter, _ = retryAfter(hr.Header.Get("Retry-After"), time.Now())
	}
	if !e.parseDetail(raw, secret) && len(raw) > 0 {
		e.Body = bytes.Clone(raw[:min(len(raw), maxExcerpt)])
	}
	return e
}

// parseDetail fills Detail and Issues from a FastAPI error body and reports
// whether the body was one.
func (e *APIError) parseDetail(body []byte, secret string) bool {
	var env struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Detail) == 0 || string(env.Detail) == "null" {
		return false
	}
	var s string
	var items []fastAPIIssue
	if json.Unmarshal(env.Detail, &s) == nil {
		e.Detail = excerpt(scrub(s, secret), maxExcerpt)
	} else if json.Unmarshal(env.Detail, &items) == nil {
		if len(items) == 0 {
			return false
		}
		msgs := make([]string, 0, len(items))
		for _, it := range items {
			v := ValidationIssue{Loc: it.Loc, Msg: scrub(it.Msg, secret), Type: scrub(it.Type, secret)}
			for i, l := range v.Loc {
				if f, ok := l.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
					v.Loc[i] = int(f) // a list index
				} else if s, ok := l.(string); ok {
					v.Loc[i] = scrub(s, secret)
				} else if l != nil {
					// Not FastAPI's: kept as JSON text, scrubbed too.
					b, _ := json.Marshal(l)
					v.Loc[i] = scrub(string(b), secret)
				}
			}
			e.Issues = append(e.Issues, v)
			msgs = append(msgs, v.String())
		}
		e.Detail = excerpt(strings.Join(msgs, "; "), maxExcerpt)
	} else {
		// An object or a number in "detail": kept as JSON.
		e.Detail = excerpt(scrub(string(env.Detail), secret), maxExcerpt)
	}
	return true
}

// excerpt returns at most max bytes of b as valid UTF-8, whitespace runs
// folded to one space, so any body prints on one short line. Control
// characters, bidi overrides and other invisible formatting become U+FFFD:
// nothing a server sends may steer the terminal the error is printed on.
func excerpt(s string, max int) string {
	var out strings.Builder
	space := false
	for _, r := range s {
		if out.Len() >= max {
			return out.String() + "…"
		}
		if unicode.IsSpace(r) {
			space = out.Len() > 0
			continue
		}
		if space {
			out.WriteByte(' ')
			space = false
		}
		if !unicode.IsPrint(r) {
			r = utf8.RuneError
		}
		out.WriteRune(r)
	}
	return out.String()
}
