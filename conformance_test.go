package datafold_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"io"
	"mime/multipart"
	"net/textproto"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	apispec "github.com/datafold/datafold-go/api/spec"
	"github.com/datafold/datafold-go/datafoldtest"
	"github.com/datafold/datafold-go/internal/gensrc"
	"github.com/datafold/datafold-go/internal/synth"
)

// The tables these tests walk are generated from the embedded document by
// internal/conformance (conformance_gen_test.go), so they cover whatever
// spec the client was last generated from.

type conformanceSchema struct {
	Name string
	New  func() any // a pointer to a new value of the schema's Go type
}

type conformanceOperation struct {
	ID, Method, Path string
	Body             string // "json", "form", "raw" (multipart) or "none"
	Call             func(ctx context.Context, c *api.ClientWithResponses, in *conformanceInput) (datafold.Response, error)
}

// maxVariants bounds how many instances of one schema are tried; enough to
// show every branch of the unions pydantic writes.
const maxVariants = 16

// TestConformanceSchemas round-trips synthesized instances of every
// component schema, every union branch and null among them, through its Go
// type: JSON → Go → JSON must give back the same JSON value.
func TestConformanceSchemas(t *testing.T) {
	t.Parallel()
	doc := conformanceDoc(t)
	var instances atomic.Int64
	t.Run("group", func(t *testing.T) {
		for _, s := range conformanceSchemas {
			t.Run(s.Name, func(t *testing.T) {
				t.Parallel()
				ref := doc.Components.Schemas[s.Name]
				n := min(synth.Variants(ref), maxVariants)
				for v := range n {
					in, err := json.Marshal(synth.Value(ref, v, synth.Both))
					if err != nil {
						t.Fatal(err)
					}
					dst := s.New()
					if err := json.Unmarshal(in, dst); err != nil {
						t.Fatalf("variant %d: %s does not decode: %v\n%s", v, s.Name, err, in)
					}
					out, err := json.Marshal(dst)
					if err != nil {
						t.Fatalf("variant %d: %s does not encode: %v", v, s.Name, err)
					}
					if diff := cmp.Diff(jsonValue(t, in), jsonValue(t, out)); diff != "" {
						t.Errorf("variant %d: %s loses values (-sent +round-tripped):\n%s", v, s.Name, diff)
					}
					instances.Add(1)
				}
			})
		}
	})
	t.Logf("conformance: %d of %d component schemas round-tripped, %d instances",
		len(conformanceSchemas), len(doc.Components.Schemas), instances.Load())
}

// TestConformanceOperations sends a synthesized request for every
// operation, every body union branch among them, through NewClient to the
// fake, which validates each against the document and answers with a
// response synthesized from it; the client must decode that answer.
func TestConformanceOperations(t *testing.T) {
	t.Parallel()
	doc := conformanceDoc(t)
	var requests atomic.Int64
	t.Run("group", func(t *testing.T) {
		for _, op := range conformanceOperations {
			t.Run(op.ID, func(t *testing.T) {
				t.Parallel()
				item := doc.Paths.Find(op.Path)
				spec := item.GetOperation(op.Method)
				params := parameters(item, spec)
				variants := 1
				if body := requestSchema(spec); body != nil {
					variants = min(synth.Variants(body), maxVariants)
				}
				// One more request leaves every optional parameter at
				// its zero value, as a caller passing &XParams{} does:
				// the generated code must skip them, not dereference
				// them (an untyped schema: {} once became a bare
				// interface{} that panicked when nil).
				for v := range variants + 1 {
					zero := v == variants
					in := newConformanceInput(t, op.Path, spec, params, min(v, variants-1))
					what := fmt.Sprintf("variant %d", v)
					if zero {
						if !hasOptionalParams(params) {
							continue
						}
						in.dropOptional(params)
						what = "zero-value optional parameters"
					}
					srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(in.ints()...))
					c, err := datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(srv.APIKey()))
					if err != nil {
						t.Fatal(err)
					}
					resp, err := callRecovering(t.Context(), op, c, in)
					if err != nil {
						t.Fatalf("%s: %s %s: %v", what, op.Method, op.Path, err)
					}
					if err := datafold.CheckResponse(resp); err != nil {
						t.Fatalf("%s: %s %s: %v", what, op.Method, op.Path, err)
					}
					if got := srv.Requests(); len(got) != 1 || got[0].OperationID != spec.OperationID {
						t.Fatalf("%s: the fake saw %+v, want one %s", what, got, spec.OperationID)
					}
					requests.Add(1)
				}
			})
		}
	})
	t.Logf("conformance: %d operations called, %d requests validated by the fake", len(conformanceOperations), requests.Load())
}

