package synth_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/datafold/datafold-go/internal/synth"
)

// doc holds the shapes pydantic v2 writes.
const doc = `{
  "openapi": "3.1.0",
  "info": {"title": "synth", "version": "1"},
  "paths": {},
  "components": {"schemas": {
    "Csv": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "csv", "type": "string"}, "delimiter": {"anyOf": [{"type": "string", "maxLength": 1}, {"type": "null"}]}}},
    "Parquet": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "parquet", "type": "string"}, "rows": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3}}},
    "Options": {"oneOf": [{"$ref": "#/components/schemas/Csv"}, {"$ref": "#/components/schemas/Parquet"}],
                "discriminator": {"propertyName": "kind", "mapping": {"csv": "#/components/schemas/Csv", "parquet": "#/components/schemas/Parquet"}}},
    "Status": {"type": "string", "enum": ["pending", "running", "done", "failed"]},
    "Node": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 3}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
    "Thing": {
      "type": "object", "required": ["name", "ratio", "id"],
      "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "pattern": "^[a-z]{2,4}-[0-9]+$"},
        "python": {"type": "string", "pattern": "^(?!\\s*$).+"},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "weight": {"type": "number"},
        "count": {"type": "integer", "minimum": 10, "maximum": 12},
        "when": {"type": "string", "format": "date-time"},
        "link": {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2083},
        "secret": {"type": "string", "format": "password", "writeOnly": true},
        "computed": {"type": "string", "readOnly": true},
        "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2},
        "labels": {"anyOf": [{"type": "object", "additionalProperties": {"type": "integer"}}, {"type": "null"}]},
        "status": {"anyOf": [{"$ref": "#/components/schemas/Status"}, {"type": "null"}]},
        "options": {"anyOf": [{"$ref": "#/components/schemas/Options"}, {"type": "null"}]},
        "many": {"type": "array", "items": {"$ref": "#/components/schemas/Options"}, "minItems": 2},
        "tree": {"$ref": "#/components/schemas/Node"},
        "free": {},
        "either": {"type": ["string", "null"]}
      }
    }
  }}
}`

// anyString stands in for Python patterns RE2 cannot compile.
type anyString struct{}

func (anyString) MatchString(string) bool { return true }
func (anyString) String() string          { return "python pattern" }

func load(t *testing.T) (*openapi3.T, map[string]*jsonschema.Schema) {
	t.Helper()
	d, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	// An independent 2020-12 validator over the same schemas.
	var raw map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(doc, "#/components/schemas/", "#/$defs/")), &raw); err != nil {
		t.Fatal(err)
	}
	root := map[string]any{"$defs": raw["components"].(map[string]any)["schemas"]}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		if re, err := regexp.Compile(s); err == nil {
			return re, nil
		}
		return anyString{}, nil
	})
	if err := c.AddResource("mem://doc.json", root); err != nil {
		t.Fatal(err)
	}
	compiled := map[string]*jsonschema.Schema{}
	for name := range d.Components.Schemas {
		s, err := c.Compile("mem://doc.json#/$defs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		compiled[name] = s
	}
	return d, compiled
}

// Every variant of every schema conforms, in both directions.
func TestValuesConform(t *testing.T) {
	t.Parallel()
	d, compiled := load(t)
	for name, ref := range d.Components.Schemas {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := compiled[name]
			for _, dir := range []synth.Direction{synth.Request, synth.Response, synth.Both} {
				for v := range synth.Variants(ref) {
					val := roundTrip(t, synth.Value(ref, v, dir))
					if err := s.Validate(val); err != nil {
						t.Errorf("variant %d, direction %d: %v\nvalue: %s", v, dir, err, show(val))
					}
				}
			}
		})
	}
}

// The variants of one schema show every union branch, enum value and null.
func TestVariantsCoverEveryChoice(t *testing.T) {
	t.Parallel()
	d, _ := load(t)
	thing := d.Components.Schemas["Thing"]
	seen := map[string]bool{}
	for v := range synth.Variants(thing) {
		obj := roundTrip(t, synth.Value(thing, v, synth.Both)).(map[string]any)
		if opts, ok := obj["options"].(map[string]any); ok {
			seen["options="+opts["kind"].(string)] = true
		} else if obj["options"] == nil {
			seen["options=null"] = true
		}
		if s, ok := obj["status"].(string); ok {
			seen["status="+s] = true
		} else {
			seen["status=null"] = true
		}
		if obj["labels"] == nil {
			seen["labels=null"] = true
		}
		if v == 0 && (obj["options"] == nil || obj["status"] == nil || obj["labels"] == nil) {
			t.Errorf("variant 0 chose null: %s", show(obj))
		}
	}
	for _, want := range []string{"options=csv", "options=parquet", "options=null",
		"status=pending", "status=running", "status=done", "status=failed", "status=null", "labels=null"} {
		if !seen[want] {
			t.Errorf("no variant gave %s; saw %v", want, seen)
		}
	}
}

func TestValueDetails(t *testing.T) {
	t.Parallel()
	d, _ := load(t)
	thing := d.Components.Schemas["Thing"]
	req := roundTrip(t, synth.Value(thing, 0, synth.Request)).(map[string]any)
	resp := roundTrip(t, synth.Value(thing, 0, synth.Response)).(map[string]any)
	if _, ok := req["computed"]; ok {
		t.Error("a request holds a readOnly property")
	}
	if _, ok := resp["secret"]; ok {
		t.Error("a response holds a writeOnly property")
	}
	if w := resp["weight"].(float64); float64(float32(w)) == w {
		t.Errorf("weight %v fits a float32: it would not catch a float32 field", w)
	}
	if pair := resp["pair"].([]any); len(pair) != 2 {
		t.Errorf("pair = %v, want a 2-tuple", pair)
	}
	if many := resp["many"].([]any); len(many) < 2 || many[0].(map[string]any)["kind"] == many[1].(map[string]any)["kind"] {
		t.Errorf("many = %v, want items showing different branches", many)
	}
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
