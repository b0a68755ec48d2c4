package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/invalid"
	goname "github.com/datafold/datafold-go/internal/naming"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// oapi-codegen v2.8.2 writes a discriminated or untyped union as a struct
// around a json.RawMessage with As/From/MarshalJSON methods only when the
// union is a named component or sits directly in a property or array. Two
// places pydantic v2 puts unions get the struct without the methods, so
// values are silently dropped in both directions:
//
//   - a union that is the only non-null branch of an anyOf/oneOf
//     (Optional[Annotated[A | B, Field(discriminator=...)]]);
//   - a union that is a whole request or response body
//     (oapi-codegen issue 2498).
//
// unionActions moves each such union into components.schemas under a Go
// name derived from where it stood, and points the old place at it with a
// $ref, so the generator treats it like any named union. It also gives
// form bodies field types oapi-codegen's runtime can encode (formFields).
// The result is a list of overlay actions: nothing in openapi.yaml is
// edited.

// unionHoister walks a working copy of the spec.
type unionHoister struct {
	root    *yaml.Node      // the working copy
	taken   map[string]bool // component names, compared in lower case without punctuation
	sites   int             // unions hoisted so far
	hoisted []*yaml.Node    // key/value pairs to add to components.schemas
}

// unionActions returns the overlay actions that hoist the spec's
// problematic unions, given each operation's Go name.
func unionActions(spec *yaml.Node, opName func(operation) string) ([]*yaml.Node, error) {
	actions, _, err := hoistUnions(spec, opName, nil)
	return actions, err
}

// hoistUnions is unionActions, and also returns the document as the
// actions leave it, the hoisted unions among its component schemas, for
// actions that follow to target. A union hoisted out of a component is
// named after the component's Go name in typeNames (overlay.yaml's
// x-go-names), so it reads as the type it belongs to.
func hoistUnions(spec *yaml.Node, opName func(operation) string, typeNames map[string]string) ([]*yaml.Node, *yaml.Node, error) {
	work := deepCopy(yamlnode.Root(spec))
	components := yamlnode.Get(work, "components")
	if components == nil {
		components = &yaml.Node{Kind: yaml.MappingNode}
		work.Content = append(work.Content, scalar("components"), components)
	}
	schemas := yamlnode.Get(components, "schemas")
	if schemas == nil {
		schemas = &yaml.Node{Kind: yaml.MappingNode}
		components.Content = append(components.Content, scalar("schemas"), schemas)
	}
	h := &unionHoister{root: work, taken: map[string]bool{}}
	for i := 0; i+1 < len(schemas.Content); i += 2 {
		h.taken[goname.Key(schemas.Content[i].Value)] = true
	}
	for i := 0; i+1 < len(schemas.Content); i += 2 {
		// A component rewritten below replaces the one overlay.yaml named,
		// so it carries the name too (invalid.Apply leaves names out).
		if goName, ok := typeNames[schemas.Content[i].Value]; ok {
			setKey(schemas.Content[i+1], "x-go-name", scalar(goName))
			h.taken[goname.Key(goName)] = true
		}
	}
	stem := func(component string) string {
		if goName, ok := typeNames[component]; ok {
			return goName
		}
		return component
	}

	type edit struct {
		path  []string   // JSONPath segments of the mapping that holds key
		key   string     // the key whose value is replaced
		value *yaml.Node // its value after the changes
	}
	var edits []edit
	changedComponents := map[string]bool{}

	// Component schemas: a union nested in a nullable wrapper anywhere.
	n := len(schemas.Content)
	for i := 0; i+1 < n; i += 2 {
		name := schemas.Content[i].Value
		before := h.sites
		text := binaryText(schemas.Content[i+1]) > 0
		disc := h.discriminators(schemas.Content[i+1], stem(name)) > 0
		h.walk(schemas.Content[i+1], stem(name))
		if h.sites > before || text || disc {
			changedComponents[name] = true
		}
	}

	// Operations: bodies and responses, and unions nested inside them.
	// A spec without paths has no operations; that is not an error here.
	ops, _ := operations(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{work}})
	for _, op := range ops {
		for _, media := range h.mediaSchemas(op.node, opName(op)) {
			before := h.sites
			text := binaryText(media.schema) > 0
			if h.discriminators(media.schema, media.name) > 0 {
				text = true
			}
			if isUnion(media.schema) {
				h.hoist(media.holder, media.index, media.name)
			} else {
				h.walk(media.schema, media.name)
			}
			changed := h.sites > before || text
			if media.form {
				// A form has no null: an Optional field is sent or
				// left out. oapi-codegen's runtime cannot encode
				// nullable.Nullable or time.Time in a form, so form
				// fields get types it can.
				if ref := yamlnode.Get(media.schema, "$ref"); ref != nil {
					if name, ok := strings.CutPrefix(ref.Value, "#/components/schemas/"); ok && formFields(yamlnode.Get(schemas, name)) > 0 {
						changedComponents[name] = true
					}
				} else if formFields(media.holder.Content[media.index]) > 0 {
					changed = true
				}
			}
			if changed {
				edits = append(edits, edit{append([]string{"paths", op.Path, strings.ToLower(op.Method)}, media.path...), "schema",
					media.holder.Content[media.index]})
			}
		}
	}
	for i := 0; i+1 < n; i += 2 {
		if name := schemas.Content[i].Value; changedComponents[name] {
			edits = append(edits, edit{[]string{"components", "schemas"}, name, schemas.Content[i+1]})
		}
	}
	schemas.Content = append(schemas.Content, h.hoisted...)
	if len(edits) == 0 {
		return nil, work, nil
	}

	var actions []*yaml.Node
	if len(h.hoisted) > 0 {
		add := &yaml.Node{Kind: yaml.MappingNode, Content: h.hoisted}
		actions = append(actions, overlayAction(yamlnode.JSONPath([]string{"components", "schemas"}),
			fmt.Sprintf("Named types for %d unions and union branches oapi-codegen would otherwise mishandle (written by 'opnames overlay').", h.sites),
			add, false))
	}
	for _, e := range edits {
		target := yamlnode.JSONPath(append(slices.Clone(e.path), e.key))
		actions = append(actions,
			overlayAction(target, "Replaced below by the same schema with the changes described there.", nil, true),
			overlayAction(yamlnode.JSONPath(e.path), "Unions as $refs to the named types above, discriminator mappings from the branches' tags; form fields without null; bytes sent as text typed string.",
				&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(e.key), e.value}}, false))
	}
	return actions, work, nil
}

