// Package invalid finds where an OpenAPI document breaks a rule that
// oapi-codegen v2.8.2 enforces, rules FastAPI documents do break, and
// settles each breach one of two ways:
//
//   - repaired, when overlay actions can mend it without guessing at what
//     the API means: opnames overlay writes the actions (Result.Actions)
//     into api/overlay.gen.yaml, and make update-spec prints a warning for
//     each, naming the operation and what was done, for reporting upstream;
//   - refused, when only a person can say what was meant: make update-spec
//     stops before it changes anything, with one line per breach naming the
//     operation, the rule and the overlay action that would settle it.
//
// The rules, and how each is settled (CONTRIBUTING.md lists them too):
//
//   - Every {name} of a path template is declared as an in: path parameter
//     ("path '…' has 1 positional parameters, but spec has 0 declared").
//     Repaired: an undeclared one is declared required, of type string. A
//     path segment is text on the wire whatever its schema says, so a
//     string sends every value the server accepts.
//   - Every in: path parameter is in the path template (the same error, the
//     counts the other way). Repaired: it is dropped. No URL can carry it,
//     so no request the client could send changes. It is not taken for the
//     undeclared one beside it (Phoenix's trace_identifier for
//     {identifier}), as that would guess they mean the same thing and give
//     the template's name the other's type.
//   - A path parameter is required, and every parameter has a schema or a
//     content ("parameter '…' has no schema or content"). Repaired: a path
//     parameter is required by definition, and a parameter without a
//     schema takes any text, which a string is.
//   - A header parameter is not named Accept, Content-Type or
//     Authorization: OpenAPI says such a definition SHALL be ignored.
//     Repaired: it is dropped. The generator kept it as a Params field
//     that replaced the header the client sets itself (Phoenix declares
//     content-type beside a protobuf body).
//   - A path parameter's schema admits no null. Repaired: the null is
//     taken out. No URL carries a null, so the server never receives one,
//     and a null the generated code accepted went out as an empty segment,
//     to another path (Frigate's {camera_name}, str | None in FastAPI).
//   - An operation's parameters are unique by name and location ("duplicate
//     local parameter"; FastAPI wrote a parameter a dependency shares with
//     its route twice). Repaired when the copies are identical: the later
//     ones are dropped. Refused when they differ: which schema the server
//     applies is not in the document.
//   - A schema keyword that holds a number (minimum, maximum, multipleOf,
//     the length and count bounds) holds one. Refused: kin-openapi, which
//     the generator reads the document with, cannot read it otherwise,
//     and it reads the document before it applies the overlay, so no
//     overlay action can settle it (pydantic writes a date's bound as
//     minimum: '2023-01-01', Polar's GET /v1/metrics/).
//   - A form body (application/x-www-form-urlencoded) is one object, not a
//     union. Refused: the generated client writes a form from a struct's
//     fields, and a union's has none, so it sent an empty body; which
//     branch to send is the caller's to choose (Polar's POST
//     /v1/oauth2/token).
//   - operationIds are unique. Repaired by opnames, which names each such
//     operation on its own, its overlay action found by path and method;
//     this package only warns. Refused when overlay.yaml already names one
//     of them by that operationId (CheckOverlay): the action would rename
//     every operation that has it, and which one it named before is not in
//     the new document.
//
// Rules are checked on the document as overlay.yaml leaves it, so an action
// a maintainer adds there to settle a refusal is seen (Apply).
package invalid

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// Result is what Check found.
type Result struct {
	// Warnings, one line each, for the breaches the actions repair, in
	// document order.
	Warnings []string
	// Refusals, one line each.
	Refusals []string
	// Actions are the overlay actions that repair the document, in an order
	// that keeps each one's target valid once those before it are applied.
	Actions []*yaml.Node
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// templateParam is the generator's own pattern for a path template's
// parameters ({name}, and RFC 6570's {.name}, {;name}, {?name}, {name*}).
var templateParam = regexp.MustCompile(`{[.;?]?([^{}*]+)\*?}`)

// param is a parameter as an operation sees it.
type param struct {
	name, in string
	node     *yaml.Node // the parameter object, a $ref followed
	list     []string   // JSONPath segments of the list holding it
	index    int        // its index in that list
	ref      string     // the component it comes from, when a $ref
	onItem   bool       // declared on the path item, for every operation
}

func (p param) target() string { return yamlnode.JSONPath(p.list) + fmt.Sprintf("[%d]", p.index) }

// Check reads doc (a parsed OpenAPI document) for breaches of the rules
// above.
func Check(doc *yaml.Node) Result {
	root := yamlnode.Root(doc)
	c := &checker{root: root, removed: map[string]bool{}, fixed: map[string]bool{}, opsByID: map[string][]string{}}
	paths := yamlnode.Get(root, "paths")
	for i := 0; paths != nil && i+1 < len(paths.Content); i += 2 {
		c.pathItem(paths.Content[i].Value, paths.Content[i+1])
	}
	c.operationIDs()
	c.numbers()

	// Updates target parameters by index, so they go before the removals,
	// and removals from one list go last to first; the additions append.
	slices.SortStableFunc(c.removals, func(a, b removal) int {
		if n := strings.Compare(a.list, b.list); n != 0 {
			return n
		}
		return b.index - a.index
	})
	r := Result{Warnings: c.warnings, Refusals: c.refusals, Actions: c.updates}
	for _, rm := range c.removals {
		r.Actions = append(r.Actions, rm.action)
	}
	r.Actions = append(r.Actions, c.additions...)
	return r
}

type removal struct {
	list   string
	index  int
	action *yaml.Node
}

type checker struct {
	root               *yaml.Node
	warnings, refusals []string
	updates, additions []*yaml.Node
	removals           []removal
	// Targets already settled: a path item's parameter or a component is
	// seen by every operation that uses it.
	removed, fixed map[string]bool
	opsByID        map[string][]string // operationId -> "METHOD path"s
	ids            []string            // operationIds in document order
}

func (c *checker) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

func (c *checker) refuse(format string, args ...any) {
	c.refusals = append(c.refusals, fmt.Sprintf(format, args...))
}

func (c *checker) remove(p param, description string) {
	if c.removed[p.target()] {
		return
	}
	c.removed[p.target()] = true
	c.removals = append(c.removals, removal{yamlnode.JSONPath(p.list), p.index, action(p.target(), description, nil)})
}

// params lists the parameters declared in list (at segments), $refs
// followed.
func (c *checker) params(list *yaml.Node, segments []string, onItem bool) []param {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []param
	for i, n := range list.Content {
		p := param{node: n, list: segments, index: i, onItem: onItem}
		if ref := yamlnode.Get(n, "$ref"); ref != nil {
			p.ref = ref.Value
			p.node = yamlnode.Resolve(c.root, ref.Value)
		}
		p.name = value(yamlnode.Get(p.node, "name"))
		p.in = value(yamlnode.Get(p.node, "in"))
		out = append(out, p)
	}
	return out
}

func (c *checker) pathItem(path string, item *yaml.Node) {
	var tmpl []string
	for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
		if !slices.Contains(tmpl, m[1]) {
			tmpl = append(tmpl, m[1])
		}
	}
	itemList := []string{"paths", path, "parameters"}
	shared := c.params(yamlnode.Get(item, "parameters"), itemList, true)
	c.duplicates(path, "", shared)
	for _, m := range methods {
		op := yamlnode.Get(item, m)
		if op == nil {
			continue
		}
		where := strings.ToUpper(m) + " " + path
		if id := value(yamlnode.Get(op, "operationId")); id != "" {
			if c.opsByID[id] == nil {
				c.ids = append(c.ids, id)
			}
			c.opsByID[id] = append(c.opsByID[id], where)
		}
		own := c.params(yamlnode.Get(op, "parameters"), []string{"paths", path, m, "parameters"}, false)
		c.duplicates(path, where, own)
		c.formUnion(where, []string{"paths", path, m}, op)

		// What the operation sees: its own parameters, then the path
		// item's it does not override.
		effective := slices.Clone(own)
		for _, s := range shared {
			if !slices.ContainsFunc(own, func(p param) bool { return p.name == s.name && p.in == s.in }) {
				effective = append(effective, s)
			}
		}
		seen := map[string]bool{}
		var missing []string
		for _, p := range effective {
			key := p.in + "\x00" + p.name
			if seen[key] {
				continue // a duplicate, settled above
			}
			seen[key] = true
			if p.in == "path" && !slices.Contains(tmpl, p.name) {
				c.orphan(where, p)
				continue
			}
			if p.in == "header" && reserved[strings.ToLower(p.name)] {
				c.ignored(where, p)
				continue
			}
			c.typeless(where, p)
			if p.in == "path" {
				c.nullable(where, p)
			}
		}
		for _, name := range tmpl {
			if !slices.ContainsFunc(effective, func(p param) bool { return p.in == "path" && p.name == name }) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			c.undeclared(where, []string{"paths", path, m}, missing)
		}
	}
}

