package datafold_test

// NewClient and its options, and what every test of the package shares:
// setup, the one way a test gets a server and a client for it.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// The call every importer makes: regeneration must keep it exactly so.
var _ func(context.Context, int, ...api.RequestEditorFn) (*api.RemoveIntegrationResponse, error) = (*api.ClientWithResponses)(nil).RemoveIntegrationWithResponse

// testKey is obviously fake; tests check it never leaks, and never print
// it in a failure message (they show <key> instead).
const testKey = "dfk_test_NOT_A_REAL_KEY_7f3a"

// fastRetries keeps the retry logic real while taking no time.
var fastRetries = datafold.RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Minute}

// protos are the protocols every network row of the hostile-input matrix
// runs over: plain HTTP/1.1, and HTTP/2 over TLS, which the client's own
// connection pool negotiates with any TLS server that offers it.
var protos = []string{"h1", "h2"}

// setupConfig is what setup's options choose.
type setupConfig struct {
	proto   string                      // "h1" (plain), "h1+tls" or "h2" (over TLS)
	answer  http.HandlerFunc            // answers RemoveIntegration in the fake
	routes  map[string]http.HandlerFunc // WithRoute's patterns in the fake
	raw     http.HandlerFunc            // answers everything, with no fake in front
	rt      roundTripFunc               // no server: the client's transport is rt
	pipes   bool
	refused bool
	stall   time.Duration
	client  []datafold.Option
}

type setupOption func(*setupConfig)

// over serves as proto: "h1" (the default), "h1+tls" or "h2". Under "h2"
// a request that is not HTTP/2 fails the test.
func over(proto string) setupOption { return func(c *setupConfig) { c.proto = proto } }

// answer has the fake answer RemoveIntegration with h, after it has checked
// the key and validated the request against the OpenAPI document.
func answer(h http.HandlerFunc) setupOption { return func(c *setupConfig) { c.answer = h } }

// route has the fake answer pattern with h, after it has checked the key
// (and the request, when the OpenAPI document declares the path).
func route(pattern string, h http.HandlerFunc) setupOption {
	return func(c *setupConfig) {
		if c.routes == nil {
			c.routes = map[string]http.HandlerFunc{}
		}
		c.routes[pattern] = h
	}
}

// rawHandler serves h alone, for paths the OpenAPI document does not have
// and for answers the fake's checks would get in the way of.
func rawHandler(h http.HandlerFunc) setupOption { return func(c *setupConfig) { c.raw = h } }

// viaTransport starts no server: the client sends through rt, through the
// same retrying transport NewClient always installs.
func viaTransport(rt roundTripFunc) setupOption { return func(c *setupConfig) { c.rt = rt } }

// inBubble serves over an in-memory network instead of loopback sockets,
// for a test inside a testing/synctest bubble (setup must then be called
// inside it), where time is fake and waits take none.
func inBubble() setupOption { return func(c *setupConfig) { c.pipes = true } }

// nothingListening points the client at a loopback port nothing listens
// on, so every connection is refused.
func nothingListening() setupOption {
	return func(c *setupConfig) { c.refused = true }
}

// stallTimeout replaces the connection pool's 2-minute stall timeout.
func stallTimeout(d time.Duration) setupOption { return func(c *setupConfig) { c.stall = d } }

// withClient adds client options, applied after setup's own.
func withClient(opts ...datafold.Option) setupOption {
	return func(c *setupConfig) { c.client = append(c.client, opts...) }
}

// testServer is what setup started: the fake (Handler is nil under
// rawHandler and viaTransport) and, under inBubble, its in-memory network.
type testServer struct {
	*datafoldtest.Server
	pipes *pipeServer
}

