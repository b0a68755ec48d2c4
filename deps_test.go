package datafold_test

import (
	"os/exec"
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
