package datafoldtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// idioms is a document in the style FastAPI and pydantic v2 publish, with
// each idiom the fake must load and still check.
const idioms = `{
  "openapi": "3.1.0",
  "info": {"title": "idioms", "version": "1"},
  "paths": {
    "/api/v1/things/{thing_id}": {
      "post": {
        "operationId": "CreateThing",
        "parameters": [
          {"in": "path", "name": "thing_id", "required": true, "schema": {"type": "integer", "title": "Thing Id"}},
          {"in": "query", "name": "anything", "required": false, "schema": {}},
          {"in": "query", "name": "q", "required": false,
           "schema": {"anyOf": [{"type": "string", "pattern": "^(?!\\s*$).+"}, {"type": "null"}], "title": "Q"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {
          "201": {"description": "Created", "headers": {"X-Thing-Id": {"schema": {"type": "integer"}}},
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "422": {"description": "Validation Error"}
        }
      }
    },
    "/api/v1/nodes": {
      "post": {"operationId": "CreateNode",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}
    },
    "/api/v1/folders": {
      "post": {"operationId": "CreateFolder",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Folder"}}}},
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Folder"}}}}}}
    },
    "/api/internal/health": {
      "get": {"operationId": "Health", "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}}
    },
    "/api/v1/things/{thing_id}/archive": {
      "delete": {"operationId": "ArchiveThing",
        "parameters": [{"in": "path", "name": "thing_id", "required": true, "schema": {}}],
        "responses": {"204": {"description": "Archived"}}}
    }
  },
  "components": {"schemas": {
    "Csv": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "csv", "type": "string"}}},
    "Parquet": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "parquet", "type": "string"}, "rows": {"type": "integer", "exclusiveMinimum": 0}}},
    "Thing": {
      "type": "object", "title": "Thing", "required": ["name", "ratio"], "ui_hint": "card",
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 20, "sensitive": true},
        "slug": {"anyOf": [{"type": "string", "pattern": "^(?=[a-z])[a-z-]+$"}, {"type": "null"}], "deprecated_in": "2.3"},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "secret": {"type": "string", "format": "password", "writeOnly": true},
        "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2},
        "labels": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}]},
        "options": {"anyOf": [{"oneOf": [{"$ref": "#/components/schemas/Csv"}, {"$ref": "#/components/schemas/Parquet"}],
                               "discriminator": {"propertyName": "kind", "mapping": {"csv": "#/components/schemas/Csv", "parquet": "#/components/schemas/Parquet"}}},
                              {"type": "null"}]},
        "owner": {"$ref": "#/components/schemas/Csv", "description": "beside a $ref", "ui_hint": "owner"},
        "tree": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]}
      }
    },
    "Folder": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"},
      "parent": {"anyOf": [{"$ref": "#/components/schemas/Folder"}, {"type": "null"}]},
      "tree": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]}}},
    "Node": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"},
      "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
  }}
}`

// idiomServer serves the fake for the idioms document and collects what it
// reports.
func idiomServer(t *testing.T) (url string, violations func() []string, notes func() []string) {
	t.Helper()
	_, url, violations, notes = serveDocument(t, []byte(idioms))
	return url, violations, notes
}

// serveDocument serves the fake for the OpenAPI document raw (JSON) and
// collects what it reports.
func serveDocument(t *testing.T, raw []byte) (h *Handler, url string, violations func() []string, notes func() []string) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := newSpec(doc, raw)
	if err != nil {
		t.Fatalf("the fake refuses a valid 3.1 document: %v", err)
	}
	var mu sync.Mutex
	var vs, ns []string
	h, err = NewHandler(WithAPIKey("k"), WithViolationFunc(func(err error) {
		mu.Lock()
		vs = append(vs, err.Error())
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	h.spec = sp
	h.note = func(s string) {
		mu.Lock()
		ns = append(ns, s)
		mu.Unlock()
	}
	h.noteOnce(sp.note())
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	get := func(p *[]string) func() []string {
		return func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), *p...)
		}
	}
	return h, ts.URL, get(&vs), get(&ns)
}

