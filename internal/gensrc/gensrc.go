// Package gensrc reads the Go code oapi-codegen wrote into a package, for
// the tools and tests that check what it declares: opnames, conformance,
// and the root package's tests of the generated code.
package gensrc

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// Parse parses every *.gen.go file in dir, doc comments included.
func Parse(dir string) (*token.FileSet, []*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.gen.go"))
	if err != nil || len(names) == 0 {
		return nil, nil, fmt.Errorf("no generated Go files in %s", dir)
	}
	fset := token.NewFileSet()
	files := make([]*ast.File, 0, len(names))
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	return fset, files, nil
}

// Receiver returns the name of the type fn is a method of, through a
// pointer or not, or "" when fn is a function.
func Receiver(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) != 1 {
		return ""
	}
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// Deprecated reports whether doc marks its declaration deprecated as Go
// tools read it (go doc, gopls, staticcheck's SA1019): a paragraph that
// starts "Deprecated: ".
func Deprecated(doc *ast.CommentGroup) bool {
	return doc != nil && slices.ContainsFunc(strings.Split(doc.Text(), "\n\n"), func(p string) bool {
		return strings.HasPrefix(p, "Deprecated: ")
	})
}
