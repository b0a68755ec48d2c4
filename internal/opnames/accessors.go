package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	goname "github.com/datafold/datafold-go/internal/naming"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// oapi-codegen v2.8.2 names a union's accessors (AsX, FromX, MergeX) after
// each branch's Go type. A $ref branch's type is its component's, a name a
// person chose; an inline branch's type is named after its place, so
// Datafold's time-travel point is set with FromAPIDataDiffDataTimeTravelPoint10,
// 11 or 12, for an int, a date-time and a string, and a caller has to open
// the generated file to learn which number means what.
//
// accessorActions gives every union with an inline branch the names its
// accessors take instead, as the extension x-datafold-go-accessors: one name
// per branch that is not null, in the generator's order (anyOf's, then
// oneOf's), "" where the generator's name is kept (a $ref branch).
// templates/union.tmpl reads it, and puts the names through the generator's
// own name normalizer, so initialisms come out as they do in type names
// (Uri becomes URI, AgentId AgentID).
//
// A branch's name comes from the branch alone, so that adding, removing or
// reordering the others never renames it:
//
//   - a $ref: the component's Go type, as before (AsCSVFileOptions);
//   - an inline object: its title, else its tag (a property with a single
//     const or enum value: Letta's {type: recurring, ...} is Recurring),
//     else Object;
//   - a string holding one literal value: the value (Polar's trial_end,
//     a date-time or "now": FromTime, FromNow);
//   - otherwise its Go kind: Int, Int64, Float64, Bool, String; Time for a
//     date-time, Date, UUID, Email, Duration, File, Bytes, RawMessage as the
//     generator types those formats, and a string's other formats by name
//     (URI, Password); arrays as their items' kind with Slice
//     (StringSlice, and Slice for []interface{}); maps as their values'
//     with Map (Float64Map, and Map for map[string]interface{}); Union for
//     a nested union, Tuple for prefixItems, Any for a schema of any value.
//
// Should two branches of one union still get one name, each that can tries
// its title, then its literal value; those still alike are numbered in the
// order of their JSON with sorted keys, independent of where the document
// put them. A name never takes the As/From/Merge name of one of the union's
// own fields.
//
// Names released before may be kept beside these, as wrappers, through an
// action in overlay.yaml that gives the union x-datafold-go-released-accessors
// (readable name: released name), as the seed's ValidationError.loc items
// keep AsValidationErrorLoc0 and AsValidationErrorLoc1.

const accessorsKey = "x-datafold-go-accessors"

// accessorNamer names the unions of one document.
type accessorNamer struct {
	root      *yaml.Node
	typeNames map[string]string // component schema -> Go name given in overlay.yaml
}

// accessorActions returns the overlay actions naming the accessors of every
// union in doc that has an inline branch. doc is the document as the
// actions before these leave it (hoistUnions' result), so each target is
// where the union then is; typeNames are overlay.yaml's x-go-names.
func accessorActions(doc *yaml.Node, typeNames map[string]string) []*yaml.Node {
	a := &accessorNamer{root: yamlnode.Root(doc), typeNames: typeNames}
	var actions []*yaml.Node
	yamlnode.Walk(a.root, "", func(m *yaml.Node, ptr string) {
		names := a.names(m)
		if !slices.ContainsFunc(names, func(n string) bool { return n != "" }) {
			return
		}
		list := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, n := range names {
			list.Content = append(list.Content, scalar(n))
		}
		actions = append(actions, overlayAction(pointerPath(a.root, ptr),
			"Go names of this union's accessors (As, From, Merge), one per branch that is not null, after what the branch holds instead of its place; empty keeps the generator's (written by 'opnames overlay').",
			&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(accessorsKey), list}}, false))
	})
	return actions
}

// branches returns the branches oapi-codegen makes union elements of when
// it generates a union type for schema, nil when it does not: anyOf's then
// oneOf's that are not {type: null}, for a schema without a type other
// than object, not collapsed to its one branch by a null beside it.
func (a *accessorNamer) branches(schema *yaml.Node) []*yaml.Node {
	if schema == nil || schema.Kind != yaml.MappingNode ||
		yamlnode.Get(schema, "x-go-type") != nil || yamlnode.Get(schema, "allOf") != nil {
		return nil
	}
	if types := a.types(schema); len(types) > 0 && !slices.Equal(types, []string{"object"}) {
		return nil
	}
	var out []*yaml.Node
	hadNull := false
	for _, kw := range []string{"anyOf", "oneOf"} {
		seq := yamlnode.Get(schema, kw)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, b := range seq.Content {
			if a.isNull(b) {
				hadNull = true
				continue
			}
			out = append(out, b)
		}
	}
	if len(out) == 1 && hadNull && yamlnode.Get(schema, "discriminator") == nil {
		return nil // Optional[X]: X itself, no union
	}
	return out
}

