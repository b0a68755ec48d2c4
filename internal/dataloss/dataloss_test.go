package dataloss_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/nullable"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/dataloss/api"
)

// wire starts a server that records the body it was sent and answers with
// reply, and returns a client for it.
func wire(t *testing.T, reply string) (*api.ClientWithResponses, *[]byte) {
	t.Helper()
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	c, err := api.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

// sameJSON fails unless a and b hold the same JSON value.
func sameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got %q, not JSON: %v", got, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON differs (-want +got):\n%s", diff)
	}
}

// The three shapes that used to lose values, as JSON the server sends and
// expects back: each must come out of the Go types as it went in.
func TestRoundTripKeepsValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		json string
	}{
		// anyOf: [{oneOf: [...], discriminator}, null] used to be
		// *struct{ union json.RawMessage } with no methods: {} came back.
		{"nullable_discriminated_union", `{"file1_options": {"file_type": "csv", "delimiter": ";"}}`},
		{"nullable_union_null", `{"file1_options": null}`},
		// number used to be float32: 1.2345678901 came back 1.2345679.
		{"float64_precision", `{"tolerance": 1.2345678901}`},
		{"explicit_nulls", `{"ci_url": null, "tags": null, "labels": null, "status": null, "tolerance": null}`},
		{"everything", `{"ci_url": "https://ci.example.com/1", "tags": ["a"], "labels": {"k": "v"}, "status": "running",
			"mstatus": "ok", "pair": [1, "x"], "items": [{"file_type": "parquet"}, {"file_type": "csv", "delimiter": null}],
			"one": {"file_type": "csv"}, "anything": {"nested": [1, null, true]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var v api.DiffPatch
			if err := json.Unmarshal([]byte(tc.json), &v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, []byte(tc.json), out)
		})
	}
}

// A caller can build every value in Go and it reaches the wire: the union
// inside a nullable property, a union that is the whole request body
// (oapi-codegen issue 2498: it used to send {}), and an explicit null that
// clears a field in a PATCH while unset fields stay out of the body.
func TestCallerBuiltValuesReachTheWire(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("patch_with_union_float_and_null", func(t *testing.T) {
		t.Parallel()
		c, got := wire(t, `{}`)
		var opts api.DiffPatchFile1Options
		if err := opts.FromCsvOptions(api.CsvOptions{FileType: api.CsvOptionsFileTypeCsv, Delimiter: nullable.NewNullableWithValue(";")}); err != nil {
			t.Fatal(err)
		}
		body := api.DiffPatch{
			File1Options: nullable.NewNullableWithValue(opts),
			Tolerance:    nullable.NewNullableWithValue(1.2345678901),
			CIURL:        nullable.NewNullNullable[string](), // clear it
		}
		if _, err := c.UpdateDiffWithResponse(ctx, 7, nil, body); err != nil {
			t.Fatal(err)
		}
		sameJSON(t, []byte(`{"file1_options": {"file_type": "csv", "delimiter": ";"}, "tolerance": 1.2345678901, "ci_url": null}`), *got)
	})

	t.Run("union_request_body", func(t *testing.T) {
		t.Parallel()
		c, got := wire(t, `{"file_type": "parquet"}`)
		var body api.CreateFileRequest
		if err := body.FromParquetOptions(api.ParquetOptions{FileType: api.ParquetOptionsFileTypeParquet}); err != nil {
			t.Fatal(err)
		}
		resp, err := c.CreateFileWithResponse(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, []byte(`{"file_type": "parquet"}`), *got)

		// The union that is a whole response body decodes too.
		if resp.JSON200 == nil {
			t.Fatalf("JSON200 is nil; body %q", resp.Body)
		}
		kind, err := resp.JSON200.Discriminator()
		if err != nil || kind != "parquet" {
			t.Fatalf("Discriminator() = %q, %v; want parquet", kind, err)
		}
		v, err := resp.JSON200.ValueByDiscriminator()
		if _, ok := v.(api.ParquetOptions); !ok || err != nil {
			t.Fatalf("ValueByDiscriminator() = %#v, %v; want ParquetOptions", v, err)
		}
	})
}

// Enum constants carry their type's name, so two enums sharing a value
// (pending) never rename each other's constants.
func TestEnumConstantsCarryTheirType(t *testing.T) {
	t.Parallel()
	if api.DiffStatusPending == "" || api.MonitorStatusPending == "" || string(api.DiffStatusPending) != string(api.MonitorStatusPending) {
		t.Fatal("both enums should hold pending under their own names")
	}
	if !api.DiffStatusRunning.Valid() || api.DiffStatus("ok").Valid() {
		t.Fatal("Valid() should accept only DiffStatus's own values")
	}
}

// The shapes here are generated with the module's own configuration, so a
// change there is tested here too: the two files may differ only in the
// template paths, which each gives from its own directory.
func TestConfigFollowsTheModule(t *testing.T) {
	t.Parallel()
	read := func(path string) map[string]any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	module, here := read("../../oapi-codegen.yaml"), read("oapi-codegen.yaml")
	if templates, ok := module["output-options"].(map[string]any)["user-templates"].(map[string]any); ok {
		for k, v := range templates {
			templates[k] = "../../" + v.(string)
		}
	}
	if diff := cmp.Diff(module, here); diff != "" {
		t.Errorf("internal/dataloss/oapi-codegen.yaml differs from the module's beyond template paths (-module +here):\n%s", diff)
	}
}