// untypedParamActions gives every parameter whose schema has no type
// (schema: {}, FastAPI's Any, as in Datafold's GET /api/v1/datadiffs/{id}
// ?poll) the Go type string. oapi-codegen v2.8.2 makes such a schema a bare
// interface{}, forces it to skip the optional pointer, and so never
// nil-checks it: a caller who leaves it out (&GetDatadiffParams{}) passes
// nil to the runtime's StyleParamWithOptions, which panics. A string is
// nil-checked as *string when optional, and is what the server receives:
// a query, header, cookie or path value is text on the wire, and FastAPI
// hands an Any parameter the string as it came.
//
// The actions target the parameter's schema where it is declared: on the
// operation, on the path item, or in components.parameters ($refs to those
// are left alone, the component's action covers them).
func untypedParamActions(spec *yaml.Node) []*yaml.Node {
	root := yamlnode.Root(spec)
	var actions []*yaml.Node
	add := func(params *yaml.Node, at []string) {
		if params == nil || params.Kind != yaml.SequenceNode {
			return
		}
		for i, p := range params.Content {
			if schema := yamlnode.Get(p, "schema"); yamlnode.Get(p, "$ref") == nil && untypedSchema(schema) {
				actions = append(actions, overlayAction(
					fmt.Sprintf("%s[%d]['schema']", yamlnode.JSONPath(at), i),
					fmt.Sprintf("Untyped %s parameter %s as a Go string: oapi-codegen would make it an interface{} it never nil-checks (written by 'opnames overlay').",
						valueOr(yamlnode.Get(p, "in"), "?"), valueOr(yamlnode.Get(p, "name"), "?")),
					&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("x-go-type"), scalar("string")}}, false))
			}
		}
	}
	paths := yamlnode.Get(root, "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		add(yamlnode.Get(item, "parameters"), []string{"paths", path, "parameters"})
		for _, m := range methods {
			add(yamlnode.Get(yamlnode.Get(item, m), "parameters"), []string{"paths", path, m, "parameters"})
		}
	}
	components := yamlnode.Get(yamlnode.Get(root, "components"), "parameters")
	for i := 0; components != nil && i+1 < len(components.Content); i += 2 {
		name, p := components.Content[i].Value, components.Content[i+1]
		if schema := yamlnode.Get(p, "schema"); yamlnode.Get(p, "$ref") == nil && untypedSchema(schema) {
			actions = append(actions, overlayAction(yamlnode.JSONPath([]string{"components", "parameters", name, "schema"}),
				fmt.Sprintf("Untyped parameter %s as a Go string: oapi-codegen would make it an interface{} it never nil-checks (written by 'opnames overlay').", name),
				&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("x-go-type"), scalar("string")}}, false))
		}
	}
	return actions
}

