package datafold_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// The call every importer makes: regeneration must keep it exactly so.
var _ func(context.Context, int, ...api.RequestEditorFn) (*api.RemoveIntegrationResponse, error) = (*api.ClientWithResponses)(nil).RemoveIntegrationWithResponse

// testKey is obviously fake; tests check it never leaks.
const testKey = "dfk_test_NOT_A_REAL_KEY_7f3a"

// fastRetries keeps the retry logic real while taking no time.
var fastRetries = datafold.RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Minute}

// setup starts a fake Datafold for one test and a client pointed at it.
// When h is not nil it answers RemoveIntegration, after the fake has checked
// the key and validated the request against the embedded OpenAPI document:
// any request the client sends that does not conform fails the test.
func setup(t *testing.T, h http.HandlerFunc, opts ...datafold.Option) (*api.ClientWithResponses, *datafoldtest.Server) {
	t.Helper()
	fopts := []datafoldtest.Option{datafoldtest.WithAPIKey(testKey)}
	if h != nil {
		fopts = append(fopts, datafoldtest.WithOperation("RemoveIntegration", h))
	}
	srv := datafoldtest.NewServer(t, fopts...)
	base := []datafold.Option{
		datafold.WithServer(srv.URL),
		datafold.WithAPIKey(testKey),
		datafold.WithRetryPolicy(fastRetries),
	}
	c, err := datafold.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, srv
}

// wire is what a handler saw of a request.
type wire struct {
	Method, Path, Authorization, UserAgent string
}

func record(r *http.Request) wire {
	return wire{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("User-Agent")}
}

func TestRemoveIntegration_wire(t *testing.T) {
	t.Parallel()
	seen := make(chan wire, 1)
	c, srv := setup(t, func(w http.ResponseWriter, r *http.Request) {
		seen <- record(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})

	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatalf("RemoveIntegrationWithResponse: %v", err)
	}
	if resp.StatusCode() != http.StatusOK {
		t.Errorf("StatusCode() = %d, want 200", resp.StatusCode())
	}
	if err := datafold.CheckResponse(resp); err != nil {
		t.Errorf("CheckResponse: %v", err)
	}
	if resp.JSON200 == nil || !cmp.Equal(*resp.JSON200, any(map[string]any{})) {
		t.Errorf("JSON200 = %v, want {}", resp.JSON200)
	}

	got := <-seen
	want := wire{
		Method:        http.MethodDelete,
		Path:          "/api/v1/lineage/bi/42/",
		Authorization: "Key " + testKey,
		UserAgent:     "datafold-go/" + datafold.Version(),
	}
	if got != want {
		// The diff would print the key; compare without it.
		got.Authorization = strings.ReplaceAll(got.Authorization, testKey, "<key>")
		want.Authorization = "Key <key>"
		t.Errorf("request mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestRemoveIntegration_fake(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, nil)
	srv.AddIntegrations(7, 42)

	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if err := datafold.CheckResponse(resp); err != nil {
		t.Fatalf("first removal: %v", err)
	}
	if got := srv.Integrations(); !cmp.Equal(got, []int{7}) {
		t.Errorf("integrations after removal = %v, want [7]", got)
	}

	resp, err = c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	err = datafold.CheckResponse(resp)
	if !errors.Is(err, datafold.ErrNotFound) {
		t.Fatalf("second removal: err = %v, want ErrNotFound", err)
	}
	const want = "datafold: DELETE /api/v1/lineage/bi/42/: 404 Not Found: Integration not found"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestRemoveIntegration_validationError(t *testing.T) {
	t.Parallel()
	// What FastAPI sends when a parameter does not parse; loc mixes strings
	// and integers when the error is inside a list.
	const body = `{"detail":[` +
		`{"type":"int_parsing","loc":["path","bi_datasource_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},` +
		`{"type":"missing","loc":["body","items",0,"name"],"msg":"Field required","input":{}}]}`
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(body))
	})

	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON422 == nil || resp.JSON422.Detail == nil || len(*resp.JSON422.Detail) != 2 {
		t.Fatalf("JSON422 = %+v, want two decoded validation errors", resp.JSON422)
	}
	first := (*resp.JSON422.Detail)[0]
	if section, err := first.Loc[0].AsValidationErrorLoc0(); err != nil || section != "path" {
		t.Errorf("JSON422 loc[0] = %q, %v; want \"path\"", section, err)
	}
	index, err := (*resp.JSON422.Detail)[1].Loc[2].AsValidationErrorLoc1()
	if err != nil || index != 0 {
		t.Errorf("JSON422 second loc[2] = %d, %v; want 0", index, err)
	}

	err = datafold.CheckResponse(resp)
	var apiErr *datafold.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, datafold.ErrValidation) {
		t.Fatalf("CheckResponse = %v, want *APIError matching ErrValidation", err)
	}
	wantIssues := []datafold.ValidationIssue{
		{Loc: []any{"path", "bi_datasource_id"}, Msg: "Input should be a valid integer, unable to parse string as an integer", Type: "int_parsing"},
		{Loc: []any{"body", "items", 0, "name"}, Msg: "Field required", Type: "missing"},
	}
	if diff := cmp.Diff(wantIssues, apiErr.Issues); diff != "" {
		t.Errorf("Issues mismatch (-want +got):\n%s", diff)
	}
	if got, want := apiErr.Issues[1].Field(), "body.items[0].name"; got != want {
		t.Errorf("Field() = %q, want %q", got, want)
	}
}

