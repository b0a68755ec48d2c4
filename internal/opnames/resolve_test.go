package main

import (
	"bytes"
	"fmt"
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

func TestBaseName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, id string
		want             string
		src              source
	}{
		// FastAPI's default: function name, path, method.
		{"GET", "/work_queues/{id}", "read_work_queue_work_queues__id__get", "ReadWorkQueue", fromFastAPI},
		{"GET", "/flow_runs/{id}/graph-v2", "read_flow_run_graph_v2_flow_runs__id__graph_v2_get", "ReadFlowRunGraphV2", fromFastAPI},
		{"GET", "/", "root__get", "Root", fromFastAPI},
		// A route registered under a second path keeps the first one's id.
		{"GET", "/v1/agents", "get_workflows_v1_workflows_get", "GetWorkflows", fromFastAPI},
		{"PUT", "/v1/agents/{workflow_permanent_id}/folder", "update_workflow_folder_v1_workflows__workflow_permanent_id__folder_put", "UpdateWorkflowFolder", fromFastAPI},
		{"GET", "/runs/y", "read_runs_runs_x_get", "ReadRuns", fromFastAPI},
		{"GET", "/v1/agents/{workflow_id}/runs", "get_workflow_runs_by_id_v1_workflows__workflow_id__runs_get", "GetWorkflowRunsById", fromFastAPI},
		// Ends in the method and holds the first segment, but not the
		// parameter as FastAPI writes it: a person's id.
		{"GET", "/items/{id}", "get_items_by_id_get", "GetItemsByIdGet", fromID},
		// Ids a person chose, used as they are.
		{"GET", "/v1/schedules", "schedules_list_all", "SchedulesListAll", fromID},
		{"GET", "/items", "listItems", "ListItems", fromID},
		{"GET", "/data-sources", "get-data.source", "GetDataSource", fromID},
		{"POST", "/v1/runs", "run_task", "RunTask", fromID}, // ends in no method: not FastAPI's
		// No operationId, or one that makes no Go identifier: method and path.
		{"GET", "/api/v1/users/{user_id}/posts", "", "GetUserPosts", fromPath},
		{"DELETE", "/v2/work_pools/{name}", "", "DeleteWorkPool", fromPath},
		{"GET", "/", "", "GetRoot", fromPath},
		{"POST", "/2fa/verify", "2fa", "Post2faVerify", fromPath},
		{"GET", "/x", "---", "GetX", fromPath},
	}
	for _, tt := range tests {
		c := baseName(operation{Method: tt.method, Path: tt.path, ID: tt.id}, &overlay{})
		if c.base != tt.want || c.src != tt.src {
			t.Errorf("baseName(%s %s %q) = %s from %v; want %s from %v", tt.method, tt.path, tt.id, c.base, c.src, tt.want, tt.src)
		}
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, qual, add string // space-separated words; add marks new words with 1
		want            string
	}{
		{"read work queue", "work pool queue", "111", "read work pool queue"},
		{"read work queue", "work queue", "11", "read work queue"},
		{"validate template", "automation template validate", "100", "validate automation template"},
		{"read logs", "log filter", "01", "read logs filter"},
		{"read logs", "flow run log", "110", "read flow run logs"},
		{"read concurrency limit", "v2 concurrency limit", "100", "read concurrency limit v2"},
		{"hello", "greeting", "1", "hello greeting"},
	}
	for _, tt := range tests {
		var add []bool
		for _, c := range tt.add {
			add = append(add, c == '1')
		}
		got := strings.Join(merge(strings.Fields(tt.name), strings.Fields(tt.qual), add), " ")
		if got != tt.want {
			t.Errorf("merge(%q, %q) = %q, want %q", tt.name, tt.qual, got, tt.want)
		}
	}
}