// callRecovering makes the call, turning a panic in the generated code
// into an error that names the operation: a panic in one parallel subtest
// would otherwise end the whole test binary without saying which call.
func callRecovering(ctx context.Context, op conformanceOperation, c *api.ClientWithResponses, in *conformanceInput) (resp datafold.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the generated client panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return op.Call(ctx, c, in)
}

// hasOptionalParams reports whether op has a query, header or cookie
// parameter a caller may leave out.
func hasOptionalParams(params openapi3.Parameters) bool {
	for _, p := range params {
		if p.Value.In != openapi3.ParameterInPath && !p.Value.Required {
			return true
		}
	}
	return false
}

// dropOptional leaves only the required parameters, so the generated
// params struct is decoded with every optional field at its zero value.
func (in *conformanceInput) dropOptional(params openapi3.Parameters) {
	for _, p := range params {
		if p.Value.In != openapi3.ParameterInPath && !p.Value.Required {
			delete(in.params, p.Value.Name)
		}
	}
}

func conformanceDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := apispec.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func requestSchema(op *openapi3.Operation) *openapi3.SchemaRef {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	for _, mt := range op.RequestBody.Value.Content {
		return mt.Schema
	}
	return nil
}

// conformanceInput is one synthesized request, handed to the generated
// calls piece by piece.
type conformanceInput struct {
	t      *testing.T
	path   []any          // path parameter values, in the order of the path
	params map[string]any // query, header and cookie parameters by name
	body   any
	media  string
}

// styleSerializable reports whether v is a primitive, or an array or
// object of primitives: what parameter styles can write.
func styleSerializable(v any) bool {
	flat := func(x any) bool {
		switch x.(type) {
		case []any, map[string]any:
			return false
		}
		return true
	}
	switch v := v.(type) {
	case []any:
		return !slices.ContainsFunc(v, func(x any) bool { return !flat(x) })
	case map[string]any:
		for _, x := range v {
			if !flat(x) {
				return false
			}
		}
	}
	return true
}

// parameters lists an operation's parameters with those its path item
// declares for every method, the operation's own winning on the same name
// and location, as OpenAPI says.
func parameters(item *openapi3.PathItem, op *openapi3.Operation) openapi3.Parameters {
	params := slices.Clone(op.Parameters)
	for _, p := range item.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p)
		}
	}
	return params
}

func newConformanceInput(t *testing.T, path string, op *openapi3.Operation, params openapi3.Parameters, variant int) *conformanceInput {
	in := &conformanceInput{t: t, params: map[string]any{}}
	type located struct {
		at int
		v  any
	}
	var inPath []located
	for _, p := range params {
		pv := p.Value
		v := synth.Value(pv.Schema, variant, synth.Request)
		if untyped(pv.Schema) {
			v = "anything" // schema: {} takes any value; a string serializes everywhere
		}
		if pv.In == openapi3.ParameterInPath {
			inPath = append(inPath, located{strings.Index(path, "{"+pv.Name+"}"), v})
			continue
		}
		if !pv.Required && !styleSerializable(v) {
			// OpenAPI's style rules define no form for objects inside
			// arrays or objects (oapi-codegen's runtime refuses them), so
			// a caller can only leave such a parameter out.
			continue
		}
		in.params[pv.Name] = v
	}
	// The generated methods take path parameters in the path's order.
	sort.Slice(inPath, func(i, j int) bool { return inPath[i].at < inPath[j].at })
	for _, p := range inPath {
		in.path = append(in.path, p.v)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		types := make([]string, 0, len(op.RequestBody.Value.Content))
		for ct := range op.RequestBody.Value.Content {
			types = append(types, ct)
		}
		sort.Strings(types)
		in.media = types[0]
		in.body = synth.Value(op.RequestBody.Value.Content[in.media].Schema, variant, synth.Request)
	}
	return in
}

