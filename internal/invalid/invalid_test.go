package invalid

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

func parse(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func doc(paths string) string {
	return "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n" + paths
}

// overlayOf wraps actions in an overlay document.
func overlayOf(actions []*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapping(
		"overlay", scalar("1.0.0"), "info", mapping("title", scalar("t"), "version", scalar("1")),
		"actions", &yaml.Node{Kind: yaml.SequenceNode, Content: actions})}}
}

// params renders an operation's parameters after the repair as
// "in name required type", one per parameter, the path item's first.
func params(t *testing.T, n *yaml.Node, path, method string) []string {
	t.Helper()
	item := yamlnode.Get(yamlnode.Get(yamlnode.Root(n), "paths"), path)
	var out []string
	for _, list := range []*yaml.Node{yamlnode.Get(item, "parameters"), yamlnode.Get(yamlnode.Get(item, method), "parameters")} {
		if list == nil {
			continue
		}
		for _, p := range list.Content {
			if ref := yamlnode.Get(p, "$ref"); ref != nil {
				p = yamlnode.Resolve(yamlnode.Root(n), ref.Value)
			}
			out = append(out, strings.Join([]string{value(yamlnode.Get(p, "in")), value(yamlnode.Get(p, "name")),
				value(yamlnode.Get(p, "required")), value(yamlnode.Get(yamlnode.Get(p, "schema"), "type"))}, " "))
		}
	}
	return out
}