// names returns the accessor names of union schema's branches, nil for a
// schema that is no union.
func (a *accessorNamer) names(schema *yaml.Node) []string {
	branches := a.branches(schema)
	if len(branches) == 0 {
		return nil
	}
	type branch struct {
		fixed bool     // a $ref: the generator's name stays
		cands []string // names to try, best first
		at    int      // the candidate taken
		key   string   // canonical JSON, to number look-alikes by
	}
	bs := make([]*branch, len(branches))
	for i, b := range branches {
		if ref := yamlnode.Get(b, "$ref"); ref != nil {
			bs[i] = &branch{fixed: true, cands: []string{a.refName(ref.Value)}}
			continue
		}
		bs[i] = &branch{cands: a.candidates(b), key: canonical(b)}
	}
	// The union's own fields share the type's namespace with its methods.
	reserved := map[string]bool{}
	if props := yamlnode.Get(schema, "properties"); props != nil {
		for i := 0; i+1 < len(props.Content); i += 2 {
			field := goname.Key(valueOr(yamlnode.Get(props.Content[i+1], "x-go-name"), codegen.ToCamelCase(props.Content[i].Value)))
			for _, prefix := range []string{"as", "from", "merge"} {
				if rest, ok := strings.CutPrefix(field, prefix); ok {
					reserved[rest] = true
				}
			}
		}
	}
	name := func(b *branch) string { return b.cands[b.at] }
	for {
		groups := map[string][]*branch{}
		for _, b := range bs {
			groups[goname.Key(name(b))] = append(groups[goname.Key(name(b))], b)
		}
		moved, clash := false, false
		for key, group := range groups {
			if len(group) < 2 && !reserved[key] {
				continue
			}
			clash = true
			for _, b := range group {
				if !b.fixed && b.at+1 < len(b.cands) {
					b.at++
					moved = true
				}
			}
		}
		if !clash {
			break
		}
		if moved {
			continue
		}
		// Nothing left to try: number the look-alikes that can move, in
		// an order that does not depend on the document's.
		taken := map[string]bool{}
		for key := range reserved {
			taken[key] = true
		}
		for _, b := range bs {
			if b.fixed || len(groups[goname.Key(name(b))]) == 1 && !reserved[goname.Key(name(b))] {
				taken[goname.Key(name(b))] = true
			}
		}
		for _, key := range sortedKeys(groups) {
			group := groups[key]
			if len(group) < 2 && !reserved[key] {
				continue
			}
			group = slices.Clone(group)
			slices.SortStableFunc(group, func(x, y *branch) int { return strings.Compare(x.key, y.key) })
			n := 1
			for _, b := range group {
				if b.fixed {
					continue
				}
				base := name(b)
				for taken[goname.Key(base+strconv.Itoa(n))] {
					n++
				}
				b.cands = append(b.cands, base+strconv.Itoa(n))
				b.at = len(b.cands) - 1
				taken[goname.Key(name(b))] = true
			}
		}
		break
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		if !b.fixed {
			out[i] = name(b)
		}
	}
	return out
}

// candidates returns the names an inline branch may take, best first.
func (a *accessorNamer) candidates(b *yaml.Node) []string {
	var out []string
	add := func(n string) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	add(a.kind(b))
	add(word(valueOr(yamlnode.Get(b, "title"), "")))
	add(tagOf(b))
	add(literal(b))
	return out
}

