package datafold

import (
	"net/http"
	"net/url"
	"strings"
)

// redactedSecret replaces the key in everything the client prints or logs:
// a server may echo it in a body, a header or a redirect's Location.
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

// scrub returns s with every copy of secret replaced, percent-encoded ones
// included: a server that echoes the key into a redirect's Location puts it
// into the next request's URL, and so into every error and log line that
// names it. Applied to decoded strings too, where JSON escapes that hid the
// secret are gone.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, v := range [...]string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
		s = strings.ReplaceAll(s, v, redactedSecret)
	}
	return s
}

// scrubBytes is scrub for what a server sent, b itself when there is no
// secret to look for.
func scrubBytes(b []byte, secret string) []byte {
	if secret == "" {
		return b
	}
	return []byte(scrub(string(b), secret))
}

// redactPath is u's escaped path with the secret taken out.
func redactPath(u *url.URL, secret string) string { return scrub(u.EscapedPath(), secret) }

// redactError takes the secret out of the *url.Error http.Client returns,
// whose URL is the last hop's, keeping the wrapped error for errors.Is and
// errors.As behind a message without the secret.
func redactError(err error, secret string) error {
	ue, ok := err.(*url.Error)
	if !ok || secret == "" {
		return err
	}
	out := *ue
	out.URL = scrub(ue.URL, secret)
	if msg := ue.Err.Error(); scrub(msg, secret) != msg {
		out.Err = &wrapped{scrub(msg, secret), ue.Err}
	}
	return &out
}
