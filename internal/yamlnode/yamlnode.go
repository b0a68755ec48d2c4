// Package yamlnode reads an OpenAPI document as a yaml.Node tree, for the
// internal tools that must see it as published: opnames keeps its key
// order and comments in the overlays it writes, and speccheck reads
// documents a typed parser would refuse.
package yamlnode

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Root unwraps a parsed document to its top node.
func Root(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

// Get returns the value of key in the mapping m, or nil; m may be nil or
// not a mapping, so that lookups chain (Get(Get(op, "requestBody"), "content")).
func Get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Resolve follows a local $ref ("#/components/schemas/A") from the
// document's top node, or returns nil.
func Resolve(root *yaml.Node, ref string) *yaml.Node {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	n := root
	for _, tok := range strings.Split(rest, "/") {
		n = Get(n, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
		if n == nil {
			return nil
		}
	}
	return n
}

// Property returns the declarations of property prop in schema n, its own
// first, then those it takes through a local $ref or allOf, as a
// validator applies them. unresolved reports a $ref on the way that could
// not be followed: a property missing from decls may be declared there.
func Property(root, n *yaml.Node, prop string) (decls []*yaml.Node, unresolved bool) {
	seen := map[*yaml.Node]bool{}
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if p := Get(Get(n, "properties"), prop); p != nil {
			decls = append(decls, p)
		}
		if ref := Get(n, "$ref"); ref != nil {
			target := Resolve(root, ref.Value)
			unresolved = unresolved || target == nil
			visit(target)
		}
		if all := Get(n, "allOf"); all != nil && all.Kind == yaml.SequenceNode {
			for _, part := range all.Content {
				visit(part)
			}
		}
	}
	visit(n)
	return decls, unresolved
}

// data are the keywords whose values are data, not schemas: a
// "discriminator" or a "type" inside an example is not one.
var data = map[string]bool{"example": true, "examples": true, "default": true, "enum": true, "const": true}

// names are the keywords whose values map names to schemas, where a name
// is not a keyword: a property may be called "default".
var names = map[string]bool{"properties": true, "patternProperties": true, "$defs": true, "dependentSchemas": true}

// Walk calls visit for n and for every mapping below it that is not data
// nor a map of names, with its JSON pointer (n's is ptr). visit may
// append to the mapping it is given; what it appends is walked too.
func Walk(n *yaml.Node, ptr string, visit func(m *yaml.Node, ptr string)) {
	walk(n, ptr, false, visit)
}

func walk(n *yaml.Node, ptr string, inNames bool, visit func(*yaml.Node, string)) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		if !inNames {
			visit(n, ptr)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if inNames || !data[key] {
				walk(n.Content[i+1], ptr+"/"+escape(key), !inNames && names[key], visit)
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walk(c, fmt.Sprintf("%s/%d", ptr, i), false, visit)
		}
	}
}

// escape makes key a JSON pointer token (RFC 6901).
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// Read parses the YAML (or JSON) document at path.
func Read(path string) (*yaml.Node, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &n, nil
}

// JSONPath renders segments as an RFC 9535 path with bracketed names, which
// holds any key (paths with slashes and braces, media types), for an
// overlay action's target.
func JSONPath(segments []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range segments {
		b.WriteString("['")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s))
		b.WriteString("']")
	}
	return b.String()
}
