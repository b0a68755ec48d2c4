// Package datafoldtest is a fake Datafold API for tests: yours and ours.
//
// [NewServer] starts a local server that behaves like Datafold for the
// operations in the client's OpenAPI document. It keeps BI integrations in
// memory, checks the "Authorization: Key <api-key>" header, answers with
// FastAPI's error shapes, and checks every request against the OpenAPI
// document, failing the test on one that does not conform:
//
//	func TestOffboard(t *testing.T) {
//		srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(42))
//		c := srv.Client()
//		// ... run the code under test with c ...
//		if srv.HasIntegration(42) {
//			t.Error("integration 42 was not removed")
//		}
//	}
//
// It can fail the next calls with a status and Retry-After ([Handler.FailNext])
// or slow every answer down ([Handler.SetDelay]), to test retry and timeout
// handling, and it records what it received ([Handler.Requests]) with the
// key redacted.
//
// [WithOperation] replaces an operation's behaviour, and [WithRoute]
// answers a path pattern, one the document does not declare included, for
// code that calls it with datafold.Do.
//
// [NewHandler] gives the same behaviour as an [http.Handler], for serving
// it outside a test; cmd/datafold-fake does that.
package datafoldtest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Option configures a fake.
type Option func(*Handler) error

// WithAPIKey makes the fake accept key instead of a random one.
func WithAPIKey(key string) Option {
	return func(h *Handler) error {
		if key == "" {
			return errors.New("datafoldtest: WithAPIKey was given an empty key")
		}
		h.key = key
		return nil
	}
}

// WithIntegrations seeds the fake with BI integrations.
func WithIntegrations(ids ...int) Option {
	return func(h *Handler) error {
		for _, id := range ids {
			h.integrations[id] = struct{}{}
		}
		return nil
	}
}

// WithOperation answers the operation with the given operationId (the Go
// name, such as "RemoveIntegration") with handler, in place of the fake's
// own behaviour. The request has been authenticated and checked against the
// OpenAPI document before handler sees it. Its ResponseWriter implements
// http.Hijacker and http.Flusher, so handler may break the connection or
// stream; a hijacked request is recorded with Status 0.
func WithOperation(operationID string, handler http.Handler) Option {
	return func(h *Handler) error {
		if handler == nil {
			return errors.New("datafoldtest: WithOperation was given a nil handler")
		}
		h.custom[operationID] = handler
		return nil
	}
}

// WithRoute answers requests matching pattern, an [http.ServeMux] pattern
// such as "GET /api/v1/lineage/bi/", with handler: above all for an
// endpoint the OpenAPI document does not declare, which a program calls
// with datafold.Do. The key is checked first, and queued failures and the
// delay apply, as for every operation. A request the document declares is
// still checked against it before handler sees it, so a test keeps working
// when a newer document adds the endpoint; a request that matches no
// pattern is judged by the document as before.
func WithRoute(pattern string, handler http.Handler) Option {
	return func(h *Handler) (err error) {
		if handler == nil {
			return errors.New("datafoldtest: WithRoute was given a nil handler")
		}
		defer func() {
			// ServeMux panics on a malformed or conflicting pattern.
			if p := recover(); p != nil {
				err = fmt.Errorf("datafoldtest: WithRoute: %v", p)
			}
		}()
		h.routes.Handle(pattern, handler)
		return nil
	}
}

// WithLenientValidation stops a request that does not conform to the
// OpenAPI document from counting as a violation. The fake still answers it
// as FastAPI would (404, 405 or 422). Use it to test how code handles those
// answers.
func WithLenientValidation() Option {
	return func(h *Handler) error {
		h.lenient = true
		return nil
	}
}

// WithViolationFunc calls f for every request that does not conform to the
// OpenAPI document. [NewServer] sets it to fail the test.
func WithViolationFunc(f func(error)) Option {
	return func(h *Handler) error {
		h.violation = f
		return nil
	}
}

