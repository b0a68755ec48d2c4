package datafoldtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/datafoldtest"
)

const key = "dftest_fake_key"

// do sends a raw request, so the tests see the fake exactly as any HTTP
// client would, and returns status, headers and decoded JSON body.
func do(t *testing.T, method, url, auth string) (int, http.Header, any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body any
	if b, _ := io.ReadAll(resp.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("body %q is not JSON: %v", b, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
	return resp.StatusCode, resp.Header, body
}

func TestFastAPIShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		method, path string
		auth         string
		wantStatus   int
		wantBody     any
		wantLocation string
	}{
		{name: "remove_existing", method: "DELETE", path: "/api/v1/lineage/bi/1/", auth: "Key " + key,
			wantStatus: 200, wantBody: map[string]any{}},
		{name: "remove_unknown", method: "DELETE", path: "/api/v1/lineage/bi/999/", auth: "Key " + key,
			wantStatus: 404, wantBody: map[string]any{"detail": "Integration not found"}},
		{name: "missing_key", method: "DELETE", path: "/api/v1/lineage/bi/1/",
			wantStatus: 401, wantBody: map[string]any{"detail": "Not authenticated"}},
		{name: "wrong_key", method: "DELETE", path: "/api/v1/lineage/bi/1/", auth: "Key nope",
			wantStatus: 403, wantBody: map[string]any{"detail": "Invalid API key"}},
		{name: "non_integer_id", method: "DELETE", path: "/api/v1/lineage/bi/abc/", auth: "Key " + key,
			wantStatus: 422, wantBody: map[string]any{"detail": []any{map[string]any{
				"type":  "int_parsing",
				"loc":   []any{"path", "bi_datasource_id"},
				"msg":   "Input should be a valid integer, unable to parse string as an integer",
				"input": "abc",
			}}}},
		{name: "no_trailing_slash", method: "DELETE", path: "/api/v1/lineage/bi/1", auth: "Key " + key,
			wantStatus: 307, wantLocation: "/api/v1/lineage/bi/1/"},
		{name: "wrong_method_no_trailing_slash", method: "GET", path: "/api/v1/lineage/bi/1", auth: "Key " + key,
			wantStatus: 307, wantLocation: "/api/v1/lineage/bi/1/"},
		{name: "unknown_path", method: "GET", path: "/api/v1/nothing/", auth: "Key " + key,
			wantStatus: 404, wantBody: map[string]any{"detail": "Not Found"}},
		{name: "wrong_method", method: "TRACE", path: "/api/v1/lineage/bi/1/", auth: "Key " + key,
			wantStatus: 405, wantBody: map[string]any{"detail": "Method Not Allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key), datafoldtest.WithIntegrations(1),
				datafoldtest.WithLenientValidation())
			status, header, body := do(t, tt.method, srv.URL+tt.path, tt.auth)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, body); tt.wantLocation == "" && diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			// Other methods may join DELETE as the spec grows.
			if tt.wantStatus == 405 && !strings.Contains(header.Get("Allow"), "DELETE") {
				t.Errorf("Allow = %q, want it to list DELETE", header.Get("Allow"))
			}
			if tt.wantLocation != "" && header.Get("Location") != srv.URL+tt.wantLocation {
				t.Errorf("Location = %q, want %q", header.Get("Location"), srv.URL+tt.wantLocation)
			}
		})
	}
}

