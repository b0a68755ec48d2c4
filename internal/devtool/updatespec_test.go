package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

const changelog = `[
 {"id":"api-path-removed-without-deprecation","text":"API path removed without deprecation","level":3,"operation":"DELETE","path":"/a"},
 {"id":"response-property-type-changed","text":"t","level":3,"operation":"GET","path":"/b"},
 {"id":"response-property-type-changed","text":"t","level":3,"operation":"GET","path":"/b"},
 {"id":"request-parameter-max-decreased","text":"w","level":2,"operation":"GET","path":"/b"},
 {"id":"endpoint-added","text":"endpoint added","level":1,"operation":"GET","path":"/c"},
 {"id":"api-tag-added","text":"x","level":1,"operation":"GET","path":"/c"}
]`

func TestReportCountsAndBreakingLines(t *testing.T) {
	t.Parallel()
	report := func(js string) report {
		cs, err := readChanges(strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		return newReport(cs)
	}
	r := report(changelog)
	if got, want := r.counts(), "3 breaking, 1 warnings, 2 additions, 0 other changes"; got != want {
		t.Errorf("counts = %q, want %q", got, want)
	}
	want := "api-path-removed-without-deprecation\tDELETE /a\tAPI path removed without deprecation\n" +
		"response-property-type-changed\tGET /b\tt\n"
	if got := r.breakingLines(); got != want {
		t.Errorf("breaking lines mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	if got := report("").counts(); got != "0 breaking, 0 warnings, 0 additions, 0 other changes" {
		t.Errorf("empty input: %q", got)
	}
}

func TestToYAML(t *testing.T) {
	t.Parallel()
	const in = `{"openapi":"3.1.0","info":{"title":"T","version":"1"},"paths":{"/z":{"get":{"operationId":"z_get","x-flag":"true","x-num":"007","x-yes":"yes","x-off":"Off"}},"/a":{}}}`
	dir := t.TempDir()
	for name, body := range map[string]string{"spec.json": in, "spec.yaml": "openapi: 3.1.0 # as published\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	out := filepath.Join(dir, "out.yaml")
	if err := toYAML(filepath.Join(dir, "spec.json"), out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var got, want any
	if err := yaml.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	_ = yaml.Unmarshal([]byte(in), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("YAML differs from the JSON as data (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `x-yes: "yes"`) || !strings.Contains(string(b), `x-off: "Off"`) {
		t.Errorf("YAML 1.1 booleans written bare:\n%s", b)
	}
	if strings.Contains(string(b), `{"`) || strings.Index(string(b), "/z") > strings.Index(string(b), "/a") {
		t.Errorf("want block YAML in the original key order:\n%s", b)
	}

	// YAML is copied byte for byte, comments and all.
	if err := toYAML(filepath.Join(dir, "spec.yaml"), out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "openapi: 3.1.0 # as published\n" {
		t.Errorf("YAML input changed: %q", b)
	}
}

// The fixtures test the packages a new document can change: those that
// import the generated code, through their tests too, and no other.
func TestGeneratedCodeUsers(t *testing.T) {
	t.Parallel()
	pkgs, err := generatedCodeUsers("../..")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/datafold/datafold-go"
	for _, want := range []string{mod, mod + "/datafoldtest", mod + "/cmd/datafold", mod + "/cmd/datafold-fake"} {
		if !slices.Contains(pkgs, want) {
			t.Errorf("generatedCodeUsers = %q, lacks %s", pkgs, want)
		}
	}
	for _, p := range []string{mod + "/api", mod + "/internal/opnames", mod + "/internal/naming", mod + "/internal/dataloss", mod + "/internal/devtool"} {
		if slices.Contains(pkgs, p) {
			t.Errorf("generatedCodeUsers holds %s, which does not import the generated code", p)
		}
	}
}