// untypedSchema reports whether oapi-codegen turns schema into a bare
// interface{}: a mapping that says nothing about the value's shape. Title,
// description, default and examples do not; a Go type of our own does. An
// enum or const without a type is an interface{} too (the generator looks
// at the type first); it is taken as a string only when its values are
// strings, so a synthesized value still fits.
func untypedSchema(schema *yaml.Node) bool {
	if schema == nil || schema.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(schema.Content); i += 2 {
		switch v := schema.Content[i+1]; schema.Content[i].Value {
		case "type", "$ref", "properties", "additionalProperties", "patternProperties", "anyOf", "oneOf", "allOf",
			"not", "items", "prefixItems", "x-go-type":
			return false
		case "const":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
				return false
			}
		case "enum":
			if v.Kind != yaml.SequenceNode || slices.ContainsFunc(v.Content, func(e *yaml.Node) bool {
				return e.Kind != yaml.ScalarNode || e.Tag != "!!str"
			}) {
				return false
			}
		}
	}
	return true
}

func valueOr(n *yaml.Node, fallback string) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return fallback
	}
	return n.Value
}

// media is a request or response body schema of an operation.
type media struct {
	holder *yaml.Node // the media type object holding "schema"
	index  int        // index of the schema value in holder.Content
	schema *yaml.Node
	path   []string // from the operation to the media type object
	name   string
	form   bool // a request body sent as a form
}