// The whole configuration from the environment, as a program in CI would
// have it: one request on the wire, a decoded success and a decoded 422.
func TestNewClient_fromEnvironment(t *testing.T) {
	var mu sync.Mutex
	var seen []wire
	status := http.StatusOK
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(testKey),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, record(r))
			code := status
			mu.Unlock()
			body := `{}`
			if code == http.StatusUnprocessableEntity {
				body = `{"detail":[{"type":"int_parsing","loc":["path","bi_datasource_id"],"msg":"Input should be a valid integer","input":"x"}]}`
			}
			jsonBody(code, body)(w, r)
		})))
	t.Setenv(datafold.EnvHost, srv.URL)
	t.Setenv(datafold.EnvAPIKey, testKey)

	c, err := datafold.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("RemoveIntegrationWithResponse = %v, %v; want 200", resp, err)
	}
	mu.Lock()
	if len(seen) != 1 || seen[0].Method != http.MethodDelete || seen[0].Path != "/api/v1/lineage/bi/42/" ||
		seen[0].Authorization != "Key "+testKey {
		t.Errorf("server saw %d requests, first %s %s; want one DELETE /api/v1/lineage/bi/42/ with the key",
			len(seen), seen[0].Method, seen[0].Path)
	}
	status = http.StatusUnprocessableEntity
	mu.Unlock()

	resp, err = c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON422 == nil || resp.JSON422.Detail == nil || (*resp.JSON422.Detail)[0].Msg != "Input should be a valid integer" {
		t.Errorf("JSON422 = %+v, want the decoded FastAPI error", resp.JSON422)
	}
}

