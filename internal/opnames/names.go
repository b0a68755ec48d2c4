package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// operation is one operation of an OpenAPI document.
type operation struct {
	Method string // upper case, such as "DELETE"
	Path   string
	ID     string     // operationId as published
	node   *yaml.Node // the operation object
	item   *yaml.Node // the path item holding it
	// shared: another operation has the same operationId (FastAPI gives a
	// route's every method the id of one). An action finding it by that id
	// would rename them all, so it is found by path and method.
	shared bool
}

func (o operation) String() string { return o.Method + " " + o.Path }

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the spec's operations in document order.
func operations(spec *yaml.Node) ([]operation, error) {
	paths := yamlnode.Get(yamlnode.Root(spec), "paths")
	if paths == nil {
		return nil, fmt.Errorf("the document has no paths")
	}
	var ops []operation
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		for _, m := range methods {
			op := yamlnode.Get(item, m)
			if op == nil {
				continue
			}
			id := ""
			if n := yamlnode.Get(op, "operationId"); n != nil {
				id = n.Value
			}
			ops = append(ops, operation{Method: strings.ToUpper(m), Path: path, ID: id, node: op, item: item})
		}
	}
	count := map[string]int{}
	for _, op := range ops {
		count[op.ID]++
	}
	for i := range ops {
		ops[i].shared = ops[i].ID != "" && count[ops[i].ID] > 1
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
	if fn := fastapiFunc(op); fn != "" {
		return codegen.ToCamelCase(fn), true
	}
	return "", false
}

// fastapiFunc returns the route function's name inside a FastAPI default
// operationId, or "".
//
// The id is normally the function name plus fastapiSuffix(op). A route
// registered under two paths (an alias such as /v1/agents for
// /v1/workflows) carries the id of the path it was first registered at,
// so when the exact suffix is missing, an id that ends in the method and
// holds the path's first segment is cut there: get_workflows_v1_workflows_get
// on GET /v1/agents is get_workflows. The last such place is taken, since
// function names often repeat the resource (list_v1_items_v1_items_get).
func fastapiFunc(op operation) string {
	if fn, found := strings.CutSuffix(op.ID, fastapiSuffix(op)); found {
		return fn
	}
	// A route for several methods (api_route, methods=["GET", "POST"])
	// gives every one the id it makes for the first: the suffix of another
	// method is this one's only when the id is shared.
	for _, m := range methods {
		if fn, found := strings.CutSuffix(op.ID, nonWord.ReplaceAllString(op.Path, "_")+"_"+m); found && fn != "" && op.shared {
			return fn
		}
	}
	rest, found := strings.CutSuffix(op.ID, "_"+strings.ToLower(op.Method))
	if !found {
		return ""
	}
	first := ""
	for s := range strings.SplitSeq(op.Path, "/") {
		if s != "" {
			first = nonWord.ReplaceAllString(s, "_")
			break
		}
	}
	if first == "" || strings.Contains(first, "{") {
		return ""
	}
	i := strings.LastIndex(rest+"_", "_"+first+"_")
	if i <= 0 {
		return ""
	}
	// The path cut off must hold this path's parameters as FastAPI writes
	// them (/{id}/ is __id_), or a hand-written id that merely ends in the
	// method (get_items_by_id_get on /items/{id}) would be cut too.
	cut := rest[i:] + "_"
	for _, s := range strings.Split(op.Path, "/") {
		if strings.HasPrefix(s, "{") && !strings.Contains(cut, "__"+nonWord.ReplaceAllString(strings.Trim(s, "{}"), "_")+"_") {
			return ""
		}
	}
	return rest[:i]
}

// overlay is the part of overlay.yaml this program manages: actions that
// set an operation's operationId, found by its published operationId (or,
// for an operation without one, by its path and method), and actions that
// set a component schema's Go type name.
type overlay struct {
	doc         *yaml.Node
	actions     *yaml.Node        // the "actions" sequence
	renames     map[string]string // published operationId -> Go name
	pathRenames map[string]string // "GET /path" -> Go name, for operations without an operationId
	typeNames   map[string]string // component schema -> Go type name (x-go-name)
}