// setup starts a server for one test and returns a client pointed at it,
// as go-github's setup does. By default the server is the fake Datafold
// over HTTP/1.1 on loopback, with its own behaviour for every operation; a
// request the client sends that does not conform to the OpenAPI document
// fails the test. The client has the test key and retries without waiting;
// over TLS or the in-memory network it keeps its own connection pool,
// trusting the test certificate.
func setup(t *testing.T, opts ...setupOption) (*api.ClientWithResponses, *testServer) {
	t.Helper()
	cfg := setupConfig{proto: "h1"}
	for _, o := range opts {
		o(&cfg)
	}
	srv := &testServer{Server: &datafoldtest.Server{URL: "https://app.datafold.test"}}
	fopts := []datafoldtest.Option{datafoldtest.WithAPIKey(testKey)}
	if cfg.answer != nil {
		fopts = append(fopts, datafoldtest.WithOperation("RemoveIntegration", cfg.answer))
	}
	for pattern, h := range cfg.routes {
		fopts = append(fopts, datafoldtest.WithRoute(pattern, h))
	}
	var h http.Handler
	nothingToStart := cfg.rt != nil || cfg.refused
	switch {
	case nothingToStart:
	case cfg.raw != nil:
		h = cfg.raw
	case cfg.proto == "h1" && !cfg.pipes:
		// As a user's test has it.
		srv.Server, nothingToStart = datafoldtest.NewServer(t, fopts...), true
	default:
		fake, err := datafoldtest.NewHandler(append(fopts,
			datafoldtest.WithViolationFunc(func(err error) { t.Errorf("datafoldtest: %v", err) }))...)
		if err != nil {
			t.Fatal(err)
		}
		srv.Handler, h = fake, fake
	}
	if cfg.proto == "h2" && h != nil {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor != 2 {
				t.Errorf("request came over %s, want HTTP/2", r.Proto)
			}
			next.ServeHTTP(w, r)
		})
	}

	pool := datafold.TestPool{Stall: cfg.stall}
	switch {
	case cfg.pipes:
		srv.pipes = startPipeServer(t, cfg.proto, h)
		srv.URL, pool.Roots, pool.Dial = srv.pipes.URL, srv.pipes.roots, srv.pipes.dial
	case cfg.refused:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_ = ln.Close()
		srv.URL = "http://" + ln.Addr().String()
		if cfg.proto != "h1" {
			srv.URL, pool.Roots = "https://"+ln.Addr().String(), x509.NewCertPool()
		}
	case !nothingToStart:
		ts := httptest.NewUnstartedServer(h)
		// Handshakes cut short by the client's dial races are not news.
		ts.Config.ErrorLog = discardLog()
		switch cfg.proto {
		case "h1":
			ts.Start()
		case "h2":
			ts.EnableHTTP2 = true
			fallthrough
		default:
			ts.StartTLS()
			pool.Roots = x509.NewCertPool()
			pool.Roots.AddCert(ts.Certificate())
		}
		t.Cleanup(ts.Close)
		srv.URL = ts.URL
	}

	base := []datafold.Option{
		datafold.WithServer(srv.URL),
		datafold.WithAPIKey(testKey),
		datafold.WithRetryPolicy(fastRetries),
	}
	if cfg.rt != nil {
		base = append(base, datafold.WithHTTPClient(&http.Client{Transport: cfg.rt}))
	} else if pool.Stall != 0 || pool.Roots != nil || pool.Dial != nil {
		base = append(base, datafold.WithTestPool(pool))
	}
	c, err := datafold.NewClient(append(base, cfg.client...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if cfg.pipes {
		t.Cleanup(func() {
			c.ClientInterface.(*api.Client).Client.(interface{ CloseIdleConnections() }).CloseIdleConnections()
		})
	}
	return c, srv
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// canned answers every request with the same response.
func canned(status int, header http.Header, body []byte) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: status,
			Status:     strconv.Itoa(status) + " " + http.StatusText(status),
			Header:     header.Clone(),
			Body:       io.NopCloser(strings.NewReader(string(body))),
			Request:    r,
		}, nil
	}
}