func TestNewClient_serverPrecedence(t *testing.T) {
	// t.Setenv rules out t.Parallel here.
	tests := []struct {
		name    string
		env     string
		opts    []datafold.Option
		want    string
		wantErr string
	}{
		{name: "spec_default", want: "https://app.datafold.com/"},
		{name: "env_host", env: "https://eu.datafold.com", want: "https://eu.datafold.com/"},
		{name: "env_host_without_scheme", env: "acme.datafold.com", want: "https://acme.datafold.com/"},
		{name: "env_host_with_prefix", env: "https://dedicated.example.com/datafold/", want: "https://dedicated.example.com/datafold/"},
		{name: "option_beats_env", env: "https://eu.datafold.com", opts: []datafold.Option{datafold.WithServer("https://us.datafold.com")}, want: "https://us.datafold.com/"},
		{name: "loopback_http", env: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/"},
		{name: "localhost_http", env: "http://localhost:8080", want: "http://localhost:8080/"},
		{name: "ipv6_loopback_http", env: "http://[::1]:8080", want: "http://[::1]:8080/"},
		{name: "plain_http_refused", env: "http://datafold.internal", wantErr: "refusing to send the API key over plain http"},
		{name: "plain_http_allowed", env: "http://datafold.internal", opts: []datafold.Option{datafold.WithInsecureHTTP()}, want: "http://datafold.internal/"},
		{name: "unparsable", env: "https://exa mple.com", wantErr: "is not a URL"},
		{name: "bad_scheme", env: "ftp://datafold.com", wantErr: "scheme must be https or http"},
		{name: "no_host", env: "https://", wantErr: "has no host"},
		{name: "bad_port", env: "https://app.datafold.com:99999", wantErr: "bad port"},
		{name: "credentials_in_url", env: "https://user:hunter2@app.datafold.com", wantErr: "credentials in the URL"},
		{name: "query", env: "https://app.datafold.com/?x=1", wantErr: "no query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(datafold.EnvAPIKey, testKey)
			t.Setenv(datafold.EnvHost, tt.env)
			c, err := datafold.NewClient(tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewClient err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q repeats the URL's password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if got := c.ClientInterface.(*api.Client).Server; got != tt.want {
				t.Errorf("server = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewClient_keyPrecedence(t *testing.T) {
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
			got := make(chan string, 1)
			srv := datafoldtest.NewServer(t)
			t.Setenv(datafold.EnvAPIKey, tt.env)
			t.Setenv(datafold.EnvHost, "")
			opts := append([]datafold.Option{datafold.WithServer(srv.URL)}, tt.opts...)
			c, err := datafold.NewClient(opts...)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			// Per-call editors run after the client's own, so this one
			// sees the header as it will be sent.
			editor := func(_ context.Context, req *http.Request) error {
				got <- req.Header.Get("Authorization")
				return nil
			}
			_, _ = c.RemoveIntegrationWithResponse(t.Context(), 1, editor)
			if h := <-got; h != tt.want {
				t.Errorf("Authorization = %q, want %q", h, tt.want)
			}
		})
	}
}

func TestNewClient_badKeys(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		fromEnv bool // else WithAPIKey; a NUL cannot go through the environment
		wantErr error
		wantMsg string
	}{
		{name: "missing", key: "", fromEnv: true, wantErr: datafold.ErrMissingAPIKey, wantMsg: "DATAFOLD_API_KEY"},
		{name: "blank", key: "   ", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "blank"},
		{name: "leading_space", key: " secretvalue1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "whitespace"},
		{name: "trailing_newline_env", key: "secretvalue1\n", fromEnv: true, wantErr: datafold.ErrInvalidAPIKey, wantMsg: "whitespace (from DATAFOLD_API_KEY)"},
		{name: "trailing_newline_option", key: "secretvalue1\n", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "whitespace (from WithAPIKey)"},
		{name: "inner_newline", key: "secret\nvalue1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "control character at byte 6"},
		{name: "nul", key: "secret\x00value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "control character"},
		{name: "inner_space", key: "secret value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "space at byte 6"},
		{name: "non_ascii", key: "secrét_value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := datafoldtest.NewServer(t)
			t.Setenv(datafold.EnvHost, srv.URL)
			t.Setenv(datafold.EnvAPIKey, "")
			var opts []datafold.Option
			if tt.fromEnv {
				t.Setenv(datafold.EnvAPIKey, tt.key)
			} else {
				opts = append(opts, datafold.WithAPIKey(tt.key))
			}
			c, err := datafold.NewClient(opts...)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("NewClient err = %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
			}
			if c != nil {
				t.Error("NewClient returned a client along with its error")
			}
			if k := strings.TrimSpace(tt.key); k != "" && strings.Contains(err.Error(), k) {
				t.Error("the error repeats the key")
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("the server saw %d requests, want none", n)
			}
			if _, err := datafold.NewAPIKey(tt.key); !errors.Is(err, tt.wantErr) {
				t.Errorf("NewAPIKey err = %v, want %v", err, tt.wantErr)
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
		{"backoff_inverted", datafold.WithRetryPolicy(datafold.RetryPolicy{MinBackoff: time.Second}), "MaxBackoff is less"},
		{"zero_body_limit", datafold.WithMaxResponseBytes(0), "positive"},
		{"user_agent_newline", datafold.WithUserAgent("x\ny"), "control characters"},
		{"nil_editor", datafold.WithRequestEditor(nil), "nil function"},
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

func TestNewClient_options(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []wire
	var extra string
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, record(r))
		extra = r.Header.Get("X-Trace")
		mu.Unlock()
	},
		datafold.WithUserAgent("offboard/1.2"),
		datafold.WithRequestEditor(func(_ context.Context, r *http.Request) error {
			r.Header.Set("X-Trace", "abc")
			return nil
		}),
	)
	if _, err := c.RemoveIntegrationWithResponse(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "offboard/1.2 datafold-go/" + datafold.Version(); got[0].UserAgent != want {
		t.Errorf("User-Agent = %q, want %q", got[0].UserAgent, want)
	}
	if extra != "abc" {
		t.Errorf("X-Trace = %q, want the editor's value", extra)
	}
}

func TestNewClient_ownHTTPClient(t *testing.T) {
	t.Parallel()
	var calls int
	var mu sync.Mutex
	own := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, srv := setup(t, nil, datafold.WithHTTPClient(own))
	srv.AddIntegrations(5)
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := datafold.CheckResponse(resp); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("own transport used %d times, want 1", calls)
	}
	if _, ok := own.Transport.(roundTripFunc); !ok {
		t.Error("NewClient modified the caller's http.Client")
	}
}

func TestAPIKey_standalone(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(testKey), datafoldtest.WithIntegrations(3))
	key, err := datafold.NewAPIKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.NewClientWithResponses(srv.URL, api.WithRequestEditorFn(key.Intercept))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := datafold.CheckResponse(resp); err != nil {
		t.Fatal(err)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || !reqs[0].KeyMatched {
		t.Errorf("requests = %+v, want one carrying the key", reqs)
	}

	// Alone, the editor still refuses plain http off the machine.
	insecure, err := api.NewClientWithResponses("http://datafold.example.com", api.WithRequestEditorFn(key.Intercept))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := insecure.RemoveIntegrationWithResponse(t.Context(), 3); !errors.Is(err, datafold.ErrInsecureTransport) {
		t.Errorf("plain http to a remote host: err = %v, want ErrInsecureTransport", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