// op is "METHOD /path id" (id may be left out); the spec built from a
// list of them gives each a JSON body when the method is POST, so that the
// WithBody identifiers are in play.
func specOf(ops []string, schemas ...string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n")
	byPath := map[string][]string{}
	var paths []string
	for _, o := range ops {
		f := strings.Fields(o)
		if _, ok := byPath[f[1]]; !ok {
			paths = append(paths, f[1])
		}
		byPath[f[1]] = append(byPath[f[1]], o)
	}
	for _, p := range paths {
		fmt.Fprintf(&b, "  '%s':\n", p)
		for _, o := range byPath[p] {
			f := strings.Fields(o)
			fmt.Fprintf(&b, "    %s:\n", strings.ToLower(f[0]))
			if len(f) > 2 {
				fmt.Fprintf(&b, "      operationId: %s\n", f[2])
			}
			var params []string
			for _, s := range strings.Split(p, "/") {
				if isParam(s) {
					params = append(params, strings.Trim(s, "{}"))
				}
			}
			if len(params) > 0 {
				b.WriteString("      parameters:\n")
				for _, n := range params {
					fmt.Fprintf(&b, "        - {name: %s, in: path, required: true, schema: {type: string}}\n", n)
				}
			}
			if f[0] == "POST" {
				b.WriteString("      requestBody: {content: {application/json: {schema: {type: object}}}}\n")
			}
			b.WriteString("      responses: {'200': {description: OK, content: {application/json: {schema: {type: object}}}}}\n")
		}
	}
	if len(schemas) > 0 {
		b.WriteString("components:\n  schemas:\n")
		for _, s := range schemas {
			fmt.Fprintf(&b, "    %s: {type: object}\n", s)
		}
	}
	return b.String()
}

// namesFor runs the check on a spec and overlay and returns every
// operation's Go name.
func namesFor(t *testing.T, spec, overlayYAML string) (map[string]string, plan) {
	t.Helper()
	var sn, on yaml.Node
	if err := yaml.Unmarshal([]byte(spec), &sn); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(overlayYAML), &on); err != nil {
		t.Fatal(err)
	}
	o, err := parseOverlay(&on)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := operations(&sn)
	if err != nil {
		t.Fatal(err)
	}
	p := check(&sn, ops, o)
	got := map[string]string{}
	for _, op := range ops {
		c := baseName(op, o)
		if c.src == fromOverlay || c.src == fromID {
			got[op.String()] = c.base
		}
	}
	for _, n := range p.missing {
		got[n.op.String()] = n.name
	}
	return got, p
}

