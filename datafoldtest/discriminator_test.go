package datafoldtest

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// A union with a discriminator is judged by the branch the tag maps to,
// wherever it sits, even when no branch declares the tag
// (testdata/unions.json, in pydantic v2's style).
func TestDiscriminatedUnions(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/unions.json")
	if err != nil {
		t.Fatal(err)
	}
	_, url, violations, _ := serveDocument(t, raw)
	const (
		indb    = `{"diff_type": "indb", "table_a": "a", "table_b": "b", "primary_key": ["id"], "materialize_results": true}`
		inmem   = `{"diff_type": "inmem", "table_a": "a", "table_b": "b", "primary_key": ["id"], "sampling_tolerance": 0.1}`
		neither = `{"diff_type": "indb", "table_a": "a", "primary_key": []}`
		unknown = `{"diff_type": "cloud", "table_a": "a", "table_b": "b", "primary_key": ["id"]}`
		// Valid for indb, which takes any extra key, not for inmem.
		wrongBranch = `{"diff_type": "inmem", "table_a": "a", "table_b": "b", "primary_key": ["id"], "sampling_tolerance": 2}`
		// Without the tag, both branches accept it: a strict oneOf refuses.
		untaggedBoth = `{"table_a": "a", "table_b": "b", "primary_key": ["id"]}`
		// Without the tag, only indb accepts it: a strict oneOf takes it.
		untaggedOne = `{"table_a": "a", "table_b": "b", "primary_key": ["id"], "sampling_tolerance": 2}`
	)
	monitor := func(datadiff string) string { return `{"name": "m", "datadiff": ` + datadiff + `}` }
	batch := func(diffs ...string) string { return `{"diffs": [` + strings.Join(diffs, ", ") + `]}` }
	tests := []struct {
		name         string
		method, path string
		body         string
		wantStatus   int
		wantReport   string // a substring of the one violation, or "" for none
	}{
		// The union as the whole request body.
		{"body_indb", "POST", "/api/v1/datadiffs", indb, 200, ""},
		{"body_inmem", "POST", "/api/v1/datadiffs", inmem, 200, ""},
		{"body_valid_for_neither", "POST", "/api/v1/datadiffs", neither, 422, "does not conform"},
		{"body_unknown_tag", "POST", "/api/v1/datadiffs", unknown, 422, "does not conform"},
		{"body_judged_by_its_tag_only", "POST", "/api/v1/datadiffs", wrongBranch, 422, "does not conform"},
		{"body_untagged_is_strict", "POST", "/api/v1/datadiffs", untaggedBoth, 422, "does not conform"},
		{"body_untagged_one_branch", "POST", "/api/v1/datadiffs", untaggedOne, 200, ""},
		{"body_not_an_object", "POST", "/api/v1/datadiffs", `"indb"`, 422, "does not conform"},
		// A property of the body.
		{"property_indb", "POST", "/api/v1/monitors/create/diff", monitor(indb), 200, ""},
		{"property_inmem", "POST", "/api/v1/monitors/create/diff", monitor(inmem), 200, ""},
		{"property_valid_for_neither", "POST", "/api/v1/monitors/create/diff", monitor(neither), 422, "datadiff"},
		{"property_unknown_tag", "POST", "/api/v1/monitors/create/diff", monitor(unknown), 422, "datadiff"},
		// Inside anyOf with null, as pydantic writes Optional.
		{"optional_indb", "PATCH", "/api/v1/monitors/7/update", `{"datadiff": ` + indb + `}`, 200, ""},
		{"optional_null", "PATCH", "/api/v1/monitors/7/update", `{"datadiff": null}`, 200, ""},
		{"optional_unknown_tag", "PATCH", "/api/v1/monitors/7/update", `{"datadiff": ` + unknown + `}`, 422, "datadiff"},
		{"optional_judged_by_its_tag_only", "PATCH", "/api/v1/monitors/7/update", `{"datadiff": ` + wrongBranch + `}`, 422, "datadiff"},
		// Array items.
		{"items_both_branches", "POST", "/api/v1/datadiffs/batch", batch(indb, inmem), 200, ""},
		{"items_one_unknown", "POST", "/api/v1/datadiffs/batch", batch(indb, unknown), 422, "diffs"},
		// No mapping: the tag is the component's name (the implicit mapping).
		{"implicit_mapping", "POST", "/api/v1/monitors/create/diff",
			`{"name": "m", "datadiff": ` + indb + `, "alert": {"kind": "SlackAlert", "channel": "#data", "to": "x@example.com"}}`, 200, ""},
		{"implicit_mapping_judged_by_its_tag", "POST", "/api/v1/monitors/create/diff",
			`{"name": "m", "datadiff": ` + indb + `, "alert": {"kind": "EmailAlert", "channel": "#data"}}`, 422, "alert"},
		{"implicit_mapping_unknown_tag", "POST", "/api/v1/monitors/create/diff",
			`{"name": "m", "datadiff": ` + indb + `, "alert": {"kind": "slack", "channel": "#data"}}`, 422, "alert"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the violations are counted in order.
			before := len(violations())
			resp, body := send(t, tc.method, url+tc.path, tc.body)
			judged(t, resp.StatusCode, body, violations()[before:], tc.wantStatus, tc.wantReport)
		})
	}
}

// The fake's synthesized answer for a discriminated union carries a tag and
// conforms.
func TestDiscriminatedUnionAnswers(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/unions.json")
	if err != nil {
		t.Fatal(err)
	}
	h, url, _, _ := serveDocument(t, raw)
	resp, body := send(t, "POST", url+"/api/v1/datadiffs", `{"diff_type": "indb", "table_a": "a", "table_b": "b", "primary_key": ["id"]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"diff_type":"in`) {
		t.Fatalf("answer = %d %s, want 200 with a diff_type", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", "http://fake/api/v1/datadiffs", nil)
	found := h.spec.router.find("POST", "/api/v1/datadiffs")
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: found.params, Route: found.route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("the synthesized answer does not conform: %v\n%s", err, body)
	}
}