var (
	renameTarget = regexp.MustCompile(`^\$\.paths\.\*\.\*\[\?\(@\.operationId == '([^']+)'\)\]$`)
	pathTarget   = regexp.MustCompile(`^\$\['paths'\]\['((?:[^'\\]|\\.)*)'\]\['([a-z]+)'\]$`)
	schemaTarget = regexp.MustCompile(`^\$\['components'\]\['schemas'\]\['((?:[^'\\]|\\.)*)'\]$`)
	unescape     = strings.NewReplacer(`\'`, `'`, `\\`, `\`)
)

func targetFor(id string) string {
	return "$.paths.*.*[?(@.operationId == '" + id + "')]"
}

func parseOverlay(doc *yaml.Node) (*overlay, error) {
	root := yamlnode.Root(doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the overlay is not a YAML mapping")
	}
	actions := yamlnode.Get(root, "actions")
	switch {
	case actions == nil:
		actions = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "actions"}, actions)
	case actions.Kind == yaml.ScalarNode && actions.Tag == "!!null":
		*actions = yaml.Node{Kind: yaml.SequenceNode}
	case actions.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("the overlay's actions is not a list")
	}
	o := &overlay{doc: doc, actions: actions, renames: map[string]string{},
		pathRenames: map[string]string{}, typeNames: map[string]string{}}
	for _, a := range actions.Content {
		switch r := renameOf(a); r.kind {
		case byID:
			o.renames[r.key] = r.name
		case byPath:
			o.pathRenames[r.key] = r.name
		case bySchema:
			o.typeNames[r.key] = r.name
		}
	}
	return o, nil
}

type renameKind int

const (
	notRename renameKind = iota
	byID                 // key: the published operationId
	byPath               // key: "GET /path"
	bySchema             // key: the component schema's name
)

type rename struct {
	kind      renameKind
	key, name string
}

// renameOf says what an action renames, if it is one of ours.
func renameOf(action *yaml.Node) rename {
	target := yamlnode.Get(action, "target")
	update := yamlnode.Get(action, "update")
	if target == nil || update == nil {
		return rename{}
	}
	if id := yamlnode.Get(update, "operationId"); id != nil {
		if m := renameTarget.FindStringSubmatch(target.Value); m != nil {
			return rename{byID, m[1], id.Value}
		}
		if m := pathTarget.FindStringSubmatch(target.Value); m != nil {
			return rename{byPath, strings.ToUpper(m[2]) + " " + unescape.Replace(m[1]), id.Value}
		}
	}
	if n := yamlnode.Get(update, "x-go-name"); n != nil {
		if m := schemaTarget.FindStringSubmatch(target.Value); m != nil {
			return rename{bySchema, unescape.Replace(m[1]), n.Value}
		}
	}
	return rename{}
}

// plan is what the names check found.
type plan struct {
	missing    []naming            // operations that need an action to get their Go name
	types      []typeNaming        // component schemas that need a Go type name
	stale      []string            // renames of operations or schemas the spec no longer has
	resolved   []string            // how each collision was settled, for people to read
	collisions map[string][]string // Go name -> operations the overlay gives it (unresolvable here)
}

type naming struct {
	op   operation
	name string
	why  string // for the action's description; "" for a FastAPI function name
}

// check compares the spec's operations with the overlay's renames and
// chooses a distinct Go name for every operation that needs one (see
// resolve).
func check(spec *yaml.Node, ops []operation, o *overlay) plan {
	var p plan
	inSpec := map[string]bool{}
	for _, op := range ops {
		inSpec[op.ID] = true
		inSpec[op.String()] = true
	}
	for id := range o.renames {
		if !inSpec[id] {
			p.stale = append(p.stale, id)
		}
	}
	for key := range o.pathRenames {
		if !inSpec[key] {
			p.stale = append(p.stale, key)
		}
	}
	schemas := yamlnode.Get(yamlnode.Get(yamlnode.Root(spec), "components"), "schemas")
	for name := range o.typeNames {
		if yamlnode.Get(schemas, name) == nil {
			p.stale = append(p.stale, "components.schemas."+name)
		}
	}
	slices.Sort(p.stale)
	p.types = typeNames(spec, o)
	resolve(spec, ops, o, p.types, &p)
	return p
}

// action builds the overlay action that names op: found by its
// operationId, or by path and method when it has none.
func action(n naming) *yaml.Node {
	target, description := targetFor(n.op.ID), fmt.Sprintf("Go name for %s, instead of FastAPI's generated operationId.", n.op)
	if n.op.ID == "" || n.op.shared {
		target = yamlnode.JSONPath([]string{"paths", n.op.Path, strings.ToLower(n.op.Method)})
	}
	if n.why != "" {
		description = fmt.Sprintf("Go name for %s (%s).", n.op, n.why)
	}
	var node yaml.Node
	// Encoding a struct keeps the key order fixed and the quoting right.
	_ = node.Encode(struct {
		Target      string            `yaml:"target"`
		Description string            `yaml:"description"`
		Update      map[string]string `yaml:"update"`
	}{
		Target:      target,
		Description: description,
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
		switch r := renameOf(a); r.kind {
		case byID, byPath:
			return stale[r.key]
		case bySchema:
			return stale["components.schemas."+r.key]
		}
		return false
	})
	for _, n := range p.missing {
		o.actions.Content = append(o.actions.Content, action(n))
	}
	for _, t := range p.types {
		o.actions.Content = append(o.actions.Content, t.action())
	}
}
