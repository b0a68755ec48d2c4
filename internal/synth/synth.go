// Package synth makes JSON values that conform to OpenAPI schemas, the way
// Stoplight Prism's dynamic mode answers from a response schema: examples
// and constants first, then values built from each keyword (formats,
// bounds, patterns, lengths). A variant number walks through the choices a
// schema offers (union branches, null, enum values), so that a handful of
// variants of one schema cover every branch.
//
// The fake server answers operations with it, and the generated
// conformance tests build their instances with it.
package synth

import (
	"math"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Direction says which side of the API a value is for: a request leaves
// out readOnly properties, a response leaves out writeOnly ones.
type Direction int

const (
	// Response values omit writeOnly properties (pydantic's SecretStr).
	Response Direction = iota
	// Request values omit readOnly properties (pydantic's computed fields).
	Request
	// Both keeps every property, as a schema's Go type holds them all.
	Both
)

// maxDepth bounds recursion through self-referencing schemas (lineage
// trees): past it, optional properties and arrays are left empty.
const maxDepth = 8

// Value returns a JSON value (nil, bool, float64, int64, string, []any or
// map[string]any) that conforms to ref. Different variants choose
// different union branches, enum values and nulls; variant 0 never
// chooses null where something else is allowed.
func Value(ref *openapi3.SchemaRef, variant int, dir Direction) any {
	g := gen{variant: variant, dir: dir}
	return g.value(ref, 0)
}

// Variants returns how many variants of ref it takes for every union
// branch, enum value and null it contains to appear at least once: a
// union's branch is the variant modulo its branch count, and what is
// inside the branch gets the quotient, so nested choices multiply.
func Variants(ref *openapi3.SchemaRef) int {
	memo := map[*openapi3.Schema]int{}
	var need func(*openapi3.SchemaRef) int
	need = func(r *openapi3.SchemaRef) int {
		if r == nil || r.Value == nil {
			return 1
		}
		s := r.Value
		if n, ok := memo[s]; ok {
			return n
		}
		memo[s] = 1 // a cycle adds no choices of its own
		inner := 1
		for _, c := range s.AllOf {
			inner = max(inner, need(c))
		}
		for _, c := range s.Properties {
			inner = max(inner, need(c))
		}
		inner = max(inner, need(s.Items), need(s.AdditionalProperties.Schema))
		for _, c := range s.PrefixItems {
			inner = max(inner, need(c))
		}
		n := max(inner, len(s.Enum))
		if bs := branches(s); len(bs) > 0 {
			most := 1
			for _, b := range bs {
				most = max(most, need(b))
			}
			n = len(bs) * max(most, inner)
		} else if s.Type != nil && len(*s.Type) > 1 {
			n = len(*s.Type) * n
		}
		n = min(n, 1<<10)
		memo[s] = n
		return n
	}
	return need(ref)
}

type gen struct {
	variant int
	dir     Direction
}

func (g gen) pick(n int) int {
	if n <= 1 {
		return 0
	}
	return g.variant % n
}

// branches lists a union's choices, null last, or nil for a non-union.
func branches(s *openapi3.Schema) []*openapi3.SchemaRef {
	var all openapi3.SchemaRefs
	all = append(all, s.OneOf...)
	all = append(all, s.AnyOf...)
	if len(all) == 0 {
		return nil
	}
	out := make([]*openapi3.SchemaRef, 0, len(all))
	var nulls []*openapi3.SchemaRef
	for _, b := range all {
		if isNull(b) {
			nulls = append(nulls, b)
		} else {
			out = append(out, b)
		}
	}
	return append(out, nulls...)
}

func isNull(r *openapi3.SchemaRef) bool {
	return r != nil && r.Value != nil && r.Value.Type != nil && r.Value.Type.Is("null")
}

func (g gen) value(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil {
		return "anything"
	}
	s := ref.Value
	if s.Const != nil {
		return s.Const
	}
	if bs := branches(s); len(bs) > 0 {
		i := g.pick(len(bs))
		if depth > maxDepth && isNull(bs[len(bs)-1]) {
			i = len(bs) - 1
		}
		inner := gen{variant: g.variant / len(bs), dir: g.dir}
		v := inner.value(bs[i], depth+1)
		if obj, ok := v.(map[string]any); ok && s.Discriminator != nil {
			if tag := tagFor(s.Discriminator, bs[i]); tag != "" {
				obj[s.Discriminator.PropertyName] = tag
			}
		}
		if obj, ok := v.(map[string]any); ok && s.Properties != nil {
			for k, pv := range inner.object(s, depth) {
				if _, set := obj[k]; !set {
					obj[k] = pv
				}
			}
		}
		return v
	}
	if len(s.AllOf) > 0 {
		merged := map[string]any{}
		for _, part := range s.AllOf {
			if obj, ok := g.value(part, depth+1).(map[string]any); ok {
				for k, v := range obj {
					merged[k] = v
				}
			} else if len(s.AllOf) == 1 {
				return g.value(part, depth+1)
			}
		}
		for k, v := range g.object(s, depth) {
			merged[k] = v
		}
		return merged
	}
	if len(s.Enum) > 0 {
		return s.Enum[g.pick(len(s.Enum))]
	}
	typ := ""
	if s.Type != nil {
		types := s.Type.Slice()
		if len(types) > 0 {
			// Non-null types first, so variant 0 is a value.
			sort.SliceStable(types, func(i, j int) bool { return types[j] == "null" && types[i] != "null" })
			typ = types[g.pick(len(types))]
			g.variant /= len(types)
		}
	}
	if typ == "" {
		switch {
		case s.Properties != nil || s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil:
			typ = "object"
		case s.Items != nil || s.PrefixItems != nil:
			typ = "array"
		}
	}
	if ex, ok := example(s, typ); ok {
		return ex
	}
	switch typ {
	case "null":
		return nil
	case "boolean":
		return g.variant%2 == 0
	case "integer":
		return integer(s)
	case "number":
		return number(s)
	case "string":
		return str(s)
	case "array":
		return g.array(s, depth)
	case "object":
		return g.object(s, depth)
	}
	// schema: {} takes anything; an object holds more kinds of value.
	return map[string]any{"any": []any{int64(1), "two", true, nil}}
}

// tagFor returns the discriminator value that selects branch.
func tagFor(d *openapi3.Discriminator, branch *openapi3.SchemaRef) string {
	keys := make([]string, 0, len(d.Mapping))
	for k := range d.Mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d.Mapping[k].Ref == branch.Ref {
			return k
		}
	}
	if i := strings.LastIndex(branch.Ref, "/"); i >= 0 && len(d.Mapping) == 0 {
		return branch.Ref[i+1:]
	}
	return ""
}

