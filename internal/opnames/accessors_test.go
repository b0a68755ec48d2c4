package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// accessorNames names the union schema (YAML) inside doc's components,
// with Old as overlay.yaml's Go name for LegacyThing.
func accessorNames(t *testing.T, union string) []string {
	t.Helper()
	doc := parseDoc(t, `
components:
  schemas:
    Csv: {type: object, properties: {kind: {const: csv}}}
    String: {type: string}
    LegacyThing: {type: object}
    Named: {type: object, x-go-name: Renamed}
    U: `+union+`
`)
	a := &accessorNamer{root: yamlnode.Root(doc), typeNames: map[string]string{"LegacyThing": "Old"}}
	return a.names(yamlnode.Resolve(a.root, "#/components/schemas/U"))
}

func parseDoc(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// TestAccessorNames: each branch is named after what it holds, from the
// branch alone, distinct within its union.
func TestAccessorNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, union string
		want        []string
	}{
		{"Datafold's time-travel point", `{anyOf: [{type: integer}, {type: string, format: date-time}, {type: string}, {type: 'null'}]}`,
			[]string{"Int", "Time", "String"}},
		{"pydantic's Decimal", `{anyOf: [{type: number}, {type: string, pattern: '^\d+$'}]}`, []string{"Float64", "String"}},
		{"Go kinds", `{oneOf: [{type: boolean}, {type: integer, format: int64}, {type: number, format: float},
			{type: string, format: uuid}, {type: string, format: date}, {type: string, format: binary}, {type: string, format: byte},
			{type: string, format: email}, {type: string, format: duration}, {type: string, x-go-type: string, contentMediaType: text/plain}, {}]}`,
			[]string{"Bool", "Int64", "Float32", "UUID", "Date", "File", "Bytes", "Email", "Duration", "String", "Any"}},
		{"a string's format without a Go type of its own", `{anyOf: [{type: string, format: uri}, {type: integer}]}`, []string{"Uri", "Int"}},
		{"one literal value", `{anyOf: [{type: string, format: date-time}, {type: string, const: now}, {type: 'null'}]}`, []string{"Time", "Now"}},
		{"arrays and maps", `{anyOf: [{type: array, items: {type: string}}, {type: array, items: {$ref: '#/components/schemas/Csv'}},
			{type: array, items: {}}, {type: object, additionalProperties: {type: number}}, {type: object, additionalProperties: true},
			{type: array, items: {anyOf: [{type: string}, {type: integer}]}}, {type: array, prefixItems: [{type: string}]}]}`,
			[]string{"StringSlice", "CsvSlice", "Slice", "Float64Map", "Map", "UnionSlice", "Tuple"}},
		{"$refs keep the generator's name", `{anyOf: [{$ref: '#/components/schemas/Csv'}, {type: object, additionalProperties: true}]}`,
			[]string{"", "Map"}},
		{"Go names of referred types", `{anyOf: [{type: array, items: {$ref: '#/components/schemas/LegacyThing'}},
			{type: array, items: {$ref: '#/components/schemas/Named'}}, {anyOf: [{$ref: '#/components/schemas/Csv'}, {type: 'null'}]},
			{allOf: [{$ref: '#/components/schemas/Csv'}], description: one}]}`,
			[]string{"OldSlice", "RenamedSlice", "Csv2", "Csv1"}},
		{"inline objects: title, tag, else Object", `{oneOf: [{type: object, title: Cron Schedule, properties: {cron: {type: string}}},
			{type: object, properties: {type: {type: string, enum: [one-time]}, at: {type: number}}},
			{type: object, properties: {every: {type: integer}}}]}`,
			[]string{"CronSchedule", "OneTime", "Object"}},
		{"the same kind twice: titles", `{anyOf: [{type: string, title: Cron}, {type: string, title: Name}]}`, []string{"Cron", "Name"}},
		{"the same kind twice: a literal", `{anyOf: [{type: string, enum: [auto]}, {type: string}]}`, []string{"Auto", "String"}},
		{"the same kind twice, nothing to tell them apart", `{anyOf: [{type: string, maxLength: 9}, {type: string, minLength: 1}]}`,
			[]string{"String1", "String2"}},
		{"a component's name is kept", `{anyOf: [{$ref: '#/components/schemas/String'}, {type: string}]}`, []string{"", "String1"}},
		{"the union's own fields", `{type: object, properties: {as_int: {type: integer}}, anyOf: [{type: integer}, {type: string}]}`,
			[]string{"Int1", "String"}},
		{"anyOf, then oneOf, as the generator lists them", `{anyOf: [{type: integer}], oneOf: [{type: string}, {type: 'null'}]}`,
			[]string{"Int", "String"}},
		{"a one-branch union", `{anyOf: [{type: integer}]}`, []string{"Int"}},
		{"Optional[X] is no union", `{anyOf: [{type: integer}, {type: 'null'}]}`, nil},
		{"a typed schema is no union", `{type: string, anyOf: [{format: date}, {format: date-time}]}`, nil},
	} {
		if got := accessorNames(t, tc.union); !cmp.Equal(tc.want, got) {
			t.Errorf("%s: names = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestAccessorNamesIgnoreOrder: a branch keeps its name however the
// document orders the branches and their keys.
func TestAccessorNamesIgnoreOrder(t *testing.T) {
	t.Parallel()
	branches := []string{"{type: string, maxLength: 9}", "{minLength: 1, type: string}", "{type: integer}", "{type: object, properties: {a: {type: string}}}",
		"{properties: {b: {type: string}}, type: object}"}
	names := func(order []string) map[string]string {
		got := accessorNames(t, "{anyOf: ["+strings.Join(order, ", ")+"]}")
		m := map[string]string{}
		for i, b := range order {
			m[b] = got[i]
		}
		return m
	}
	want := names(branches)
	reversed := slices.Clone(branches)
	slices.Reverse(reversed)
	if diff := cmp.Diff(want, names(reversed)); diff != "" {
		t.Errorf("names after reordering the branches (-before +after):\n%s", diff)
	}
	// Keys reordered inside a branch.
	swapped := slices.Clone(branches)
	swapped[0], swapped[1] = "{maxLength: 9, type: string}", "{type: string, minLength: 1}"
	got := names(swapped)
	if got["{maxLength: 9, type: string}"] != want["{type: string, maxLength: 9}"] || got["{type: string, minLength: 1}"] != want["{minLength: 1, type: string}"] {
		t.Errorf("names after reordering keys: %v, want those of %v", got, want)
	}
}

// TestAccessorActions: one action per union with an inline branch, where
// the union is, sequence indexes included; unions of $refs alone keep the
// generator's names and get none.
func TestAccessorActions(t *testing.T) {
	t.Parallel()
	doc := parseDoc(t, `
paths:
  /a/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {anyOf: [{type: integer}, {type: string}]}}
      responses:
        '200':
          content:
            application/json:
              schema: {oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]}
components:
  schemas:
    A: {type: object, properties: {"it's": {anyOf: [{type: number}, {type: array, items: {type: number}}, {type: 'null'}]}}}
    B: {type: object, properties: {default: {type: string, default: {anyOf: [{type: integer}, {type: string}]}}}}
`)
	var got []string
	for _, a := range accessorActions(doc, nil) {
		got = append(got, yamlnode.Get(a, "target").Value+" "+flow(t, yamlnode.Get(a, "update")))
	}
	want := []string{
		`$['paths']['/a/{id}']['get']['parameters'][0]['schema'] {x-datafold-go-accessors: [Int, String]}`,
		`$['components']['schemas']['A']['properties']['it\'s'] {x-datafold-go-accessors: [Float64, Float64Slice]}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

// TestOverlayNamesHoistedUnions: the accessor actions follow the union
// actions, so a union the hoister moved is named where it went.
func TestOverlayNamesHoistedUnions(t *testing.T) {
	t.Parallel()
	spec := parseDoc(t, `
openapi: 3.1.0
paths:
  /x:
    post:
      operationId: make_x_x_post
      requestBody:
        content:
          application/json:
            schema: {anyOf: [{type: integer}, {type: string, format: date-time}]}
      responses: {'204': {description: none}}
`)
	actions, final, err := hoistUnions(spec, func(operation) string { return "MakeX" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) == 0 {
		t.Fatal("the body union was not hoisted")
	}
	named := accessorActions(final, nil)
	if len(named) != 1 {
		t.Fatalf("%d accessor actions, want 1", len(named))
	}
	if got, want := yamlnode.Get(named[0], "target").Value, "$['components']['schemas']['MakeXRequest']"; got != want {
		t.Errorf("target = %s, want %s", got, want)
	}
}