func (h *unionHoister) mediaSchemas(op *yaml.Node, goName string) []media {
	var out []media
	collect := func(content *yaml.Node, path []string, name string) {
		for i := 0; content != nil && i+1 < len(content.Content); i += 2 {
			mt := content.Content[i+1]
			for j := 0; j+1 < len(mt.Content); j += 2 {
				if mt.Content[j].Value == "schema" {
					suffix := ""
					if !strings.Contains(content.Content[i].Value, "json") {
						suffix = codegen.ToCamelCase(strings.NewReplacer("/", " ", "-", " ", "+", " ").Replace(content.Content[i].Value))
					}
					ct := content.Content[i].Value
					out = append(out, media{mt, j + 1, mt.Content[j+1],
						append(slices.Clone(path), "content", ct), name + suffix,
						path[0] == "requestBody" && (ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data")})
				}
			}
		}
	}
	if rb := yamlnode.Get(op, "requestBody"); rb != nil {
		collect(yamlnode.Get(rb, "content"), []string{"requestBody"}, goName+"Request")
	}
	responses := yamlnode.Get(op, "responses")
	for i := 0; responses != nil && i+1 < len(responses.Content); i += 2 {
		code := responses.Content[i].Value
		collect(yamlnode.Get(responses.Content[i+1], "content"), []string{"responses", code},
			goName+"Response"+codegen.ToCamelCase(code))
	}
	return out
}

// unionBranches returns the branches of schema's kw (anyOf or oneOf), nil
// when it has none, and the indexes of those that are not null.
func unionBranches(schema *yaml.Node, kw string) (*yaml.Node, []int) {
	branches := yamlnode.Get(schema, kw)
	if branches == nil || branches.Kind != yaml.SequenceNode {
		return nil, nil
	}
	var real []int
	for i, b := range branches.Content {
		if !isNull(b) {
			real = append(real, i)
		}
	}
	return branches, real
}

// walk looks for unions wrapped in a nullable anyOf/oneOf inside schema.
func (h *unionHoister) walk(schema *yaml.Node, name string) {
	if schema == nil || schema.Kind != yaml.MappingNode {
		return
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		branches, real := unionBranches(schema, kw)
		if branches == nil {
			continue
		}
		if len(real) == 1 && isUnion(branches.Content[real[0]]) {
			h.hoist(branches, real[0], name)
			continue
		}
		for i, b := range branches.Content {
			h.walk(b, fmt.Sprintf("%sVariant%d", name, i+1))
		}
	}
	if props := yamlnode.Get(schema, "properties"); props != nil && props.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(props.Content); i += 2 {
			h.walk(props.Content[i+1], name+codegen.ToCamelCase(props.Content[i].Value))
		}
	}
	for _, kw := range []string{"items", "additionalProperties"} {
		h.walk(yamlnode.Get(schema, kw), name+map[string]string{"items": "Item", "additionalProperties": "Value"}[kw])
	}
	if pre := yamlnode.Get(schema, "prefixItems"); pre != nil && pre.Kind == yaml.SequenceNode {
		for i, b := range pre.Content {
			h.walk(b, fmt.Sprintf("%sItem%d", name, i+1))
		}
	}
	if all := yamlnode.Get(schema, "allOf"); all != nil && all.Kind == yaml.SequenceNode {
		for _, b := range all.Content {
			h.walk(b, name)
		}
	}
}

// discriminators makes every discriminated union inside schema one
// oapi-codegen maps as pydantic does, and returns how many it changed.
// pydantic picks the branch whose Literal tag (const, or enum) equals the
// value; oapi-codegen v2.8.2 trusts discriminator.mapping and names each
// unmapped branch by its component name instead (Letta's "tool_return"
// mapped to ToolCallContent, its ToolReturnContent unmapped: decoded as
// the wrong type), and refuses inline branches outright ("not all schemas
// were mapped", "ambiguous discriminator.mapping": Letta's telemetry
// events). So the mapping is rebuilt from the branches' tags, inline
// branches are moved to components.schemas (named after the union and
// their tag) to be mapped; a union whose branches' tags cannot tell them
// apart loses its discriminator and becomes a plain union, which
// oapi-codegen decodes without guessing.
func (h *unionHoister) discriminators(n *yaml.Node, name string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	changed := 0
	for _, kw := range []string{"anyOf", "oneOf"} {
		branches, real := unionBranches(n, kw)
		if branches == nil {
			continue
		}
		for _, i := range real {
			branchName := name
			if len(real) > 1 {
				branchName = fmt.Sprintf("%sVariant%d", name, i+1)
			}
			changed += h.discriminators(branches.Content[i], branchName)
		}
		if disc := yamlnode.Get(n, "discriminator"); disc != nil {
			changed += h.mapDiscriminator(n, branches, real, name)
		}
	}
	if props := yamlnode.Get(n, "properties"); props != nil && props.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(props.Content); i += 2 {
			changed += h.discriminators(props.Content[i+1], name+codegen.ToCamelCase(props.Content[i].Value))
		}
	}
	changed += h.discriminators(yamlnode.Get(n, "items"), name+"Item")
	changed += h.discriminators(yamlnode.Get(n, "additionalProperties"), name+"Value")
	for _, kw := range []string{"allOf", "prefixItems"} {
		if seq := yamlnode.Get(n, kw); seq != nil && seq.Kind == yaml.SequenceNode {
			for i, b := range seq.Content {
				changed += h.discriminators(b, fmt.Sprintf("%sItem%d", name, i+1))
			}
		}
	}
	return changed
}

// mapDiscriminator rebuilds the discriminator of union n (its non-null
// branches at real) from their tags; it returns 1 if
// it changed anything.
func (h *unionHoister) mapDiscriminator(n *yaml.Node, branches *yaml.Node, real []int, name string) int {
	disc := yamlnode.Get(n, "discriminator")
	prop := valueOr(yamlnode.Get(disc, "propertyName"), "")
	old := yamlnode.Get(disc, "mapping")
	type entry struct{ tag, ref string }
	var entries []entry
	seen := map[string]bool{}
	inline, ok := false, prop != ""
	tagsOf := make([][]string, len(branches.Content))
	for _, i := range real {
		b := branches.Content[i]
		ref := valueOr(yamlnode.Get(b, "$ref"), "")
		tags := h.tags(b, prop)
		if ref == "" {
			inline = true
		} else if len(tags) == 0 {
			// No tag to read: keep what the publisher mapped to it.
			for j := 0; old != nil && j+1 < len(old.Content); j += 2 {
				if old.Content[j+1].Value == ref {
					tags = append(tags, old.Content[j].Value)
				}
			}
		}
		if len(tags) == 0 {
			ok = false
		}
		for _, t := range tags {
			if seen[t] {
				ok = false // two branches claim one tag: no mapping can be right
			}
			seen[t] = true
			entries = append(entries, entry{t, ref})
		}
		tagsOf[i] = tags
	}
	if !ok {
		// A plain union: oapi-codegen decodes it without a mapping to get
		// wrong, the fake validates it against every branch.
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "discriminator" {
				n.Content = slices.Delete(n.Content, j, j+2)
				return 1
			}
		}
		return 0
	}
	same := !inline && old != nil && len(old.Content) == 2*len(entries)
	for _, e := range entries {
		if v := yamlnode.Get(old, e.tag); v == nil || v.Value != e.ref {
			same = false
		}
	}
	if same {
		return 0
	}
	for _, i := range real {
		if yamlnode.Get(branches.Content[i], "$ref") == nil {
			h.hoist(branches, i, name+codegen.ToCamelCase(tagsOf[i][0]))
		}
	}
	mapping := &yaml.Node{Kind: yaml.MappingNode}
	k := 0
	for _, i := range real {
		ref := yamlnode.Get(branches.Content[i], "$ref").Value
		for range tagsOf[i] {
			mapping.Content = append(mapping.Content, scalar(entries[k].tag),
				&yaml.Node{Kind: yaml.ScalarNode, Value: ref, Style: yaml.SingleQuotedStyle})
			k++
		}
	}
	if old != nil {
		*old = *mapping
	} else {
		disc.Content = append(disc.Content, scalar("mapping"), mapping)
	}
	return 1
}