// Every request that reaches the fake is checked, whatever it answers: a
// queued failure or a missing key must not hide a malformed request.
func TestViolationsAreReported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		path, auth    string
		failNext      bool
		wantStatus    int
		wantViolation string
	}{
		{name: "bad_id", path: "/api/v1/lineage/bi/abc/", auth: "Key " + key,
			wantStatus: 422, wantViolation: "DELETE /api/v1/lineage/bi/abc/ does not conform"},
		{name: "unknown_path", path: "/api/v1/elsewhere/", auth: "Key " + key,
			wantStatus: 404, wantViolation: "DELETE /api/v1/elsewhere/ matches no operation"},
		{name: "bad_id_while_a_failure_is_queued", path: "/api/v1/lineage/bi/abc/", auth: "Key " + key, failNext: true,
			wantStatus: 503, wantViolation: "DELETE /api/v1/lineage/bi/abc/ does not conform"},
		{name: "bad_id_without_a_key", path: "/api/v1/lineage/bi/abc/",
			wantStatus: 401, wantViolation: "DELETE /api/v1/lineage/bi/abc/ does not conform"},
		{name: "good_request_without_a_key", path: "/api/v1/lineage/bi/1/", wantStatus: 401},
		{name: "good_request", path: "/api/v1/lineage/bi/1/", auth: "Key " + key, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var violations []string
			h, err := datafoldtest.NewHandler(datafoldtest.WithAPIKey(key), datafoldtest.WithIntegrations(1),
				datafoldtest.WithViolationFunc(func(err error) {
					mu.Lock()
					violations = append(violations, err.Error())
					mu.Unlock()
				}))
			if err != nil {
				t.Fatal(err)
			}
			if tc.failNext {
				h.FailNext(1, 503, "")
			}
			ts := httptest.NewServer(h)
			t.Cleanup(ts.Close)
			if status, _, _ := do(t, "DELETE", ts.URL+tc.path, tc.auth); status != tc.wantStatus {
				t.Errorf("status = %d, want %d", status, tc.wantStatus)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case tc.wantViolation == "" && len(violations) > 0:
				t.Errorf("violations = %q, want none", violations)
			case tc.wantViolation != "" && (len(violations) != 1 || !strings.Contains(violations[0], tc.wantViolation)):
				t.Errorf("violations = %q, want one naming %q", violations, tc.wantViolation)
			}
		})
	}
}

func TestFailNextAndDelay(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key), datafoldtest.WithIntegrations(1))
	srv.FailNext(1, 503, "0")
	srv.FailNext(1, 429, "7")

	status, header, body := do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", "Key "+key)
	if status != 503 || header.Get("Retry-After") != "0" || !cmp.Equal(body, any(map[string]any{"detail": "Service Unavailable"})) {
		t.Errorf("first = %d %q %v, want 503 with Retry-After 0", status, header.Get("Retry-After"), body)
	}
	status, header, _ = do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", "Key "+key)
	if status != 429 || header.Get("Retry-After") != "7" {
		t.Errorf("second = %d %q, want 429 with Retry-After 7", status, header.Get("Retry-After"))
	}
	if status, _, _ = do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", "Key "+key); status != 200 {
		t.Errorf("third = %d, want 200", status)
	}

	srv.SetDelay(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed request err = %v, want deadline exceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("delayed request took %v", took)
	}
}

// A user's test: the fake, the real client, and an assertion on what was
// sent.
func TestUserStyle(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(10, 11))
	c, err := datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(srv.APIKey()))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := datafold.CheckResponse(resp); err != nil {
		t.Fatal(err)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("recorded %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "DELETE" || r.Path != "/api/v1/lineage/bi/10/" || !r.KeyMatched ||
		r.OperationID != "RemoveIntegration" || r.Status != 200 {
		t.Errorf("recorded %+v", r)
	}
	if got := r.Header.Get("Authorization"); got != "Key [REDACTED]" {
		t.Errorf("recorded Authorization = %q, want it redacted", got)
	}
	if got := srv.Integrations(); !cmp.Equal(got, []int{11}) {
		t.Errorf("integrations = %v, want [11]", got)
	}
}

func TestConcurrentRemovals(t *testing.T) {
	t.Parallel()
	ids := make([]int, 200)
	for i := range ids {
		ids[i] = i + 1
	}
	srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(ids...))
	c, err := datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(srv.APIKey()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			// Each id twice: exactly one of the two removes it.
			for range 2 {
				resp, err := c.RemoveIntegrationWithResponse(t.Context(), id)
				if err != nil {
					t.Error(err)
					return
				}
				_ = datafold.CheckResponse(resp)
			}
		})
	}
	wg.Wait()
	ok, notFound := 0, 0
	for _, r := range srv.Requests() {
		switch r.Status {
		case 200:
			ok++
		case 404:
			notFound++
		}
	}
	if ok != len(ids) || notFound != len(ids) || len(srv.Integrations()) != 0 {
		t.Errorf("%d removed, %d not found, %d left; want %d, %d, 0", ok, notFound, len(srv.Integrations()), len(ids), len(ids))
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithLenientValidation())
	for _, auth := range []string{"Key " + key, "sk_live_no_scheme_secret", "Bearer " + key} {
		do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", auth)
	}
	want := []string{"Key [REDACTED]", "[REDACTED]", "Bearer [REDACTED]"}
	for i, r := range srv.Requests() {
		if got := r.Header.Get("Authorization"); got != want[i] {
			t.Errorf("request %d recorded Authorization %q, want %q", i, got, want[i])
		}
	}
}