// undeclared declares the path template's parameters the operation lacks.
func (c *checker) undeclared(where string, op []string, names []string) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, name := range names {
		list.Content = append(list.Content, mapping(
			"name", scalar(name), "in", scalar("path"), "required", boolean(true),
			"schema", mapping("type", scalar("string"))))
		c.warn("%s: path parameter {%s} is not declared; declared as a required string by a generated overlay action (rule: every parameter of a path template is declared in: path)",
			where, name)
	}
	c.additions = append(c.additions, action(yamlnode.JSONPath(op),
		fmt.Sprintf("Declares %s, which %s's path has but the document does not declare, as a required string: a path segment is text on the wire (written by 'opnames overlay').",
			strings.Join(names, ", "), where),
		mapping("parameters", list)))
}

// orphan drops a path parameter the path template lacks.
func (c *checker) orphan(where string, p param) {
	c.warn("%s: path parameter %s is declared, but the path has no {%s}; dropped by a generated overlay action, as no request can carry it (rule: every in: path parameter is in the path template)",
		where, p.name, p.name)
	if p.onItem {
		where = "every operation of " + strings.Join(p.list[1:2], "")
	}
	c.remove(p, fmt.Sprintf("Drops path parameter %s from %s: its path has no {%s}, so no request can carry it (written by 'opnames overlay').",
		p.name, where, p.name))
}