// tags returns the values branch's property prop may take as a tag: its
// const, or its enum's values, looking through a $ref and allOf.
func (h *unionHoister) tags(branch *yaml.Node, prop string) []string {
	decls, _ := yamlnode.Property(h.root, branch, prop)
	for _, p := range decls {
		if c := yamlnode.Get(p, "const"); c != nil && c.Kind == yaml.ScalarNode {
			return []string{c.Value}
		}
		if e := yamlnode.Get(p, "enum"); e != nil && e.Kind == yaml.SequenceNode && len(e.Content) > 0 {
			var out []string
			for _, v := range e.Content {
				if v.Kind != yaml.ScalarNode {
					return nil
				}
				out = append(out, v.Value)
			}
			return out
		}
	}
	return nil
}

// binaryText gives every string with a contentMediaType and no format or
// contentEncoding inside schema the Go type string, and returns how many it
// changed. That is how pydantic v2 describes bytes (Prefect's flow run
// input value, Skyvern's UploadFile), and pydantic reads and writes them in
// JSON as the text itself (ser_json_bytes and val_json_bytes default to
// utf8). oapi-codegen makes them openapi_types.File, whose JSON is base64:
// the server would store the base64 text, and a plain string from it fails
// to decode. In a multipart body the generated client takes the raw body,
// so the field's type there only documents it.
func binaryText(schema *yaml.Node) int {
	changed := 0
	yamlnode.Walk(schema, "", func(n *yaml.Node, _ string) {
		if t := yamlnode.Get(n, "type"); t != nil && t.Value == "string" && yamlnode.Get(n, "contentMediaType") != nil &&
			yamlnode.Get(n, "format") == nil && yamlnode.Get(n, "contentEncoding") == nil && yamlnode.Get(n, "x-go-type") == nil {
			n.Content = append(n.Content, scalar("x-go-type"), scalar("string"))
			changed++
		}
	})
	return changed
}

// formFields makes an object schema's properties something
// oapi-codegen's runtime can encode in a form, and returns how many it
// changed: a property that is anyOf/oneOf [X, null] becomes X, keeping its
// title and description, and a date or time becomes a Go string (the
// runtime's form encoder writes nothing for a time.Time).
func formFields(schema *yaml.Node) int {
	props := yamlnode.Get(schema, "properties")
	changed := 0
	for i := 0; props != nil && i+1 < len(props.Content); i += 2 {
		if f := yamlnode.Get(props.Content[i+1], "format"); f != nil && yamlnode.Get(props.Content[i+1], "x-go-type") == nil &&
			(f.Value == "date-time" || f.Value == "date" || f.Value == "time") {
			props.Content[i+1].Content = append(props.Content[i+1].Content, scalar("x-go-type"), scalar("string"))
			changed++
		}
		p := props.Content[i+1]
		for _, kw := range []string{"anyOf", "oneOf"} {
			branches, real := unionBranches(p, kw)
			if branches == nil || len(branches.Content) != 2 || len(real) != 1 {
				continue
			}
			merged := deepCopy(branches.Content[real[0]])
			for j := 0; j+1 < len(p.Content); j += 2 {
				switch k := p.Content[j].Value; k {
				case "title", "description", "examples":
					if yamlnode.Get(merged, k) == nil {
						merged.Content = append(merged.Content, p.Content[j], p.Content[j+1])
					}
				}
			}
			props.Content[i+1] = merged
			changed++
			i -= 2 // look at X again, for its format
			break
		}
	}
	return changed
}