// mustClient is a client made with package api alone.
func mustClient(t *testing.T, server string, opts ...api.ClientOption) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(server, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// keyClient is a client of the user's own: package api's, with only the
// test key's editor, and none of NewClient's transport.
func keyClient(t *testing.T, server string) *api.ClientWithResponses {
	t.Helper()
	key, err := datafold.NewAPIKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return mustClient(t, server, api.WithRequestEditorFn(key.Intercept))
}

func jsonBody(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// neverAnswers is a handler that waits for its request to end.
func neverAnswers(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// resetConn ends the request's connection (HTTP/1.1) or stream (HTTP/2)
// without an answer.
func resetConn(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	// SO_LINGER 0 turns Close into a TCP reset.
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// breakBody starts a 200 answer and breaks the connection (HTTP/1.1) or the
// stream (HTTP/2) in the middle of its body.
func breakBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"partial": "`)
	_ = http.NewResponseController(w).Flush()
	resetConn(w, r)
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// clock records the waits the client asks for instead of sleeping.
type clock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// outcome is what a call produced.
type outcome struct {
	resp *api.RemoveIntegrationResponse
	err  error // Check's
}

// call removes integration 42 through c. An error that shows the key ends
// the test at once, so no later message prints it.
func call(t *testing.T, c *api.ClientWithResponses) outcome {
	t.Helper()
	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 42))
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Fatalf("error %q contains the API key", strings.ReplaceAll(err.Error(), testKey, "<key>"))
	}
	return outcome{resp, err}
}

// wire is what a handler saw of a request.
type wire struct {
	Method, Path, Authorization, UserAgent, Trace string
}

func record(r *http.Request) wire {
	return wire{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.Header.Get("X-Trace")}
}

func TestRemoveIntegration_wire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []datafold.Option
		editors []api.RequestEditorFn // the generated methods' own, per call
		want    wire
	}{
		// The zero Option does nothing.
		{name: "defaults", opts: []datafold.Option{{}}, want: wire{UserAgent: "datafold-go/" + datafold.Version()}},
		{
			name: "user_agent_and_editor",
			opts: []datafold.Option{datafold.WithUserAgent("offboard/1.2")},
			editors: []api.RequestEditorFn{func(_ context.Context, r *http.Request) error {
				r.Header.Set("X-Trace", "abc")
				return nil
			}},
			want: wire{UserAgent: "offboard/1.2 datafold-go/" + datafold.Version(), Trace: "abc"},
		},
		// A comment after the product, spaces and all, as User-Agent allows.
		{
			name: "user_agent_with_comment",
			opts: []datafold.Option{datafold.WithUserAgent("offboard/1.2 (ci; linux)")},
			want: wire{UserAgent: "offboard/1.2 (ci; linux) datafold-go/" + datafold.Version()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen := make(chan wire, 1)
			c, srv := setup(t, answer(func(w http.ResponseWriter, r *http.Request) {
				seen <- record(r)
				jsonBody(200, `{}`)(w, r)
			}), withClient(tt.opts...))

			resp, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 42, tt.editors...))
			if err != nil {
				t.Fatal(err)
			}
			if resp.JSON200 == nil || !cmp.Equal(*resp.JSON200, any(map[string]any{})) {
				t.Errorf("JSON200 = %v, want {}", resp.JSON200)
			}
			got := <-seen
			want := tt.want
			want.Method, want.Path, want.Authorization = http.MethodDelete, "/api/v1/lineage/bi/42/", "Key <key>"
			got.Authorization = strings.ReplaceAll(got.Authorization, testKey, "<key>")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}

// The generated JSON422 holds FastAPI's validation list.
func TestRemoveIntegration_validationError(t *testing.T) {
	t.Parallel()
	// What FastAPI sends when a parameter does not parse; loc mixes strings
	// and integers when the error is inside a list.
	const body = `{"detail":[` +
		`{"type":"int_parsing","loc":["path","bi_datasource_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},` +
		`{"type":"missing","loc":["body","items",0,"name"],"msg":"Field required","input":{}}]}`
	c, _ := setup(t, answer(jsonBody(http.StatusUnprocessableEntity, body)))

	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 42))
	if resp == nil || resp.JSON422 == nil || resp.JSON422.Detail == nil || len(*resp.JSON422.Detail) != 2 {
		t.Fatalf("resp = %+v, want JSON422 with two decoded validation errors", resp)
	}
	first := (*resp.JSON422.Detail)[0]
	if section, err := first.Loc[0].AsValidationErrorLoc0(); err != nil || section != "path" {
		t.Errorf("JSON422 loc[0] = %q, %v; want \"path\"", section, err)
	}
	if index, err := (*resp.JSON422.Detail)[1].Loc[2].AsValidationErrorLoc1(); err != nil || index != 0 {
		t.Errorf("JSON422 second loc[2] = %d, %v; want 0", index, err)
	}

	// What the *APIError makes of the list: TestAPIError_fromResponse.
	if !errors.Is(err, datafold.ErrValidation) {
		t.Errorf("Check err = %v, want ErrValidation", err)
	}
}

