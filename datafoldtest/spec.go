package datafoldtest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/datafold/datafold-go/api"
)

// spec is the embedded OpenAPI document, loaded once per process.
type spec struct {
	doc    *openapi3.T
	router routers.Router
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
	doc, err := api.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("datafoldtest: loading the embedded OpenAPI document: %w", err)
	}
	return newSpec(doc)
})

func newSpec(doc *openapi3.T) (*spec, error) {
	// Route by path alone: the servers name Datafold's hosts, and the fake
	// answers on whatever address it was given.
	doc.Servers = nil
	s := &spec{doc: doc}
	seen := map[string]bool{}
	walkSchemas(doc, func(sc *openapi3.Schema) {
		if sc.Pattern == "" || seen[sc.Pattern] {
			return
		}
		seen[sc.Pattern] = true
		if _, err := regexp.Compile(sc.Pattern); err != nil {
			s.skipped = append(s.skipped, sc.Pattern)
		}
	})
	sort.Strings(s.skipped)
	var err error
	// Pattern checks move from load time to request time, where
	// compilePattern skips what RE2 cannot compile.
	s.router, err = legacy.NewRouter(doc, openapi3.DisableSchemaPatternValidation())
	if err != nil {
		return nil, fmt.Errorf("datafoldtest: routing the embedded OpenAPI document: %w", err)
	}
	return s, nil
}

// note describes what the fake cannot check, or "".
func (s *spec) note() string {
	if len(s.skipped) == 0 {
		return ""
	}
	return fmt.Sprintf("datafoldtest: not checking %d pattern(s) Go's regexp cannot compile (Python syntax): %s",
		len(s.skipped), strings.Join(s.skipped, "  "))
}

// compilePattern is the validator's regex compiler: RE2 when it can, and
// for a pattern RE2 cannot compile, a matcher that accepts every value.
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if re, err := regexp.Compile(expr); err == nil {
		return re, nil
	}
	return anything{}, nil
}

type anything struct{}

func (anything) MatchString(string) bool { return true }

// walkSchemas calls f for every schema reachable from doc's components and
// operations, once each.
func walkSchemas(doc *openapi3.T, f func(*openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		sc := ref.Value
		seen[sc] = true
		f(sc)
		for _, group := range []openapi3.SchemaRefs{sc.OneOf, sc.AnyOf, sc.AllOf, sc.PrefixItems} {
			for _, r := range group {
				walk(r)
			}
		}
		for _, r := range sc.Properties {
			walk(r)
		}
		walk(sc.Items)
		walk(sc.Not)
		walk(sc.AdditionalProperties.Schema)
	}
	if doc.Components != nil {
		for _, r := range doc.Components.Schemas {
			walk(r)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
}