// hoist moves parent.Content[index] to components.schemas and leaves a
// $ref in its place.
func (h *unionHoister) hoist(parent *yaml.Node, index int, name string) {
	name = h.unique(name)
	union := parent.Content[index]
	h.sites++
	// Unions inside the union's own branches are hoisted too, named after it.
	for _, kw := range []string{"anyOf", "oneOf"} {
		if branches := yamlnode.Get(union, kw); branches != nil {
			for i, b := range branches.Content {
				h.walk(b, fmt.Sprintf("%sVariant%d", name, i+1))
			}
		}
	}
	h.hoisted = append(h.hoisted, scalar(name), union)
	parent.Content[index] = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("$ref"), {Kind: yaml.ScalarNode, Value: "#/components/schemas/" + name, Style: yaml.SingleQuotedStyle},
	}}
}

// unique returns name, or name with a number, so that no two components
// become the same Go type.
func (h *unionHoister) unique(name string) string {
	candidate := name
	for i := 2; h.taken[goname.Key(candidate)]; i++ {
		candidate = fmt.Sprintf("%s%d", name, i)
	}
	h.taken[goname.Key(candidate)] = true
	return candidate
}

// isUnion reports whether schema is an inline anyOf/oneOf with two or more
// branches that are not null.
func isUnion(schema *yaml.Node) bool {
	if schema == nil || schema.Kind != yaml.MappingNode || yamlnode.Get(schema, "$ref") != nil {
		return false
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		if _, real := unionBranches(schema, kw); len(real) >= 2 {
			return true
		}
	}
	return false
}

// isNull reports whether schema is {type: 'null'}.
func isNull(schema *yaml.Node) bool {
	t := yamlnode.Get(schema, "type")
	return t != nil && t.Kind == yaml.ScalarNode && t.Value == "null"
}

func overlayAction(target, description string, update *yaml.Node, remove bool) *yaml.Node {
	a := &yaml.Node{Kind: yaml.MappingNode}
	a.Content = append(a.Content, scalar("target"), scalar(target), scalar("description"), scalar(description))
	if remove {
		a.Content = append(a.Content, scalar("remove"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	} else {
		a.Content = append(a.Content, scalar("update"), update)
	}
	return a
}

// setKey sets key to value in the mapping m.
func setKey(m *yaml.Node, key string, value *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, scalar(key), value)
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func deepCopy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = deepCopy(child)
	}
	return &c
}

// overlayCmd writes the overlay oapi-codegen applies: the generated actions
// that hoist unions, then those that name union accessors (accessors.go),
// then overlay.yaml's own. The output is generated, so regenerating
// from an unchanged spec changes nothing.
func overlayCmd(specPath, overlayPath, outPath string, stdout io.Writer) error {
	spec, o, err := readSpecAndOverlay(specPath, overlayPath)
	if err != nil {
		return err
	}
	// The generated actions apply after overlay.yaml's own, so they are
	// written for the document as those leave it: a maintainer's action
	// there (a type's Go name, giving a form body one branch of its union)
	// is kept, not undone by a schema rewritten from the document as
	// published.
	if spec, err = invalid.Apply(spec, o.doc); err != nil {
		return err
	}
	actions, final, err := hoistUnions(spec, func(op operation) string {
		if name, ok := o.renames[op.ID]; ok {
			return codegen.ToCamelCase(name)
		}
		if name, ok := derive(op); ok {
			return name
		}
		return codegen.ToCamelCase(op.ID)
	}, o.typeNames)
	if err != nil {
		return err
	}
	actions = append(actions, untypedParamActions(spec)...)
	actions = append(actions, accessorActions(final, o.typeNames)...)
	// Last, the repairs of the rules the generator enforces.
	actions = append(actions, invalid.Check(spec).Actions...)
	o.actions.Content = append(o.actions.Content, actions...)

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Code generated by opnames overlay from %s and %s. DO NOT EDIT.\n", specPath, overlayPath)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(o.doc); err != nil {
		return err
	}
	if old, err := os.ReadFile(outPath); err == nil && bytes.Equal(old, buf.Bytes()) {
		return nil
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "opnames: wrote %s (%d generated actions)\n", outPath, len(actions))
	return nil
}
