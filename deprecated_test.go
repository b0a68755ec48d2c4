package datafold_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

// TestConformanceDeprecated checks, on whatever document api/ was generated
// from, that what it deprecates reaches importers as Go tools see it: a doc
// comment paragraph starting "Deprecated: " (go doc, gopls, staticcheck's
// SA1019) on every method of both clients for a deprecated operation, on
// the Params field of a deprecated query, header or cookie parameter, on
// the type of a deprecated component schema and on the field of a
// deprecated property. (A deprecated path parameter is a method argument,
// which Go cannot mark.) The generator writes the notice; opnames godoc
// makes it a paragraph of its own where the generator did not.
func TestConformanceDeprecated(t *testing.T) {
	t.Parallel()
	doc := conformanceDoc(t)
	g := parseDeprecated(t, "api")
	var counts [4]int // operations, parameters, schemas, properties

	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			base := strings.ToLower(codegen.ToCamelCase(op.OperationID))
			if op.Deprecated {
				forms := regexp.MustCompile(`^(?i:` + regexp.QuoteMeta(base) + `)(With\w*Body)?(WithResponse)?$`)
				n := 0
				for _, recv := range []string{"Client", "ClientWithResponses"} {
					for name, dep := range g.methods[recv] {
						if forms.MatchString(name) {
							n++
							if !dep {
								t.Errorf("%s %s is deprecated, %s.%s is not marked", method, path, recv, name)
							}
						}
					}
				}
				if n == 0 {
					t.Errorf("%s %s: no client method found for operationId %s", method, path, op.OperationID)
				}
				counts[0]++
			}
			params := g.fields[g.typeNamed(base+"params")]
			for _, p := range append(slices.Clone(op.Parameters), item.Parameters...) {
				if p.Value == nil || !p.Value.Deprecated || p.Value.In == "path" {
					continue
				}
				if dep, ok := params[p.Value.Name]; !ok {
					t.Errorf("%s %s: deprecated %s parameter %s has no field in its Params type", method, path, p.Value.In, p.Value.Name)
				} else if !dep {
					t.Errorf("%s %s: deprecated %s parameter %s: its Params field is not marked", method, path, p.Value.In, p.Value.Name)
				}
				counts[1]++
			}
		}
	}

	for _, s := range conformanceSchemas {
		schema := doc.Components.Schemas[s.Name]
		if schema == nil || schema.Value == nil {
			continue
		}
		typ := reflect.TypeOf(s.New()).Elem().Name()
		if schema.Value.Deprecated {
			if !g.types[typ] {
				t.Errorf("schema %s is deprecated, its type %s is not marked", s.Name, typ)
			}
			counts[2]++
		}
		for name, p := range schema.Value.Properties {
			if p.Value == nil || !p.Value.Deprecated {
				continue
			}
			// A struct field tagged with the property's name; a union or
			// a merged allOf has none to mark.
			if dep, ok := g.fields[typ][name]; ok {
				if !dep {
					t.Errorf("property %s.%s is deprecated, field %s of %s is not marked", s.Name, name, name, typ)
				}
				counts[3]++
			}
		}
	}
	t.Logf("conformance: marked deprecated in Go: operations %d, parameters %d, schemas %d, properties %d",
		counts[0], counts[1], counts[2], counts[3])
}

// generated is what parseDeprecated read: for each type, whether it is
// deprecated; for each receiver, its methods; for each struct, its
// fields by JSON name.
type generated struct {
	types   map[string]bool
	methods map[string]map[string]bool
	fields  map[string]map[string]bool
	lower   map[string]string // lower-case type name -> type name
}

func (g generated) typeNamed(lower string) string { return g.lower[lower] }

func parseDeprecated(t *testing.T, dir string) generated {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.gen.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated code in %s: %v", dir, err)
	}
	is := func(doc *ast.CommentGroup) bool {
		return doc != nil && slices.ContainsFunc(strings.Split(doc.Text(), "\n\n"), func(p string) bool {
			return strings.HasPrefix(p, "Deprecated: ")
		})
	}
	g := generated{map[string]bool{}, map[string]map[string]bool{}, map[string]map[string]bool{}, map[string]string{}}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) != 1 {
					continue
				}
				star, ok := d.Recv.List[0].Type.(*ast.StarExpr)
				if !ok {
					continue
				}
				if id, ok := star.X.(*ast.Ident); ok {
					if g.methods[id.Name] == nil {
						g.methods[id.Name] = map[string]bool{}
					}
					g.methods[id.Name][d.Name.Name] = is(d.Doc)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					g.types[ts.Name.Name] = is(d.Doc) || is(ts.Doc)
					g.lower[strings.ToLower(ts.Name.Name)] = ts.Name.Name
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					fields := map[string]bool{}
					for _, field := range st.Fields.List {
						if field.Tag == nil {
							continue
						}
						tag, _ := strconv.Unquote(field.Tag.Value)
						name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
						if name != "" && name != "-" {
							fields[name] = is(field.Doc)
						}
					}
					g.fields[ts.Name.Name] = fields
				}
			}
		}
	}
	return g
}
