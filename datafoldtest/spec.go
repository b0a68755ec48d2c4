package datafoldtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	apispec "github.com/datafold/datafold-go/api/spec"
)

// spec is the embedded OpenAPI document, loaded once per process.
type spec struct {
	router *router
	// skipped lists the patterns Go's RE2 engine cannot compile (pydantic
	// passes Python regexes through: lookarounds, backreferences). They
	// are not checked; everything else about a value still is.
	skipped []string
}

// loadSpec reads the document the client was generated from. Any valid
// OpenAPI 3.1 document loads: keywords kin-openapi does not know (pydantic's
// json_schema_extra puts them beside anyOf) are kept as extensions and
// ignored, and a pattern RE2 cannot compile is skipped with a note.
var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := apispec.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("datafoldtest: loading the embedded OpenAPI document: %w", err)
	}
	raw, err := apispec.GetSpecJSON()
	if err != nil {
		return nil, fmt.Errorf("datafoldtest: loading the embedded OpenAPI document: %w", err)
	}
	return newSpec(doc, raw)
})

// newSpec prepares doc, whose JSON is raw, for routing and validation.
func newSpec(doc *openapi3.T, raw []byte) (*spec, error) {
	// Route by path alone: the servers name Datafold's hosts, and the fake
	// answers on whatever address it was given.
	doc.Servers = nil
	s := &spec{}
	skipped := map[string]bool{}
	walkSchemas(doc, func(sc *openapi3.Schema) {
		if sc.Pattern == "" {
			return
		}
		if _, err := regexp.Compile(sc.Pattern); err != nil {
			// Not checked, and dropped from the fake's copy: kin-openapi
			// caches a failed compile and panics on the next value.
			skipped[sc.Pattern] = true
			sc.Pattern = ""
		}
	})
	s.skipped = slices.Sorted(maps.Keys(skipped))
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				// schema: {} takes any value. kin-openapi decodes a
				// parameter by its schema's type and finds none; every
				// parameter arrives as text, so a string accepts anything.
				if p.Value != nil && p.Value.Schema != nil && isEmpty(p.Value.Schema.Value) {
					p.Value.Schema = openapi3.NewStringSchema().NewRef()
				}
			}
		}
	}
	keys, err := documentKeys(raw)
	if err != nil {
		return nil, fmt.Errorf("datafoldtest: reading the OpenAPI document: %w", err)
	}
	// The patterns RE2 cannot compile are gone by now, so the document's
	// own check of patterns stays on.
	if err := checkDocument(doc, keys); err != nil {
		return nil, fmt.Errorf("datafoldtest: checking the embedded OpenAPI document: %w", err)
	}
	s.router = newRouter(doc)
	judgeByTag(doc) // before inlineRefs: the mapping names branches by $ref
	inlineRefs(doc)
	return s, nil
}

// checkDocument runs kin-openapi's check of doc, allowing the extra keys.
// kin-openapi refuses two paths of one shape (/v1/agents/{workflow_id} and
// /v1/agents/{workflow_permanent_id}), which FastAPI serves side by side on
// different methods, and skips the second one's operations. So the paths
// are checked in passes, each holding at most one path of each shape, and
// everything else in them is still checked.
func checkDocument(doc *openapi3.T, keys []string) error {
	shape := regexp.MustCompile(`\{[^{}]*\}`)
	var passes []*openapi3.Paths
	seen := map[string]int{} // shape -> passes holding it
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		k := shape.ReplaceAllString(path, "{}")
		if seen[k] == len(passes) {
			passes = append(passes, openapi3.NewPaths())
		}
		passes[seen[k]].Set(path, doc.Paths.Value(path))
		seen[k]++
	}
	if len(passes) == 0 {
		passes = append(passes, doc.Paths)
	}
	for _, paths := range passes {
		pass := *doc
		pass.Paths = paths
		// A default or example that does not fit its schema is a SHOULD
		// in JSON Schema, not a MUST, and pydantic writes some (a string
		// field defaulting to true): the document is still valid, and
		// FastAPI serves it.
		if err := pass.Validate(context.Background(), openapi3.AllowExtraSiblingFields(keys...),
			openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableExamplesValidation()); err != nil {
			return err
		}
	}
	return nil
}

// documentKeys lists every key used in the document. OpenAPI 3.1 allows
// any keyword in a schema, and pydantic's json_schema_extra adds its own
// (sensitive: true, ui_hint) beside standard ones and beside $ref;
// kin-openapi rejects keywords it does not know unless they are named as
// allowed. Naming every key keeps the check for everything else.
func documentKeys(raw []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				keys[k] = true
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(v)
	return slices.Sorted(maps.Keys(keys)), nil
}

// note describes what the fake cannot check, or "".
func (s *spec) note() string {
	if len(s.skipped) == 0 {
		return ""
	}
	return fmt.Sprintf("datafoldtest: not checking %d pattern(s) Go's regexp cannot compile (Python syntax): %s",
		len(s.skipped), strings.Join(s.skipped, "  "))
}

