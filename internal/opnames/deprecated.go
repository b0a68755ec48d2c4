package main

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/invalid"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// documentActions are the generated actions written after the others:
// deprecationActions, then the repairs of rules the document breaks
// (internal/invalid). Both are judged on the document as overlay.yaml's
// own actions leave it, which is what they apply to.
func documentActions(spec, overlayDoc *yaml.Node) ([]*yaml.Node, error) {
	doc, err := invalid.Apply(spec, overlayDoc)
	if err != nil {
		return nil, err
	}
	return append(deprecationActions(doc), invalid.Check(doc).Actions...), nil
}

// deprecationActions end with an empty line the description of every
// deprecated property of a component schema and every deprecated
// parameter. oapi-codegen v2.8.2 writes a struct field's doc comment as
// the description, then "Deprecated: ..." on the next line, in the same
// paragraph; Go tools (go doc, gopls, staticcheck) only take a paragraph
// that starts with "Deprecated: " as marking the field deprecated. pydantic
// and FastAPI describe nearly every field they deprecate (Letta: 157 of
// 167 properties, 24 of 25 parameters), so without this almost none would
// be marked. A description that ends in an empty line makes the generator
// leave an empty comment line before its own.
//
// Only properties reached from a component through properties are
// changed, as the union actions before these move unions, and what is
// inside them, elsewhere.
func deprecationActions(spec *yaml.Node) []*yaml.Node {
	root := yamlnode.Root(spec)
	var actions []*yaml.Node
	fix := func(n *yaml.Node, target, what string) {
		d := yamlnode.Get(n, "description")
		if valueOr(yamlnode.Get(n, "deprecated"), "") != "true" || d == nil || d.Kind != yaml.ScalarNode ||
			strings.TrimSpace(d.Value) == "" || strings.HasSuffix(d.Value, "\n\n") {
			return
		}
		actions = append(actions, overlayAction(target,
			fmt.Sprintf("Deprecated %s: its description ends with an empty line, so that Go tools see the generated 'Deprecated:' paragraph (written by 'opnames overlay').", what),
			&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("description"),
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.TrimRight(d.Value, "\n") + "\n\n"}}}, false))
	}
	var props func(schema *yaml.Node, at []string, name string)
	props = func(schema *yaml.Node, at []string, name string) {
		ps := yamlnode.Get(schema, "properties")
		for i := 0; ps != nil && ps.Kind == yaml.MappingNode && i+1 < len(ps.Content); i += 2 {
			key, p := ps.Content[i].Value, ps.Content[i+1]
			here := append(append(at[:len(at):len(at)], "properties"), key)
			fix(p, jsonPath(here), "property "+name+"."+key)
			props(p, here, name+"."+key)
		}
	}
	schemas := yamlnode.Get(yamlnode.Get(root, "components"), "schemas")
	for i := 0; schemas != nil && i+1 < len(schemas.Content); i += 2 {
		name := schemas.Content[i].Value
		props(schemas.Content[i+1], []string{"components", "schemas", name}, name)
	}

	params := func(list *yaml.Node, at []string, where string) {
		for i := 0; list != nil && list.Kind == yaml.SequenceNode && i < len(list.Content); i++ {
			p := list.Content[i]
			if yamlnode.Get(p, "$ref") != nil {
				continue // the component's own action covers it
			}
			fix(p, fmt.Sprintf("%s[%d]", jsonPath(at), i), fmt.Sprintf("%s parameter %s of %s", valueOr(yamlnode.Get(p, "in"), "?"), valueOr(yamlnode.Get(p, "name"), "?"), where))
		}
	}
	paths := yamlnode.Get(root, "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		params(yamlnode.Get(item, "parameters"), []string{"paths", path, "parameters"}, path)
		for _, m := range methods {
			params(yamlnode.Get(yamlnode.Get(item, m), "parameters"), []string{"paths", path, m, "parameters"}, strings.ToUpper(m)+" "+path)
		}
	}
	components := yamlnode.Get(yamlnode.Get(root, "components"), "parameters")
	for i := 0; components != nil && i+1 < len(components.Content); i += 2 {
		name := components.Content[i].Value
		fix(components.Content[i+1], jsonPath([]string{"components", "parameters", name}), "parameter "+name)
	}
	return actions
}