const noOverlay = "overlay: 1.0.0\ninfo: {title: names, version: 1.0.0}\nactions: []\n"

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ops     []string
		schemas []string
		overlay string
		want    map[string]string
	}{
		{
			name: "fastapi_pair_from_static_segments",
			ops: []string{
				"GET /work_pools/{work_pool_name}/queues/{name} read_work_queue_work_pools__work_pool_name__queues__name__get",
				"GET /work_queues/{id} read_work_queue_work_queues__id__get",
				"POST /work_pools/{work_pool_name}/queues/filter read_work_queues_work_pools__work_pool_name__queues_filter_post",
				"POST /work_queues/filter read_work_queues_work_queues_filter_post",
				"POST /templates/validate validate_template_templates_validate_post",
				"POST /automations/templates/validate validate_template_automations_templates_validate_post",
			},
			want: map[string]string{
				"GET /work_pools/{work_pool_name}/queues/{name}":  "ReadWorkPoolQueue",
				"GET /work_queues/{id}":                           "ReadWorkQueue",
				"POST /work_pools/{work_pool_name}/queues/filter": "ReadWorkPoolQueues",
				"POST /work_queues/filter":                        "ReadWorkQueues",
				"POST /templates/validate":                        "ValidateTemplate",
				"POST /automations/templates/validate":            "ValidateAutomationTemplate",
			},
		},
		{
			name: "fastapi_three",
			ops: []string{
				"POST /logs/filter read_logs_logs_filter_post",
				"GET /flow_runs/{id}/logs read_logs_flow_runs__id__logs_get",
				"GET /task_runs/{id}/logs read_logs_task_runs__id__logs_get",
			},
			want: map[string]string{
				"POST /logs/filter":        "ReadLogsFilter",
				"GET /flow_runs/{id}/logs": "ReadFlowRunLogs",
				"GET /task_runs/{id}/logs": "ReadTaskRunLogs",
			},
		},
		{
			name: "custom_snake_case_outranks_fastapi",
			ops: []string{
				"GET /api/v1/a/status get_status_api_v1_a_status_get",
				"GET /api/v1/b/status get_status_api_v1_b_status_get",
				"GET /api/v1/c get_status",
			},
			want: map[string]string{
				"GET /api/v1/a/status": "GetAStatus",
				"GET /api/v1/b/status": "GetBStatus",
				"GET /api/v1/c":        "GetStatus",
			},
		},
		{
			name: "camel_case_and_snake_case_ids_of_one_name",
			ops:  []string{"GET /items listItems", "GET /v2/items list_items"},
			want: map[string]string{"GET /items": "ListItems", "GET /v2/items": "ListItemsV2"},
		},
		{
			name: "parameters_then_method",
			ops: []string{
				"GET /runs/{run_id} get_run_runs__run_id__get",
				"GET /runs/{workflow_run_id}/ get_run_runs__workflow_run_id___get",
				"GET /items list_items_items_get",
				"POST /items list_items_items_post",
			},
			want: map[string]string{
				"GET /runs/{run_id}":           "GetRunByRunId",
				"GET /runs/{workflow_run_id}/": "GetRunByWorkflowRunId",
				"GET /items":                   "ListItemsGet",
				"POST /items":                  "ListItemsPost",
			},
		},
		{
			name: "number_when_nothing_else_tells_apart",
			ops:  []string{"GET /items list_items_items_get", "POST /items list_items_items_post", "GET /other ListItemsPost"},
			want: map[string]string{"GET /items": "ListItemsGet", "POST /items": "ListItemsPost2", "GET /other": "ListItemsPost"},
		},
		{
			name: "missing_operation_ids",
			ops:  []string{"GET /api/v1/users/{user_id}", "GET /api/v2/users/{user_id}", "DELETE /api/v1/users/{user_id}", "GET /"},
			want: map[string]string{
				"GET /api/v1/users/{user_id}":    "GetUserV1",
				"GET /api/v2/users/{user_id}":    "GetUserV2",
				"DELETE /api/v1/users/{user_id}": "DeleteUser",
				"GET /":                          "GetRoot",
			},
		},
		{
			name:    "schema_type_names_are_taken",
			ops:     []string{"GET /work_queues/{id} read_work_queue_work_queues__id__get", "POST /v1/runs/cancel bulk_cancel_runs_v1_runs_cancel_post"},
			schemas: []string{"ReadWorkQueueResponse", "BulkCancelRunsResponse"},
			want:    map[string]string{"GET /work_queues/{id}": "ReadWorkQueueById", "POST /v1/runs/cancel": "BulkCancelRunsPost"},
		},
		{
			name: "generated_identifiers_are_taken",
			ops: []string{
				"POST /foo foo_foo_post",                             // declares FooWithBody, FooWithResponse
				"GET /foo/with-body foo_with_body_foo_with_body_get", // a method Foo already has
				"GET /foo/params/x foo_params_x_foo_params_x_get",    // FooParamsX: no clash
				"GET /client client",                                 // Client has a field Client
				"GET /req new_foo_request_req_get",                   // NewFooRequest is Foo's
				"GET /bar/parse parse_bar_bar_parse_get",             // ParseBar: clashes with nothing
			},
			want: map[string]string{
				"POST /foo":          "Foo",
				"GET /foo/with-body": "FooWithBodyGet",
				"GET /foo/params/x":  "FooParamsX",
				"GET /client":        "ClientGet",
				"GET /req":           "NewFooRequest",
				"GET /bar/parse":     "ParseBar",
			},
		},
		{
			name: "overlay_names_never_change",
			ops: []string{
				"GET /work_pools/{work_pool_name}/queues/{name} read_work_queue_work_pools__work_pool_name__queues__name__get",
				"GET /work_queues/{id} read_work_queue_work_queues__id__get",
			},
			overlay: `overlay: 1.0.0
actions:
  - target: $.paths.*.*[?(@.operationId == 'read_work_queue_work_pools__work_pool_name__queues__name__get')]
    update: {operationId: ReadWorkQueue}
`,
			want: map[string]string{
				"GET /work_pools/{work_pool_name}/queues/{name}": "ReadWorkQueue",
				"GET /work_queues/{id}":                          "ReadWorkQueueById",
			},
		},
		{
			name: "overlay_names_by_path",
			ops:  []string{"GET /api/v1/users/{user_id}", "GET /api/v2/users/{user_id}"},
			overlay: `overlay: 1.0.0
actions:
  - target: $['paths']['/api/v2/users/{user_id}']['get']
    update: {operationId: GetUser}
`,
			want: map[string]string{"GET /api/v1/users/{user_id}": "GetUserV1", "GET /api/v2/users/{user_id}": "GetUser"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ov := tt.overlay
			if ov == "" {
				ov = noOverlay
			}
			// The names do not depend on the order operations come in.
			n := len(tt.ops)
			for shift := range n {
				for _, reverse := range []bool{false, true} {
					ops := append(slices.Clone(tt.ops[shift:]), tt.ops[:shift]...)
					if reverse {
						slices.Reverse(ops)
					}
					got, p := namesFor(t, specOf(ops, tt.schemas...), ov)
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Fatalf("order %v (-want +got):\n%s\nresolved:\n%s", ops, diff, strings.Join(p.resolved, "\n"))
					}
				}
			}
		})
	}
}

func TestTypeNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		schemas []string
		pinned  map[string]string // overlay.yaml's x-go-name actions
		want    map[string]string
	}{
		{
			name:    "two_modules",
			schemas: []string{"datafold__monitors__schemas__DiffAlertCondition", "datafold__diffs__schemas__DiffAlertCondition"},
			want: map[string]string{
				"datafold__monitors__schemas__DiffAlertCondition": "MonitorsDiffAlertCondition",
				"datafold__diffs__schemas__DiffAlertCondition":    "DiffAlertCondition",
			},
		},
		{
			// credential_type says nothing CredentialType does not: that
			// one is told apart by the other's module.
			name:    "segment_the_name_already_says",
			schemas: []string{"acme__forge__sdk__schemas__credentials__CredentialType", "acme__schemas__credential_type__CredentialType"},
			want: map[string]string{
				"acme__forge__sdk__schemas__credentials__CredentialType": "SdkCredentialType",
				"acme__schemas__credential_type__CredentialType":         "CredentialType",
			},
		},
		{
			name:    "alone",
			schemas: []string{"app__lineage__schemas__Lineage", "Body_upload_file_api_v1_files__post", "DiffOptions-Input"},
			want:    map[string]string{"app__lineage__schemas__Lineage": "Lineage"},
		},
		{
			name:    "beside_an_unqualified_one",
			schemas: []string{"Monitor", "app__monitors__schemas__Monitor"},
			want:    map[string]string{"app__monitors__schemas__Monitor": "MonitorsMonitor"},
		},
		{
			name:    "nothing_tells_them_apart",
			schemas: []string{"app__schemas__Monitor", "app__models__Monitor"},
			want:    map[string]string{},
		},
		{
			name:    "pinned_names_stay",
			schemas: []string{"app__lineage__schemas__Monitor", "app__monitors__schemas__Monitor"},
			pinned:  map[string]string{"app__lineage__schemas__Monitor": "Monitor"},
			want:    map[string]string{"app__monitors__schemas__Monitor": "MonitorsMonitor"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, reverse := range []bool{false, true} {
				schemas := slices.Clone(tt.schemas)
				if reverse {
					slices.Reverse(schemas)
				}
				var spec yaml.Node
				if err := yaml.Unmarshal([]byte(specOf([]string{"GET /x x"}, schemas...)), &spec); err != nil {
					t.Fatal(err)
				}
				o := &overlay{typeNames: tt.pinned}
				if o.typeNames == nil {
					o.typeNames = map[string]string{}
				}
				got := map[string]string{}
				for _, tn := range typeNames(&spec, o) {
					got[tn.schema] = tn.name
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("schemas %v (-want +got):\n%s", schemas, diff)
				}
			}
		})
	}
}

