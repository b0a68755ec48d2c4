package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const deprecatingSpec = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /reports/{id}:
    parameters: [{name: trace, in: header, deprecated: true, schema: {type: string}}]
    get:
      deprecated: true
      x-deprecated-reason: Use /v2/reports.
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: fields, in: query, deprecated: true, schema: {type: string}}
        - $ref: '#/components/parameters/Page'
      responses: {'200': {description: OK}}
components:
  parameters:
    Page: {name: page, in: query, deprecated: true, schema: {type: integer}}
  schemas:
    Layout: {type: string, enum: [grid], deprecated: true}
    Report:
      type: object
      properties:
        owner: {type: string, deprecated: true}
        meta:
          anyOf:
            - type: object
              properties:
                flag: {type: boolean, deprecated: true}
            - type: 'null'
        rows: {type: array, items: {type: object, properties: {old: {type: string, deprecated: true}}}}
`

func TestDeprecations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	next := filepath.Join(dir, "next.yaml")
	if err := os.WriteFile(next, []byte(deprecatingSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	all := deprecations(next)
	var got []string
	for _, d := range all {
		got = append(got, d.String())
	}
	want := []string{
		"parameter /reports/{id} header trace",
		"operation GET /reports/{id}: Use /v2/reports.",
		"parameter GET /reports/{id} query fields",
		"parameter components.parameters.Page",
		"schema Layout",
		"property Report.owner",
		"property Report.meta.flag",
		"property Report.rows[].old",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deprecations (-want +got):\n%s", diff)
	}

	// Against a document that already deprecated some: only the others,
	// and a part the previous one lacked counts as newly deprecated.
	prev := []deprecation{{"operation", "GET /reports/{id}", ""}, {"schema", "Layout", ""}, {"schema", "Gone", ""}}
	newly := newlyDeprecated(prev, all)
	if len(newly) != len(all)-2 {
		t.Errorf("newly = %v", newly)
	}
	var b bytes.Buffer
	printDeprecations(&b, newly, len(all), 2)
	wantOut := `deprecated: 3 parameters, 3 properties newly, of 8 deprecated in all (still generated, marked // Deprecated: for importers)
  parameter /reports/{id} header trace
  parameter GET /reports/{id} query fields
  … and 1 more parameter
  property Report.owner
  property Report.meta.flag
  … and 1 more property
`
	if diff := cmp.Diff(wantOut, b.String()); diff != "" {
		t.Errorf("printed (-want +got):\n%s", diff)
	}
	b.Reset()
	printDeprecations(&b, nil, 8, 10)
	if got := b.String(); !strings.HasPrefix(got, "deprecated: nothing newly, of 8") {
		t.Errorf("nothing new: %q", got)
	}

	// Deprecating is a minor version (semver), and the entry says so.
	r := report{deprecated: newly, deprecatedInAll: len(all)}
	if r.bump() != "minor" {
		t.Errorf("bump = %s, want minor", r.bump())
	}
	if e := r.entry("## v0.3.0\n", time.Now()); !strings.Contains(e, "Newly deprecated: 3 parameters, 3 properties (still generated") {
		t.Errorf("entry:\n%s", e)
	}
}

func TestCheckDocument(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	overlay := write("overlay.yaml", "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n")
	repairable := write("repairable.yaml", `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /v1/agents/{agent_id}/messages/cancel:
    post: {operationId: cancel, responses: {'200': {description: OK}}}
`)
	var out bytes.Buffer
	warnings, err := checkDocument(repairable, overlay, &out)
	if err != nil || len(warnings) != 1 {
		t.Fatalf("checkDocument = %q, %v", warnings, err)
	}
	if want := "warning: repaired: POST /v1/agents/{agent_id}/messages/cancel: path parameter {agent_id} is not declared; declared as a required string"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("output %q, want it to start %q", out.String(), want)
	}

	refused := write("refused.yaml", `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /reports/:
    get:
      parameters:
        - {name: owner, in: query, schema: {type: integer}}
        - {name: owner, in: query, schema: {type: string}}
      responses: {'200': {description: OK}}
`)
	out.Reset()
	_, err = checkDocument(refused, overlay, &out)
	if err == nil || strings.Count(err.Error(), "\n") != 0 ||
		!strings.HasPrefix(err.Error(), "update-spec: refused: GET /reports/: query parameter owner is declared twice, differently") {
		t.Errorf("err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("a refusal printed more: %q", out.String())
	}
}

func TestGeneratorError(t *testing.T) {
	t.Parallel()
	for out, want := range map[string]string{
		"opnames: wrote api/overlay.gen.yaml (3 generated actions)\n" +
			"error generating code: error creating operation definitions: path '/v1/x/{workflow_id}' has 1 positional parameters, but spec has 0 declared\n" +
			"gen.go:9: running \"go\": exit status 1\n": "path '/v1/x/{workflow_id}' has 1 positional parameters, but spec has 0 declared",
		"error generating code: duplicate typename 'Foo' detected, can't auto-rename, please use x-go-name to specify your own name for one of them\n": "duplicate typename 'Foo' detected, can't auto-rename, please use x-go-name to specify your own name for one of them",
		"opnames: wrote api/overlay.gen.yaml (0 generated actions)\n" +
			"conformance: no Go type found for component schemas _Usage\n" +
			"exit status 1\n" +
			"gen.go:11: running \"go\": exit status 1\n": "conformance: no Go type found for component schemas _Usage",
		"something else entirely\nexit status 2\n": "something else entirely",
	} {
		if got := generatorError(out); got != want {
			t.Errorf("generatorError(%q) = %q, want %q", out, got, want)
		}
	}
}

// The spec-watch pull request lists what the update repaired, for
// reporting upstream, and what it newly deprecates.
func TestPullRequestBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := report{
		changes:         []change{{ID: "endpoint-added", Level: 1, Operation: "GET", Path: "/a"}},
		additions:       1,
		deprecated:      []deprecation{{"schema", "Layout", ""}, {"operation", "GET /a", "Use /b."}},
		deprecatedInAll: 3,
		repaired:        []string{"POST /x/{id}: path parameter {id} is not declared; declared as a required string"},
	}
	if err := draftChangelog(r, filepath.Join(dir, "CHANGELOG.md"), dir, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(dir, "body.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Breaches of the generator's rules repaired by generated overlay actions, to report upstream: 1",
		"POST /x/{id}: path parameter {id} is not declared",
		"Newly deprecated: 1 operation, 1 schema",
		"  operation GET /a: Use /b.\n  schema Layout\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}