// example returns the schema's own example when it has the right type.
func example(s *openapi3.Schema, typ string) (any, bool) {
	for _, ex := range append([]any{s.Example}, s.Examples...) {
		if ex == nil {
			continue
		}
		switch v := ex.(type) {
		case string:
			if typ == "string" && fits(s, v) {
				return ex, true
			}
		case bool:
			if typ == "boolean" {
				return ex, true
			}
		}
	}
	return nil, false
}

func fits(s *openapi3.Schema, v string) bool {
	n := uint64(len([]rune(v)))
	if n < s.MinLength || (s.MaxLength != nil && n > *s.MaxLength) {
		return false
	}
	if s.Pattern != "" {
		if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(v) {
			return false
		}
	}
	return true
}

func bounds(s *openapi3.Schema) (lo, hi float64, loOpen, hiOpen bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.Min != nil {
		lo = *s.Min
		loOpen = s.ExclusiveMin.Bool != nil && *s.ExclusiveMin.Bool
	}
	if s.ExclusiveMin.Value != nil && *s.ExclusiveMin.Value >= lo {
		lo, loOpen = *s.ExclusiveMin.Value, true
	}
	if s.Max != nil {
		hi = *s.Max
		hiOpen = s.ExclusiveMax.Bool != nil && *s.ExclusiveMax.Bool
	}
	if s.ExclusiveMax.Value != nil && *s.ExclusiveMax.Value <= hi {
		hi, hiOpen = *s.ExclusiveMax.Value, true
	}
	return lo, hi, loOpen, hiOpen
}

func integer(s *openapi3.Schema) int64 {
	lo, hi, loOpen, hiOpen := bounds(s)
	v := int64(7)
	switch {
	case !math.IsInf(lo, -1):
		v = int64(math.Floor(lo)) + 1
		if !loOpen && float64(v-1) >= lo {
			v--
		}
		if math.IsInf(hi, 1) || float64(v+6) < hi {
			v += 6 // away from the bound, as a real value would be
		}
	case !math.IsInf(hi, 1):
		v = int64(math.Ceil(hi)) - 1
		if !hiOpen && float64(v+1) <= hi {
			v++
		}
	}
	if m := s.MultipleOf; m != nil && *m >= 1 {
		v = int64(math.Ceil(float64(v)/(*m))) * int64(*m)
	}
	return v
}