// formUnion refuses a form body that is a union of several schemas (Polar's
// POST /v1/oauth2/token, one of three token requests). The generated
// client encodes a form from a struct's fields, and a union's struct has
// none: it sent an empty body. Which branch to send is the caller's
// choice, which the document leaves open.
func (c *checker) formUnion(where string, op []string, node *yaml.Node) {
	const form = "application/x-www-form-urlencoded"
	schema := yamlnode.Get(yamlnode.Get(yamlnode.Get(yamlnode.Get(node, "requestBody"), "content"), form), "schema")
	s := schema
	if ref := yamlnode.Get(s, "$ref"); ref != nil {
		s = yamlnode.Resolve(c.root, ref.Value)
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		branches := yamlnode.Get(s, kw)
		if branches == nil || branches.Kind != yaml.SequenceNode {
			continue
		}
		var real []*yaml.Node
		for _, b := range branches.Content {
			if value(yamlnode.Get(b, "type")) != "null" {
				real = append(real, b)
			}
		}
		if len(real) < 2 {
			continue
		}
		media := yamlnode.JSONPath(append(slices.Clone(op), "requestBody", "content", form))
		fix := "to send one of them, give the body that branch's schema in overlay.yaml (remove " + media + "['schema'], then update " + media + " with it)"
		if ref := value(yamlnode.Get(real[0], "$ref")); ref != "" {
			fix = fmt.Sprintf("to send %s, add to overlay.yaml's actions - {target: \"%s['schema']\", remove: true} and then - {target: \"%s\", update: {schema: {$ref: '%s'}}}",
				ref[strings.LastIndex(ref, "/")+1:], media, media, ref)
		}
		c.refuse("%s: its %s body is a %s of %d schemas, which the generated client cannot write as a form: it sent an empty body (rule: a form body is one object); %s",
			where, form, kw, len(real), fix)
		return
	}
}

// reserved are the header names OpenAPI says a header parameter SHALL be
// ignored under: the client sets those itself.
var reserved = map[string]bool{"accept": true, "content-type": true, "authorization": true}

// ignored drops a header parameter OpenAPI says to ignore. The generator
// does not: it made a Params field whose value replaced the header the
// client sets (Phoenix's content-type beside a protobuf body sent
// whatever the field held as the body's media type).
func (c *checker) ignored(where string, p param) {
	c.warn("%s: header parameter %s is one OpenAPI says to ignore; dropped by a generated overlay action, the client sets that header itself (rule: no header parameter is named Accept, Content-Type or Authorization)",
		where, p.name)
	c.remove(p, fmt.Sprintf("Drops header parameter %s of %s, which OpenAPI says to ignore: the client sets that header itself (written by 'opnames overlay').", p.name, where))
}