// WithRequestFunc calls f with the record of every request once it has been
// answered, for logging.
func WithRequestFunc(f func(Request)) Option {
	return func(h *Handler) error {
		h.onRequest = f
		return nil
	}
}

// Request is what the fake recorded of one request.
type Request struct {
	// Method is the request's method, such as "DELETE".
	Method string
	// Path is the escaped path, such as "/api/v1/lineage/bi/42/".
	Path string
	// RawQuery is the query string, without the "?".
	RawQuery string
	// Header is a copy of the request's headers with Authorization
	// redacted to its scheme: "Key [REDACTED]".
	Header http.Header
	// KeyMatched reports whether Authorization carried the fake's key.
	KeyMatched bool
	// OperationID is the operation the request was routed to, or "".
	OperationID string
	// Status is the status the fake answered.
	Status int
}

// Handler is the fake Datafold API as an [http.Handler]. It is safe for
// concurrent use.
type Handler struct {
	key       string
	lenient   bool
	violation func(error)
	onRequest func(Request)
	note      func(string)
	noted     sync.Map // notes already given
	custom    map[string]http.Handler
	routes    *http.ServeMux // WithRoute's
	spec      *spec

	mu           sync.Mutex
	integrations map[int]struct{}
	failures     []failure
	delay        time.Duration
	requests     []Request
}

type failure struct {
	status     int
	retryAfter string
}

// NewHandler returns the fake as an http.Handler, for use outside tests.
// Without [WithViolationFunc], non-conforming requests are only answered.
func NewHandler(opts ...Option) (*Handler, error) {
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		spec:         sp,
		custom:       map[string]http.Handler{},
		routes:       http.NewServeMux(),
		integrations: map[int]struct{}{},
		violation:    func(error) {},
	}
	for _, opt := range opts {
		if err := opt(h); err != nil {
			return nil, err
		}
	}
	if h.key == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		h.key = "dftest_" + hex.EncodeToString(b[:])
	}
	return h, nil
}

// Server is a fake Datafold API listening on a loopback address.
type Server struct {
	*Handler
	// URL is the server's base URL, such as "http://127.0.0.1:41234".
	URL string

	t testing.TB // NewServer's; Client fails it on a mistake in the test
}

// NewServer starts a fake Datafold API for the duration of t. A request that
// does not conform to the OpenAPI document fails t (see
// [WithLenientValidation]). The server shuts down in t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	report := WithViolationFunc(func(err error) {
		t.Errorf("datafoldtest: %v", err)
	})
	h, err := NewHandler(append([]Option{report}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.note = func(s string) { t.Log(s) }
	if note := h.spec.note(); note != "" {
		h.noteOnce(note)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &Server{Handler: h, URL: ts.URL, t: t}
}

// APIKey returns the key the fake accepts.
func (h *Handler) APIKey() string { return h.key }

// AddIntegrations adds BI integrations.
func (h *Handler) AddIntegrations(ids ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		h.integrations[id] = struct{}{}
	}
}

// HasIntegration reports whether the integration exists.
func (h *Handler) HasIntegration(id int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.integrations[id]
	return ok
}

// Integrations returns the ids of the existing integrations, sorted.
func (h *Handler) Integrations() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.integrations))
}

// FailNext answers the next n requests with status and a FastAPI-style
// {"detail": ...} body, adding a Retry-After header when retryAfter is not
// empty. Calls queue up: FailNext(1, 503, "0") then FailNext(1, 429, "")
// fails two requests, in that order.
func (h *Handler) FailNext(n, status int, retryAfter string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.failures = append(h.failures, failure{status: status, retryAfter: retryAfter})
	}
}

// SetDelay makes every answer wait d, or until the client goes away.
func (h *Handler) SetDelay(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.delay = d
}

