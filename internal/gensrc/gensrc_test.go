package gensrc

import (
	"go/ast"
	"os"
	"path/filepath"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package api

// T is a type.
//
// Deprecated: use U.
type T struct{}

// U is a type.
// Deprecated: not a paragraph of its own, so not deprecated.
type U struct{}

func (t T) Value() {}

func (t *T) Pointer() {}

func Plain() {}
`
	if err := os.WriteFile(filepath.Join(dir, "x.gen.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// Handwritten files beside it are not the generator's.
	if err := os.WriteFile(filepath.Join(dir, "doc.go"), []byte("package api\nfunc Handwritten() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, files, err := Parse(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("Parse = %d files, %v; want the one .gen.go", len(files), err)
	}
	got := map[string]string{}
	deprecated := map[string]bool{}
	for _, d := range files[0].Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			got[d.Name.Name] = Receiver(d)
		case *ast.GenDecl:
			deprecated[d.Specs[0].(*ast.TypeSpec).Name.Name] = Deprecated(d.Doc)
		}
	}
	want := map[string]string{"Value": "T", "Pointer": "T", "Plain": ""}
	for name, recv := range want {
		if got[name] != recv {
			t.Errorf("Receiver(%s) = %q, want %q", name, got[name], recv)
		}
	}
	if !deprecated["T"] || deprecated["U"] {
		t.Errorf("Deprecated: T %v, U %v; want true, false", deprecated["T"], deprecated["U"])
	}
	if _, _, err := Parse(t.TempDir()); err == nil {
		t.Error("Parse of a directory without generated files: no error")
	}
}