// kind names what schema holds, as a Go programmer would read its type.
func (a *accessorNamer) kind(s *yaml.Node) string {
	if s == nil || s.Kind != yaml.MappingNode {
		return "Any" // true, or nothing said
	}
	if ref := yamlnode.Get(s, "$ref"); ref != nil {
		return a.refName(ref.Value)
	}
	if t := yamlnode.Get(s, "x-go-type"); t != nil {
		return goTypeKind(t.Value)
	}
	if all := yamlnode.Get(s, "allOf"); all != nil && all.Kind == yaml.SequenceNode {
		if len(all.Content) == 1 && yamlnode.Get(s, "properties") == nil {
			return a.kind(all.Content[0])
		}
		return a.object(s)
	}
	if bs := a.branches(s); len(bs) == 1 {
		return a.kind(bs[0])
	} else if bs != nil {
		return "Union"
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		// Optional[X] inside the union: X.
		if seq := yamlnode.Get(s, kw); seq != nil && seq.Kind == yaml.SequenceNode {
			for _, b := range seq.Content {
				if !a.isNull(b) {
					return a.kind(b)
				}
			}
		}
	}
	types := a.types(s)
	if len(types) > 1 {
		return "Any"
	}
	t := ""
	if len(types) == 1 {
		t = types[0]
	}
	format := valueOr(yamlnode.Get(s, "format"), "")
	switch t {
	case "integer":
		switch format {
		case "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
			return codegen.ToCamelCase(format)
		}
		return "Int"
	case "number":
		if format == "float" {
			return "Float32"
		}
		return "Float64" // oapi-codegen.yaml's type-mapping: number is float64
	case "boolean":
		return "Bool"
	case "string":
		if v := literal(s); v != "" {
			return v
		}
		switch format {
		case "date-time":
			return "Time"
		case "date":
			return "Date"
		case "uuid":
			return "UUID"
		case "email":
			return "Email"
		case "duration":
			return "Duration"
		case "binary":
			return "File"
		case "byte":
			return "Bytes"
		case "json":
			return "RawMessage"
		case "":
			switch {
			case yamlnode.Get(s, "contentEncoding") != nil && yamlnode.Get(s, "contentEncoding").Value == "base64":
				return "Bytes"
			case yamlnode.Get(s, "contentMediaType") != nil:
				return "File"
			}
			return "String"
		}
		if w := word(format); w != "" {
			return w
		}
		return "String"
	case "array":
		if items := yamlnode.Get(s, "items"); items != nil {
			return compound(a.kind(items), "Slice")
		}
		if yamlnode.Get(s, "prefixItems") != nil {
			return "Tuple"
		}
		return "Slice"
	}
	if props := yamlnode.Get(s, "properties"); props != nil && len(props.Content) > 0 {
		return a.object(s)
	}
	if ap := yamlnode.Get(s, "additionalProperties"); ap != nil && ap.Kind == yaml.MappingNode && len(ap.Content) > 0 {
		return compound(a.kind(ap), "Map")
	}
	if t == "object" || yamlnode.Get(s, "additionalProperties") != nil {
		return "Map"
	}
	return "Any"
}

// object names an inline object: its title, else its tag, else Object.
func (a *accessorNamer) object(s *yaml.Node) string {
	if w := word(valueOr(yamlnode.Get(s, "title"), "")); w != "" {
		return w
	}
	if tag := tagOf(s); tag != "" {
		return tag
	}
	return "Object"
}

// tagOf returns the name of an object's tag: the value of a property that
// holds one literal, preferring required properties, then by name.
func tagOf(s *yaml.Node) string {
	props := yamlnode.Get(s, "properties")
	required := map[string]bool{}
	if req := yamlnode.Get(s, "required"); req != nil {
		for _, r := range req.Content {
			required[r.Value] = true
		}
	}
	type tag struct {
		prop, value string
	}
	var tags []tag
	for i := 0; props != nil && i+1 < len(props.Content); i += 2 {
		if v := literal(props.Content[i+1]); v != "" {
			tags = append(tags, tag{props.Content[i].Value, v})
		}
	}
	slices.SortFunc(tags, func(x, y tag) int {
		if required[x.prop] != required[y.prop] {
			if required[x.prop] {
				return -1
			}
			return 1
		}
		return strings.Compare(x.prop, y.prop)
	})
	if len(tags) == 0 {
		return ""
	}
	return tags[0].value
}

// literal returns the name of the one string value schema allows (const,
// or a one-value enum), or "".
func literal(s *yaml.Node) string {
	if c := yamlnode.Get(s, "const"); c != nil && c.Kind == yaml.ScalarNode && c.Tag == "!!str" {
		return word(c.Value)
	}
	if e := yamlnode.Get(s, "enum"); e != nil && e.Kind == yaml.SequenceNode && len(e.Content) == 1 &&
		e.Content[0].Kind == yaml.ScalarNode && e.Content[0].Tag == "!!str" {
		return word(e.Content[0].Value)
	}
	return ""
}