// The key comes from WithAPIKey, else from the environment; with the host
// from the environment too, that is the whole configuration a program in
// CI has.
func TestNewClient_keyPrecedence(t *testing.T) {
	// t.Setenv rules out t.Parallel here.
	tests := []struct {
		name string
		env  string
		opts []datafold.Option
		want string
	}{
		{name: "env", env: "from-env", want: "Key from-env"},
		{name: "option_beats_env", env: "from-env", opts: []datafold.Option{datafold.WithAPIKey("from-option")}, want: "Key from-option"},
		{name: "option_without_env", opts: []datafold.Option{datafold.WithAPIKey("from-option")}, want: "Key from-option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := datafoldtest.NewServer(t)
			t.Setenv(datafold.EnvAPIKey, tt.env)
			t.Setenv(datafold.EnvHost, srv.URL)
			c, err := datafold.NewClient(tt.opts...)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			_, _ = c.RemoveIntegrationWithResponse(t.Context(), 1, func(_ context.Context, r *http.Request) error {
				if a := r.Header.Get("Authorization"); a != tt.want {
					t.Errorf("Authorization = %q, want %q", a, tt.want)
				}
				return nil
			})
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("the server from %s saw %d requests, want 1", datafold.EnvHost, n)
			}
			if w := srv.Requests()[0]; w.Method != http.MethodDelete || w.Path != "/api/v1/lineage/bi/1/" {
				t.Errorf("server saw %s %s, want DELETE /api/v1/lineage/bi/1/", w.Method, w.Path)
			}
		})
	}
}

func TestNewClient_badOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     datafold.Option
		wantErr string
	}{
		{"empty_key", datafold.WithAPIKey(""), "empty key"},
		{"empty_server", datafold.WithServer(""), "empty server"},
		{"nil_http_client", datafold.WithHTTPClient(nil), "nil client"},
		{"negative_retries", datafold.WithRetryPolicy(datafold.RetryPolicy{MaxRetries: -1}), "negative"},
		{"negative_duration", datafold.WithRetryPolicy(datafold.RetryPolicy{MaxRetryAfter: -1}), "must not be negative"},
		{"backoff_inverted", datafold.WithRetryPolicy(datafold.RetryPolicy{MinBackoff: time.Second}), "MaxBackoff is less"},
		{"zero_body_limit", datafold.WithMaxResponseBytes(0), "positive"},
		{"user_agent_newline", datafold.WithUserAgent("x\ny"), "control characters"},
		{"user_agent_del", datafold.WithUserAgent("x\x7fy"), "control characters"},
		{"user_agent_empty", datafold.WithUserAgent(""), "non-empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := datafold.NewClient(datafold.WithAPIKey(testKey), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewClient err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// The caller's transport sees every request, and can put a header on each,
// as README says.
func TestNewClient_ownHTTPClient(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	own := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		r = r.Clone(r.Context())
		r.Header.Set("X-Trace", "abc")
		return http.DefaultTransport.RoundTrip(r)
	})}
	seen := make(chan wire, 1)
	c, _ := setup(t, answer(func(w http.ResponseWriter, r *http.Request) {
		seen <- record(r)
		jsonBody(200, `{}`)(w, r)
	}), withClient(datafold.WithHTTPClient(own)))
	if _, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 5)); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("own transport used %d times, want 1", n)
	}
	if got := <-seen; got.Trace != "abc" {
		t.Errorf("X-Trace = %q, want the header the caller's transport set", got.Trace)
	}
	if _, ok := own.Transport.(roundTripFunc); !ok {
		t.Error("NewClient modified the caller's http.Client")
	}
}

// An http.Client with only a timeout, the usual one to pass, sends
// through net/http's default transport.
func TestNewClient_httpClientWithoutTransport(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithHTTPClient(&http.Client{Timeout: time.Minute})))
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}
}

// pipeHost is the name pipe servers answer to; nothing resolves it, the
// client's dialer hands over a net.Pipe instead.
const pipeHost = "localhost"

