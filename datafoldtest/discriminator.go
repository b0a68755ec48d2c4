package datafoldtest

import (
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// componentPrefix starts a $ref to a component schema.
const componentPrefix = "#/components/schemas/"

// judgeByTag makes each union with a discriminator judge an object holding
// the discriminator's property by the branch its value maps to, as pydantic
// does, rather than by every branch, as a bare JSON Schema oneOf does.
//
// The two differ when the branches do not declare the property themselves:
// pydantic v2 writes that for a callable Discriminator with Tag'd branches,
// and every body then matches every branch, so a strict oneOf refuses all
// of them. kin-openapi's 2020-12 validator drops the discriminator keyword,
// so the fake's copy of the document says it in JSON Schema instead: each
// branch becomes {allOf: [branch], properties: {tag: {enum: its values}}}.
// With the property present, only the mapped branch can match (a value
// that maps to no branch matches none: a violation); without it, or for a
// value that is not an object, the union is as strict as it was.
//
// A branch's values are the mapping's keys that name it; a branch that is
// a component no key names has its implicit one, the component's name,
// as OpenAPI says. An inline branch no key names is left as it is.
func judgeByTag(doc *openapi3.T) {
	walkSchemas(doc, func(s *openapi3.Schema) {
		d := s.Discriminator
		if d == nil || d.PropertyName == "" {
			return
		}
		for _, group := range []*openapi3.SchemaRefs{&s.OneOf, &s.AnyOf} {
			tagged := make(openapi3.SchemaRefs, len(*group))
			for i, branch := range *group {
				tagged[i] = branch
				if values := tagsOf(d, branch); len(values) > 0 {
					tag := &openapi3.Schema{Enum: values}
					tagged[i] = &openapi3.SchemaRef{Value: &openapi3.Schema{
						AllOf:      openapi3.SchemaRefs{branch},
						Properties: openapi3.Schemas{d.PropertyName: {Value: tag}},
					}}
				}
			}
			*group = tagged
		}
		// The branches carry it now; kin-openapi's 3.0 checks, its
		// fallback, would look for the mapping among them and not find it.
		s.Discriminator = nil
	})
}

// tagsOf returns the discriminator values that select branch, sorted.
func tagsOf(d *openapi3.Discriminator, branch *openapi3.SchemaRef) []any {
	if branch == nil || branch.Ref == "" {
		return nil
	}
	var values []any
	for _, k := range slices.Sorted(maps.Keys(d.Mapping)) {
		target := d.Mapping[k].Ref
		if !strings.Contains(target, "/") {
			target = componentPrefix + target // a mapping may name the schema
		}
		if target == branch.Ref {
			values = append(values, k)
		}
	}
	if name, ok := strings.CutPrefix(branch.Ref, componentPrefix); ok && len(values) == 0 {
		values = append(values, name)
	}
	return values
}
