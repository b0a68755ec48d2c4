package yamlnode

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

const doc = `
paths:
  /a/{id}~x: {get: {operationId: a}}
components:
  schemas:
    Base: {properties: {kind: {type: string}}}
    Tagged: {allOf: [{$ref: '#/components/schemas/Base'}], properties: {kind: {const: t}}}
    Loop: {allOf: [{$ref: '#/components/schemas/Loop'}]}
    Far: {$ref: 'other.yaml#/Base'}
    Data:
      properties:
        default: {type: string, example: {type: object}}
        enum: {type: integer}
      default: {type: object}
      items: [{type: boolean}]
`

func parse(t *testing.T) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	return Root(&n)
}

func TestResolve(t *testing.T) {
	t.Parallel()
	root := parse(t)
	if n := Resolve(root, "#/paths/~1a~1{id}~0x/get/operationId"); n == nil || n.Value != "a" {
		t.Errorf("an escaped pointer resolved to %v", n)
	}
	for _, ref := range []string{"#/components/schemas/Gone", "other.yaml#/Base", "#/paths/~1a/get", ""} {
		if n := Resolve(root, ref); n != nil {
			t.Errorf("Resolve(%q) = %v, want nil", ref, n)
		}
	}
}

func TestProperty(t *testing.T) {
	t.Parallel()
	root := parse(t)
	schema := func(name string) *yaml.Node { return Get(Get(Get(root, "components"), "schemas"), name) }
	ref := func(name string) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "$ref"}, {Kind: yaml.ScalarNode, Value: "#/components/schemas/" + name}}}
	}
	for _, tc := range []struct {
		name       string
		schema     *yaml.Node
		want       []string // each declaration's const, or its type
		unresolved bool
	}{
		{"own_then_allOf", schema("Tagged"), []string{"t", "string"}, false},
		{"through_ref", ref("Tagged"), []string{"t", "string"}, false},
		{"absent", schema("Data"), nil, false},
		{"cycle", schema("Loop"), nil, false},
		{"unresolved", ref("Far"), nil, true},
	} {
		decls, unresolved := Property(root, tc.schema, "kind")
		var got []string
		for _, d := range decls {
			if c := Get(d, "const"); c != nil {
				got = append(got, c.Value)
			} else {
				got = append(got, Get(d, "type").Value)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || unresolved != tc.unresolved {
			t.Errorf("%s: declarations (-want +got):\n%s; unresolved %v, want %v", tc.name, diff, unresolved, tc.unresolved)
		}
	}
}

// Walk visits schemas, not data, and reads a property's name as a name.
func TestWalk(t *testing.T) {
	t.Parallel()
	root := parse(t)
	var got []string
	Walk(Get(Get(Get(root, "components"), "schemas"), "Data"), "#/Data", func(m *yaml.Node, ptr string) {
		got = append(got, ptr)
	})
	want := []string{"#/Data", "#/Data/properties/default", "#/Data/properties/enum", "#/Data/items/0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("visited (-want +got):\n%s", diff)
	}
	got = nil
	Walk(Get(root, "paths"), "#/paths", func(m *yaml.Node, ptr string) { got = append(got, ptr) })
	want = []string{"#/paths", "#/paths/~1a~1{id}~0x", "#/paths/~1a~1{id}~0x/get"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("visited (-want +got):\n%s", diff)
	}
}
