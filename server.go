package datafold

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/datafold/datafold-go/api"
)

// resolveServer picks the server by precedence and checks it.
func (c *config) resolveServer() (string, error) {
	raw, source := c.server, "WithServer"
	if raw == "" {
		raw, source = os.Getenv(EnvHost), EnvHost
	}
	if raw == "" {
		raw, source = api.ServerURLDefault, "the OpenAPI document's servers"
	}
	if len(c.key) >= 8 && strings.Contains(raw, c.key) {
		// Saying anything about such a server would print the key. (A
		// key of a few characters may well be part of a real host name.)
		return "", fmt.Errorf("datafold: server from %s holds the API key; is the key in the wrong variable?", source)
	}
	u, err := parseServer(raw)
	if err != nil {
		return "", fmt.Errorf("datafold: server from %s: %w", source, err)
	}
	if u.Scheme == "http" && !c.insecure && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("datafold: server from %s: %w %q (use https, or datafold.WithInsecureHTTP)",
			source, ErrInsecureTransport, u.Hostname())
	}
	return u.String(), nil
}

// parseServer accepts "https://host[:port][/prefix]", or a bare host taken
// as https. Its errors name the server by scheme and host at most: a value
// that fails may carry a password, a token in its query or fragment, or be
// a secret pasted into the wrong variable.
func parseServer(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not a URL", safeServer(s))
	}
	name := safeServer(s)
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%s: scheme must be https or http", name)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%s has no host", name)
	case u.User != nil:
		return nil, fmt.Errorf("%s: credentials in the URL are not supported; use the API key", name)
	case strings.ContainsAny(s, "?#"):
		// Checked on the text: a bare "?" or "#" leaves RawQuery and
		// Fragment empty, yet the generated client would resolve paths
		// against "prefix?" and lose the prefix.
		return nil, fmt.Errorf("%s: a server URL takes no query or fragment", name)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%s: bad port", name)
		}
	}
	return u, nil
}

// safeServer names a server value for an error message: its scheme and
// host, each shown only when it is plainly one (letters, digits and the
// punctuation of host names and IP addresses), never its user, password,
// port, path, query or fragment.
func safeServer(s string) string {
	scheme, rest, _ := strings.Cut(s, "://")
	if !plain(scheme, "+-.") {
		scheme = "?"
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host := rest
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			host = host[:i+1]
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if !plain(host, ".-_[]:") {
		host = "?"
	}
	return fmt.Sprintf("server %q", strings.ToLower(scheme)+"://"+host)
}

// plain reports whether s is non-empty and made of ASCII letters, digits
// and the given punctuation.
func plain(s, punct string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(punct, c) >= 0:
		default:
			return false
		}
	}
	return true
}
