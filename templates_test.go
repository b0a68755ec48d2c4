package datafold_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
