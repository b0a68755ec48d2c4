package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	goname "github.com/datafold/datafold-go/internal/naming"
)

// operation is one operation of an OpenAPI document.
type operation struct {
	Method string // upper case, such as "DELETE"
	Path   string
	ID     string     // operationId as published
	node   *yaml.Node // the operation object
}

func (o operation) String() string { return o.Method + " " + o.Path }

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the spec's operations in document order.
func operations(spec *yaml.Node) ([]operation, error) {
	paths := mapValue(docRoot(spec), "paths")
	if paths == nil {
		return nil, fmt.Errorf("the document has no paths")
	}
	var ops []operation
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		for _, m := range methods {
			op := mapValue(item, m)
			if op == nil {
				continue
			}
			id := ""
			if n := mapValue(op, "operationId"); n != nil {
				id = n.Value
			}
			ops = append(ops, operation{Method: strings.ToUpper(m), Path: path, ID: id, node: op})
		}
	}
	return ops, nil
}

var nonWord = regexp.MustCompile(`\W`)

// fastapiSuffix is what FastAPI's default generate_unique_id appends to a
// route's function name: the path with every non-word character replaced
// by "_", then "_" and the method.
func fastapiSuffix(op operation) string {
	return nonWord.ReplaceAllString(op.Path, "_") + "_" + strings.ToLower(op.Method)
}

// derive returns the Go name for an operation whose operationId FastAPI
// generated: its function name in CamelCase, so
// remove_integration_api_v1_lineage_bi__bi_datasource_id___delete becomes
// RemoveIntegration. ok is false when the operationId is not FastAPI's
// (already chosen by a person), and then needs no new name.
func derive(op operation) (name string, ok bool) {
	fn, found := strings.CutSuffix(op.ID, fastapiSuffix(op))
	if !found || fn == "" {
		return "", false
	}
	return camel(fn), true
}

// camel converts to CamelCase the way oapi-codegen's default name
// normalizer does, so that names computed here are the names it generates.
func camel(s string) string { return goname.Camel(s) }

// overlay is the part of overlay.yaml this program manages: actions that
// set an operation's operationId, found by its published operationId.
type overlay struct {
	doc     *yaml.Node
	actions *yaml.Node // the "actions" sequence
	renames map[string]string
}

var renameTarget = regexp.MustCompile(`^\$\.paths\.\*\.\*\[\?\(@\.operationId == '([^']+)'\)\]$`)

func targetFor(id string) string {
	return "$.paths.*.*[?(@.operationId == '" + id + "')]"
}

func parseOverlay(doc *yaml.Node) (*overlay, error) {
	root := docRoot(doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the overlay is not a YAML mapping")
	}
	actions := mapValue(root, "actions")
	switch {
	case actions == nil:
		actions = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "actions"}, actions)
	case actions.Kind == yaml.ScalarNode && actions.Tag == "!!null":
		*actions = yaml.Node{Kind: yaml.SequenceNode}
	case actions.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("the overlay's actions is not a list")
	}
	o := &overlay{doc: doc, actions: actions, renames: map[string]string{}}
	for _, a := range actions.Content {
		id, name := renameOf(a)
		if id != "" {
			o.renames[id] = name
		}
	}
	return o, nil
}

// renameOf returns the operationId an action targets and the one it sets,
// or "" when the action is not a rename.
func renameOf(action *yaml.Node) (id, name string) {
	target := mapValue(action, "target")
	update := mapValue(action, "update")
	if target == nil || update == nil {
		return "", ""
	}
	m := renameTarget.FindStringSubmatch(target.Value)
	newID := mapValue(update, "operationId")
	if m == nil || newID == nil {
		return "", ""
	}
	return m[1], newID.Value
}

// plan is what the names check found.
type plan struct {
	missing    []naming            // operations with a FastAPI operationId and no Go name yet
	stale      []string            // renames whose operationId the spec no longer has
	collisions map[string][]string // Go name -> operations that would share it
}

type naming struct {
	op   operation
	name string
}

// check compares the spec's operations with the overlay's renames.
func check(ops []operation, o *overlay) plan {
	var p plan
	final := map[string][]string{}
	inSpec := map[string]bool{}
	for _, op := range ops {
		inSpec[op.ID] = true
		if op.ID == "" {
			continue // oapi-codegen names these from the path; not ours to check
		}
		name, renamed := o.renames[op.ID]
		if !renamed {
			if derived, ok := derive(op); ok {
				name = derived
				p.missing = append(p.missing, naming{op, derived})
			} else {
				name = op.ID
			}
		}
		// Compare names as oapi-codegen will write them.
		name = camel(name)
		final[name] = append(final[name], fmt.Sprintf("%s (%s)", op, op.ID))
	}
	for id := range o.renames {
		if !inSpec[id] {
			p.stale = append(p.stale, id)
		}
	}
	slices.Sort(p.stale)
	for name, users := range final {
		if len(users) > 1 {
			if p.collisions == nil {
				p.collisions = map[string][]string{}
			}
			p.collisions[name] = users
		}
	}
	return p
}

// action builds the overlay action that names op.
func action(n naming) *yaml.Node {
	var node yaml.Node
	// Encoding a struct keeps the key order fixed and the quoting right.
	_ = node.Encode(struct {
		Target      string            `yaml:"target"`
		Description string            `yaml:"description"`
		Update      map[string]string `yaml:"update"`
	}{
		Target:      targetFor(n.op.ID),
		Description: fmt.Sprintf("Go name for %s, instead of FastAPI's generated operationId.", n.op),
		Update:      map[string]string{"operationId": n.name},
	})
	return &node
}

// apply adds actions for the missing names and drops stale renames.
func (o *overlay) apply(p plan) {
	stale := map[string]bool{}
	for _, id := range p.stale {
		stale[id] = true
	}
	o.actions.Content = slices.DeleteFunc(o.actions.Content, func(a *yaml.Node) bool {
		id, _ := renameOf(a)
		return stale[id]
	})
	for _, n := range p.missing {
		o.actions.Content = append(o.actions.Content, action(n))
	}
}

// docRoot unwraps a parsed document to its top mapping.
func docRoot(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

// mapValue returns the value for key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
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