// compound names a slice or map by what it holds: StringSlice, and Slice
// alone for a slice of anything.
func compound(elem, container string) string {
	if elem == "Any" {
		return container
	}
	return elem + container
}

// goTypeKind names an x-go-type: time.Time is Time, []byte Bytes.
func goTypeKind(t string) string {
	switch t = strings.TrimSpace(t); {
	case t == "[]byte":
		return "Bytes"
	case strings.HasPrefix(t, "[]"):
		return compound(goTypeKind(t[2:]), "Slice")
	case strings.HasPrefix(t, "map[string]"):
		return compound(goTypeKind(t[len("map[string]"):]), "Map")
	case t == "interface{}" || t == "any":
		return "Any"
	}
	if i := strings.LastIndex(t, "."); i >= 0 {
		t = t[i+1:]
	}
	if w := word(t); w != "" {
		return w
	}
	return "Any"
}

// refName returns the Go name of the type a local $ref names: overlay.yaml's
// or the component's own x-go-name, else the component's name, which the
// template puts through the generator's normalizer as oapi-codegen does.
func (a *accessorNamer) refName(ref string) string {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return word(ref[strings.LastIndex(ref, "/")+1:])
	}
	if n, ok := a.typeNames[name]; ok {
		return n
	}
	if n := yamlnode.Get(yamlnode.Resolve(a.root, ref), "x-go-name"); n != nil {
		return n.Value
	}
	return word(name)
}

// types returns schema's types but null: type as a string or a list.
func (a *accessorNamer) types(s *yaml.Node) []string {
	t := yamlnode.Get(s, "type")
	switch {
	case t == nil:
		return nil
	case t.Kind == yaml.ScalarNode && t.Value != "null":
		return []string{t.Value}
	case t.Kind == yaml.SequenceNode:
		var out []string
		for _, v := range t.Content {
			if v.Value != "null" {
				out = append(out, v.Value)
			}
		}
		return out
	}
	return nil
}

// isNull reports whether oapi-codegen skips b as a union's null branch:
// its type (through a local $ref) is null alone.
func (a *accessorNamer) isNull(b *yaml.Node) bool {
	if ref := yamlnode.Get(b, "$ref"); ref != nil {
		b = yamlnode.Resolve(a.root, ref.Value)
	}
	t := yamlnode.Get(b, "type")
	switch {
	case t == nil:
		return false
	case t.Kind == yaml.ScalarNode:
		return t.Value == "null"
	case t.Kind == yaml.SequenceNode:
		return len(t.Content) == 1 && t.Content[0].Value == "null"
	}
	return false
}

// word makes s part of a Go identifier, or "" if it cannot start one
// after As/From/Merge as a name of its own (empty, or a digit first).
func word(s string) string {
	w := codegen.ToCamelCase(s)
	if w == "" || !unicode.IsLetter([]rune(w)[0]) {
		return ""
	}
	return w
}

// canonical is b as JSON with sorted keys, the same whatever the document's
// key order.
func canonical(b *yaml.Node) string {
	var v any
	if err := b.Decode(&v); err != nil {
		return ""
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonable(v)); err != nil {
		return fmt.Sprint(v)
	}
	return buf.String()
}

// jsonable turns YAML's map[any]any, should a key not be a string, into
// what encoding/json writes (with sorted keys).
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
	}
	return v
}

// pointerPath turns a JSON pointer into root into the JSONPath overlay
// actions target: names bracketed, sequence indexes as numbers.
func pointerPath(root *yaml.Node, ptr string) string {
	var b strings.Builder
	b.WriteString("$")
	n := root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if ptr == "" {
			break
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if n != nil && n.Kind == yaml.SequenceNode {
			i, _ := strconv.Atoi(tok)
			fmt.Fprintf(&b, "[%d]", i)
			if i < len(n.Content) {
				n = n.Content[i]
			}
			continue
		}
		b.WriteString(strings.TrimPrefix(yamlnode.JSONPath([]string{tok}), "$"))
		n = yamlnode.Get(n, tok)
	}
	return b.String()
}