// inlineRefs prepares doc's schemas for kin-openapi's JSON Schema 2020-12
// validator, which it hands each schema on its own: a $ref to a component
// cannot be resolved there, and kin-openapi then falls back to its 3.0
// checks, which ignore prefixItems and misjudge numeric
// exclusiveMinimum. So every $ref outside a cycle becomes its schema, and
// a $ref into a cycle (a lineage tree) points into $defs, which every
// schema that can reach one carries.
func inlineRefs(doc *openapi3.T) {
	const (
		visiting = 1
		done     = 2
	)
	state := map[*openapi3.Schema]int{}
	cyclic := map[*openapi3.Schema]string{} // schema -> its component name
	var stack []*openapi3.Schema
	var refs []*openapi3.SchemaRef
	var visit func(*openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		if ref.Ref != "" {
			refs = append(refs, ref)
		}
		s := ref.Value
		switch state[s] {
		case visiting:
			for i := len(stack) - 1; i >= 0; i-- {
				cyclic[stack[i]] = ""
				if stack[i] == s {
					break
				}
			}
			return
		case done:
			return
		}
		state[s] = visiting
		stack = append(stack, s)
		eachChild(s, visit)
		stack = stack[:len(stack)-1]
		state[s] = done
	}
	eachSchemaRef(doc, visit)

	for _, ref := range refs {
		if _, ok := cyclic[ref.Value]; !ok {
			ref.Ref = ""
			continue
		}
		name := ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
		cyclic[ref.Value] = name
		ref.Ref = "#/$defs/" + name
	}
	if len(cyclic) == 0 {
		return
	}
	defs := openapi3.Schemas{}
	for s, name := range cyclic {
		if name != "" {
			c := *s // a copy without $defs of its own, so they do not nest
			defs[name] = &openapi3.SchemaRef{Value: &c}
		}
	}
	needs := map[*openapi3.Schema]bool{}
	var reaches func(*openapi3.Schema) bool
	reaches = func(s *openapi3.Schema) bool {
		if v, ok := needs[s]; ok {
			return v
		}
		if _, ok := cyclic[s]; ok {
			needs[s] = true
			return true
		}
		needs[s] = false
		eachChild(s, func(r *openapi3.SchemaRef) {
			if r != nil && r.Value != nil && reaches(r.Value) {
				needs[s] = true
			}
		})
		return needs[s]
	}
	// The validator is handed the schema of a body or parameter whole,
	// so that root is where $defs goes. A root that the copies above
	// also hold (a schema in a cycle, or one inside one) would carry
	// $defs inside $defs without end, so it is wrapped instead.
	insideDefs := map[*openapi3.Schema]bool{}
	var mark func(*openapi3.SchemaRef)
	mark = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || insideDefs[r.Value] {
			return
		}
		insideDefs[r.Value] = true
		eachChild(r.Value, mark)
	}
	for _, d := range defs {
		eachChild(d.Value, mark)
	}
	eachOperationSchema(doc, func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || !reaches(ref.Value) {
			return
		}
		inner := &openapi3.SchemaRef{Value: ref.Value}
		switch name := cyclic[ref.Value]; {
		case name != "":
			inner.Ref = "#/$defs/" + name
		case !insideDefs[ref.Value]:
			ref.Value.Defs = defs
			return
		}
		ref.Ref, ref.Value = "", &openapi3.Schema{AllOf: openapi3.SchemaRefs{inner}, Defs: defs}
	})
}

// eachChild calls f for each schema directly inside s.
func eachChild(s *openapi3.Schema, f func(*openapi3.SchemaRef)) {
	for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf, s.PrefixItems} {
		for _, r := range group {
			f(r)
		}
	}
	for _, r := range s.Properties {
		f(r)
	}
	f(s.Items)
	f(s.Not)
	f(s.AdditionalProperties.Schema)
}

// isEmpty reports whether a schema says nothing about its value.
func isEmpty(s *openapi3.Schema) bool {
	return s == nil || (s.Type == nil && s.Properties == nil && s.Items == nil && s.AnyOf == nil &&
		s.OneOf == nil && s.AllOf == nil && s.Enum == nil && s.Const == nil && s.Format == "")
}

// walkSchemas calls f for every schema reachable from doc's components and
// operations, once each.
func walkSchemas(doc *openapi3.T, f func(*openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		f(ref.Value)
		eachChild(ref.Value, walk)
	}
	eachSchemaRef(doc, walk)
}

// eachSchemaRef calls f for each top-level schema of doc: components,
// parameters, request and response bodies.
func eachSchemaRef(doc *openapi3.T, f func(*openapi3.SchemaRef)) {
	if doc.Components != nil {
		for _, r := range doc.Components.Schemas {
			f(r)
		}
	}
	eachOperationSchema(doc, f)
}

// eachOperationSchema calls f for the schema of each parameter, request
// body and response body.
func eachOperationSchema(doc *openapi3.T, f func(*openapi3.SchemaRef)) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					f(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					f(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						f(mt.Schema)
					}
				}
			}
		}
	}
}
