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

	"github.com/datafold/datafold-go/internal/yamlnode"
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
	top := yamlnode.Root(&root)
	var warnings []string
	yamlnode.Walk(top, "#", func(n *yaml.Node, ptr string) {
		if w := union(top, n, ptr); w != "" {
			warnings = append(warnings, w)
		}
	})
	return warnings, nil
}

// union returns a warning when n, at ptr in the document top, is a
// discriminated union with a branch that does not declare the
// discriminator's property; a $ref it cannot follow counts as declaring
// it: what cannot be read is not reported as a defect.
func union(top, n *yaml.Node, ptr string) string {
	prop := yamlnode.Get(yamlnode.Get(n, "discriminator"), "propertyName")
	if prop == nil || prop.Value == "" {
		return ""
	}
	var missing []string
	for _, group := range []string{"oneOf", "anyOf"} {
		branches := yamlnode.Get(n, group)
		if branches == nil || branches.Kind != yaml.SequenceNode {
			continue
		}
		for i, b := range branches.Content {
			if decls, unresolved := yamlnode.Property(top, b, prop.Value); len(decls) > 0 || unresolved {
				continue
			}
			name := fmt.Sprintf("%s/%d", group, i)
			if ref := yamlnode.Get(b, "$ref"); ref != nil {
				name = ref.Value[strings.LastIndex(ref.Value, "/")+1:]
			}
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf(
		"upstream defect at %s: its discriminator %q is not a property of %s; the server picks the branch by it, "+
			"but a strict JSON Schema validator refuses every body (datafoldtest judges it by the tag, as the server does)",
		ptr, prop.Value, strings.Join(missing, ", "))
}