func TestCheckRepairs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		paths    string
		path, op string
		want     []string // the operation's parameters once repaired
		warnings []string // a part of each warning, in order
	}{
		{"undeclared_no_parameters_at_all", `
  /v1/agents/{agent_id}/messages/cancel:
    post: {operationId: cancel, responses: {'200': {description: OK}}}
`, "/v1/agents/{agent_id}/messages/cancel", "post",
			[]string{"path agent_id true string"},
			[]string{"POST /v1/agents/{agent_id}/messages/cancel: path parameter {agent_id} is not declared"}},
		{"undeclared_beside_a_declared_one_the_path_lacks", `
  /v1/agents/{agent_id}/folders/attach/{folder_id}:
    patch:
      parameters:
        - {name: source_id, in: path, required: true, schema: {type: string}}
        - {name: agent_id, in: path, required: true, schema: {type: string}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses: {'200': {description: OK}}
`, "/v1/agents/{agent_id}/folders/attach/{folder_id}", "patch",
			[]string{"path agent_id true string", "query verbose  boolean", "path folder_id true string"},
			[]string{"path parameter source_id is declared, but the path has no {source_id}; dropped",
				"path parameter {folder_id} is not declared"}},
		{"renamed_parameter_is_not_guessed", `
  /v1/traces/{identifier}:
    delete:
      parameters: [{name: trace_identifier, in: path, required: true, schema: {type: integer}}]
      responses: {'204': {description: OK}}
`, "/v1/traces/{identifier}", "delete",
			[]string{"path identifier true string"},
			[]string{"trace_identifier is declared, but the path has no {trace_identifier}", "{identifier} is not declared"}},
		{"declared_on_the_path_item", `
  /items/{item_id}:
    parameters: [{name: item_id, in: path, required: true, schema: {type: integer}}]
    get: {responses: {'200': {description: OK}}}
`, "/items/{item_id}", "get", []string{"path item_id true integer"}, nil},
		{"declared_through_a_component", `
  /items/{item_id}:
    get:
      parameters: [{$ref: '#/components/parameters/ItemID'}]
      responses: {'200': {description: OK}}
components:
  parameters:
    ItemID: {name: item_id, in: path, required: true, schema: {type: integer}}
`, "/items/{item_id}", "get", []string{"path item_id true integer"}, nil},
		{"path_parameter_without_schema_or_required", `
  /media/sync/status/{job_id}:
    get:
      parameters: [{name: job_id, in: path}, {name: q, in: query}]
      responses: {'200': {description: OK}}
`, "/media/sync/status/{job_id}", "get",
			[]string{"path job_id true string", "query q  string"},
			[]string{"path parameter job_id lacks required: true and a schema; made required and a string",
				"query parameter q lacks a schema; made a string"}},
		{"component_repaired_once_for_every_user", `
  /a/{id}:
    get: {parameters: [{$ref: '#/components/parameters/ID'}], responses: {'200': {description: OK}}}
  /b/{id}:
    get: {parameters: [{$ref: '#/components/parameters/ID'}], responses: {'200': {description: OK}}}
components:
  parameters:
    ID: {name: id, in: path, required: false, schema: {type: string}}
`, "/b/{id}", "get", []string{"path id true string"},
			[]string{"GET /a/{id}: path parameter id lacks required: true"}},
		{"identical_duplicate_dropped", `
  /users/{user_id}:
    post:
      parameters:
        - {name: user_id, in: path, required: true, schema: {title: User Id, type: integer}}
        - {in: path, name: user_id, required: true, schema: {type: integer, title: User Id}}
      responses: {'200': {description: OK}}
`, "/users/{user_id}", "post", []string{"path user_id true integer"},
			[]string{"POST /users/{user_id}: path parameter user_id is declared twice, identically"}},
		{"same_name_in_another_place_is_no_duplicate", `
  /things/{key}:
    get:
      parameters:
        - {name: key, in: path, required: true, schema: {type: string}}
        - {name: key, in: query, schema: {type: integer}}
      responses: {'200': {description: OK}}
`, "/things/{key}", "get", []string{"path key true string", "query key  integer"}, nil},
		{"a_parameter_in_query_does_not_fill_the_template", `
  /test/{code}:
    get:
      parameters: [{name: code, in: query, required: true, schema: {type: string}}]
      responses: {'200': {description: OK}}
`, "/test/{code}", "get", []string{"query code true string", "path code true string"},
			[]string{"GET /test/{code}: path parameter {code} is not declared"}},
		{"header_parameters_openapi_ignores", `
  /v1/spans:
    parameters: [{name: Authorization, in: header, schema: {type: string}}]
    post:
      parameters:
        - {name: content-type, in: header, schema: {anyOf: [{type: string}, {type: 'null'}]}}
        - {name: content-encoding, in: header, schema: {type: string}}
      responses: {'200': {description: OK}}
`, "/v1/spans", "post", []string{"header content-encoding  string"},
			[]string{"POST /v1/spans: header parameter content-type is one OpenAPI says to ignore; dropped",
				"POST /v1/spans: header parameter Authorization is one OpenAPI says to ignore"}},
		{"nullable_path_parameter", `
  /export/{camera_name}/start/{start_time}:
    post:
      parameters:
        - {name: camera_name, in: path, required: true, schema: {anyOf: [{type: string}, {type: 'null'}], title: Camera Name}}
        - {name: start_time, in: path, required: true, schema: {type: [number, 'null']}}
        - {name: note, in: query, schema: {anyOf: [{type: string}, {type: 'null'}]}}
      responses: {'200': {description: OK}}
`, "/export/{camera_name}/start/{start_time}", "post",
			[]string{"path camera_name true string", "path start_time true number", "query note  "},
			[]string{"path parameter camera_name may be null, which no URL can carry", "path parameter start_time may be null"}},
		{"valid_document_untouched", `
  /a/{x}/b/{x}:
    get:
      parameters: [{name: x, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: OK}}
`, "/a/{x}/b/{x}", "get", []string{"path x true string"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := parse(t, doc(tt.paths))
			r := Check(n)
			if len(r.Refusals) > 0 {
				t.Fatalf("refused: %q", r.Refusals)
			}
			if len(r.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings:\n%s\nwant %d", strings.Join(r.Warnings, "\n"), len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.Contains(r.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to hold %q", i, r.Warnings[i], w)
				}
			}
			if (len(r.Actions) > 0) != (len(tt.warnings) > 0) {
				t.Errorf("%d actions for %d warnings", len(r.Actions), len(tt.warnings))
			}
			repaired, err := Apply(n, overlayOf(r.Actions))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, params(t, repaired, tt.path, tt.op)); diff != "" {
				t.Errorf("parameters once repaired (-want +got):\n%s", diff)
			}
			if again := Check(repaired); len(again.Warnings)+len(again.Refusals) > 0 {
				t.Errorf("the repaired document still breaks rules: %q %q", again.Warnings, again.Refusals)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	t.Parallel()
	const differing = `
  /reports/:
    get:
      parameters:
        - {name: owner, in: query, schema: {type: integer}}
        - {name: owner, in: query, schema: {type: string}}
      responses: {'200': {description: OK}}
`
	n := parse(t, doc(differing))
	r := Check(n)
	want := []string{`GET /reports/: query parameter owner is declared twice, differently (rule: an operation's parameters are unique by name and location); ` +
		`to keep the first, add to overlay.yaml's actions: - {target: "$['paths']['/reports/']['get']['parameters'][1]", remove: true}`}
	if diff := cmp.Diff(want, r.Refusals); diff != "" {
		t.Fatalf("refusals (-want +got):\n%s", diff)
	}
	if len(r.Actions) > 0 {
		t.Errorf("actions for a refused breach: %d", len(r.Actions))
	}

	// The action the refusal names, added to overlay.yaml, settles it.
	fix := parse(t, "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - {target: \"$['paths']['/reports/']['get']['parameters'][1]\", remove: true}\n")
	settled, err := Apply(n, fix)
	if err != nil {
		t.Fatal(err)
	}
	if again := Check(settled); len(again.Refusals)+len(again.Warnings) > 0 {
		t.Errorf("still refused once settled: %q %q", again.Refusals, again.Warnings)
	}
	if got := params(t, settled, "/reports/", "get"); !cmp.Equal(got, []string{"query owner  integer"}) {
		t.Errorf("parameters once settled: %q", got)
	}
}