// A document in the style of FastAPI apps that grew routers for one
// resource in two places, aliased routes, hand-written ids, an operation
// without an id, response models named like the client's response types
// and pydantic's module-qualified models.
const tangledSpec = `openapi: 3.1.0
info: {title: tangled, version: '1'}
paths:
  /work_queues/{id}:
    get:
      operationId: read_work_queue_work_queues__id__get
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: OK, content: {application/json: {schema: {$ref: '#/components/schemas/ReadWorkQueueResponse'}}}}}
  /work_pools/{work_pool_name}/queues/{name}:
    get:
      operationId: read_work_queue_work_pools__work_pool_name__queues__name__get
      parameters:
        - {name: work_pool_name, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: OK, content: {application/json: {schema: {$ref: '#/components/schemas/app__pools__schemas__Queue'}}}}}
  /v1/agents:
    get:
      operationId: get_workflows_v1_workflows_get
      responses: {'200': {description: OK, content: {application/json: {schema: {$ref: '#/components/schemas/app__queues__schemas__Queue'}}}}}
    post:
      operationId: create_workflow_v1_agents_post
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: OK}}
  /v1/agents/with-body:
    post:
      operationId: CreateWorkflowWithBody
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: OK}}
  /v1/schedules:
    get:
      operationId: schedules_list_all
      responses: {'200': {description: OK}}
  /v1/schedules/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: OK}}
  /client:
    get:
      operationId: client
      responses: {'200': {description: OK}}
  /files/:
    post:
      operationId: upload_file_files__post
      requestBody: {content: {multipart/form-data: {schema: {$ref: '#/components/schemas/Body_upload_file_files__post'}}}}
      responses: {'200': {description: OK}}
components:
  schemas:
    Body_upload_file_files__post: {type: object, properties: {file: {type: string, format: binary}}, required: [file]}
    ReadWorkQueueResponse: {type: object, properties: {id: {type: string}}}
    app__pools__schemas__Queue: {type: object, properties: {name: {type: string}}}
    app__queues__schemas__Queue: {type: object, properties: {id: {type: string}}}
`

