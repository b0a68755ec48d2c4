package datafold

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// Everything the client prints or logs passes through here first: a server
// may echo the key in a body, a header or a redirect's Location, and so
// into a URL that errors and log lines name.

// redactedSecret replaces a credential found in what a server sent.
const redactedSecret = "[REDACTED]"

// credential returns the secret req's Authorization header carries: what
// follows the scheme ("Key <key>"), or the whole value when it has none.
func credential(req *http.Request) string {
	if req == nil {
		return ""
	}
	v := req.Header.Get("Authorization")
	if _, after, ok := strings.Cut(v, " "); ok {
		v = strings.TrimSpace(after)
	}
	return v
}

// scrubBytes returns b with every copy of secret replaced, and b itself,
// without copying, when there is none.
func scrubBytes(b []byte, secret string) []byte {
	if secret == "" || !bytes.Contains(b, []byte(secret)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(secret), []byte(redactedSecret))
}

// scrub is scrubBytes for a decoded string, where JSON escapes that hid the
// secret from scrubBytes are gone.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, redactedSecret)
}

// redactURL is scrub for text that holds URLs, where the secret may also
// stand percent-encoded: a server that echoes the key into a redirect's
// Location puts it into the next request's URL, and so into every error
// and log line that names it.
func redactURL(s, secret string) string {
	if secret == "" {
		return s
	}
	s = scrub(s, secret)
	for _, esc := range [...]string{url.PathEscape(secret), url.QueryEscape(secret)} {
		if esc != secret {
			s = strings.ReplaceAll(s, esc, redactedSecret)
		}
	}
	return s
}

// redactPath is u's escaped path with the secret taken out.
func redactPath(u *url.URL, secret string) string { return redactURL(u.EscapedPath(), secret) }

// redactError takes the secret out of the *url.Error http.Client returns:
// its URL is the last hop's, which a redirect chose. The wrapped error is
// kept for errors.Is and errors.As, behind a message without the secret.
func redactError(err error, secret string) error {
	ue, ok := err.(*url.Error)
	if !ok || secret == "" {
		return err
	}
	out := *ue
	out.URL = redactURL(ue.URL, secret)
	if msg := ue.Err.Error(); redactURL(msg, secret) != msg {
		out.Err = &redactedError{msg: redactURL(msg, secret), err: ue.Err}
	}
	return &out
}

// redactedError is an error whose message had the secret in it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Timeout keeps url.Error's Timeout method truthful through the wrapping.
func (e *redactedError) Timeout() bool { return isTimeout(e.err) }

// redactHeaders is h with the credentials a log line must not show replaced.
func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		if _, ok := out[k]; ok {
			out[k] = []string{"[REDACTED]"}
		}
	}
	return out
}