// A form body that is a union is refused; the two actions the refusal
// names settle it.
func TestCheckRefusesFormUnions(t *testing.T) {
	t.Parallel()
	n := parse(t, doc(`
  /v1/oauth2/token:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/TokenRequest'}
      responses: {'200': {description: OK}}
components:
  schemas:
    TokenRequest:
      oneOf: [{$ref: '#/components/schemas/CodeRequest'}, {$ref: '#/components/schemas/RefreshRequest'}]
    CodeRequest: {type: object, properties: {code: {type: string}}}
    RefreshRequest: {type: object, properties: {refresh_token: {type: string}}}
`))
	got := Check(n).Refusals
	media := "$['paths']['/v1/oauth2/token']['post']['requestBody']['content']['application/x-www-form-urlencoded']"
	want := []string{"POST /v1/oauth2/token: its application/x-www-form-urlencoded body is a oneOf of 2 schemas, which the generated client cannot write as a form: " +
		"it sent an empty body (rule: a form body is one object); to send CodeRequest, add to overlay.yaml's actions " +
		`- {target: "` + media + `['schema']", remove: true} and then - {target: "` + media + `", update: {schema: {$ref: '#/components/schemas/CodeRequest'}}}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("refusals (-want +got):\n%s", diff)
	}
	line := got[0][strings.Index(got[0], "- {"):]
	var actions []*yaml.Node
	for _, a := range strings.Split(line, " and then ") {
		seq := yamlnode.Root(parse(t, a))
		if seq.Kind != yaml.SequenceNode || len(seq.Content) != 1 || yamlnode.Get(seq.Content[0], "target") == nil {
			t.Fatalf("%q is not one overlay action", a)
		}
		actions = append(actions, seq.Content[0])
	}
	settled, err := Apply(n, overlayOf(actions))
	if err != nil {
		t.Fatal(err)
	}
	if again := Check(settled); len(again.Refusals) > 0 {
		t.Errorf("still refused once settled: %q", again.Refusals)
	}
}

// A bound the generator's parser cannot read is refused; numbers of either
// kind, and a property named like a keyword, are not.
func TestCheckRefusesBoundsThatAreNotNumbers(t *testing.T) {
	t.Parallel()
	n := parse(t, doc(`
  /v1/metrics/:
    get:
      parameters:
        - {name: start_date, in: query, schema: {type: string, format: date, minimum: '2023-01-01'}}
        - {name: ratio, in: query, schema: {type: number, minimum: 0.5, maximum: 1, multipleOf: 0.25}}
        - {name: name, in: query, schema: {type: string, minLength: 1, maxLength: 2.5}}
      responses: {'200': {description: OK}}
components:
  schemas:
    Bounds:
      type: object
      properties:
        minimum: {type: string, example: {minimum: none}}
`))
	got := Check(n).Refusals
	want := []string{
		`GET /v1/metrics/: minimum at #/paths/~1v1~1metrics~1/get/parameters/0/schema is "2023-01-01", not a number (rule: minimum, maximum, multipleOf and the length and count bounds are numbers); ` +
			`no overlay action can settle it, as the generator reads the document before it applies the overlay: have it published with a number there, or without the bound`,
		`GET /v1/metrics/: maxLength at #/paths/~1v1~1metrics~1/get/parameters/2/schema is "2.5", not a whole number (rule: minimum, maximum, multipleOf and the length and count bounds are numbers); ` +
			`no overlay action can settle it, as the generator reads the document before it applies the overlay: have it published with a number there, or without the bound`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
}

func TestDuplicateOperationIDs(t *testing.T) {
	t.Parallel()
	n := parse(t, doc(`
  /v1/oauth2/userinfo:
    get: {operationId: 'oauth2:userinfo', responses: {'200': {description: OK}}}
    post: {operationId: 'oauth2:userinfo', responses: {'200': {description: OK}}}
  /v1/other:
    get: {operationId: other, responses: {'200': {description: OK}}}
`))
	r := Check(n)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "operationId oauth2:userinfo is on GET /v1/oauth2/userinfo, POST /v1/oauth2/userinfo;") {
		t.Errorf("warnings: %q", r.Warnings)
	}
	if len(r.Actions) > 0 || len(r.Refusals) > 0 {
		t.Errorf("opnames names them; here: %d actions, refusals %q", len(r.Actions), r.Refusals)
	}

	ov := parse(t, `overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.paths.*.*[?(@.operationId == 'oauth2:userinfo')]
    update: {operationId: GetUserinfo}
  - target: $.paths.*.*[?(@.operationId == 'other')]
    update: {operationId: Other}
`)
	got := CheckOverlay(n, ov)
	want := []string{`GET /v1/oauth2/userinfo, POST /v1/oauth2/userinfo: overlay.yaml names operationId oauth2:userinfo GetUserinfo, ` +
		`and the document gives that operationId to each of them (rule: operationIds are unique); target the one it named by path instead, ` +
		`as in - {target: "$['paths']['/v1/oauth2/userinfo']['get']", update: {operationId: GetUserinfo}}, then rerun with NAMES=auto to name the others`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckOverlay (-want +got):\n%s", diff)
	}
	// The suggested action parses as one list item of overlay.yaml.
	var item []map[string]any
	line := got[0][strings.Index(got[0], "- {") : strings.Index(got[0], "}}")+2]
	if err := yaml.Unmarshal([]byte(line), &item); err != nil || len(item) != 1 || item[0]["target"] != "$['paths']['/v1/oauth2/userinfo']['get']" {
		t.Errorf("suggested action %q reads as %v (%v)", line, item, err)
	}
}