// nullable takes null out of a path parameter's schema. A URL has no
// null: the segment is always text, so the server never receives one,
// and a null the generated code accepted was sent as an empty segment,
// a request to another path (Frigate's {camera_name}, str | None in
// FastAPI).
func (c *checker) nullable(where string, p param) {
	schema := yamlnode.Get(p.node, "schema")
	fixed, ok := withoutNull(schema)
	if !ok {
		return
	}
	target := p.target()
	if p.ref != "" {
		target = refTarget(p.ref)
	}
	if c.fixed[target+"/null"] {
		return
	}
	c.fixed[target+"/null"] = true
	c.warn("%s: path parameter %s may be null, which no URL can carry; the null is taken out of its schema by a generated overlay action (rule: a path parameter is a value)",
		where, p.name)
	c.updates = append(c.updates,
		action(target+"['schema']", "Replaced below by the same schema without null (written by 'opnames overlay').", nil),
		action(target, fmt.Sprintf("Path parameter %s of %s without null, which no URL can carry (written by 'opnames overlay').", p.name, where),
			mapping("schema", fixed)))
}

// withoutNull returns schema without its null: a null branch of anyOf or
// oneOf (with one branch left, that branch, keeping the schema's own
// title and description), or "null" in a list of types. ok is false when
// schema admits no null.
func withoutNull(schema *yaml.Node) (*yaml.Node, bool) {
	if schema == nil || schema.Kind != yaml.MappingNode {
		return nil, false
	}
	if t := yamlnode.Get(schema, "type"); t != nil && t.Kind == yaml.SequenceNode {
		var types []*yaml.Node
		for _, v := range t.Content {
			if v.Value != "null" {
				types = append(types, v)
			}
		}
		if len(types) == len(t.Content) || len(types) == 0 {
			return nil, false
		}
		out := copyNode(schema)
		if len(types) == 1 {
			*yamlnode.Get(out, "type") = *types[0]
		} else {
			yamlnode.Get(out, "type").Content = types
		}
		return out, true
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		branches := yamlnode.Get(schema, kw)
		if branches == nil || branches.Kind != yaml.SequenceNode {
			continue
		}
		var rest []*yaml.Node
		for _, b := range branches.Content {
			if value(yamlnode.Get(b, "type")) != "null" {
				rest = append(rest, b)
			}
		}
		if len(rest) == len(branches.Content) || len(rest) == 0 {
			continue
		}
		if len(rest) > 1 {
			out := copyNode(schema)
			yamlnode.Get(out, kw).Content = rest
			return out, true
		}
		out := copyNode(rest[0])
		for i := 0; i+1 < len(schema.Content); i += 2 {
			k, v := schema.Content[i].Value, schema.Content[i+1]
			if k != kw && yamlnode.Get(out, k) == nil && !(k == "default" && v.ShortTag() == "!!null") {
				out.Content = append(out.Content, schema.Content[i], schema.Content[i+1])
			}
		}
		return out, true
	}
	return nil, false
}

func copyNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = copyNode(k)
	}
	return &c
}

// typeless gives a path parameter required: true and a parameter without
// a schema or content the schema of any text.
func (c *checker) typeless(where string, p param) {
	if p.node == nil {
		return
	}
	noSchema := yamlnode.Get(p.node, "schema") == nil && yamlnode.Get(p.node, "content") == nil
	notRequired := p.in == "path" && value(yamlnode.Get(p.node, "required")) != "true"
	if !noSchema && !notRequired {
		return
	}
	target := p.target()
	if p.ref != "" {
		target = refTarget(p.ref)
	}
	if c.fixed[target] {
		return
	}
	c.fixed[target] = true
	update := &yaml.Node{Kind: yaml.MappingNode}
	var lacks, did []string
	if notRequired {
		update.Content = append(update.Content, scalar("required"), boolean(true))
		lacks, did = append(lacks, "required: true"), append(did, "required")
	}
	if noSchema {
		update.Content = append(update.Content, scalar("schema"), mapping("type", scalar("string")))
		lacks, did = append(lacks, "a schema"), append(did, "a string")
	}
	c.warn("%s: %s parameter %s lacks %s; made %s by a generated overlay action (rule: a path parameter is required, and every parameter has a schema)",
		where, p.in, p.name, strings.Join(lacks, " and "), strings.Join(did, " and "))
	c.updates = append(c.updates, action(target,
		fmt.Sprintf("Makes %s parameter %s %s: a path parameter is always required, and one without a schema takes any text (written by 'opnames overlay').",
			p.in, p.name, strings.Join(did, " and ")), update))
}

