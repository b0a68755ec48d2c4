package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/invalid"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

const unionSpec = `
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /api/v1/files/{file_id}/:
    post:
      operationId: create_file_api_v1_files__file_id___post
      requestBody:
        content:
          application/json:
            schema:
              oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
              discriminator: {propertyName: kind}
      responses:
        '200':
          content:
            application/json:
              schema:
                anyOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
        '201':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Csv'}
  /api/internal/token:
    post:
      operationId: ExchangeToken
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/Body_exchange_token'}
components:
  schemas:
    Csv: {type: object, properties: {kind: {const: csv}}}
    Parquet: {type: object, properties: {kind: {const: parquet}}}
    DiffOptions: {type: object}
    Diff:
      type: object
      properties:
        options:
          anyOf:
            - oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
              discriminator: {propertyName: kind}
            - type: 'null'
        items:
          type: array
          items:
            oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
        named: {anyOf: [{$ref: '#/components/schemas/Csv'}, {type: 'null'}]}
    Diff_Options: {type: string}
    Either:
      oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
    Body_exchange_token:
      type: object
      required: [since]
      properties:
        since: {type: string, format: date-time, title: Since}
        scope: {anyOf: [{type: string}, {type: 'null'}], title: Scope, description: OAuth scope.}
        until: {anyOf: [{type: string, format: date-time}, {type: 'null'}], title: Until}
`

