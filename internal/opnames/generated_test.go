package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"go.yaml.in/yaml/v3"
)

// generate runs names -auto and overlay on spec, then oapi-codegen with the
// repository's configuration and user templates, as go generate does, and
// returns the parsed code, the code and overlay.yaml as names left it.
// codegen.Generate sets the package's global options, which the codegen
// functions other tests call read: tests that generate are not parallel,
// and so run before the parallel ones start.
func generate(t *testing.T, spec string) (*ast.File, string, string) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"openapi.yaml": spec, "overlay.yaml": noOverlay})
	specPath, overlayPath, gen := filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "overlay.yaml"), filepath.Join(dir, "overlay.gen.yaml")
	var out bytes.Buffer
	if err := run([]string{"names", "-auto", "-spec", specPath, "-overlay", overlayPath}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"overlay", "-spec", specPath, "-overlay", overlayPath, "-out", gen}, nil, &out); err != nil {
		t.Fatal(err)
	}
	doc, err := util.LoadSwaggerWithOverlay(specPath, util.LoadSwaggerWithOverlayOpts{Path: gen, Strict: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, mustRead(t, gen))
	}
	b, err := os.ReadFile("../../oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg codegen.Configuration
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	for name, p := range cfg.OutputOptions.UserTemplates {
		cfg.OutputOptions.UserTemplates[name] = filepath.Join("../..", p)
	}
	cfg.OutputOptions.Overlay = codegen.OutputOptionsOverlay{}
	code, err := codegen.Generate(doc, cfg.UpdateDefaults())
	if err != nil {
		t.Fatal(err)
	}
	// Then godoc, as go generate runs it.
	genFile := filepath.Join(dir, "api", "x.gen.go")
	if err := os.MkdirAll(filepath.Dir(genFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(genFile, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"godoc", "-spec", specPath, "-gen", filepath.Dir(genFile)}, nil, &out); err != nil {
		t.Fatal(err)
	}
	code = string(mustRead(t, genFile))
	file, err := parser.ParseFile(token.NewFileSet(), "gen.go", code, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return file, code, string(mustRead(t, overlayPath))
}

// deprecated lists the declarations Go tools take as deprecated: those
// whose doc comment has a paragraph starting "Deprecated: " (the rule of
// staticcheck's SA1019 and of gopls). Methods are Recv.Name, struct
// fields Type.Field.
func deprecated(file *ast.File) []string {
	is := func(doc *ast.CommentGroup) bool {
		return doc != nil && slices.ContainsFunc(strings.Split(doc.Text(), "\n\n"), func(p string) bool {
			return strings.HasPrefix(p, "Deprecated: ")
		})
	}
	var out []string
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !is(d.Doc) {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil {
				name = strings.TrimPrefix(render(d.Recv.List[0].Type), "*") + "." + name
			}
			out = append(out, name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if is(d.Doc) || is(ts.Doc) {
					out = append(out, ts.Name.Name)
				}
				switch typ := ts.Type.(type) {
				case *ast.StructType:
					for _, f := range typ.Fields.List {
						if is(f.Doc) && len(f.Names) > 0 {
							out = append(out, ts.Name.Name+"."+f.Names[0].Name)
						}
					}
				case *ast.InterfaceType:
					for _, m := range typ.Methods.List {
						if is(m.Doc) && len(m.Names) > 0 {
							out = append(out, ts.Name.Name+"."+m.Names[0].Name)
						}
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestDeprecation: what a document deprecates is marked so that Go tools
// see it, described or not, with examples or not, given a reason or not:
// operations (every method of both clients and the body type), query
// parameters, schemas and properties; a description that only says
// "Deprecated: ..." marks nothing.
func TestDeprecation(t *testing.T) {
	const spec = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /api/v1/reports/:
    get:
      operationId: list_reports_api_v1_reports__get
      parameters:
        - {name: owner, in: query, deprecated: true, description: Whose reports., schema: {anyOf: [{type: string}, {type: 'null'}], deprecated: true}}
        - {name: kind, in: query, deprecated: true, schema: {type: string}}
        - {name: page, in: query, description: Which page., schema: {type: integer}}
      responses: {'200': {description: OK, content: {application/json: {schema: {$ref: '#/components/schemas/Report'}}}}}
  /api/v1/reports/{report_id}/archive:
    post:
      operationId: archive_report_api_v1_reports__report_id__archive_post
      description: Archives a report.
      deprecated: true
      x-deprecated-reason: Use PATCH.
      parameters: [{name: report_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Report'}}}}
      responses: {'200': {description: OK}}
components:
  schemas:
    Report:
      type: object
      properties:
        title: {type: string, description: "The title.\nDeprecated: no, only a word in a description."}
        amount: {type: integer, deprecated: true, examples: [1000]}
        currency: {type: string, deprecated: true, description: Its currency., examples: [usd], x-deprecated-reason: "Use amounts,\nkeyed by currency."}
        owner: {type: string, deprecated: true, description: "Who owns it.\n"}
        layout: {$ref: '#/components/schemas/Layout', deprecated: true, description: How it is laid out.}
        shared: {anyOf: [{type: array, items: {type: string}}, {type: 'null'}], deprecated: true, x-deprecated-reason: Gone.}
        meta:
          type: object
          properties:
            flag: {type: boolean, deprecated: true, description: A flag.}
    Layout: {type: string, enum: [grid, list], deprecated: true, description: A layout.}
`
	file, code, _ := generate(t, spec)
	want := []string{
		"ArchiveReportJSONRequestBody",
		"Client.ArchiveReport", "Client.ArchiveReportWithBody",
		"ClientInterface.ArchiveReport", "ClientInterface.ArchiveReportWithBody",
		"ClientWithResponses.ArchiveReportWithBodyWithResponse", "ClientWithResponses.ArchiveReportWithResponse",
		"ClientWithResponsesInterface.ArchiveReportWithBodyWithResponse", "ClientWithResponsesInterface.ArchiveReportWithResponse",
		"Layout",
		"ListReportsParams.Kind", "ListReportsParams.Owner",
		"Report.Amount", "Report.Currency", "Report.Layout", "Report.Owner", "Report.Shared",
		"Report_Meta.Flag",
	}
	if diff := cmp.Diff(want, deprecated(file)); diff != "" {
		t.Errorf("deprecated declarations (-want +got):\n%s", diff)
	}
	for _, reason := range []string{"// Deprecated: Use PATCH.", "// Deprecated: Gone."} {
		if !strings.Contains(code, reason) {
			t.Errorf("the generated code lacks %q", reason)
		}
	}
	// The description stays as it was, only apart from the notice.
	if !strings.Contains(code, "\t// Owner Who owns it.\n\t//\n\t// Deprecated:") {
		t.Errorf("Report.Owner's comment:\n%s", code[strings.Index(code, "type Report struct"):][:600])
	}
}

// TestNames_sharedOperationID: operations sharing an operationId, as a
// FastAPI route for GET and POST has, or a chosen id used on two paths,
// each get a Go name, written as actions found by path and method, so that
// the generated code declares every name once.
func TestNames_sharedOperationID(t *testing.T) {
	spec := specOf([]string{
		"GET /api/v1/reports/{report_id}/status report_status_api_v1_reports__report_id__status_get",
		"POST /api/v1/reports/{report_id}/status report_status_api_v1_reports__report_id__status_get",
		"POST /api/v1/charts/bar render_chart",
		"POST /api/v1/charts/line render_chart",
		"GET /v1/oauth2/userinfo oauth2:userinfo",
		"POST /v1/oauth2/userinfo oauth2:userinfo",
	})
	file, _, overlay := generate(t, spec)
	var methods []string
	for _, d := range file.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Recv != nil && strings.HasSuffix(f.Name.Name, "WithResponse") && !strings.HasSuffix(f.Name.Name, "WithBodyWithResponse") &&
			strings.Contains(render(f.Recv.List[0].Type), "ClientWithResponses") {
			methods = append(methods, f.Name.Name)
		}
	}
	slices.Sort(methods)
	want := []string{
		"Oauth2UserinfoGetWithResponse", "Oauth2UserinfoPostWithResponse",
		"RenderChartBarWithResponse", "RenderChartLineWithResponse",
		"ReportStatusGetWithResponse", "ReportStatusPostWithResponse",
	}
	if diff := cmp.Diff(want, methods); diff != "" {
		t.Errorf("ClientWithResponses methods (-want +got):\n%s\n%s", diff, overlay)
	}
	if strings.Contains(overlay, "operationId ==") {
		t.Errorf("an action finds a shared operationId by id:\n%s", overlay)
	}
}

func render(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		return "*" + render(s.X)
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// TestOverlay_repairsPathParameters: a document the generator refused
// ("path '…' has 2 positional parameters, but spec has 1 declared")
// generates once opnames overlay writes the repairs of internal/invalid:
// the undeclared {folder_id} is a string argument, the source_id the path
// lacks is gone.
func TestOverlay_repairsPathParameters(t *testing.T) {
	const spec = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /v1/agents/{agent_id}/folders/attach/{folder_id}:
    patch:
      operationId: attach_folder_to_agent
      parameters:
        - {name: agent_id, in: path, required: true, schema: {type: string}}
        - {name: source_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: OK}}
  /v1/agents/{agent_id}/messages/cancel:
    post: {operationId: cancel_agent_run, responses: {'200': {description: OK}}}
`
	_, code, _ := generate(t, spec)
	for _, want := range []string{
		"AttachFolderToAgentWithResponse(ctx context.Context, agentID string, folderID string, reqEditors ...RequestEditorFn)",
		"CancelAgentRunWithResponse(ctx context.Context, agentID string, reqEditors ...RequestEditorFn)",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("the generated code lacks %s", want)
		}
	}
	if strings.Contains(code, "sourceID") {
		t.Error("the generated code still has source_id")
	}
}

func TestDeprecatedParagraphs(t *testing.T) {
	t.Parallel()
	notices := map[string]bool{"Use amounts, keyed by currency.": true, defaultNotices[0]: true}
	const src = `type T struct {
	// Amount Examples: 1000
	// Deprecated: this property has been marked as deprecated upstream, but no ` + "`x-deprecated-reason`" + ` was set
	Amount int
	// Currency Its currency.
	// Deprecated: Use amounts,
	// keyed by currency.
	Currency string
	// Done Already a paragraph.
	//
	// Deprecated: Use amounts, keyed by currency.
	Done bool
	// Note A description's own words.
	// Deprecated: not a notice of the generator's.
	Note string
}
`
	const want = `type T struct {
	// Amount Examples: 1000
	//
	// Deprecated: this property has been marked as deprecated upstream, but no ` + "`x-deprecated-reason`" + ` was set
	Amount int
	// Currency Its currency.
	//
	// Deprecated: Use amounts,
	// keyed by currency.
	Currency string
	// Done Already a paragraph.
	//
	// Deprecated: Use amounts, keyed by currency.
	Done bool
	// Note A description's own words.
	// Deprecated: not a notice of the generator's.
	Note string
}
`
	got, n := deprecatedParagraphs([]byte(src), notices)
	if diff := cmp.Diff(want, string(got)); diff != "" || n != 2 {
		t.Errorf("%d separated (-want +got):\n%s", n, diff)
	}
	if again, n := deprecatedParagraphs(got, notices); n != 0 || !bytes.Equal(again, got) {
		t.Errorf("a second pass changed %d notices", n)
	}
}

// TestOverlay_keepsMaintainersActions: the generated actions are written
// for the document as overlay.yaml leaves it, so the two actions a refusal
// of a form union names are not undone by the union actions after them.
func TestOverlay_keepsMaintainersActions(t *testing.T) {
	const spec = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /v1/oauth2/token:
    post:
      operationId: request_token
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              oneOf: [{$ref: '#/components/schemas/CodeRequest'}, {$ref: '#/components/schemas/RefreshRequest'}]
      responses: {'200': {description: OK}}
components:
  schemas:
    CodeRequest: {type: object, properties: {code: {type: string}}}
    RefreshRequest: {type: object, properties: {refresh_token: {type: string}}}
`
	const overlay = `overlay: 1.0.0
info: {title: names, version: 1.0.0}
actions:
  - {target: "$['paths']['/v1/oauth2/token']['post']['requestBody']['content']['application/x-www-form-urlencoded']['schema']", remove: true}
  - {target: "$['paths']['/v1/oauth2/token']['post']['requestBody']['content']['application/x-www-form-urlencoded']", update: {schema: {$ref: '#/components/schemas/CodeRequest'}}}
`
	dir := writeFiles(t, map[string]string{"openapi.yaml": spec, "overlay.yaml": overlay})
	gen := filepath.Join(dir, "overlay.gen.yaml")
	if err := run([]string{"overlay", "-spec", filepath.Join(dir, "openapi.yaml"), "-overlay", filepath.Join(dir, "overlay.yaml"), "-out", gen}, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	doc, err := util.LoadSwaggerWithOverlay(filepath.Join(dir, "openapi.yaml"), util.LoadSwaggerWithOverlayOpts{Path: gen, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	body := doc.Paths.Find("/v1/oauth2/token").Post.RequestBody.Value.Content["application/x-www-form-urlencoded"].Schema
	if body.Ref != "#/components/schemas/CodeRequest" {
		t.Errorf("the form body is %q, want the maintainer's CodeRequest\n%s", body.Ref, mustRead(t, gen))
	}
}
