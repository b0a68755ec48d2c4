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
	// "https://eu.datafold.com" or just "acme.datafold.com".
	EnvHost = "DATAFOLD_HOST"
)

// DefaultMaxResponseBytes is the default limit on a response body: far
// above anything the API sends, far below what would hurt a process.
const DefaultMaxResponseBytes = 10 << 20

// Option configures [NewClient]. The With... functions make them; an
// Option that was given a bad value makes NewClient fail with its error.
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
	editors    []api.RequestEditorFn
	sleep      func(context.Context, time.Duration) error
	// pool, set only by tests, replaces the shared connection pool with
	// one of its own (a short stall, a test CA) of the same design.
	pool *poolConfig
}

// WithAPIKey sets the API key, instead of DATAFOLD_API_KEY.
func WithAPIKey(key string) Option {
	return Option{func(c *config) error {
		if key == "" {
			// As from NewAPIKey: empty is missing, not malformed. It does
			// not fall back to DATAFOLD_API_KEY either: the caller meant to
			// choose the key.
			return fmt.Errorf("%w (WithAPIKey was given an empty key)", ErrMissingAPIKey)
		}
		c.key = key
		return nil
	}}
}

// WithServer sets the server, instead of DATAFOLD_HOST or the spec's default
// https://app.datafold.com. A value without a scheme, such as
// "acme.datafold.com", is taken as https.
func WithServer(server string) Option {
	return Option{func(c *config) error {
		if server == "" {
			return errors.New("datafold: WithServer was given an empty server")
		}
		c.server = server
		return nil
	}}
}

// WithHTTPClient sends requests through hc: its transport, timeout, cookie
// jar and redirect policy. The client's retries, response limit and
// https-only check wrap hc's transport in a copy of hc; hc itself is not
// modified.
func WithHTTPClient(hc *http.Client) Option {
	return Option{func(c *config) error {
		if hc == nil {
			return errors.New("datafold: WithHTTPClient was given a nil client")
		}
		c.httpClient = hc
		return nil
	}}
}

// WithRetryPolicy replaces [DefaultRetryPolicy].
func WithRetryPolicy(p RetryPolicy) Option {
	return Option{func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}}
}

// WithoutRetries sends every request once.
func WithoutRetries() Option {
	return Option{func(c *config) error {
		c.retry.MaxRetries = 0
		return nil
	}}
}

// WithMaxResponseBytes limits how much of a response body is read (default
// [DefaultMaxResponseBytes]). A longer body fails the call with an error
// wrapping [ErrResponseTooLarge].
func WithMaxResponseBytes(n int64) Option {
	return Option{func(c *config) error {
		if n <= 0 {
			return errors.New("datafold: WithMaxResponseBytes needs a positive limit")
		}
		c.maxBody = n
		return nil
	}}
}

// WithInsecureHTTP allows sending the API key over plain http to hosts that
// are not loopback addresses. Without it, such a server is an error from
// [NewClient], and a redirect to one fails the request. A redirect from
// https to plain http fails even with it, whatever the host: the key went
// to a server the user named over https, and stays on https.
func WithInsecureHTTP() Option {
	return Option{func(c *config) error {
		c.insecure = true
		return nil
	}}
}

// WithLogger logs every attempt at debug level through l: method, URL (query
// redacted), status, attempt number, duration and headers, with the
// Authorization header redacted.
func WithLogger(l *slog.Logger) Option {
	return Option{func(c *config) error {
		c.logger = l
		return nil
	}}
}

// WithUserAgent puts product, such as "offboard/1.2", in front of the
// client's own User-Agent.
func WithUserAgent(product string) Option {
	return Option{func(c *config) error {
		if product == "" || strings.ContainsFunc(product, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return errors.New("datafold: WithUserAgent needs a non-empty value without control characters")
		}
		c.userAgent = product
		return nil
	}}
}

// WithRequestEditor adds fn to the editors every request passes through,
// after the client's own (which set Authorization and User-Agent).
func WithRequestEditor(fn api.RequestEditorFn) Option {
	return Option{func(c *config) error {
		if fn == nil {
			return errors.New("datafold: WithRequestEditor was given a nil function")
		}
		c.editors = append(c.editors, fn)
		return nil
	}}
}

// NewClient returns a client for the Datafold API.
//
// The API key comes from [WithAPIKey], else from DATAFOLD_API_KEY; a missing
// or malformed key is an error here, before any request is sent. The server
// comes from [WithServer], else DATAFOLD_HOST, else the first server of the
// OpenAPI document (https://app.datafold.com).
//
// The client retries as [DefaultRetryPolicy] says, limits response bodies to
// [DefaultMaxResponseBytes], and sends the key only over https or to
// loopback hosts: Go drops it on a redirect to another host (a subdomain of
// the server's host keeps it) and the client refuses a redirect that would
// carry it over plain http (from https, even to loopback). It is safe for
// concurrent use; create one and share it.
func NewClient(opts ...Option) (*api.ClientWithResponses, error) {
	c := config{
		retry:   DefaultRetryPolicy(),
		maxBody: DefaultMaxResponseBytes,
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
		c.key, keySource = os.Getenv(EnvAPIKey), EnvAPIKey
	}
	key, err := NewAPIKey(c.key)
	if errors.Is(err, ErrInvalidAPIKey) {
		return nil, fmt.Errorf("%w (from %s)", err, keySource)
	}
	if err != nil {
		return nil, err
	}
	key.k.insecure = c.insecure

	server, err := c.resolveServer()
	if err != nil {
		return nil, err
	}

	pool := defaultTransport()
	if c.pool != nil {
		pool = newTransportPool(*c.pool)
	}
	hc := &http.Client{Transport: newTransport(pool, &c)}
	if c.httpClient != nil {
		base := c.httpClient.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		copied := *c.httpClient
		copied.Transport = newTransport(base, &c)
		hc = &copied
	}

	ua := userAgent()
	if c.userAgent != "" {
		ua = c.userAgent + " " + ua
	}
	h := headers{key: key, userAgent: []string{ua}}
	apiOpts := []api.ClientOption{
		api.WithHTTPClient(&doer{hc: hc, key: key}),
		api.WithRequestEditorFn(h.edit),
	}
	for _, e := range c.editors {
		apiOpts = append(apiOpts, api.WithRequestEditorFn(e))
	}
	return api.NewClientWithResponses(server, apiOpts...)
}

// doer sends requests through the client's *http.Client and keeps the key
// out of the *url.Error it returns, whose URL is the last hop's: a server
// can echo the key into a redirect's Location. It holds the key as an
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

// CloseIdleConnections closes the pool's idle connections, as
// [http.Client.CloseIdleConnections] does.
func (d *doer) CloseIdleConnections() { d.hc.CloseIdleConnections() }

// headers is the client's one request editor: a single call per request
// that allocates nothing.
type headers struct {
	key       *APIKey
	userAgent []string
}

func (h headers) edit(ctx context.Context, req *http.Request) error {
	req.Header["User-Agent"] = h.userAgent[:1:1]
	return h.key.Intercept(ctx, req)
}