func TestApplySkipsNamesOnly(t *testing.T) {
	t.Parallel()
	n := parse(t, doc("  /a:\n    get: {operationId: a}\n"))
	ov := parse(t, "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - {target: \"$.paths.*.*[?(@.operationId == 'a')]\", update: {operationId: A}}\n")
	got, err := Apply(n, ov)
	if err != nil || got != n {
		t.Errorf("Apply with names only = %p, %v; want the document itself", got, err)
	}
}

// What the document holds reaches the overlay library whole: a string
// that starts with a newline, in a list (Skyvern's code samples), is a
// "|2" block scalar, which the YAML module wrote back unreadably when the
// document crossed over as text.
func TestApplyAllKeepsEveryString(t *testing.T) {
	t.Parallel()
	// As update-spec has a JSON document: converted to YAML, two spaces a level.
	n := parse(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: a
      x-code-samples:
        - sdk: python
          code: |2

            from x import X

            x = X(api_key="KEY")
      responses:
        '200': {description: OK}
`)
	ov := parse(t, "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - {target: \"$.paths['/a'].get\", update: {summary: s}}\n")
	got, err := Apply(n, ov)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	get := yamlnode.Get(yamlnode.Get(yamlnode.Get(yamlnode.Root(got), "paths"), "/a"), "get")
	code := value(yamlnode.Get(yamlnode.Get(get, "x-code-samples").Content[0], "code"))
	if value(yamlnode.Get(get, "summary")) != "s" || code != "\nfrom x import X\n\nx = X(api_key=\"KEY\")\n" {
		t.Errorf("applied: summary %q, code %q", value(yamlnode.Get(get, "summary")), code)
	}
}