func TestWithOperation(t *testing.T) {
	t.Parallel()
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"detail":"in use"}`)
		})))
	// Authentication still comes first.
	if status, _, _ := do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", ""); status != 401 {
		t.Errorf("without key: %d, want 401", status)
	}
	status, _, body := do(t, "DELETE", srv.URL+"/api/v1/lineage/bi/1/", "Key "+key)
	if status != 409 || !cmp.Equal(body, any(map[string]any{"detail": "in use"})) {
		t.Errorf("custom handler: %d %v", status, body)
	}
	if got := srv.Requests()[1]; got.Status != 409 || got.OperationID != "RemoveIntegration" {
		t.Errorf("recorded %+v", got)
	}
}

// WithRoute's handler answers its pattern after the key, as every
// operation is: a path the document does not declare unchecked, one it
// declares once the request conforms; everything else is judged by the
// document as before.
func TestWithRoute(t *testing.T) {
	t.Parallel()
	var violations []string
	var mu sync.Mutex
	h, err := datafoldtest.NewHandler(datafoldtest.WithAPIKey(key),
		datafoldtest.WithViolationFunc(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			violations = append(violations, err.Error())
		}),
		datafoldtest.WithRoute("GET /api/v1/organization/meta", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"org_id": 1}`)
		})),
		datafoldtest.WithRoute("DELETE /api/v1/lineage/bi/{id}/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		})))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)

	tests := []struct {
		name          string
		method, path  string
		auth          string
		wantStatus    int
		wantViolation string
	}{
		{name: "undeclared_answered", method: "GET", path: "/api/v1/organization/meta", auth: "Key " + key, wantStatus: 200},
		{name: "undeclared_needs_the_key", method: "GET", path: "/api/v1/organization/meta", wantStatus: 401},
		{name: "undeclared_wrong_key", method: "GET", path: "/api/v1/organization/meta", auth: "Key nope", wantStatus: 403},
		{name: "other_method_unknown", method: "POST", path: "/api/v1/organization/meta", auth: "Key " + key, wantStatus: 404, wantViolation: "no such path"},
		{name: "declared_answered", method: "DELETE", path: "/api/v1/lineage/bi/7/", auth: "Key " + key, wantStatus: 202},
		{name: "declared_still_checked", method: "DELETE", path: "/api/v1/lineage/bi/x/", auth: "Key " + key, wantStatus: 422, wantViolation: "does not conform"},
	}
	for _, tt := range tests {
		mu.Lock()
		violations = nil
		mu.Unlock()
		status, _, _ := do(t, tt.method, ts.URL+tt.path, tt.auth)
		if status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.wantStatus)
		}
		mu.Lock()
		got := strings.Join(violations, "\n")
		mu.Unlock()
		if (tt.wantViolation == "") != (got == "") || !strings.Contains(got, tt.wantViolation) {
			t.Errorf("%s: violations %q, want one saying %q", tt.name, got, tt.wantViolation)
		}
	}
	reqs := h.Requests()
	if got := reqs[0]; got.OperationID != "" || got.Status != 200 || !got.KeyMatched {
		t.Errorf("recorded %+v, want no operation, 200, the key", got)
	}
	if got := reqs[4]; got.OperationID != "RemoveIntegration" || got.Status != 202 {
		t.Errorf("recorded %+v, want RemoveIntegration answered 202", got)
	}

	h.FailNext(1, 503, "1")
	if status, hdr, _ := do(t, "GET", ts.URL+"/api/v1/organization/meta", "Key "+key); status != 503 || hdr.Get("Retry-After") != "1" {
		t.Errorf("after FailNext: %d, Retry-After %q; want 503, 1", status, hdr.Get("Retry-After"))
	}

	for _, bad := range []struct {
		pattern string
		handler http.Handler
	}{{"GET /x", nil}, {"GET /x/{", http.NotFoundHandler()}} {
		if _, err := datafoldtest.NewHandler(datafoldtest.WithRoute(bad.pattern, bad.handler)); err == nil {
			t.Errorf("WithRoute(%q, %v): no error", bad.pattern, bad.handler)
		}
	}
}