func send(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Key k")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

const goodThing = `{"name": "abc", "ratio": 0.5, "pair": [1, "x"], "slug": "a-b", "labels": {"k": "v"},
	"options": {"kind": "parquet", "rows": 3}, "owner": {"kind": "csv"}, "secret": "s"}`

// Each idiom loads, and everything but a pattern RE2 cannot compile is
// still checked.
func TestFakeChecksPydanticIdioms(t *testing.T) {
	t.Parallel()
	url, violations, notes := idiomServer(t)
	tests := []struct {
		name       string
		path, body string
		wantStatus int
		wantReport string // a substring of the one violation, or "" for none
	}{
		{"conforming", "/api/v1/things/1", goodThing, 201, ""},
		{"null_where_anyOf_allows_it", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "slug": null, "labels": null, "options": null}`, 201, ""},
		{"untyped_query_parameter_takes_anything", "/api/v1/things/1?anything=%7B%22a%22%3A1%7D", goodThing, 201, ""},
		{"python_pattern_is_skipped", "/api/v1/things/1?q=%20%20", `{"name": "abc", "ratio": 0.5, "slug": "1-no-lookahead"}`, 201, ""},
		{"re2_pattern_is_checked", "/api/v1/things/1", `{"name": "ABC", "ratio": 0.5}`, 422, "name"},
		{"exclusive_maximum_is_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 1}`, 422, "ratio"},
		{"exclusive_minimum_is_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "options": {"kind": "parquet", "rows": 0}}`, 422, "options"},
		{"discriminator_tag_is_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "options": {"kind": "json"}}`, 422, "options"},
		{"tuple_item_types_are_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "pair": ["x", 1]}`, 422, "pair"},
		{"map_values_are_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "labels": {"k": 1}}`, 422, "labels"},
		{"recursive_schema", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "tree": {"name": "a", "children": [{"name": "b", "children": []}]}}`, 201, ""},
		{"recursive_schema_is_checked", "/api/v1/things/1", `{"name": "abc", "ratio": 0.5, "tree": {"name": "a", "children": [{"children": []}]}}`, 422, "tree"},
		{"recursive_body", "/api/v1/nodes", `{"name": "a", "children": [{"name": "b"}]}`, 200, ""},
		{"recursive_body_is_checked", "/api/v1/nodes", `{"name": "a", "children": [{"children": 1}]}`, 422, "children"},
		// A cycle holding a schema that reaches another cycle.
		{"cycle_beside_cycle", "/api/v1/folders", `{"name": "a", "parent": {"name": "b", "tree": {"name": "n", "children": [{"name": "m"}]}}}`, 200, ""},
		{"cycle_beside_cycle_is_checked", "/api/v1/folders", `{"name": "a", "parent": {"name": "b", "tree": {"name": "n", "children": [{}]}}}`, 422, "parent"},
		{"integer_path_is_checked", "/api/v1/things/abc", goodThing, 422, "thing_id"},
		{"untyped_path_parameter_takes_anything", "/api/v1/things/anything%20at%20all/archive", "", 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(violations())
			method := http.MethodPost
			if strings.HasSuffix(tc.path, "/archive") {
				method = http.MethodDelete
			}
			resp, body := send(t, method, url+tc.path, tc.body)
			judged(t, resp.StatusCode, body, violations()[before:], tc.wantStatus, tc.wantReport)
		})
	}
	if n := notes(); len(n) != 1 || !strings.Contains(n[0], "2 pattern(s)") ||
		!strings.Contains(n[0], `^(?!\s*$).+`) || !strings.Contains(n[0], "^(?=[a-z])[a-z-]+$") {
		t.Errorf("notes = %q, want one naming both Python patterns", n)
	}
}

// An operation without behaviour of its own answers its first success
// response, synthesized from the schema, and the answer conforms.
func TestFakeSynthesizesConformingResponses(t *testing.T) {
	t.Parallel()
	url, violations, _ := idiomServer(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(idioms))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := newSpec(doc, []byte(idioms))
	if err != nil {
		t.Fatal(err)
	}
	router := sp.router
	for _, tc := range []struct {
		method, path, body string
		wantStatus         int
	}{
		{http.MethodPost, "/api/v1/things/1", goodThing, 201},
		{http.MethodGet, "/api/internal/health", "", 200},
		{http.MethodPost, "/api/v1/nodes", `{"name": "a"}`, 200},
		{http.MethodPost, "/api/v1/folders", `{"name": "a"}`, 200},
		{http.MethodDelete, "/api/v1/things/x/archive", "", 204},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			resp, body := send(t, tc.method, url+tc.path, tc.body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			req, _ := http.NewRequest(tc.method, "http://fake"+tc.path, nil)
			found := router.find(tc.method, tc.path)
			route, params := found.route, found.params
			if route == nil {
				t.Fatalf("%s %s is not routed", tc.method, tc.path)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 resp.StatusCode,
				Header:                 resp.Header,
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			}
			in.SetBodyBytes(body)
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("the synthesized answer does not conform: %v\n%s", err, body)
			}
			if tc.wantStatus == 201 {
				var thing map[string]any
				if err := json.Unmarshal(body, &thing); err != nil {
					t.Fatal(err)
				}
				if _, ok := thing["secret"]; ok {
					t.Errorf("a writeOnly property is in the response: %s", body)
				}
				if resp.Header.Get("X-Thing-Id") == "" {
					t.Error("the declared response header is missing")
				}
			}
			if tc.wantStatus == 204 && len(bytes.TrimSpace(body)) != 0 {
				t.Errorf("204 with a body: %q", body)
			}
		})
	}
	if v := violations(); len(v) > 0 {
		t.Errorf("violations = %q", v)
	}
}

// judged checks how the fake answered a request and what it reported: the
// status, and no violation or exactly one naming wantReport.
func judged(t *testing.T, status int, body []byte, got []string, wantStatus int, wantReport string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("status = %d, want %d; body %s", status, wantStatus, body)
	}
	switch {
	case wantReport == "" && len(got) > 0:
		t.Errorf("violations = %q, want none", got)
	case wantReport != "" && (len(got) != 1 || !strings.Contains(got[0], wantReport)):
		t.Errorf("violations = %q, want one about %q", got, wantReport)
	}
}
