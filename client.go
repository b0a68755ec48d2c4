package datafold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/datafold/datafold-go/api"
)

// Environment variables [NewClient] reads when no option says otherwise.
const (
	// EnvAPIKey names the variable holding the API key.
	EnvAPIKey = "DATAFOLD_API_KEY"
	// EnvHost names the variable holding the server, such as
	// "eu.datafold.com".
	EnvHost = "DATAFOLD_HOST"
)

// DefaultMaxResponseBytes is the default limit on a response body, far
// above what the API sends and far below what would hurt a process.
const DefaultMaxResponseBytes = 10 << 20

// Option configures [NewClient]. The With... functions make them; one given
// a bad value makes NewClient fail with its error.
type Option struct{ apply func(*config) error }

type config struct {
	key        string
	server     string
	httpClient *http.Client
	retry      RetryPolicy
	maxBody    int64
	insecure   bool
	logger     *slog.Logger
	userAgent  string
	getenv     func(string) string
	sleep      func(context.Context, time.Duration) error // tests replace it
	pool       *poolConfig                                // tests' own pool, else the shared one
}

// ConfigError is the error [NewClient] returns for an API key or a server it
// will not use; nothing was sent. It names where the value came from, and
// never holds the key.
type ConfigError struct {
	// Source is where the value came from: "WithAPIKey", "WithServer",
	// [EnvAPIKey], [EnvHost], or "the OpenAPI document's servers".
	Source string
	// Reason says what is wrong with it, such as "invalid API key: control
	// character at byte 3", without a remedy.
	Reason string
	// Err is the sentinel the error matches, if any: [ErrInvalidAPIKey] or
	// [ErrInsecureTransport].
	Err error
}

// Error reads like "datafold: DATAFOLD_HOST: server "ftp://x": scheme must be
// https or http", with the option that allows plain http after Reason.
func (e *ConfigError) Error() string {
	s := "datafold: " + e.Source + ": " + e.Reason
	if errors.Is(e.Err, ErrInsecureTransport) {
		s += "; use https, or datafold.WithInsecureHTTP"
	}
	return s
}

// Unwrap returns Err, for [errors.Is].
func (e *ConfigError) Unwrap() error { return e.Err }

// option fails NewClient with err when bad, and otherwise sets its value.
func option(bad bool, err string, set func(*config)) Option {
	return Option{func(c *config) error {
		if bad {
			return errors.New("datafold: " + err)
		}
		set(c)
		return nil
	}}
}

// WithAPIKey sets the API key, instead of DATAFOLD_API_KEY. An empty key is
// [ErrMissingAPIKey], as from [NewAPIKey], with no fallback to the variable.
func WithAPIKey(key string) Option {
	return Option{func(c *config) error {
		if key == "" {
			return fmt.Errorf("%w (WithAPIKey was given an empty key)", ErrMissingAPIKey)
		}
		c.key = key
		return nil
	}}
}

// WithServer sets the server, instead of DATAFOLD_HOST or the spec's
// https://app.datafold.com; one without a scheme is taken as https.
func WithServer(server string) Option {
	return option(server == "", "WithServer was given an empty server", func(c *config) { c.server = server })
}

// WithHTTPClient sends requests through hc: its transport, timeout, cookie
// jar and redirect policy. The client's retries, limit and https-only check
// wrap hc's transport in a copy of hc, leaving hc as it is.
func WithHTTPClient(hc *http.Client) Option {
	return option(hc == nil, "WithHTTPClient was given a nil client", func(c *config) { c.httpClient = hc })
}

// WithRetryPolicy replaces [DefaultRetryPolicy].
func WithRetryPolicy(p RetryPolicy) Option {
	err := p.validate()
	return option(err != "", "RetryPolicy"+err, func(c *config) { c.retry = p })
}

// WithoutRetries sends every request once.
func WithoutRetries() Option {
	return option(false, "", func(c *config) { c.retry.MaxRetries = 0 })
}

// WithMaxResponseBytes limits how much of a response body is read, instead
// of [DefaultMaxResponseBytes]; a longer one fails the call with
// [ErrResponseTooLarge].
func WithMaxResponseBytes(n int64) Option {
	return option(n <= 0, "WithMaxResponseBytes needs a positive limit", func(c *config) { c.maxBody = n })
}