// Requests returns what the fake has received so far, oldest first.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// ServeHTTP answers r as Datafold would.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery,
		Header:   redact(r.Header),
	}
	rec.KeyMatched = r.Header.Get("Authorization") == "Key "+h.key
	// The record is kept the moment the status is written, before the
	// client can see the answer, so a test that asserts on Requests()
	// right after its call returns never misses one.
	var once sync.Once
	commit := func(status int) {
		once.Do(func() {
			rec.Status = status
			h.mu.Lock()
			h.requests = append(h.requests, rec)
			h.mu.Unlock()
			if h.onRequest != nil {
				h.onRequest(rec)
			}
		})
	}
	sw := &statusWriter{ResponseWriter: w, commit: commit}
	defer func() { commit(sw.status) }()

	// Every request that reaches the fake is routed and checked against
	// the document before anything decides the answer, so a queued
	// failure or a missing key never hides a malformed request.
	serve, invalid := h.route(sw, r, &rec)
	if serve == nil {
		return // answered as FastAPI answers a path it does not serve
	}

	h.mu.Lock()
	delay := h.delay
	var fail *failure
	if len(h.failures) > 0 {
		fail = &h.failures[0]
		h.failures = h.failures[1:]
	}
	h.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			sw.status = 499 // as nginx logs a client that went away
			return
		}
	}
	if fail != nil {
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		detail(sw, fail.status, http.StatusText(fail.status))
		return
	}

	// FastAPI runs the security dependency before it validates parameters.
	switch auth := r.Header.Get("Authorization"); {
	case auth == "":
		detail(sw, http.StatusUnauthorized, "Not authenticated")
		return
	case !rec.KeyMatched:
		detail(sw, http.StatusForbidden, "Invalid API key")
		return
	}
	if invalid != nil {
		validationFailed(sw, invalid)
		return
	}
	serve.ServeHTTP(sw, r)
}

// route finds what answers r and checks r against the document, noting the
// operation in rec. A request that matches neither an operation nor a
// [WithRoute] pattern is answered here, and serve is nil.
func (h *Handler) route(w http.ResponseWriter, r *http.Request, rec *Request) (serve http.Handler, invalid error) {
	found := h.spec.router.find(r.Method, r.URL.Path)
	route, params := found.route, found.params
	byPattern, pattern := h.routes.Handler(r)
	if route == nil {
		if pattern != "" {
			return byPattern, nil // nothing in the document to check it against
		}
		h.notRouted(w, r, found)
		return nil, nil
	}
	rec.OperationID = route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
			// A handler of WithOperation or WithRoute sees the request
			// as the client sent it, not with the defaults filled in.
			SkipSettingDefaults: true,
		},
	}
	if invalid = h.validate(in); invalid != nil {
		h.report(fmt.Errorf("%s %s does not conform to the OpenAPI document: %w", r.Method, rec.Path, invalid))
	}
	if pattern != "" {
		return byPattern, invalid
	}
	if c, ok := h.custom[route.Operation.OperationID]; ok {
		return c, invalid
	}
	switch route.Method + " " + route.Path {
	case "DELETE /api/v1/lineage/bi/{bi_datasource_id}/":
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h.removeIntegration(w, params["bi_datasource_id"])
		}), invalid
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { synthesize(w, route.Operation) }), invalid
}

// noteOnce tells the test, once, about something the fake cannot check.
func (h *Handler) noteOnce(s string) {
	if _, seen := h.noted.LoadOrStore(s, true); !seen && h.note != nil {
		h.note(s)
	}
}

// validate checks a request against the document. A panic inside the
// validator (kin-openapi has met shapes it cannot decode, such as a tuple
// in a query string) is the fake's limit, not the request's fault: it is
// noted once and the request passes.
func (h *Handler) validate(in *openapi3filter.RequestValidationInput) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.noteOnce(fmt.Sprintf("datafoldtest: cannot check %s %s: the validator failed: %v",
				in.Route.Method, in.Route.Path, p))
			err = nil
		}
	}()
	return openapi3filter.ValidateRequest(in.Request.Context(), in)
}

