package datafoldtest

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// The fake routes every path shape FastAPI serves (testdata/routes.json has
// one of each) as Starlette does.
func TestRouting(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/routes.json")
	if err != nil {
		t.Fatal(err)
	}
	h, url, violations, _ := serveDocument(t, raw)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const flow = "/flows/7"
	tests := []struct {
		name         string
		method, path string
		wantStatus   int
		wantOp       string // the operation recorded, for a routed request
		wantLocation string // for a 307, the path of Location
		wantAllow    string // for a 405
		wantReport   string // a substring of the one violation, or "" for none
	}{
		// One shape, two parameter names, two methods: each method finds
		// its own path, and its own parameter's schema judges the value.
		{name: "shape_post", method: "POST", path: "/v1/agents/abc", wantStatus: 200, wantOp: "run_workflow"},
		{name: "shape_get", method: "GET", path: "/v1/agents/wpid_abc", wantStatus: 200, wantOp: "get_workflow"},
		{name: "shape_get_checks_its_parameter", method: "GET", path: "/v1/agents/abc", wantStatus: 422,
			wantOp: "get_workflow", wantReport: "workflow_permanent_id"},
		// A literal segment beside a parameter, same method: the literal.
		{name: "literal_beats_parameter", method: "GET", path: "/v1/agents/runs", wantStatus: 200, wantOp: "list_runs"},
		// Beside a parameter with other methods: each method its own.
		{name: "literal_post", method: "POST", path: "/flows/filter", wantStatus: 200, wantOp: "filter_flows"},
		{name: "parameter_get", method: "GET", path: flow, wantStatus: 200, wantOp: "read_flow"},
		{name: "parameter_delete", method: "DELETE", path: flow, wantStatus: 200, wantOp: "delete_flow"},
		// A full match wins over a more specific path that lacks the
		// method, as in Starlette: the id "filter" is then judged.
		{name: "full_match_beats_path_only_match", method: "GET", path: "/flows/filter", wantStatus: 422,
			wantOp: "read_flow", wantReport: "id"},
		// Two paths, neither more specific: the first literal wins.
		{name: "leftmost_literal_wins", method: "GET", path: "/work_queues/name/status", wantStatus: 200,
			wantOp: "read_work_queue_by_name"},
		{name: "other_path_of_the_pair", method: "GET", path: "/work_queues/q1/status", wantStatus: 200,
			wantOp: "read_work_queue_status"},
		// With and without a trailing slash, both declared: each its own.
		{name: "slash_declared", method: "GET", path: "/items/", wantStatus: 200, wantOp: "list_items"},
		{name: "no_slash_declared", method: "POST", path: "/items", wantStatus: 200, wantOp: "create_item"},
		// Both forms declared, other method: 405, not a redirect.
		{name: "both_declared_wrong_method", method: "POST", path: "/items/", wantStatus: 405, wantAllow: "GET",
			wantReport: "POST /items/ matches no operation"},
		// Only one form declared: FastAPI's 307 to it, query kept.
		{name: "missing_slash_redirects", method: "GET", path: "/tags?limit=1", wantStatus: 307, wantLocation: "/tags/?limit=1"},
		{name: "extra_slash_redirects", method: "GET", path: "/tags/x/", wantStatus: 307, wantLocation: "/tags/x"},
		{name: "redirect_whatever_the_method", method: "DELETE", path: "/tags", wantStatus: 307, wantLocation: "/tags/"},
		// Parameters inside a segment.
		{name: "parameters_in_a_segment", method: "GET", path: "/files/report.csv", wantStatus: 200, wantOp: "read_file"},
		// A known path, an unknown method.
		{name: "unknown_method", method: "PUT", path: "/v1/agents/runs", wantStatus: 405, wantAllow: "GET, POST",
			wantReport: "PUT /v1/agents/runs matches no operation"},
		{name: "unknown_path", method: "GET", path: "/nothing", wantStatus: 404, wantReport: "GET /nothing matches no operation"},
		{name: "root", method: "GET", path: "/", wantStatus: 404, wantReport: "GET / matches no operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the violations are counted in order.
			before := len(violations())
			var body *strings.Reader
			if tc.method == "POST" {
				body = strings.NewReader("{}")
			} else {
				body = strings.NewReader("")
			}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, url+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Key k")
			if tc.method == "POST" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := strings.TrimPrefix(resp.Header.Get("Location"), url); got != tc.wantLocation {
				t.Errorf("Location = %q, want %q", got, tc.wantLocation)
			}
			if got := resp.Header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if reqs := h.Requests(); reqs[len(reqs)-1].OperationID != tc.wantOp {
				t.Errorf("routed to %q, want %q", reqs[len(reqs)-1].OperationID, tc.wantOp)
			}
			got := violations()[before:]
			switch {
			case tc.wantReport == "" && len(got) > 0:
				t.Errorf("violations = %q, want none", got)
			case tc.wantReport != "" && (len(got) != 1 || !strings.Contains(got[0], tc.wantReport)):
				t.Errorf("violations = %q, want one about %q", got, tc.wantReport)
			}
		})
	}
}