// WithInsecureHTTP allows sending the API key over plain http to hosts that
// are not loopback addresses; without it, such a server is an error from
// [NewClient], and a redirect to one fails the request. A redirect from
// https to plain http fails even with it, whatever the host.
func WithInsecureHTTP() Option {
	return option(false, "", func(c *config) { c.insecure = true })
}

// WithLogger logs every attempt at debug level through l: method, URL (query
// redacted), status, attempt number, duration and error.
func WithLogger(l *slog.Logger) Option {
	return option(false, "", func(c *config) { c.logger = l })
}

// WithGetenv makes [NewClient] read DATAFOLD_API_KEY and DATAFOLD_HOST with
// getenv instead of [os.Getenv]: for a program whose settings live
// elsewhere, and for tests that run in parallel.
func WithGetenv(getenv func(string) string) Option {
	return option(getenv == nil, "WithGetenv was given a nil function", func(c *config) { c.getenv = getenv })
}

// WithUserAgent puts product, such as "offboard/1.2", in front of the
// client's own User-Agent.
func WithUserAgent(product string) Option {
	bad := product == "" || strings.ContainsFunc(product, func(r rune) bool { return r < 0x20 || r == 0x7f })
	return option(bad, "WithUserAgent needs a non-empty value without control characters",
		func(c *config) { c.userAgent = product })
}

// NewClient returns a client for the Datafold API.
//
// The API key comes from [WithAPIKey], else DATAFOLD_API_KEY; a missing or
// malformed key is an error here, before any request. The server comes from
// [WithServer], else DATAFOLD_HOST, else the OpenAPI document's first
// server (https://app.datafold.com).
//
// The client retries as [DefaultRetryPolicy] says, limits bodies to
// [DefaultMaxResponseBytes], and sends the key only over https or to
// loopback hosts: Go drops it on a redirect to another host (a subdomain
// keeps it), and the client refuses a redirect onto plain http (from https,
// even to loopback). It is safe for concurrent use; create one and share it.
func NewClient(opts ...Option) (*api.ClientWithResponses, error) {
	c := config{
		retry:   DefaultRetryPolicy(),
		maxBody: DefaultMaxResponseBytes,
		getenv:  os.Getenv,
		sleep:   sleepContext,
	}
	for _, opt := range opts {
		if opt.apply == nil {
			continue // the zero Option does nothing
		}
		if err := opt.apply(&c); err != nil {
			return nil, err
		}
	}

	keySource := "WithAPIKey"
	if c.key == "" {
		c.key, keySource = c.getenv(EnvAPIKey), EnvAPIKey
	}
	key, err := NewAPIKey(c.key)
	if errors.Is(err, ErrInvalidAPIKey) {
		return nil, &ConfigError{Source: keySource, Reason: "invalid API key: " + keyFault(c.key), Err: ErrInvalidAPIKey}
	}
	if err != nil {
		return nil, err
	}

	server, err := c.resolveServer()
	if err != nil {
		return nil, err
	}

	hc := &http.Client{Transport: defaultTransport()}
	if c.httpClient != nil {
		copied := *c.httpClient
		hc = &copied
	}
	if c.pool != nil {
		hc.Transport = newTransportPool(*c.pool)
	} else if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	hc.Transport = &transport{hc.Transport, &c}

	ua := []string{userAgent()}
	if c.userAgent != "" {
		ua[0] = c.userAgent + " " + ua[0]
	}
	// Both headers are slices of capacity 1, built once: no allocation per
	// request, and an append downstream copies. Whether the key may go to
	// the request's host is the transport's to decide, on every hop.
	return api.NewClientWithResponses(server,
		api.WithHTTPClient(&doer{hc: hc, key: key}),
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header["Authorization"] = key.k.header
			req.Header["User-Agent"] = ua
			return nil
		}))
}

// doer sends requests through the client's *http.Client and keeps the key
// out of the *url.Error it returns, whose URL is the last hop's (a server
// can echo the key into a redirect's Location). It holds the key as an
// [APIKey], which fmt cannot print.
type doer struct {
	hc  *http.Client
	key *APIKey
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	if err != nil {
		err = redactError(err, d.key.secret())
	}
	return resp, err
}

// CloseIdleConnections closes the pool's idle connections.
func (d *doer) CloseIdleConnections() { d.hc.CloseIdleConnections() }