func (h *Handler) removeIntegration(w http.ResponseWriter, rawID string) {
	id, err := strconv.Atoi(rawID)
	if err != nil { // validation already checked it; this is a bug in the fake
		detail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	h.mu.Lock()
	_, ok := h.integrations[id]
	delete(h.integrations, id)
	h.mu.Unlock()
	if !ok {
		detail(w, http.StatusNotFound, "Integration not found")
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// notRouted answers a request no operation matches, as Starlette does
// (see [router]): 405 when the path matches with another method, else a
// 307 to the path with its trailing slash toggled when that one matches,
// else 404.
func (h *Handler) notRouted(w http.ResponseWriter, r *http.Request, found outcome) {
	if found.redirect != "" {
		target := *r.URL
		target.Path, target.RawPath = found.redirect, ""
		target.Scheme, target.Host = "http", r.Host
		if r.TLS != nil {
			target.Scheme = "https"
		}
		// Starlette's RedirectResponse: no body.
		w.Header().Set("Location", target.String())
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if len(found.allowed) > 0 {
		h.report(fmt.Errorf("%s %s matches no operation in the OpenAPI document: the path takes %s",
			r.Method, r.URL.EscapedPath(), strings.Join(found.allowed, ", ")))
		w.Header().Set("Allow", strings.Join(found.allowed, ", "))
		detail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	h.report(fmt.Errorf("%s %s matches no operation in the OpenAPI document: no such path", r.Method, r.URL.EscapedPath()))
	detail(w, http.StatusNotFound, "Not Found")
}

func (h *Handler) report(err error) {
	if !h.lenient {
		h.violation(err)
	}
}

// validationIssue is one entry of FastAPI's 422 "detail" list.
type validationIssue struct {
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input,omitempty"`
}

// validationFailed answers with FastAPI's 422 body, one entry per problem
// kin-openapi found.
func validationFailed(w http.ResponseWriter, err error) {
	var errs []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		errs = me
	} else {
		errs = []error{err}
	}
	issues := make([]validationIssue, 0, len(errs))
	for _, e := range errs {
		issue := validationIssue{Type: "value_error", Loc: []any{"request"}, Msg: e.Error()}
		var re *openapi3filter.RequestError
		if errors.As(e, &re) && re.Parameter != nil {
			issue.Loc = []any{re.Parameter.In, re.Parameter.Name}
			issue.Msg = re.Reason
			var pe *openapi3filter.ParseError
			if errors.As(re.Err, &pe) {
				issue.Input = pe.Value
			}
			if s := re.Parameter.Schema; s != nil && s.Value != nil && s.Value.Type.Is("integer") {
				issue.Type = "int_parsing"
				issue.Msg = "Input should be a valid integer, unable to parse string as an integer"
			}
		}
		if issue.Msg == "" {
			issue.Msg = e.Error()
		}
		issues = append(issues, issue)
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": issues})
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// redact copies h with every credential replaced. Authorization keeps its
// scheme when it has one ("Key [REDACTED]"), so tests can still see which
// was used; a value without a scheme may be the secret itself and is
// replaced whole.
func redact(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"} {
		v := out.Get(k)
		if v == "" {
			continue
		}
		scheme, _, found := strings.Cut(v, " ")
		if k == "Authorization" && found && len(scheme) <= 16 {
			out.Set(k, scheme+" [REDACTED]")
			continue
		}
		out.Set(k, "[REDACTED]")
	}
	return out
}

// statusWriter hands the status to the request record as it is written.
// Unwrap lets http.ResponseController reach the connection, for handlers
// that hijack it.
type statusWriter struct {
	http.ResponseWriter
	status int
	commit func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.commit(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection to a handler that wants to misbehave on it.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	// Recorded now, with status 0: a handler that hijacks may never
	// return before the client sees the connection break.
	w.commit(0)
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Flush sends what has been written so far.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