// pipeServer serves h over in-memory connections, so a test can run inside
// a testing/synctest bubble (a loopback socket's blocked I/O would keep the
// bubble from going idle). A frozen connection drops everything both ways,
// as a network path that black-holes traffic does, while new connections
// work.
type pipeServer struct {
	URL   string
	roots *x509.CertPool
	srv   *http.Server
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu       sync.Mutex
	live     []*freezable
	accepted atomic.Int64
}

// startPipeServer serves h as proto: "h1" (plain HTTP/1.1), "h1+tls" or
// "h2" (HTTP/2 over TLS), until t's cleanup.
func startPipeServer(t *testing.T, proto string, h http.Handler) *pipeServer {
	t.Helper()
	ps := &pipeServer{conns: make(chan net.Conn), done: make(chan struct{}),
		srv: &http.Server{Handler: h, ErrorLog: discardLog()}}
	ps.URL = "http://" + pipeHost
	if proto != "h1" {
		cert, roots := pipeCert()
		ps.roots, ps.URL = roots, "https://"+pipeHost
		ps.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ps.srv.Protocols = new(http.Protocols)
		ps.srv.Protocols.SetHTTP1(proto == "h1+tls")
		ps.srv.Protocols.SetHTTP2(proto == "h2")
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if ps.roots != nil {
			_ = ps.srv.ServeTLS(ps, "", "")
		} else {
			_ = ps.srv.Serve(ps)
		}
	}()
	t.Cleanup(func() {
		_ = ps.srv.Close()
		<-served
	})
	return ps
}

func (ps *pipeServer) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case ps.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-ps.done:
		return nil, net.ErrClosed
	}
}

// Accept, Close and Addr make ps the server's listener.
func (ps *pipeServer) Accept() (net.Conn, error) {
	select {
	case c := <-ps.conns:
		f := &freezable{Conn: c}
		ps.mu.Lock()
		ps.live = append(ps.live, f)
		ps.mu.Unlock()
		ps.accepted.Add(1)
		return f, nil
	case <-ps.done:
		return nil, net.ErrClosed
	}
}

func (ps *pipeServer) Close() error { ps.once.Do(func() { close(ps.done) }); return nil }

func (ps *pipeServer) Addr() net.Addr { return pipeAddr{} }

// freeze black-holes every connection open now.
func (ps *pipeServer) freeze() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, c := range ps.live {
		c.frozen.Store(true)
	}
}

// frozenClosed reports whether the client has closed a frozen connection.
func (ps *pipeServer) frozenClosed() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, c := range ps.live {
		if c.frozen.Load() && c.peerGone.Load() {
			return true
		}
	}
	return false
}

// allClosed reports whether every connection is closed. The server closes
// none on its own: only after the client closed it (over TLS, with an
// alert the raw connection does not show).
func (ps *pipeServer) allClosed() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, c := range ps.live {
		if !c.closed.Load() {
			return false
		}
	}
	return len(ps.live) > 0
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return pipeHost }

// freezable is the server's end of a connection; once frozen it reads and
// drops what the client sends, and sends nothing.
type freezable struct {
	net.Conn
	frozen   atomic.Bool
	peerGone atomic.Bool
	closed   atomic.Bool // the server closed its end
}

func (c *freezable) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (c *freezable) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if err != nil {
			c.peerGone.Store(true)
			return n, err
		}
		if !c.frozen.Load() {
			return n, nil
		}
	}
}

func (c *freezable) Write(p []byte) (int, error) {
	if c.frozen.Load() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// pipeCert is a certificate for pipeHost and a pool that trusts it, made
// once per test binary.
var pipeCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: pipeHost},
		DNSNames:     []string{pipeHost},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
})

// The client NewClient returns holds the key in places fmt can walk: the
// generated client's doer and editors. None of them prints it.
func TestNewClient_neverPrintsKey(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	inner := c.ClientInterface.(*api.Client)
	for _, v := range []any{c, *c, c.ClientInterface, *inner, inner.Client} {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, testKey) {
				t.Errorf("%s of a %T prints the key: %s", verb, v, strings.ReplaceAll(s, testKey, "<key>"))
			}
		}
	}
}
