package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// A deprecated operation, parameter, schema or property is still part of
// the API: it is generated as before, marked // Deprecated: for importers
// (see opnames' deprecationActions and the templates). What a reviewer
// needs from an update is what it newly deprecates, in the document's
// terms and once each: oasdiff's changelog reports a deprecated property
// once per operation that returns it, and a deprecated schema not at all.

// deprecation is one deprecated part of a document.
type deprecation struct {
	kind   string // operation, parameter, schema, property
	name   string // "GET /path", "GET /path query q", "Report", "Report.owner"
	reason string // x-deprecated-reason, if given
}

func (d deprecation) String() string {
	s := d.kind + " " + d.name
	if d.reason != "" {
		s += ": " + d.reason
	}
	return s
}

var deprecationKinds = []string{"operation", "parameter", "schema", "property"}

// deprecations lists what the document at path deprecates, in document
// order; a document that cannot be read deprecates nothing.
func deprecations(path string) []deprecation {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var n yaml.Node
	if yaml.Unmarshal(b, &n) != nil {
		return nil
	}
	return deprecationsIn(yamlnode.Root(&n))
}

func deprecationsIn(root *yaml.Node) []deprecation {
	var out []deprecation
	add := func(n *yaml.Node, kind, name string) bool {
		d := yamlnode.Get(n, "deprecated")
		if d == nil || d.Value != "true" {
			return false
		}
		reason := ""
		if r := yamlnode.Get(n, "x-deprecated-reason"); r != nil && r.Kind == yaml.ScalarNode {
			reason = r.Value
		}
		out = append(out, deprecation{kind, name, reason})
		return true
	}
	params := func(list *yaml.Node, where string) {
		for i := 0; list != nil && i < len(list.Content); i++ {
			p := list.Content[i]
			if yamlnode.Get(p, "$ref") != nil {
				continue // listed once, as a component
			}
			add(p, "parameter", fmt.Sprintf("%s %s %s", where, value(yamlnode.Get(p, "in")), value(yamlnode.Get(p, "name"))))
		}
	}
	paths := yamlnode.Get(root, "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		params(yamlnode.Get(item, "parameters"), path)
		for _, m := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
			op := yamlnode.Get(item, m)
			if op == nil {
				continue
			}
			where := strings.ToUpper(m) + " " + path
			add(op, "operation", where)
			params(yamlnode.Get(op, "parameters"), where)
		}
	}
	components := yamlnode.Get(root, "components")
	cp := yamlnode.Get(components, "parameters")
	for i := 0; cp != nil && i+1 < len(cp.Content); i += 2 {
		add(cp.Content[i+1], "parameter", "components.parameters."+cp.Content[i].Value)
	}
	var props func(n *yaml.Node, name string)
	props = func(n *yaml.Node, name string) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		if ps := yamlnode.Get(n, "properties"); ps != nil && ps.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(ps.Content); i += 2 {
				sub := name + "." + ps.Content[i].Value
				add(ps.Content[i+1], "property", sub)
				props(ps.Content[i+1], sub)
			}
		}
		props(yamlnode.Get(n, "items"), name+"[]")
		props(yamlnode.Get(n, "additionalProperties"), name+"{}")
		for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
			if seq := yamlnode.Get(n, kw); seq != nil {
				for _, b := range seq.Content {
					props(b, name)
				}
			}
		}
	}
	schemas := yamlnode.Get(components, "schemas")
	for i := 0; schemas != nil && i+1 < len(schemas.Content); i += 2 {
		name := schemas.Content[i].Value
		add(schemas.Content[i+1], "schema", name)
		props(schemas.Content[i+1], name)
	}
	return out
}

// newlyDeprecated returns what next deprecates that prev did not, whether
// prev had it or not: a new operation deprecated from the start is news
// to a reviewer too.
func newlyDeprecated(prev, next []deprecation) []deprecation {
	had := map[string]bool{}
	for _, d := range prev {
		had[d.kind+" "+d.name] = true
	}
	var out []deprecation
	for _, d := range next {
		if !had[d.kind+" "+d.name] {
			out = append(out, d)
		}
	}
	return out
}

// deprecationCounts is "2 operations, 1 parameter" for the kinds present.
func deprecationCounts(ds []deprecation) string {
	var parts []string
	for _, k := range deprecationKinds {
		n := 0
		for _, d := range ds {
			if d.kind == k {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(k, n)))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// printDeprecations writes what the update newly deprecates, by kind, at
// most limit entries of each (0: all), and the count in all.
func printDeprecations(w io.Writer, newly []deprecation, all int, limit int) {
	fmt.Fprintf(w, "deprecated: %s newly, of %d deprecated in all (still generated, marked // Deprecated: for importers)\n",
		deprecationCounts(newly), all)
	for _, k := range deprecationKinds {
		var of []deprecation
		for _, d := range newly {
			if d.kind == k {
				of = append(of, d)
			}
		}
		for i, d := range of {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "  … and %d more %s\n", len(of)-limit, plural(k, len(of)-limit))
				break
			}
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
}

func value(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func plural(kind string, n int) string {
	switch {
	case n == 1:
		return kind
	case kind == "property":
		return "properties"
	}
	return kind + "s"
}
