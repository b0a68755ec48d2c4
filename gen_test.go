package datafold_test

// What go generate depends on: the import graph the embedded spec's move
// to api/spec keeps lean, and the user templates pinned to the generator.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImportGraphLean keeps what a program links by importing the client
// free of the OpenAPI document's parser: before the embedded spec moved to
// api/spec, kin-openapi and the jsonschema, yaml and x/text/message
// packages it pulls in cost every importer 4 ms of package init and 2 MB
// of binary (bench/BENCHMARKS.md, "Startup"). Only the fake server
// (datafoldtest) and what validates against the document may import them.
func TestImportGraphLean(t *testing.T) {
	t.Parallel()
	forbidden := []string{
		"github.com/getkin/kin-openapi",
		"github.com/santhosh-tekuri/jsonschema",
		"golang.org/x/text/message",
		"yaml", // any YAML module: go.yaml.in/yaml, gopkg.in/yaml.v3, oasdiff/yaml...
	}
	for _, pkg := range []string{".", "./api", "./cmd/datafold"} {
		// Standard-library packages are left out: net/http vendors
		// golang.org/x/text packages of its own.
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) || (f == "yaml" && strings.Contains(dep, "yaml")) {
					t.Errorf("%s links %s; importing the client must not pull in the OpenAPI document's parser (see api/spec)", pkg, dep)
				}
			}
		}
	}
}

// TestUserTemplatesPinned fails when go.mod's oapi-codegen moves away from
// the version the user templates in templates/ were copied from: a template
// override silently keeps the old generator's output, so each upgrade must
// re-copy it (and re-apply its one change) before the pin is moved.
func TestUserTemplatesPinned(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/oapi-codegen/oapi-codegen/v2 (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/oapi-codegen/oapi-codegen/v2")
	}
	version := string(m[1])
	tmpls, err := filepath.Glob("templates/*.tmpl")
	if err != nil || len(tmpls) == 0 {
		t.Fatalf("no user templates found: %v", err)
	}
	for _, p := range tmpls {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := "oapi-codegen " + version + "'s " + filepath.Base(p); !strings.Contains(string(b), want) {
			t.Errorf("%s was not copied from the pinned generator: it should say %q; re-copy it from oapi-codegen %s", p, want, version)
		}
	}
}
