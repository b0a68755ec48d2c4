// Command speccheck warns about defects it knows in an upstream OpenAPI
// document, the ones the project works around rather than fixes, so that a
// maintainer can report them upstream. It only warns: it always exits 0
// (2 for a usage error). make update-spec runs it on the new document:
//
//	speccheck SPEC
//
// One defect is known: a discriminated union (oneOf or anyOf with a
// discriminator) whose branches do not declare the discriminator's
// property. pydantic v2 writes that for a callable Discriminator with
// Tag'd branches. The server picks the branch by the property, but a
// strict JSON Schema validator matches every body against every branch,
// and a oneOf then refuses all of them (Stoplight Prism does);
// datafoldtest judges such a union by the tag, as the server does.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: speccheck SPEC")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "speccheck: warning: not checked: %v\n", err)
		return 0
	}
	warnings, err := check(data)
	if err != nil {
		fmt.Fprintf(stderr, "speccheck: warning: %s not checked: %v\n", args[0], err)
		return 0
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "speccheck: warning: %s\n", w)
	}
	return 0
}

// check returns one warning per upstream defect in the document (YAML or
// JSON), in document order.
func check(data []byte) ([]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	c := checker{root: root.Content[0]}
	c.walk(c.root, "#")
	return c.warnings, nil
}

type checker struct {
	root     *yaml.Node
	warnings []string
}

// data holds values, not schemas: a "discriminator" key in an example is
// not one.
var data = map[string]bool{"example": true, "examples": true, "default": true, "enum": true, "const": true}

// walk looks at every mapping in n, whose JSON pointer is ptr.
func (c *checker) walk(n *yaml.Node, ptr string) {
	switch n.Kind {
	case yaml.MappingNode:
		c.union(n, ptr)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if key := n.Content[i].Value; !data[key] {
				c.walk(n.Content[i+1], ptr+"/"+escape(key))
			}
		}
	case yaml.SequenceNode:
		for i, child := range n.Content {
			c.walk(child, fmt.Sprintf("%s/%d", ptr, i))
		}
	}
}

// union warns when n is a discriminated union with a branch that does not
// declare the discriminator's property.
func (c *checker) union(n *yaml.Node, ptr string) {
	prop := get(get(n, "discriminator"), "propertyName")
	if prop == nil || prop.Value == "" {
		return
	}
	var missing []string
	for _, group := range []string{"oneOf", "anyOf"} {
		branches := get(n, group)
		if branches == nil || branches.Kind != yaml.SequenceNode {
			continue
		}
		for i, b := range branches.Content {
			if c.declares(b, prop.Value, map[*yaml.Node]bool{}) {
				continue
			}
			name := fmt.Sprintf("%s/%d", group, i)
			if ref := get(b, "$ref"); ref != nil {
				name = ref.Value[strings.LastIndex(ref.Value, "/")+1:]
			}
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		c.warnings = append(c.warnings, fmt.Sprintf(
			"upstream defect at %s: its discriminator %q is not a property of %s; the server picks the branch by it, "+
				"but a strict JSON Schema validator refuses every body (datafoldtest judges it by the tag, as the server does)",
			ptr, prop.Value, strings.Join(missing, ", ")))
	}
}

// declares reports whether the schema n, through $ref and allOf, has the
// property. A $ref it cannot follow counts as declaring: what cannot be
// read is not reported as a defect.
func (c *checker) declares(n *yaml.Node, prop string, seen map[*yaml.Node]bool) bool {
	if n == nil || seen[n] {
		return false
	}
	seen[n] = true
	if ref := get(n, "$ref"); ref != nil {
		target := c.resolve(ref.Value)
		if target == nil {
			return true
		}
		if c.declares(target, prop, seen) {
			return true
		}
	}
	if get(get(n, "properties"), prop) != nil {
		return true
	}
	if all := get(n, "allOf"); all != nil {
		for _, part := range all.Content {
			if c.declares(part, prop, seen) {
				return true
			}
		}
	}
	return false
}

// resolve follows a local $ref ("#/components/schemas/A"), or returns nil.
func (c *checker) resolve(ref string) *yaml.Node {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	n := c.root
	for _, tok := range strings.Split(rest, "/") {
		n = get(n, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
		if n == nil {
			return nil
		}
	}
	return n
}

// get returns the value of key in the mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// escape makes key a JSON pointer token (RFC 6901).
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