// number is a float64 that float32 could not hold, inside the bounds.
func number(s *openapi3.Schema) float64 {
	const precise = 1.2345678901
	lo, hi, _, _ := bounds(s)
	switch {
	case !math.IsInf(lo, -1) && !math.IsInf(hi, 1):
		return lo + (hi-lo)*0.123456789
	case !math.IsInf(lo, -1):
		return lo + precise
	case !math.IsInf(hi, 1):
		return hi - precise
	}
	if m := s.MultipleOf; m != nil {
		return *m * 3
	}
	return precise
}

var formats = map[string]string{
	"date-time": "2024-05-06T07:08:09Z",
	"date":      "2024-05-06",
	"time":      "07:08:09",
	"duration":  "P1DT2H",
	"uuid":      "3fa85f64-5717-4562-b3fc-2c963f66afa6",
	"email":     "someone@example.com",
	"uri":       "https://example.com/datafold",
	"url":       "https://example.com/datafold",
	"hostname":  "db.example.com",
	"ipv4":      "192.0.2.10",
	"ipv6":      "2001:db8::1",
	"password":  "s3cret-value",
	"binary":    "Ynl0ZXM=", // oapi-codegen holds binary as []byte: base64 in JSON
	"byte":      "Ynl0ZXM=",
}

func str(s *openapi3.Schema) string {
	if v, ok := formats[s.Format]; ok && fits(s, v) {
		return v
	}
	if s.Pattern != "" {
		if v, ok := fromPattern(s.Pattern); ok {
			return sized(s, v)
		}
	}
	return sized(s, "example")
}

// sized pads or cuts v to the schema's length bounds.
func sized(s *openapi3.Schema, v string) string {
	for uint64(len([]rune(v))) < s.MinLength {
		v += "a"
	}
	if s.MaxLength != nil && uint64(len([]rune(v))) > *s.MaxLength {
		v = string([]rune(v)[:*s.MaxLength])
	}
	return v
}

// fromPattern builds a string that matches an RE2 pattern by walking its
// syntax tree and taking the first choice everywhere. Patterns RE2 cannot
// parse (Python's lookarounds) give ok false.
func fromPattern(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !build(&b, re.Simplify()) {
		return "", false
	}
	v := b.String()
	if ok, _ := regexp.MatchString(pattern, v); !ok {
		return "", false
	}
	return v, true
}

func build(b *strings.Builder, re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		r := re.Rune[0]
		// Prefer a letter or digit inside the class, for readable values.
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, c := range "aA0" {
				if re.Rune[i] <= c && c <= re.Rune[i+1] {
					r = c
					i = len(re.Rune)
					break
				}
			}
		}
		b.WriteRune(r)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
	case syntax.OpCapture:
		return build(b, re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !build(b, sub) {
				return false
			}
		}
	case syntax.OpAlternate:
		return build(b, re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
	case syntax.OpPlus:
		return build(b, re.Sub[0])
	case syntax.OpRepeat:
		for range re.Min {
			if !build(b, re.Sub[0]) {
				return false
			}
		}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return false
	}
	return true
}

func (g gen) array(s *openapi3.Schema, depth int) []any {
	out := []any{}
	for i, item := range s.PrefixItems {
		out = append(out, gen{variant: g.variant + i, dir: g.dir}.value(item, depth+1))
	}
	n := max(int(s.MinItems), 1)
	if depth > maxDepth {
		n = int(s.MinItems)
	}
	if s.MaxItems != nil {
		n = min(n, int(*s.MaxItems))
	}
	if len(s.PrefixItems) > 0 {
		// A tuple: items beyond the prefix only when required.
		n = int(s.MinItems) - len(s.PrefixItems)
	}
	if len(s.PrefixItems) > 0 && (s.Items == nil || s.Items.Value == nil) {
		return out
	}
	for i := range max(n, 0) {
		// Each item its own variant, so an array of unions shows several
		// branches; unique items differ that way too.
		out = append(out, gen{variant: g.variant + i, dir: g.dir}.value(s.Items, depth+1))
	}
	return out
}

func (g gen) object(s *openapi3.Schema, depth int) map[string]any {
	out := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := s.Properties[name]
		if p.Value != nil && !required[name] {
			if (g.dir == Request && p.Value.ReadOnly) || (g.dir == Response && p.Value.WriteOnly) {
				continue
			}
			if depth > maxDepth {
				continue
			}
		}
		out[name] = g.value(p, depth+1)
	}
	if depth <= maxDepth {
		switch ap := s.AdditionalProperties; {
		case ap.Schema != nil:
			out["extra_key"] = g.value(ap.Schema, depth+1)
		case ap.Has != nil && *ap.Has:
			out["extra_key"] = "extra value"
		}
	}
	return out
}
