package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// components wraps schemas in a document.
func components(schemas string) string {
	return "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n" + schemas
}

const branches = `
    A: {type: object, properties: {a: {type: string}}}
    B: {type: object, properties: {b: {type: string}}}
    TaggedA: {type: object, properties: {kind: {const: a, type: string}}}
    TaggedB: {type: object, properties: {kind: {const: b, type: string}}}
    Base: {type: object, properties: {kind: {type: string}}}
    ViaAllOf: {allOf: [{$ref: '#/components/schemas/Base'}, {type: object, properties: {c: {type: string}}}]}
`

func TestCheck(t *testing.T) {
	t.Parallel()
	const untagged = `{oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}], discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/A', b: '#/components/schemas/B'}}}`
	tests := []struct {
		name string
		doc  string
		want []string // "pointer: branches", one per warning
	}{
		{"pydantic_tagged_branches", components(branches + "    U: " + untagged + "\n"),
			[]string{"#/components/schemas/U: A, B"}},
		{"branches_declare_it", components(branches +
			"    U: {oneOf: [{$ref: '#/components/schemas/TaggedA'}, {$ref: '#/components/schemas/TaggedB'}], discriminator: {propertyName: kind}}\n"),
			nil},
		{"declared_through_allOf", components(branches +
			"    U: {anyOf: [{$ref: '#/components/schemas/ViaAllOf'}, {$ref: '#/components/schemas/TaggedA'}], discriminator: {propertyName: kind}}\n"),
			nil},
		{"one_branch_lacks_it", components(branches +
			"    U: {oneOf: [{$ref: '#/components/schemas/TaggedA'}, {$ref: '#/components/schemas/B'}], discriminator: {propertyName: kind}}\n"),
			[]string{"#/components/schemas/U: B"}},
		{"inline_branch", components(branches +
			"    U: {oneOf: [{$ref: '#/components/schemas/TaggedA'}, {type: object}], discriminator: {propertyName: kind}}\n"),
			[]string{"#/components/schemas/U: oneOf/1"}},
		{"anyOf_with_null_in_a_property", components(branches +
			"    M: {type: object, properties: {datadiff: {anyOf: [" + untagged + ", {type: 'null'}]}}}\n"),
			[]string{"#/components/schemas/M/properties/datadiff/anyOf/0: A, B"}},
		{"array_items", components(branches + "    L: {type: array, items: " + untagged + "}\n"),
			[]string{"#/components/schemas/L/items: A, B"}},
		{"request_body_pointer_is_escaped",
			"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /api/v1/diffs/:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: " +
				untagged + "\n      responses: {'200': {description: OK}}\ncomponents:\n  schemas:\n" + branches,
			[]string{"#/paths/~1api~1v1~1diffs~1/post/requestBody/content/application~1json/schema: A, B"}},
		{"each_union_once_however_often_used", components(branches + "    U: " + untagged + "\n" +
			"    M: {type: object, properties: {x: {$ref: '#/components/schemas/U'}, y: {$ref: '#/components/schemas/U'}}}\n"),
			[]string{"#/components/schemas/U: A, B"}},
		{"no_discriminator", components(branches +
			"    U: {oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]}\n"),
			nil},
		{"discriminator_in_an_example_is_data", components(branches +
			"    U: {type: object, example: {discriminator: {propertyName: kind}, oneOf: [{}]}}\n"),
			nil},
		{"property_named_like_data", components(branches +
			"    M: {type: object, properties: {default: " + untagged + "}}\n"),
			[]string{"#/components/schemas/M/properties/default: A, B"}},
		{"cyclic_allOf", components(branches +
			"    C: {allOf: [{$ref: '#/components/schemas/C'}]}\n" +
			"    U: {oneOf: [{$ref: '#/components/schemas/C'}], discriminator: {propertyName: kind}}\n"),
			[]string{"#/components/schemas/U: C"}},
		{"ref_it_cannot_follow", components(branches +
			"    U: {oneOf: [{$ref: 'other.yaml#/A'}, {$ref: '#/components/schemas/Gone'}], discriminator: {propertyName: kind}}\n"),
			nil},
		{"empty", "", nil},
		{"json", `{"openapi": "3.1.0", "components": {"schemas": {"A": {"type": "object"}, "U": {"oneOf": [{"$ref": "#/components/schemas/A"}], "discriminator": {"propertyName": "kind"}}}}}`,
			[]string{"#/components/schemas/U: A"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			warnings, err := check([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range warnings {
				// "upstream defect at PTR: its discriminator "kind" is not a property of A, B; ..."
				ptr, rest, _ := strings.Cut(strings.TrimPrefix(w, "upstream defect at "), ": ")
				_, names, _ := strings.Cut(rest, "is not a property of ")
				names, _, _ = strings.Cut(names, ";")
				got = append(got, ptr+": "+names)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s\nfull: %q", diff, warnings)
			}
		})
	}
}

// It only warns: a defect, an unreadable file or a document that is not
// YAML all exit 0; only a usage error does not.
func TestRunExitsZero(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	defective := filepath.Join(dir, "defective.yaml")
	notYAML := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(defective, []byte(components(branches+
		"    U: {oneOf: [{$ref: '#/components/schemas/A'}], discriminator: {propertyName: kind}}\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notYAML, []byte("{: ["), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"defect", []string{defective}, 0, `speccheck: warning: upstream defect at #/components/schemas/U: its discriminator "kind" is not a property of A;`},
		{"missing_file", []string{filepath.Join(dir, "nope.yaml")}, 0, "speccheck: warning: not checked:"},
		{"not_yaml", []string{notYAML}, 0, "not checked"},
		{"usage", nil, 2, "usage: speccheck SPEC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if code := run(tc.args, &out); code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			if !strings.Contains(out.String(), tc.wantOut) || strings.Count(out.String(), "\n") != 1 {
				t.Errorf("output %q, want one line with %q", out.String(), tc.wantOut)
			}
		})
	}
}
