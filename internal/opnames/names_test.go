package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDerive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, id string
		want             string // "" when no name is derived
	}{
		{"DELETE", "/api/v1/lineage/bi/{bi_datasource_id}/", "remove_integration_api_v1_lineage_bi__bi_datasource_id___delete", "RemoveIntegration"},
		{"GET", "/api/v1/lineage/bi/", "list_integrations_api_v1_lineage_bi__get", "ListIntegrations"},
		{"POST", "/api/v1/lineage/bi/{bi_datasource_id}/sync", "sync_integration_api_v1_lineage_bi__bi_datasource_id__sync_post", "SyncIntegration"},
		{"GET", "/api/v1/data-sources/{id}", "get_data_source_api_v1_data_sources__id__get", "GetDataSource"},
		{"GET", "/", "root__get", "Root"},
		// Chosen by a person, not FastAPI: leave alone.
		{"GET", "/api/v1/lineage/bi/", "listIntegrations", ""},
		// The suffix for another method or path is not this one's.
		{"GET", "/api/v1/lineage/bi/", "list_integrations_api_v1_lineage_bi__post", ""},
		// Nothing before the suffix.
		{"GET", "/api/v1/x", "_api_v1_x_get", ""},
	}
	for _, tt := range tests {
		got, ok := derive(operation{Method: tt.method, Path: tt.path, ID: tt.id})
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("derive(%s %s %s) = %q, %v; want %q", tt.method, tt.path, tt.id, got, ok, tt.want)
		}
	}
	// Unless the id is shared: one route for GET and POST has the id
	// FastAPI made for one method. Still not another path's.
	for path, want := range map[string]string{"/api/v1/lineage/bi/": "ListIntegrations", "/api/v1/lineage/other": ""} {
		op := operation{Method: "GET", Path: path, ID: "list_integrations_api_v1_lineage_bi__post", shared: true}
		if got, _ := derive(op); got != want {
			t.Errorf("derive(GET %s, shared id) = %q, want %q", path, got, want)
		}
	}
}

const seedSpec = `openapi: 3.1.0
paths:
  /:
    get:
      operationId: root__get
  /api/v1/lineage/bi/{bi_datasource_id}/:
    delete:
      operationId: remove_integration_api_v1_lineage_bi__bi_datasource_id___delete
  /api/v1/lineage/bi/:
    get:
      operationId: list_integrations_api_v1_lineage_bi__get
    post:
      operationId: createIntegration
`

const seedOverlay = `# kept comment
overlay: 1.0.0
info:
  title: names
  version: 1.0.0
actions:
  - target: $.paths.*.*[?(@.operationId == 'remove_integration_api_v1_lineage_bi__bi_datasource_id___delete')]
    description: mine
    update:
      operationId: RemoveIntegration
  - target: $.paths.*.*[?(@.operationId == 'gone_api_v1_gone_get')]
    update:
      operationId: Gone
  - target: $.info
    description: an action of someone else's, left alone
    update:
      x-note: hi
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestNames(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"openapi.yaml": seedSpec, "overlay.yaml": seedOverlay})
	spec, overlayPath := filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "overlay.yaml")

	// Without -auto: fails, naming what is missing and what is stale, with
	// YAML that can be pasted as is.
	var out bytes.Buffer
	err := run([]string{"names", "-spec", spec, "-overlay", overlayPath}, nil, &out)
	if err == nil {
		t.Fatal("names succeeded with an unnamed operation")
	}
	for _, want := range []string{
		"GET /api/v1/lineage/bi/  list_integrations_api_v1_lineage_bi__get -> ListIntegrations",
		"  - target: $.paths.*.*[?(@.operationId == 'list_integrations_api_v1_lineage_bi__get')]\n" +
			"    description: Go name for GET /api/v1/lineage/bi/, instead of FastAPI's generated operationId.\n" +
			"    update:\n" +
			"      operationId: ListIntegrations\n",
		"renames operations the spec no longer has; remove those actions: gone_api_v1_gone_get",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
	if b, _ := os.ReadFile(overlayPath); string(b) != seedOverlay {
		t.Error("names without -auto changed the overlay")
	}

	// With -auto: writes the name, drops the stale one, keeps the rest.
	if err := run([]string{"names", "-auto", "-spec", spec, "-overlay", overlayPath}, nil, &out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(overlayPath)
	got := string(b)
	for _, want := range []string{"# kept comment", "description: mine", "x-note: hi", "operationId: ListIntegrations"} {
		if !strings.Contains(got, want) {
			t.Errorf("overlay lost or lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Gone") {
		t.Errorf("stale rename kept:\n%s", got)
	}
	// And now it is clean, and stays byte-identical when run again.
	if err := run([]string{"names", "-auto", "-spec", spec, "-overlay", overlayPath}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(overlayPath); string(again) != got {
		t.Errorf("second -auto run changed the overlay:\n%s", cmp.Diff(got, string(again)))
	}
}

// Two names overlay.yaml gives cannot be settled here: names there never
// change, so a person must choose.
func TestNames_overlayCollision(t *testing.T) {
	t.Parallel()
	spec := `openapi: 3.1.0
paths:
  /api/v1/a/status:
    get:
      operationId: get_status_api_v1_a_status_get
  /api/v1/b/status:
    get:
      operationId: get_status_api_v1_b_status_get
`
	overlay := `overlay: 1.0.0
actions:
  - target: $.paths.*.*[?(@.operationId == 'get_status_api_v1_a_status_get')]
    update:
      operationId: GetStatus
  - target: $.paths.*.*[?(@.operationId == 'get_status_api_v1_b_status_get')]
    update:
      operationId: get_status
`
	dir := writeFiles(t, map[string]string{"openapi.yaml": spec, "overlay.yaml": overlay})
	err := run([]string{"names", "-auto", "-spec", filepath.Join(dir, "openapi.yaml"), "-overlay", filepath.Join(dir, "overlay.yaml")}, nil, &bytes.Buffer{})
	want := `these operations would get the same Go name; give them distinct names in ` + filepath.Join(dir, "overlay.yaml") + `:
  GetStatus (beside GET /api/v1/a/status):
    GET /api/v1/b/status (get_status_api_v1_b_status_get)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		wantErr string
	}{
		{name: "idiomatic", method: "RemoveIntegrationWithResponse"},
		// "GET /" derives a suffix of "Get": only the unrenamed name may
		// be flagged, not every method with Get in it.
		{name: "root_route_suffix_is_not_a_substring_match", method: "GetIntegrationWithResponse"},
		{name: "fastapi_suffix", method: "RemoveIntegrationApiV1LineageBiBiDatasourceIdDeleteWithResponse",
			wantErr: "ClientWithResponses.RemoveIntegrationApiV1LineageBiBiDatasourceIdDeleteWithResponse: DELETE /api/v1/lineage/bi/{bi_datasource_id}/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, map[string]string{
				"openapi.yaml": seedSpec,
				"api/x.gen.go": "package api\n\ntype ClientWithResponses struct{}\n\nfunc (c *ClientWithResponses) " + tt.method + "() {}\n",
			})
			err := run([]string{"lint", "-spec", filepath.Join(dir, "openapi.yaml"), "-gen", filepath.Join(dir, "api")}, nil, &bytes.Buffer{})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