// The names chosen must make code oapi-codegen generates without two
// declarations of one identifier; the overlay must apply in strict mode.
// Not parallel: oapi-codegen's generator keeps global state.
func TestNames_generatedCodeDeclaresEachNameOnce(t *testing.T) {
	dir := writeFiles(t, map[string]string{"openapi.yaml": tangledSpec, "overlay.yaml": noOverlay})
	spec, overlayPath := filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "overlay.yaml")
	var out bytes.Buffer
	if err := run([]string{"names", "-auto", "-spec", spec, "-overlay", overlayPath}, nil, &out); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	// A second run finds everything named and leaves the overlay as it is.
	written := mustRead(t, overlayPath)
	out.Reset()
	if err := run([]string{"names", "-spec", spec, "-overlay", overlayPath}, nil, &out); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if after := mustRead(t, overlayPath); !bytes.Equal(written, after) {
		t.Errorf("second run changed the overlay:\n%s", cmp.Diff(string(written), string(after)))
	}

	doc, err := util.LoadSwaggerWithOverlay(spec, util.LoadSwaggerWithOverlayOpts{Path: overlayPath, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg codegen.Configuration
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.OutputOptions.UserTemplates = nil // paths relative to the module root
	cfg.OutputOptions.Overlay = codegen.OutputOptionsOverlay{}
	code, err := codegen.Generate(doc, cfg.UpdateDefaults())
	if err != nil {
		t.Fatal(err)
	}
	file, err := parser.ParseFile(token.NewFileSet(), "gen.go", code, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			name := d.Name.Name
			if d.Recv != nil {
				name = fmt.Sprint(d.Recv.List[0].Type) + "." + name
			}
			seen[name]++
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					seen[s.Name.Name]++
				case *ast.ValueSpec:
					for _, n := range s.Names {
						seen[n.Name]++
					}
				}
			}
		}
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("%s declared %d times", name, n)
		}
	}
	// And the names read as chosen.
	for _, want := range []string{
		"ReadWorkQueueByIDWithResponse", "ReadWorkPoolQueueWithResponse", "GetWorkflowsWithResponse",
		"CreateWorkflowWithBodyWithResponse", "SchedulesListAllWithResponse", "DeleteScheduleWithResponse",
		"ClientGetWithResponse", "type PoolsQueue struct", "type Queue struct", "type ReadWorkQueueResponse struct",
		"type UploadFileBody struct", "UploadFileWithBodyWithResponse",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// Stability: a name in overlay.yaml stays when a later document brings an
// operation that would share it; the newcomer gets the longer name, and
// what was chosen is printed.
func TestNames_laterCollisionKeepsExistingName(t *testing.T) {
	t.Parallel()
	v1 := specOf([]string{"GET /work_pools/{work_pool_name}/queues/{name} read_work_queue_work_pools__work_pool_name__queues__name__get"})
	v2 := specOf([]string{
		"GET /work_pools/{work_pool_name}/queues/{name} read_work_queue_work_pools__work_pool_name__queues__name__get",
		"GET /work_queues/{id} read_work_queue_work_queues__id__get",
	})
	dir := writeFiles(t, map[string]string{"v1.yaml": v1, "v2.yaml": v2, "overlay.yaml": noOverlay})
	overlayPath := filepath.Join(dir, "overlay.yaml")
	names := func(spec string, auto bool) (string, error) {
		args := []string{"names", "-spec", filepath.Join(dir, spec), "-overlay", overlayPath}
		if auto {
			args = append(args, "-auto")
		}
		var out bytes.Buffer
		err := run(args, nil, &out)
		return out.String(), err
	}
	if _, err := names("v1.yaml", true); err != nil {
		t.Fatal(err)
	}

	// Without -auto: what was chosen, then the actions to paste, and a failure.
	before, _ := os.ReadFile(overlayPath)
	out, err := names("v2.yaml", false)
	if err == nil {
		t.Fatal("names without -auto succeeded with an unnamed operation")
	}
	for _, want := range []string{
		"ReadWorkQueue: would clash with GET /work_pools/{work_pool_name}/queues/{name}; chose:",
		"GET /work_queues/{id}",
		"ReadWorkQueueById (by path parameters)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(err.Error(), "      operationId: ReadWorkQueueById") {
		t.Errorf("error lacks the action to paste:\n%s", err)
	}
	if after, _ := os.ReadFile(overlayPath); !bytes.Equal(before, after) {
		t.Error("names without -auto changed the overlay")
	}

	if _, err := names("v2.yaml", true); err != nil {
		t.Fatal(err)
	}
	got, _ := namesFor(t, v2, string(mustRead(t, overlayPath)))
	want := map[string]string{
		"GET /work_pools/{work_pool_name}/queues/{name}": "ReadWorkQueue",
		"GET /work_queues/{id}":                          "ReadWorkQueueById",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names after the second document (-want +got):\n%s", diff)
	}
	// Run again: nothing to do, nothing changes.
	again := mustRead(t, overlayPath)
	if out, err := names("v2.yaml", false); err != nil || !strings.Contains(out, "all 2 operations have Go names") {
		t.Errorf("third run: %v\n%s", err, out)
	}
	if after := mustRead(t, overlayPath); !bytes.Equal(again, after) {
		t.Errorf("overlay changed:\n%s", cmp.Diff(string(again), string(after)))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBodyTypeNames(t *testing.T) {
	t.Parallel()
	const spec = `openapi: 3.1.0
paths:
  /work_queues/{id}/get_runs:
    post:
      operationId: read_work_queue_runs_work_queues__id__get_runs_post
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Body_read_work_queue_runs_work_queues__id__get_runs_post'}}}}
  /work_pools/{name}/queues/runs:
    post:
      operationId: read_work_queue_runs_work_pools__name__queues_runs_post
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Body_read_work_queue_runs_work_pools__name__queues_runs_post'}}}}
  /files/:
    post:
      operationId: upload_file_files__post
  /other:
    get:
      operationId: UploadFileBody
components:
  schemas:
    Body_read_work_queue_runs_work_queues__id__get_runs_post: {type: object}
    Body_read_work_queue_runs_work_pools__name__queues_runs_post: {type: object}
    Body_upload_file_files__post: {type: object}
    Body_unused_x_post: {type: object}
`
	_, p := namesFor(t, spec, noOverlay)
	got := map[string]string{}
	for _, tn := range p.types {
		got[tn.schema] = tn.name
	}
	want := map[string]string{
		"Body_read_work_queue_runs_work_queues__id__get_runs_post":     "ReadWorkQueueGetRunsBody",
		"Body_read_work_queue_runs_work_pools__name__queues_runs_post": "ReadWorkPoolQueueRunsBody",
		// UploadFileBody is an operation's method, not a type: free.
		"Body_upload_file_files__post": "UploadFileBody",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body type names (-want +got):\n%s", diff)
	}
}