// duplicates settles parameters declared twice in one list.
func (c *checker) duplicates(path, where string, list []param) {
	if where == "" {
		where = "the path item " + path
	}
	for i, p := range list {
		for _, q := range list[:i] {
			if p.name != q.name || p.in != q.in || p.name == "" {
				continue
			}
			if same(p, q) {
				c.warn("%s: %s parameter %s is declared twice, identically; the later one is dropped by a generated overlay action (rule: an operation's parameters are unique by name and location)",
					where, p.in, p.name)
				c.remove(p, fmt.Sprintf("Drops the second, identical declaration of %s parameter %s of %s (written by 'opnames overlay').", p.in, p.name, where))
			} else {
				c.refuse("%s: %s parameter %s is declared twice, differently (rule: an operation's parameters are unique by name and location); to keep the first, add to overlay.yaml's actions: - {target: \"%s\", remove: true}",
					where, p.in, p.name, p.target())
			}
			break
		}
	}
}

// numeric are the schema keywords that hold numbers, integers or not;
// exclusiveMinimum and exclusiveMaximum are left out, being booleans in
// OpenAPI 3.0.
var numeric = map[string]bool{"minimum": false, "maximum": false, "multipleOf": false,
	"minLength": true, "maxLength": true, "minItems": true, "maxItems": true, "minProperties": true, "maxProperties": true}

// numbers refuses a schema keyword that should hold a number and holds
// something else (pydantic writes a date's bound, ge=date(2023, 1, 1), as
// minimum: '2023-01-01': Polar's GET /v1/metrics/). kin-openapi, which
// the generator reads the document with, cannot read it, and it does so
// before it applies the overlay, so no overlay action can settle it.
func (c *checker) numbers() {
	yamlnode.Walk(c.root, "#", func(m *yaml.Node, ptr string) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			key, v := m.Content[i].Value, m.Content[i+1]
			integer, ok := numeric[key]
			if !ok {
				continue
			}
			if tag := v.ShortTag(); tag == "!!int" || !integer && tag == "!!float" {
				continue
			}
			kind := "a number"
			if integer {
				kind = "a whole number"
			}
			c.refuse("%s: %s at %s is %q, not %s (rule: minimum, maximum, multipleOf and the length and count bounds are numbers); "+
				"no overlay action can settle it, as the generator reads the document before it applies the overlay: have it published with a number there, or without the bound",
				operationAt(ptr), key, ptr, v.Value, kind)
		}
	})
}

// operationAt names the operation a JSON pointer into the document is in
// ("GET /v1/metrics/"), or returns the pointer.
func operationAt(ptr string) string {
	tokens := strings.Split(ptr, "/")
	if len(tokens) >= 4 && tokens[1] == "paths" && slices.Contains(methods, tokens[3]) {
		path := strings.ReplaceAll(strings.ReplaceAll(tokens[2], "~1", "/"), "~0", "~")
		return strings.ToUpper(tokens[3]) + " " + path
	}
	return ptr
}

// operationIDs warns about an operationId several operations share.
func (c *checker) operationIDs() {
	for _, id := range c.ids {
		if ops := c.opsByID[id]; len(ops) > 1 {
			c.warn("operationId %s is on %s; opnames names each of them on its own, its overlay action found by path and method (rule: operationIds are unique)",
				id, strings.Join(ops, ", "))
		}
	}
}

func same(p, q param) bool {
	if p.ref != "" || q.ref != "" {
		return p.ref == q.ref
	}
	return encode(p.node) == encode(q.node)
}

func encode(n *yaml.Node) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	_ = enc.Encode(plain(n))
	return b.String()
}

// plain is a copy of n without styles, comments or key order, so that the
// same value written two ways compares equal.
func plain(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := &yaml.Node{Kind: n.Kind, Tag: n.ShortTag(), Value: n.Value}
	if n.Kind != yaml.MappingNode {
		for _, k := range n.Content {
			c.Content = append(c.Content, plain(k))
		}
		return c
	}
	var keys []int
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, i)
	}
	slices.SortFunc(keys, func(a, b int) int { return strings.Compare(n.Content[a].Value, n.Content[b].Value) })
	for _, i := range keys {
		c.Content = append(c.Content, plain(n.Content[i]), plain(n.Content[i+1]))
	}
	return c
}

func refTarget(ref string) string {
	rest, _ := strings.CutPrefix(ref, "#/")
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		segs = append(segs, strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~"))
	}
	return yamlnode.JSONPath(segs)
}

func value(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func action(target, description string, update *yaml.Node) *yaml.Node {
	a := mapping("target", scalar(target), "description", scalar(description))
	if update == nil {
		a.Content = append(a.Content, scalar("remove"), boolean(true))
	} else {
		a.Content = append(a.Content, scalar("update"), update)
	}
	return a
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(b)}
}

// mapping builds a mapping from alternating keys and values.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, scalar(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}
