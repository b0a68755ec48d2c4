package datafold_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// handwritten lists the packages whose Go is written by hand, relative to
// the module root. Generated files (*.gen.go) in them are skipped: their
// comments come from oapi-codegen.
var handwritten = []string{".", "api", "api/spec", "datafoldtest", "cmd/datafold", "cmd/datafold-fake", "internal/opnames", "internal/speccheck"}

// TestExportedNamesDocumented: every package has a package comment, and
// every exported name of the handwritten code (functions, methods, types,
// struct fields, interface methods, constants, variables) has a doc
// comment, since pkg.go.dev is where users read them.
func TestExportedNamesDocumented(t *testing.T) {
	t.Parallel()
	for _, dir := range handwritten {
		fset := token.NewFileSet()
		files := parseDir(t, fset, dir, func(name string) bool {
			return !strings.HasSuffix(name, "_test.go") && !strings.HasSuffix(name, ".gen.go")
		})
		hasPkgDoc := false
		for _, f := range files {
			if f.Doc != nil {
				hasPkgDoc = true
			}
			for _, missing := range undocumented(f) {
				t.Errorf("%s: %s has no doc comment", fset.Position(missing.Pos()), missing.Name)
			}
		}
		if !hasPkgDoc {
			t.Errorf("%s: no package comment (add a doc.go)", dir)
		}
	}
}

// TestExamplesHaveOutput: an Example without an "// Output:" comment is
// compiled but never run, so it can rot unnoticed.
func TestExamplesHaveOutput(t *testing.T) {
	t.Parallel()
	n := 0
	for _, dir := range handwritten {
		fset := token.NewFileSet()
		files := parseDir(t, fset, dir, func(name string) bool { return strings.HasSuffix(name, "_test.go") })
		for _, ex := range doc.Examples(files...) {
			n++
			if ex.Output == "" && !ex.EmptyOutput {
				t.Errorf("%s: Example%s has no // Output: comment, so it never runs", dir, ex.Name)
			}
		}
	}
	if n < 8 {
		t.Errorf("found %d examples, want at least 8", n)
	}
}

func parseDir(t *testing.T, fset *token.FileSet, dir string, keep func(string) bool) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || !keep(e.Name()) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// undocumented returns the exported names in f without a doc comment. A
// name in a parenthesized const or var group may rely on the group's
// comment; a struct field or interface method may use a line comment.
func undocumented(f *ast.File) []*ast.Ident {
	var out []*ast.Ident
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
				continue
			}
			if d.Doc == nil {
				out = append(out, d.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && (d.Doc == nil || d.Lparen.IsValid()) {
						out = append(out, s.Name)
					}
					out = append(out, undocumentedMembers(s.Type)...)
				case *ast.ValueSpec:
					for _, name := range s.Names {
						if name.IsExported() && s.Doc == nil && d.Doc == nil {
							out = append(out, name)
						}
					}
				}
			}
		}
	}
	return out
}

func undocumentedMembers(typ ast.Expr) []*ast.Ident {
	var fields *ast.FieldList
	switch t := typ.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	default:
		return nil
	}
	var out []*ast.Ident
	for _, field := range fields.List {
		for _, name := range field.Names {
			if name.IsExported() && field.Doc == nil && field.Comment == nil {
				out = append(out, name)
			}
		}
	}
	return out
}

func exportedRecv(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	typ := recv.List[0].Type
	for {
		switch t := typ.(type) {
		case *ast.StarExpr:
			typ = t.X
		case *ast.IndexExpr:
			typ = t.X
		case *ast.IndexListExpr:
			typ = t.X
		case *ast.Ident:
			return t.IsExported()
		default:
			return false
		}
	}
}
