package datafold

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/datafold/datafold-go/api"
)

// resolveServer picks the server by precedence and checks it.
func (c *config) resolveServer() (string, error) {
	raw, source := c.server, "WithServer"
	if raw == "" {
		raw, source = c.getenv(EnvHost), EnvHost
	}
	if raw == "" {
		raw, source = api.ServerURLDefault, "the OpenAPI document's servers"
	}
	fail := func(err error, reason string) error { return &ConfigError{Source: source, Reason: reason, Err: err} }
	if len(c.key) >= 8 && strings.Contains(raw, c.key) {
		// Saying anything about such a server would print the key. (A
		// key of a few characters may well be part of a real host name.)
		return "", fail(nil, "the server holds the API key; is the key in the wrong variable?")
	}
	u, err := parseServer(raw)
	if err != nil {
		return "", fail(nil, err.Error())
	}
	if plainHTTPRefused(u, c.insecure) {
		return "", fail(ErrInsecureTransport, fmt.Sprintf(
			"refusing to send the API key over plain http to %q, which is not a loopback host", u.Hostname()))
	}
	return u.String(), nil
}

// parseServer accepts "https://host[:port][/prefix]", or a bare host taken
// as https. Its errors show the scheme and host at most, and nothing of a
// value that does not parse: a bad server value may carry a password, a
// token in its query, or be a secret pasted into the wrong variable.
func parseServer(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("the value is not a URL")
	}
	name := fmt.Sprintf("server %q", u.Scheme+"://"+u.Hostname())
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%s: scheme must be https or http", name)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%s has no host", name)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: credentials in the URL are not supported; use the API key", name)
	}
	if strings.ContainsAny(s, "?#") {
		// Checked on the text: a bare "?" or "#" leaves RawQuery and
		// Fragment empty, yet the generated client would resolve paths
		// against "prefix?" and lose the prefix.
		return nil, fmt.Errorf("%s: a server URL takes no query or fragment", name)
	}
	if p := u.Port(); p != "" {
		if n, _ := strconv.Atoi(p); n < 1 || n > 65535 {
			return nil, fmt.Errorf("%s: bad port", name)
		}
	}
	return u, nil
}
