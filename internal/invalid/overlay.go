package invalid

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	yamlv3 "gopkg.in/yaml.v3"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// renameTarget is the target opnames gives an action that names an
// operation by its published operationId.
var renameTarget = regexp.MustCompile(`^\$\.paths\.\*\.\*\[\?\(@\.operationId == '([^']+)'\)\]$`)

// CheckOverlay refuses overlay.yaml's actions that name an operation by an
// operationId the document gives several operations: each would get the
// name, and which one had it before the document changed is not known here.
func CheckOverlay(doc, overlayDoc *yaml.Node) []string {
	byID := map[string][]string{}
	paths := yamlnode.Get(yamlnode.Root(doc), "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		for _, m := range methods {
			if id := value(yamlnode.Get(yamlnode.Get(paths.Content[i+1], m), "operationId")); id != "" {
				byID[id] = append(byID[id], strings.ToUpper(m)+" "+paths.Content[i].Value)
			}
		}
	}
	var refusals []string
	actions := yamlnode.Get(yamlnode.Root(overlayDoc), "actions")
	for i := 0; actions != nil && i < len(actions.Content); i++ {
		a := actions.Content[i]
		m := renameTarget.FindStringSubmatch(value(yamlnode.Get(a, "target")))
		name := value(yamlnode.Get(yamlnode.Get(a, "update"), "operationId"))
		if m == nil || name == "" || len(byID[m[1]]) < 2 {
			continue
		}
		ops := byID[m[1]]
		method, path, _ := strings.Cut(ops[0], " ")
		refusals = append(refusals, fmt.Sprintf(
			"%s: overlay.yaml names operationId %s %s, and the document gives that operationId to each of them (rule: operationIds are unique); "+
				"target the one it named by path instead, as in - {target: \"%s\", update: {operationId: %s}}, then rerun with NAMES=auto to name the others",
			strings.Join(ops, ", "), m[1], name, yamlnode.JSONPath([]string{"paths", path, strings.ToLower(method)}), name))
	}
	return refusals
}

// Apply returns doc as overlay.yaml's actions leave it, for Check to judge
// what the generator will see. Actions that only name operations or types
// change nothing Check reads, so when there are no others doc is returned
// as it is, at no cost.
func Apply(doc, overlayDoc *yaml.Node) (*yaml.Node, error) {
	actions := yamlnode.Get(yamlnode.Root(overlayDoc), "actions")
	relevant := false
	for i := 0; actions != nil && i < len(actions.Content); i++ {
		if !namesOnly(actions.Content[i]) {
			relevant = true
			break
		}
	}
	if !relevant {
		return doc, nil
	}
	return ApplyAll(doc, overlayDoc)
}

// ApplyAll returns doc with every action of overlayDoc applied, in order.
func ApplyAll(doc, overlayDoc *yaml.Node) (*yaml.Node, error) {
	// The overlay library reads gopkg.in/yaml.v3's nodes, another type
	// from the same code. The overlay, small and written by us, crosses
	// over as text; the document crosses node by node: written as text, a
	// string in a list that starts with a newline (Skyvern's code samples)
	// comes out as a "|2" block scalar that does not parse back.
	var ob bytes.Buffer
	if err := yaml.NewEncoder(&ob).Encode(overlayDoc); err != nil {
		return nil, err
	}
	var o overlay.Overlay
	if err := yamlv3.Unmarshal(ob.Bytes(), &o); err != nil {
		return nil, fmt.Errorf("overlay.yaml: %w", err)
	}
	n := toV3(doc, map[*yaml.Node]*yamlv3.Node{})
	// Not strict: names of operations the new document no longer has are
	// dropped later (opnames names -auto), and need not match here.
	if err := o.ApplyTo(n); err != nil {
		return nil, fmt.Errorf("applying overlay.yaml: %w", err)
	}
	return fromV3(n, map[*yamlv3.Node]*yaml.Node{}), nil
}

// toV3 copies a node tree into gopkg.in/yaml.v3's type, whose fields are
// the same; a node met twice (an alias's target) is copied once.
func toV3(n *yaml.Node, seen map[*yaml.Node]*yamlv3.Node) *yamlv3.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &yamlv3.Node{Kind: yamlv3.Kind(n.Kind), Style: yamlv3.Style(n.Style), Tag: n.Tag, Value: n.Value, Anchor: n.Anchor,
		HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment, Line: n.Line, Column: n.Column}
	seen[n] = c
	for _, child := range n.Content {
		c.Content = append(c.Content, toV3(child, seen))
	}
	c.Alias = toV3(n.Alias, seen)
	return c
}

// fromV3 is toV3 the other way.
func fromV3(n *yamlv3.Node, seen map[*yamlv3.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &yaml.Node{Kind: yaml.Kind(n.Kind), Style: yaml.Style(n.Style), Tag: n.Tag, Value: n.Value, Anchor: n.Anchor,
		HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment, Line: n.Line, Column: n.Column}
	seen[n] = c
	for _, child := range n.Content {
		c.Content = append(c.Content, fromV3(child, seen))
	}
	c.Alias = fromV3(n.Alias, seen)
	return c
}

// namesOnly reports whether an overlay action only sets Go names.
func namesOnly(a *yaml.Node) bool {
	if yamlnode.Get(a, "remove") != nil || yamlnode.Get(a, "copy") != nil {
		return false
	}
	u := yamlnode.Get(a, "update")
	if u == nil || u.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(u.Content); i += 2 {
		if k := u.Content[i].Value; k != "operationId" && k != "x-go-name" {
			return false
		}
	}
	return true
}
