package datafold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// ErrMissingAPIKey is returned by [NewClient] when neither [WithAPIKey] nor
// the DATAFOLD_API_KEY environment variable supplies a key.
var ErrMissingAPIKey = errors.New("datafold: no API key: set DATAFOLD_API_KEY or pass datafold.WithAPIKey")

// ErrInvalidAPIKey is wrapped by the errors [NewAPIKey] and [NewClient]
// return for a key that cannot be sent as an HTTP header (blank, padded, or
// holding control or non-ASCII characters), saying what is wrong and where,
// never what the key is.
var ErrInvalidAPIKey = errors.New("datafold: invalid API key")

// ErrInsecureTransport is wrapped by the error returned when the API key would
// travel over plain http to a host that is not a loopback address
// ([WithInsecureHTTP] allows it).
var ErrInsecureTransport = errors.New("datafold: refusing to send the API key over plain http to a non-loopback host")

// APIKey authenticates requests to the Datafold API by setting the header
// "Authorization: Key <api-key>". Its [APIKey.Intercept] method is an
// [github.com/datafold/datafold-go/api.RequestEditorFn], so it works on its
// own with the generated client (see the example).
//
// An APIKey never prints its secret: every fmt verb, slog and JSON show
// "Key [REDACTED]", and a struct of yours holding one in an unexported
// field prints an address in its place.
type APIKey struct {
	// k is behind a pointer because fmt prints an unexported field's
	// contents without calling its methods, and a nested pointer as an
	// address.
	k *keyData
}

type keyData struct {
	// header is the header value, built once so that Intercept allocates
	// nothing; its capacity is its length, so an append downstream copies.
	header []string
}

// NewAPIKey validates key and returns a request editor for it. The key must
// be non-empty and made only of visible ASCII characters; leading or trailing
// whitespace is an error rather than something trimmed, because a key pasted
// with a newline is usually a sign of the wrong value in the wrong variable.
// Errors wrap [ErrInvalidAPIKey] and never contain the key.
func NewAPIKey(key string) (*APIKey, error) {
	if key == "" {
		return nil, ErrMissingAPIKey
	}
	if why := keyFault(key); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrInvalidAPIKey, why)
	}
	v := []string{"Key " + key}
	return &APIKey{k: &keyData{header: v[:1:1]}}, nil
}

// keyFault says what keeps a non-empty key from being sent as a header, or
// "" when nothing does.
func keyFault(key string) string {
	trimmed := strings.TrimSpace(key)
	if trimmed == "" {
		return "it is blank"
	}
	if trimmed != key {
		return "it has leading or trailing whitespace"
	}
	for i, c := range []byte(key) {
		if c < 0x20 || c == 0x7f {
			return fmt.Sprintf("control character at byte %d", i)
		}
		if c == ' ' {
			return fmt.Sprintf("space at byte %d", i)
		}
		if c > 0x7f {
			return fmt.Sprintf("non-ASCII character at byte %d", i)
		}
	}
	return ""
}

// Intercept sets the Authorization header on req. It refuses, with an error
// wrapping [ErrInsecureTransport], to put the key on a plain http request to
// a host other than localhost, 127.0.0.0/8 or ::1.
func (k *APIKey) Intercept(_ context.Context, req *http.Request) error {
	if k == nil || k.k == nil {
		return ErrMissingAPIKey // a zero APIKey, not one from NewAPIKey
	}
	if plainHTTPRefused(req.URL, false) {
		return fmt.Errorf("%w %q", ErrInsecureTransport, scrub(req.URL.Hostname(), k.secret()))
	}
	req.Header["Authorization"] = k.k.header
	return nil
}

// plainHTTPRefused is the one rule for plain http: the key does not travel
// over it to a host other than localhost, 127.0.0.0/8 or ::1, unless
// insecure ([WithInsecureHTTP]) allows that. The editor, NewClient's server
// check and the transport, for every redirect hop, all ask it.
func plainHTTPRefused(u *url.URL, insecure bool) bool {
	return u.Scheme == "http" && !insecure && !isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// secret is the key itself, to scrub from what a server sends back.
func (k *APIKey) secret() string { return strings.TrimPrefix(k.k.header[0], "Key ") }

const redacted = "Key [REDACTED]"

// String returns a redacted form of the key.
func (k APIKey) String() string { return redacted }

// Format prints the redacted form for every verb, %#v included, so that not
// even %d or %x reaches the secret.
func (k APIKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue keeps the key out of structured logs.
func (k APIKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON keeps the key out of JSON.
func (k APIKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
