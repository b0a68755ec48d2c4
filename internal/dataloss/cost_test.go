package dataloss_test

import (
	"encoding/json"
	"testing"

	"github.com/datafold/datafold-go/internal/dataloss/api"
)

// What nullable.Nullable costs over the pointers oapi-codegen writes
// without nullable-type: the same object, decoded and encoded through the
// generated type and through a hand-written twin with *T fields.
//
//	go test -run '^$' -bench Nullable -benchmem ./internal/dataloss

const patchJSON = `{"ci_url": "https://ci.example.com/1", "tags": ["a", "b"], "labels": {"k": "v"},
	"status": "running", "tolerance": 1.2345678901, "file1_options": {"file_type": "csv", "delimiter": ";"}}`

// pointerPatch is api.DiffPatch as oapi-codegen generates it without
// nullable-type: null and absent are the same nil.
type pointerPatch struct {
	CIURL        *string            `json:"ci_url,omitempty"`
	File1Options *json.RawMessage   `json:"file1_options,omitempty"`
	Labels       *map[string]string `json:"labels,omitempty"`
	Status       *string            `json:"status,omitempty"`
	Tags         *[]string          `json:"tags,omitempty"`
	Tolerance    *float64           `json:"tolerance,omitempty"`
}

func BenchmarkNullableDecode(b *testing.B) {
	for _, c := range []struct {
		name string
		new  func() any
	}{
		{"nullable", func() any { return new(api.DiffPatch) }},
		{"pointers", func() any { return new(pointerPatch) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v := c.new()
				if err := json.Unmarshal([]byte(patchJSON), v); err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