func TestUnionActions(t *testing.T) {
	t.Parallel()
	var spec yaml.Node
	if err := yaml.Unmarshal([]byte(unionSpec), &spec); err != nil {
		t.Fatal(err)
	}
	actions, err := unionActions(&spec, func(op operation) string {
		if name, ok := derive(op); ok {
			return name
		}
		return codegen.ToCamelCase(op.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		added   []string
		targets []string
		byKey   map[string]*yaml.Node
	}
	got.byKey = map[string]*yaml.Node{}
	for i, a := range actions {
		target := yamlnode.Get(a, "target").Value
		if i == 0 {
			add := yamlnode.Get(a, "update")
			for j := 0; j+1 < len(add.Content); j += 2 {
				got.added = append(got.added, add.Content[j].Value)
			}
			continue
		}
		verb := "update"
		if yamlnode.Get(a, "remove") != nil {
			verb = "remove"
		} else {
			upd := yamlnode.Get(a, "update")
			got.byKey[upd.Content[0].Value] = upd.Content[1]
		}
		got.targets = append(got.targets, verb+" "+target)
	}

	// The nullable-wrapped union (named apart from the Diff_Options schema
	// that would become the same Go type) and the two body unions are
	// hoisted; unions oapi-codegen already handles (array items, named
	// components, $ref branches) are left alone.
	if diff := cmp.Diff([]string{"DiffOptions2", "CreateFileRequest", "CreateFileResponse200"}, got.added); diff != "" {
		t.Errorf("hoisted components (-want +got):\n%s", diff)
	}
	wantTargets := []string{
		"remove $['paths']['/api/v1/files/{file_id}/']['post']['requestBody']['content']['application/json']['schema']",
		"update $['paths']['/api/v1/files/{file_id}/']['post']['requestBody']['content']['application/json']",
		"remove $['paths']['/api/v1/files/{file_id}/']['post']['responses']['200']['content']['application/json']['schema']",
		"update $['paths']['/api/v1/files/{file_id}/']['post']['responses']['200']['content']['application/json']",
		"remove $['components']['schemas']['Diff']",
		"update $['components']['schemas']",
		"remove $['components']['schemas']['Body_exchange_token']",
		"update $['components']['schemas']",
	}
	if diff := cmp.Diff(wantTargets, got.targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}

	diff := got.byKey["Diff"]
	opts := yamlnode.Get(yamlnode.Get(yamlnode.Get(diff, "properties"), "options"), "anyOf")
	if ref := yamlnode.Get(opts.Content[0], "$ref"); ref == nil || ref.Value != "#/components/schemas/DiffOptions2" {
		t.Errorf("Diff.options.anyOf[0] = %v, want a $ref to DiffOptions2", opts.Content[0])
	}

	// Form fields: no null, dates as Go strings, titles kept.
	form := yamlnode.Get(got.byKey["Body_exchange_token"], "properties")
	for _, tc := range []struct{ prop, want string }{
		{"since", "{type: string, format: date-time, title: Since, x-go-type: string}"},
		{"scope", "{type: string, title: Scope, description: OAuth scope.}"},
		{"until", "{type: string, format: date-time, title: Until, x-go-type: string}"},
	} {
		if got := flow(t, yamlnode.Get(form, tc.prop)); got != tc.want {
			t.Errorf("form field %s = %s, want %s", tc.prop, got, tc.want)
		}
	}
}

func TestJSONPathQuotes(t *testing.T) {
	t.Parallel()
	got := yamlnode.JSONPath([]string{"paths", `/a/{it's}/`, `back\slash`})
	if want := `$['paths']['/a/{it\'s}/']['back\\slash']`; got != want {
		t.Errorf("jsonPath = %s, want %s", got, want)
	}
}

func TestNoUnionsNoActions(t *testing.T) {
	t.Parallel()
	var spec yaml.Node
	if err := yaml.Unmarshal([]byte("openapi: 3.1.0\npaths: {}\ncomponents: {schemas: {A: {type: object}}}\n"), &spec); err != nil {
		t.Fatal(err)
	}
	actions, err := unionActions(&spec, func(operation) string { return "X" })
	if err != nil || len(actions) != 0 {
		t.Fatalf("unionActions = %d actions, %v; want none", len(actions), err)
	}
}

// flow renders a mapping on one line, for comparison.
func flow(t *testing.T, n *yaml.Node) string {
	t.Helper()
	c := deepCopy(n)
	var style func(*yaml.Node)
	style = func(n *yaml.Node) {
		n.Style = yaml.FlowStyle
		for _, child := range n.Content {
			style(child)
		}
	}
	style(c)
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestUntypedParamActions: every parameter oapi-codegen would make a bare
// interface{} (never nil-checked, so a left-out optional one panicked the
// client) gets the Go type string, wherever it is declared; typed ones,
// $refs and content-encoded ones are left alone.
func TestUntypedParamActions(t *testing.T) {
	t.Parallel()
	const spec = `
openapi: 3.1.0
paths:
  /api/v1/datadiffs/{datadiff_id}:
    parameters:
      - {in: header, name: x-trace, required: false, schema: {description: any header}}
    get:
      parameters:
        - {in: path, name: datadiff_id, required: true, schema: {type: integer}}
        - {in: query, name: poll, required: false, schema: {title: Poll}}
        - {in: query, name: sort, required: false, schema: {enum: [asc, desc]}}
        - {in: query, name: level, required: false, schema: {enum: [1, 2]}}
        - {in: query, name: filter, required: false, content: {application/json: {schema: {}}}}
        - {$ref: '#/components/parameters/Session'}
  /api/v1/nodes/{node_id}:
    delete:
      parameters:
        - {in: path, name: node_id, required: true, schema: {}}
        - {in: cookie, name: session, schema: {default: null}}
        - {in: query, name: typed, schema: {anyOf: [{type: string}, {type: 'null'}]}}
        - {in: query, name: mine, schema: {x-go-type: int64}}
components:
  parameters:
    Session: {in: cookie, name: sid, schema: {}}
    Typed: {in: query, name: page, schema: {type: integer}}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(spec), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range untypedParamActions(&doc) {
		got = append(got, yamlnode.Get(a, "target").Value+" "+flow(t, yamlnode.Get(a, "update")))
	}
	want := []string{
		"$['paths']['/api/v1/datadiffs/{datadiff_id}']['parameters'][0]['schema'] {x-go-type: string}",
		"$['paths']['/api/v1/datadiffs/{datadiff_id}']['get']['parameters'][1]['schema'] {x-go-type: string}",
		"$['paths']['/api/v1/datadiffs/{datadiff_id}']['get']['parameters'][2]['schema'] {x-go-type: string}",
		"$['paths']['/api/v1/nodes/{node_id}']['delete']['parameters'][0]['schema'] {x-go-type: string}",
		"$['paths']['/api/v1/nodes/{node_id}']['delete']['parameters'][1]['schema'] {x-go-type: string}",
		"$['components']['parameters']['Session']['schema'] {x-go-type: string}",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

func TestUntypedSchema(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, schema string
		want         bool
	}{
		{"empty", "{}", true},
		{"annotated_only", "{title: Poll, description: d, default: 1, examples: [1]}", true},
		{"string_enum", "{enum: [a, b]}", true},
		{"string_const", "{const: a}", true},
		{"integer_enum", "{enum: [1, 2]}", false},
		{"typed", "{type: string}", false},
		{"ref", "{$ref: '#/components/schemas/X'}", false},
		{"nullable_union", "{anyOf: [{type: string}, {type: 'null'}]}", false},
		{"own_go_type", "{x-go-type: int64}", false},
		{"array_items", "{items: {type: string}}", false},
		{"not_a_mapping", "[]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tc.schema), &n); err != nil {
				t.Fatal(err)
			}
			if got := untypedSchema(yamlnode.Root(&n)); got != tc.want {
				t.Errorf("untypedSchema(%s) = %v, want %v", tc.schema, got, tc.want)
			}
		})
	}
}

// TestBinaryText: pydantic v2's bytes (a string with a contentMediaType)
// travel in JSON as the text itself, so they become Go strings instead of
// openapi_types.File (base64 in JSON), wherever they are nested; explicit
// formats, base64 encodings and our own Go types win, and data keywords
// are not schemas.
func TestBinaryText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, schema, want string
		changed            int
	}{
		{"bytes", "{type: string, contentMediaType: application/octet-stream}",
			"{type: string, contentMediaType: application/octet-stream, x-go-type: string}", 1},
		{"nested_property_and_nullable",
			"{type: object, properties: {value: {type: string, contentMediaType: a/b}, opt: {anyOf: [{type: string, contentMediaType: a/b}, {type: 'null'}]}}}",
			"{type: object, properties: {value: {type: string, contentMediaType: a/b, x-go-type: string}, opt: {anyOf: [{type: string, contentMediaType: a/b, x-go-type: string}, {type: \"null\"}]}}}", 2},
		{"property_named_like_a_keyword", "{properties: {default: {type: string, contentMediaType: a/b}}}",
			"{properties: {default: {type: string, contentMediaType: a/b, x-go-type: string}}}", 1},
		{"array_items", "{type: array, items: {type: string, contentMediaType: a/b}}",
			"{type: array, items: {type: string, contentMediaType: a/b, x-go-type: string}}", 1},
		{"base64_stays_bytes", "{type: string, contentMediaType: image/png, contentEncoding: base64}",
			"{type: string, contentMediaType: image/png, contentEncoding: base64}", 0},
		{"explicit_format", "{type: string, format: binary, contentMediaType: a/b}", "{type: string, format: binary, contentMediaType: a/b}", 0},
		{"own_go_type", "{type: string, contentMediaType: a/b, x-go-type: '[]byte'}", "{type: string, contentMediaType: a/b, x-go-type: '[]byte'}", 0},
		{"example_is_data", "{type: object, examples: [{type: string, contentMediaType: a/b}]}", "{type: object, examples: [{type: string, contentMediaType: a/b}]}", 0},
		{"ref", "{$ref: '#/components/schemas/Blob'}", "{$ref: '#/components/schemas/Blob'}", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tc.schema), &n); err != nil {
				t.Fatal(err)
			}
			schema := yamlnode.Root(&n)
			if got := binaryText(schema); got != tc.changed {
				t.Errorf("binaryText changed %d, want %d", got, tc.changed)
			}
			if got := flow(t, schema); got != tc.want {
				t.Errorf("after binaryText:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestDiscriminators: a discriminated union's mapping is rebuilt from its
// branches' tags, as pydantic picks the branch; inline branches are named
// so they can be mapped, and a union whose tags cannot tell its branches
// apart becomes a plain one.
func TestDiscriminators(t *testing.T) {
	t.Parallel()
	const components = `
components:
  schemas:
    Csv: {type: object, properties: {file_type: {const: csv, type: string}}}
    Excel: {type: object, properties: {file_type: {enum: [excel, xlsx], type: string}}}
    Parquet: {allOf: [{$ref: '#/components/schemas/Base'}, {type: object, properties: {file_type: {const: parquet}}}]}
    Base: {type: object}
    Untagged: {type: object, properties: {file_type: {type: string}}}
`
	for _, tc := range []struct {
		name, union, want string
		hoisted           []string
	}{
		{"complete_mapping_untouched",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv'}}}",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv'}}}", nil},
		{"unmapped_branch_from_const_enum_and_allof",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Excel'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type}}",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Excel'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv', excel: '#/components/schemas/Excel', xlsx: '#/components/schemas/Excel', parquet: '#/components/schemas/Parquet'}}}", nil},
		{"wrong_mapping_follows_the_tags",
			"{anyOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv', parquet: '#/components/schemas/Csv'}}}",
			"{anyOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv', parquet: '#/components/schemas/Parquet'}}}", nil},
		{"untagged_branch_keeps_its_published_tag",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Untagged'}], discriminator: {propertyName: file_type, mapping: {raw: '#/components/schemas/Untagged'}}}",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Untagged'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv', raw: '#/components/schemas/Untagged'}}}", nil},
		{"inline_branches_named_and_mapped",
			"{oneOf: [{type: object, properties: {type: {type: string, enum: [session_start]}}}, {type: object, properties: {type: {const: session_end}}}], discriminator: {propertyName: type}}",
			"{oneOf: [{$ref: '#/components/schemas/EventsSessionStart'}, {$ref: '#/components/schemas/EventsSessionEnd'}], discriminator: {propertyName: type, mapping: {session_start: '#/components/schemas/EventsSessionStart', session_end: '#/components/schemas/EventsSessionEnd'}}}",
			[]string{"EventsSessionStart", "EventsSessionEnd"}},
		{"untaggable_becomes_plain",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Untagged'}], discriminator: {propertyName: file_type}}",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Untagged'}]}", nil},
		{"shared_tag_becomes_plain",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {type: object, properties: {file_type: {const: csv}}}], discriminator: {propertyName: file_type}}",
			"{oneOf: [{$ref: '#/components/schemas/Csv'}, {type: object, properties: {file_type: {const: csv}}}]}", nil},
		{"nested_in_a_nullable_property",
			"{type: object, properties: {options: {anyOf: [{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type}}, {type: 'null'}]}}}",
			"{type: object, properties: {options: {anyOf: [{oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}], discriminator: {propertyName: file_type, mapping: {csv: '#/components/schemas/Csv', parquet: '#/components/schemas/Parquet'}}}, {type: \"null\"}]}}}", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var comps, union yaml.Node
			if err := yaml.Unmarshal([]byte(components), &comps); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(tc.union), &union); err != nil {
				t.Fatal(err)
			}
			h := &unionHoister{root: yamlnode.Root(&comps), taken: map[string]bool{}}
			n := yamlnode.Root(&union)
			before := flow(t, n)
			changed := h.discriminators(n, "Events")
			got := flow(t, n)
			if got != tc.want {
				t.Errorf("union after discriminators:\n got %s\nwant %s", got, tc.want)
			}
			if (changed > 0) != (got != before) {
				t.Errorf("discriminators reported %d changes, but the union changed: %v", changed, got != before)
			}
			var hoisted []string
			for i := 0; i < len(h.hoisted); i += 2 {
				hoisted = append(hoisted, h.hoisted[i].Value)
			}
			if diff := cmp.Diff(tc.hoisted, hoisted); diff != "" {
				t.Errorf("hoisted branches (-want +got):\n%s", diff)
			}
		})
	}
}

// A union hoisted out of a component is named after the Go name
// overlay.yaml gives the component, and the component rewritten around it
// keeps that name: overlay.yaml's actions apply first, and a generated
// action that replaces the whole component would otherwise drop it.
func TestOverlayKeepsGoNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.yaml")
	overlayPath := filepath.Join(dir, "overlay.yaml")
	out := filepath.Join(dir, "overlay.gen.yaml")
	writeFile(t, spec, `
openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Csv: {type: object, properties: {kind: {const: csv}}}
    Parquet: {type: object, properties: {kind: {const: parquet}}}
    app__diffs__schemas__Diff:
      type: object
      properties:
        options:
          anyOf:
            - oneOf: [{$ref: '#/components/schemas/Csv'}, {$ref: '#/components/schemas/Parquet'}]
              discriminator: {propertyName: kind}
            - type: 'null'
`)
	writeFile(t, overlayPath, `
overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $['components']['schemas']['app__diffs__schemas__Diff']
    update: {x-go-name: Diff}
`)
	if err := overlayCmd(spec, overlayPath, out, io.Discard); err != nil {
		t.Fatal(err)
	}
	generated, err := yamlnode.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	published, err := yamlnode.Read(spec)
	if err != nil {
		t.Fatal(err)
	}
	// The document as oapi-codegen sees it, every action applied in order.
	doc, err := invalid.ApplyAll(published, generated)
	if err != nil {
		t.Fatal(err)
	}
	schemas := yamlnode.Get(yamlnode.Get(yamlnode.Root(doc), "components"), "schemas")
	if got := yamlnode.Get(yamlnode.Get(schemas, "app__diffs__schemas__Diff"), "x-go-name"); got == nil || got.Value != "Diff" {
		t.Errorf("app__diffs__schemas__Diff's x-go-name = %v, want Diff, as overlay.yaml names it", got)
	}
	if yamlnode.Get(schemas, "DiffOptions") == nil {
		t.Error("the union was not hoisted as DiffOptions, after the component's Go name")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
