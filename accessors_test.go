package datafold_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/api"
)

// TestUnionAccessorsNamed keeps the accessors of every union in package
// api named after what their branches hold (AsInt, FromTime), as 'opnames
// overlay' and templates/union.tmpl name them, whatever document the
// package was generated from: an accessor named after its branch's place
// (AsOrgSpendDailyCapUsd0) means a union the overlay missed, or one whose
// branches it counted differently from the generator. Names overlay.yaml
// lists as released are the exception, and each must still be there.
func TestUnionAccessorsNamed(t *testing.T) {
	t.Parallel()
	released := releasedAccessors(t)
	positional, methods := unionAccessors(t, "api")
	for _, m := range positional {
		if !released[strings.TrimPrefix(m.name, "As")] {
			t.Errorf("%s.%s is named after its branch's place; 'opnames overlay' should have named the branches of %s", m.recv, m.name, m.recv)
		}
	}
	for name := range released {
		for _, prefix := range []string{"As", "From", "Merge"} {
			if !methods[prefix+name] {
				t.Errorf("%s%s, released, is no longer generated: see x-datafold-go-released-accessors in overlay.yaml", prefix, name)
			}
		}
	}
}

// The seed released a 422's loc accessors by position; the readable ones
// stand beside them and hold the same branches.
func TestReleasedAccessorsAreTheReadableOnes(t *testing.T) {
	t.Parallel()
	var loc api.ValidationError_Loc
	if err := loc.FromValidationErrorLoc0("body"); err != nil {
		t.Fatal(err)
	}
	if s, err := loc.AsString(); err != nil || s != "body" {
		t.Errorf("AsString after FromValidationErrorLoc0 = %q, %v; want body", s, err)
	}
	if err := loc.FromInt(2); err != nil {
		t.Fatal(err)
	}
	if i, err := loc.AsValidationErrorLoc1(); err != nil || i != 2 {
		t.Errorf("AsValidationErrorLoc1 after FromInt = %d, %v; want 2", i, err)
	}
}

// releasedAccessors returns the released accessor names overlay.yaml keeps
// (x-datafold-go-released-accessors), without As/From/Merge.
func releasedAccessors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Actions []struct {
			Update map[string]any `yaml:"update"`
		} `yaml:"actions"`
	}
	if err := yaml.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, a := range o.Actions {
		names, _ := a.Update["x-datafold-go-released-accessors"].(map[string]any)
		for _, n := range names {
			if s, ok := n.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

type accessor struct{ recv, name string }

var modelPath = regexp.MustCompile(`^(\S+) defines model for \S+\.\d+\.$`)

// unionAccessors reads the generated package in dir: the As methods named
// after a union branch type the generator named by its place (the type's
// comment says it models "Union.Field.1", or its name is the union's with
// a number), and the names of every method declared.
func unionAccessors(t *testing.T, dir string) ([]accessor, map[string]bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.gen.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated Go files in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	placed := map[string]bool{} // types modelling a branch by its index
	var funcs []*ast.FuncDecl
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok == token.TYPE && d.Doc != nil {
					for line := range strings.SplitSeq(d.Doc.Text(), "\n") {
						if m := modelPath.FindStringSubmatch(line); m != nil {
							placed[m[1]] = true
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 {
					funcs = append(funcs, d)
				}
			}
		}
	}
	var positional []accessor
	methods := map[string]bool{}
	for _, fn := range funcs {
		methods[fn.Name.Name] = true
		recv, ok := fn.Recv.List[0].Type.(*ast.Ident)
		if !ok || !strings.HasPrefix(fn.Name.Name, "As") || fn.Type.Results == nil || len(fn.Type.Results.List) != 2 {
			continue
		}
		ret, ok := fn.Type.Results.List[0].Type.(*ast.Ident)
		if !ok || fn.Name.Name != "As"+ret.Name {
			continue
		}
		number := strings.TrimLeft(strings.TrimPrefix(ret.Name, strings.ReplaceAll(recv.Name, "_", "")), "0123456789") == ""
		if placed[ret.Name] || number && ret.Name != strings.ReplaceAll(recv.Name, "_", "") {
			positional = append(positional, accessor{recv.Name, fn.Name.Name})
		}
	}
	slices.SortFunc(positional, func(a, b accessor) int { return strings.Compare(a.recv+a.name, b.recv+b.name) })
	return positional, methods
}