func untyped(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return true
	}
	s := ref.Value
	return s.Type == nil && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.AllOf) == 0 && s.Properties == nil && s.Items == nil && len(s.Enum) == 0 && s.Const == nil
}

// ints lists integer path values, so the fake knows the integrations a
// synthesized DELETE removes.
func (in *conformanceInput) ints() []int {
	var ids []int
	for _, v := range in.path {
		if n, ok := v.(int64); ok {
			ids = append(ids, int(n))
		}
	}
	return ids
}

// decode moves a synthesized value into a Go value the way a caller's JSON
// would arrive.
func (in *conformanceInput) decode(v, dst any) {
	in.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		in.t.Fatal(err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		in.t.Fatalf("%T cannot hold %s: %v", dst, b, err)
	}
}

func conformanceArg[T any](in *conformanceInput, i int) T {
	var v T
	in.decode(in.path[i], &v)
	return v
}

// The generated calls use these for specs with parameters and bodies; the
// seed has neither, and this keeps linters from calling them unused.
var (
	_ = conformanceParams[struct{}]
	_ = conformanceBody[struct{}]
)

func conformanceParams[T any](in *conformanceInput) *T {
	v := new(T)
	in.decode(in.params, v)
	return v
}

func conformanceBody[T any](in *conformanceInput) T {
	var v T
	in.decode(in.body, &v)
	return v
}

// ContentType and RawBody give the untyped call its body: for a multipart
// media type, one built from the synthesized object (strings as files,
// objects as JSON parts, anything else as JSON text); for any other (text/plain, a binary format
// such as Phoenix's application/x-protobuf), the synthesized value in that
// media type, a string as it is and anything else as JSON.
func (in *conformanceInput) ContentType() string {
	if !strings.HasPrefix(in.media, "multipart/") {
		return in.media
	}
	_, ct := in.multipart()
	return ct
}

func (in *conformanceInput) RawBody() io.Reader {
	if !strings.HasPrefix(in.media, "multipart/") {
		if s, ok := in.body.(string); ok {
			return strings.NewReader(s)
		}
		b, _ := json.Marshal(in.body)
		return bytes.NewReader(b)
	}
	b, _ := in.multipart()
	return bytes.NewReader(b)
}

func (in *conformanceInput) multipart() ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.SetBoundary("conformance-boundary")
	obj, _ := in.body.(map[string]any)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := obj[k].(type) {
		case string:
			fw, _ := mw.CreateFormFile(k, k+".bin")
			_, _ = io.WriteString(fw, v)
		case map[string]any:
			// An object field's part is JSON, and says so: OpenAPI's
			// default encoding for an object in multipart, and what a
			// validator needs to read it as one (Letta's env_vars).
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, k))
			h.Set("Content-Type", "application/json")
			fw, _ := mw.CreatePart(h)
			_ = json.NewEncoder(fw).Encode(v)
		default:
			b, _ := json.Marshal(v)
			_ = mw.WriteField(k, string(b))
		}
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

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
	_, files, err := gensrc.Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	is := gensrc.Deprecated
	g := generated{map[string]bool{}, map[string]map[string]bool{}, map[string]map[string]bool{}, map[string]string{}}
	for _, file := range files {
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if recv := gensrc.Receiver(d); recv != "" {
					if g.methods[recv] == nil {
						g.methods[recv] = map[string]bool{}
					}
					g.methods[recv][d.Name.Name] = is(d.Doc)
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
