package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	goname "github.com/datafold/datafold-go/internal/naming"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// How every operation gets a distinct Go name.
//
// Each operation starts from a base name, by source, and sources rank in
// this order when names collide:
//
//  1. overlay: the name overlay.yaml gives it. It never changes: a later
//     operation that collides with it gets the longer name.
//  2. operationId: a published id FastAPI did not generate (schedules_list,
//     listItems, get-data.source), camel-cased as oapi-codegen would.
//  3. FastAPI: the route's function name from FastAPI's default id
//     (read_work_queue_work_queues__id__get: ReadWorkQueue).
//  4. path: an operation without an operationId (or with one that makes no
//     Go identifier) is named from its method and static path segments,
//     singular where a parameter follows (GET /users/{id}/posts:
//     GetUserPosts); api and version segments are left out.
//
// Two names collide when their Go names are equal, or when an identifier
// oapi-codegen declares from one (FooWithResponse, FooParams,
// FooJSONRequestBody, NewFooRequest, ParseFooResponse...) is one it
// declares from the other or a component's type name (a schema named
// FooResponse and the operation Foo's response type), or a field of the
// generated Client. Of a group sharing a base name, a member whose source
// outranks all others keeps it. The rest get, in turn, the first of these
// that is free and that no other member of the group also wants:
//
//  1. the static path segments that tell it from the others, singular,
//     merged into the name by their common words: ReadWorkQueue on
//     /work_pools/{work_pool_name}/queues/{name}, beside /work_queues/{id},
//     adds work, pool, queue: ReadWorkPoolQueue, while /work_queues/{id}
//     adds nothing new and so keeps ReadWorkQueue. A segment with no word
//     in common goes after the verb (ValidateAutomationTemplate), a
//     version (v2) at the end;
//  2. then its path parameters the others lack: ByName, ByWorkflowRunID;
//  3. then its method: ...Post;
//  4. then a number, 2, 3, ..., in path order.
//
// Groups are settled in the order of their names and members in the order
// of their paths, so the result does not depend on where operations stand
// in the document.

type source int

const (
	fromPath source = iota
	fromFastAPI
	fromID
	fromOverlay
)

func (s source) String() string {
	return [...]string{"its path", "FastAPI's operationId", "its operationId", "overlay.yaml"}[s]
}

type candidate struct {
	op    operation
	src   source
	words []string // the base name's words
	base  string   // the base name, CamelCase
}

// claims records which generated identifiers are taken, and by whom, in
// the two namespaces they live in: the package (types and functions) and
// the client types' methods. Keys compare as goname.Key does.
type claims struct {
	pkg, meth map[string]string
}

func (c claims) conflict(owner string, pkg, meth []string) string {
	for _, k := range pkg {
		if o, ok := c.pkg[k]; ok && o != owner {
			return o
		}
	}
	for _, k := range meth {
		if o, ok := c.meth[k]; ok && o != owner {
			return o
		}
	}
	return ""
}

func (c claims) take(owner string, pkg, meth []string) {
	for _, k := range pkg {
		c.pkg[k] = owner
	}
	for _, k := range meth {
		c.meth[k] = owner
	}
}

// Declared by oapi-codegen's client templates whatever the spec holds.
var (
	fixedPkg = []string{"Client", "ClientInterface", "ClientOption", "ClientWithResponses",
		"ClientWithResponsesInterface", "HttpRequestDoer", "RequestEditorFn", "NewClient",
		"NewClientWithResponses", "WithBaseURL", "WithHTTPClient", "WithRequestEditorFn"}
	// Client's fields, and ClientWithResponses' embedded ClientInterface: a
	// method of the same name would not compile.
	fixedMeth = []string{"Server", "Client", "RequestEditors", "ClientInterface"}
)

// idents lists what oapi-codegen v2.8.2 declares from an operation's Go
// name: package-level types and functions (client.tmpl,
// client-with-responses.tmpl, param-types.tmpl, request-bodies.tmpl), and
// methods of Client and ClientWithResponses and their interfaces.
func idents(name string, op operation) (pkg, meth []string) {
	tags := bodyTags(op)
	pkg = []string{name + "Response", "Parse" + name + "Response", "New" + name + "Request"}
	meth = []string{name, name + "WithResponse"}
	if hasParams(op) {
		pkg = append(pkg, name+"Params")
	}
	if len(tags) > 0 {
		pkg = append(pkg, "New"+name+"RequestWithBody")
		meth = append(meth, name+"WithBody", name+"WithBodyWithResponse")
	}
	for _, t := range tags {
		pkg = append(pkg, name+t+"Body", name+t+"RequestBody", "New"+name+"RequestWith"+t+"Body")
		meth = append(meth, name+"With"+t+"Body", name+"With"+t+"BodyWithResponse")
	}
	return keys(pkg), keys(meth)
}

func keys(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = goname.Key(n)
	}
	return out
}

// bodyTags are the NameTags oapi-codegen gives the request body's media
// types (GenerateBodyDefinitions).
func bodyTags(op operation) []string {
	content := yamlnode.Get(yamlnode.Get(op.node, "requestBody"), "content")
	var tags []string
	for i := 0; content != nil && i+1 < len(content.Content); i += 2 {
		switch ct := content.Content[i].Value; {
		case ct == "application/json":
			tags = append(tags, "JSON")
		case strings.Contains(ct, "json"):
			tags = append(tags, codegen.ToCamelCase(ct))
		case strings.HasPrefix(ct, "multipart/"):
			tags = append(tags, "Multipart")
		case ct == "application/x-www-form-urlencoded":
			tags = append(tags, "Formdata")
		case ct == "text/plain":
			tags = append(tags, "Text")
		}
	}
	if len(tags) == 0 && content != nil && len(content.Content) > 0 {
		tags = append(tags, "") // a body of another type: only the WithBody forms
	}
	return tags
}

func hasParams(op operation) bool {
	p1, p2 := yamlnode.Get(op.node, "parameters"), yamlnode.Get(op.item, "parameters")
	return p1 != nil && len(p1.Content) > 0 || p2 != nil && len(p2.Content) > 0
}

// componentTypeNames are the Go type names components declare, as keys.
func componentTypeNames(spec *yaml.Node, types []typeNaming, o *overlay) map[string]string {
	renamed := map[string]string{}
	for name, goName := range o.typeNames {
		renamed[name] = goName
	}
	for _, t := range types {
		renamed[t.schema] = t.name
	}
	out := map[string]string{}
	components := yamlnode.Get(yamlnode.Root(spec), "components")
	for _, section := range []string{"schemas", "parameters", "responses", "requestBodies", "headers"} {
		m := yamlnode.Get(components, section)
		for i := 0; m != nil && i+1 < len(m.Content); i += 2 {
			name := m.Content[i].Value
			goName := codegen.ToCamelCase(name)
			if n := yamlnode.Get(m.Content[i+1], "x-go-name"); n != nil {
				goName = n.Value
			}
			if r, ok := renamed[name]; ok && section == "schemas" {
				goName = r
			}
			out[goName] = "the type of components." + section + "." + name
		}
	}
	return out
}

// baseName is an operation's name before collisions are considered.
func baseName(op operation, o *overlay) candidate {
	c := candidate{op: op}
	if name, ok := o.renames[op.ID]; ok && op.ID != "" && !op.shared {
		c.src, c.base = fromOverlay, codegen.ToCamelCase(name)
	} else if name, ok := o.pathRenames[op.String()]; ok {
		c.src, c.base = fromOverlay, codegen.ToCamelCase(name)
	} else if fn := fastapiFunc(op); fn != "" {
		c.src, c.words = fromFastAPI, goname.Words(fn)
	} else if n := codegen.ToCamelCase(op.ID); n != "" && unicode.IsLetter([]rune(n)[0]) {
		c.src, c.words = fromID, goname.Words(n)
	} else {
		c.src, c.words = fromPath, pathWords(op)
	}
	if c.words == nil {
		c.words = goname.Words(c.base)
	}
	if c.base == "" {
		c.base = join(c.words)
	}
	return c
}

var version = regexp.MustCompile(`^[vV][0-9]+$`)

// pathWords names an operation from its method and path.
func pathWords(op operation) []string {
	words := []string{strings.ToLower(op.Method)}
	segs := strings.Split(strings.Trim(op.Path, "/"), "/")
	for i, s := range segs {
		if s == "" || isParam(s) || strings.EqualFold(s, "api") || version.MatchString(s) {
			continue
		}
		w := goname.Words(s)
		if i+1 < len(segs) && isParam(segs[i+1]) && len(w) > 0 {
			w[len(w)-1] = goname.Singular(w[len(w)-1])
		}
		words = append(words, w...)
	}
	if len(words) == 1 {
		words = append(words, "root")
	}
	return words
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// join writes words as one CamelCase name.
func join(words []string) string {
	var b strings.Builder
	for _, w := range words {
		r := []rune(w)
		if len(r) == 0 {
			continue
		}
		b.WriteString(strings.ToUpper(string(r[0])) + string(r[1:]))
	}
	return b.String()
}

// resolve fills p.missing with every operation that needs an overlay
// action, p.resolved with how collisions were settled, and p.collisions
// with those between names overlay.yaml fixes, which only a person can
// settle.
func resolve(spec *yaml.Node, ops []operation, o *overlay, types []typeNaming, p *plan) {
	cl := claims{pkg: map[string]string{}, meth: map[string]string{}}
	for _, n := range fixedPkg {
		cl.pkg[goname.Key(n)] = "oapi-codegen's " + n
	}
	for _, n := range fixedMeth {
		cl.meth[goname.Key(n)] = "a field of the generated Client"
	}
	for n, owner := range componentTypeNames(spec, types, o) {
		cl.pkg[goname.Key(n)] = owner
	}

	cands := make([]candidate, len(ops))
	for i, op := range ops {
		cands[i] = baseName(op, o)
	}
	final := make([]string, len(ops))
	why := make([]string, len(ops))

	// Overlay names first: they are kept whatever else the spec holds.
	order := make([]int, len(ops))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareCands(cands[a], cands[b]) })
	for _, i := range order {
		c := cands[i]
		if c.src != fromOverlay {
			continue
		}
		final[i] = c.base
		pkg, meth := idents(c.base, c.op)
		if other := cl.conflict(c.op.String(), pkg, meth); other != "" {
			if strings.HasPrefix(other, "the type of") || strings.HasPrefix(other, "oapi-codegen") || strings.HasPrefix(other, "a field") {
				p.resolved = append(p.resolved, fmt.Sprintf("warning: %s (%s, from overlay.yaml) clashes with %s; kept, as names in overlay.yaml never change", c.base, c.op, other))
			} else {
				if p.collisions == nil {
					p.collisions = map[string][]string{}
				}
				key := c.base + " (beside " + other + ")"
				p.collisions[key] = append(p.collisions[key], fmt.Sprintf("%s (%s)", c.op, c.op.ID))
			}
		}
		cl.take(c.op.String(), pkg, meth)
	}

	// Group the rest by base name; a sole member outranking the others
	// keeps it, if it is free.
	groups := map[string][]int{}
	for _, i := range order {
		if cands[i].src != fromOverlay {
			k := goname.Key(cands[i].base)
			groups[k] = append(groups[k], i)
		}
	}
	type pending struct {
		key     string
		members []int // to rename
		peers   []int // the whole group, for what tells its members apart
		reason  string
	}
	var todo []pending
	type keep struct {
		key    string
		keeper int
	}
	var keepers []keep
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		top, n := fromPath, 0
		for _, i := range g {
			switch s := cands[i].src; {
			case s > top:
				top, n = s, 1
			case s == top:
				n++
			}
		}
		var rest []int
		for _, i := range g {
			if n == 1 && cands[i].src == top {
				keepers = append(keepers, keep{k, i})
			} else {
				rest = append(rest, i)
			}
		}
		if len(rest) > 0 {
			todo = append(todo, pending{k, rest, g, fmt.Sprintf("%d operations share it", len(g))})
		}
	}
	// Keepers claim their names by rank, so that of two names that clash
	// through what oapi-codegen derives from them (Foo's method FooWithBody
	// and an operation named FooWithBody) the better-ranked, then the
	// shorter, wins.
	slices.SortFunc(keepers, func(a, b keep) int {
		if c := compareCands(cands[a.keeper], cands[b.keeper]); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, kp := range keepers {
		c := cands[kp.keeper]
		pkg, meth := idents(c.base, c.op)
		if other := cl.conflict(c.op.String(), pkg, meth); other != "" {
			i := slices.IndexFunc(todo, func(t pending) bool { return t.key == kp.key })
			if i < 0 {
				todo = append(todo, pending{kp.key, nil, groups[kp.key], "would clash with " + other})
				i = len(todo) - 1
			}
			todo[i].members = append(todo[i].members, kp.keeper)
			slices.SortFunc(todo[i].members, func(a, b int) int { return compareCands(cands[a], cands[b]) })
			continue
		}
		cl.take(c.op.String(), pkg, meth)
		final[kp.keeper] = c.base
	}
	slices.SortFunc(todo, func(a, b pending) int { return strings.Compare(a.key, b.key) })

	for _, t := range todo {
		// What tells members apart is judged against every operation of
		// that base name, those overlay.yaml names included.
		var peers []operation
		for i, c := range cands {
			if goname.Key(c.base) == t.key && (c.src == fromOverlay || slices.Contains(t.peers, i)) {
				peers = append(peers, c.op)
			}
		}
		left := slices.Clone(t.members)
		for level := 1; level <= 3 && len(left) > 0; level++ {
			want := map[int]string{}
			count := map[string]int{}
			for _, i := range left {
				w := qualify(cands[i], peers, level)
				want[i] = w
				count[goname.Key(w)]++
			}
			var next []int
			for _, i := range left {
				name := want[i]
				pkg, meth := idents(name, cands[i].op)
				if count[goname.Key(name)] > 1 || cl.conflict(cands[i].op.String(), pkg, meth) != "" {
					next = append(next, i)
					continue
				}
				cl.take(cands[i].op.String(), pkg, meth)
				final[i], why[i] = name, []string{"", "path segments", "path parameters", "method"}[level]
			}
			left = next
		}
		for _, i := range left {
			stem := qualify(cands[i], peers, 3)
			for n := 2; ; n++ {
				name := stem + strconv.Itoa(n)
				pkg, meth := idents(name, cands[i].op)
				if cl.conflict(cands[i].op.String(), pkg, meth) == "" {
					cl.take(cands[i].op.String(), pkg, meth)
					final[i], why[i] = name, "a number, as nothing else told it apart"
					break
				}
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s; chose:", cands[t.peers[0]].base, t.reason)
		for _, i := range t.peers {
			how := "kept"
			if why[i] != "" && final[i] != cands[i].base {
				how = "by " + why[i]
			}
			fmt.Fprintf(&b, "\n    %-60s %s (%s)", cands[i].op.String(), final[i], how)
		}
		p.resolved = append(p.resolved, b.String())
	}

	p.types = append(p.types, bodyTypeNames(spec, ops, final, o, cl)...)

	for i, c := range cands {
		if c.src == fromOverlay || c.src == fromID && final[i] == c.base && !c.op.shared {
			continue // named already: by the overlay, or by its own operationId
		}
		n := naming{op: c.op, name: final[i]}
		switch {
		case c.src == fromID && c.op.shared && final[i] == c.base:
			n.why = fmt.Sprintf("its operationId %s is another operation's too", c.op.ID)
		case c.src == fromID:
			n.why = fmt.Sprintf("its operationId %s would collide (%s)", c.op.ID, why[i])
		case c.src == fromPath && c.op.ID == "":
			n.why = "it has no operationId"
		case c.src == fromPath:
			n.why = fmt.Sprintf("its operationId %s makes no Go name", c.op.ID)
		case why[i] != "":
			n.why = fmt.Sprintf("FastAPI's function name %s would collide; told apart by %s", c.base, why[i])
		}
		p.missing = append(p.missing, n)
	}
}

// compareCands orders candidates by rank, then name, then path and method.
func compareCands(a, b candidate) int {
	if a.src != b.src {
		return int(b.src) - int(a.src)
	}
	if c := strings.Compare(goname.Key(a.base), goname.Key(b.base)); c != 0 {
		return c
	}
	if c := strings.Compare(a.op.Path, b.op.Path); c != 0 {
		return c
	}
	return strings.Compare(a.op.Method, b.op.Method)
}

// qualify returns c's name told apart from peers at a level: 1 adds the
// static path segments the peers do not all share, 2 also the path
// parameters, 3 also the method.
func qualify(c candidate, peers []operation, level int) string {
	segs, params := distinguishing(c.op, peers)
	// Every static segment anchors the new words where they stand in the
	// path (read_logs on /logs/filter: ReadLogsFilter); only those that
	// tell the operation apart are added.
	var q []string
	var add []bool
	for _, s := range strings.Split(c.op.Path, "/") {
		if s == "" || isParam(s) {
			continue
		}
		w := goname.Words(s)
		if len(w) > 0 {
			w[len(w)-1] = goname.Singular(w[len(w)-1])
		}
		for range w {
			add = append(add, slices.Contains(segs, s))
		}
		q = append(q, w...)
	}
	words := merge(c.words, q, add)
	if level >= 2 && len(params) > 0 {
		words = append(words, "by")
		for j, prm := range params {
			if j > 0 {
				words = append(words, "and")
			}
			words = append(words, goname.Words(prm)...)
		}
	}
	if level >= 3 {
		words = append(words, strings.ToLower(c.op.Method))
	}
	return join(words)
}

// distinguishing returns op's static segments and parameters that not
// every peer has; with no peers but op itself, all of them but api and
// version segments.
func distinguishing(op operation, peers []operation) (segs, params []string) {
	has := func(o operation, s string) bool { return slices.Contains(strings.Split(o.Path, "/"), s) }
	for _, s := range strings.Split(op.Path, "/") {
		if s == "" {
			continue
		}
		// Alone, an operation is told apart from names, not from
		// operations: a version or an api prefix says nothing then.
		if len(peers) <= 1 && (strings.EqualFold(s, "api") || version.MatchString(s)) {
			continue
		}
		shared := len(peers) > 1
		for _, o := range peers {
			if o.Path != op.Path || o.Method != op.Method {
				shared = shared && has(o, s)
			}
		}
		if shared {
			continue
		}
		if isParam(s) {
			params = append(params, strings.Trim(s, "{}"))
		} else {
			segs = append(segs, s)
		}
	}
	return segs, params
}

// merge puts the qualifier's words marked add into name, matching the
// words they share (compared in the singular) and inserting the rest where
// they stand relative to those: name read work queue with qualifier work
// pool queue is read work pool queue. Words the name already has elsewhere
// are dropped; with none in common the new words go after the first word
// (the verb), and a version (v2) goes last.
func merge(name, qual []string, add []bool) []string {
	norm := func(w string) string { return goname.Singular(strings.ToLower(w)) }
	// Longest common subsequence of the two, on normalized words.
	n, m := len(name), len(qual)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if norm(name[i]) == norm(qual[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	at := make([]int, m) // qual index -> the name index it matches, or -1
	for j := range at {
		at[j] = -1
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case norm(name[i]) == norm(qual[j]):
			at[j] = i
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	inName := map[string]bool{}
	for _, w := range name {
		inName[norm(w)] = true
	}
	before := make(map[int][]string) // words to insert before name[i]; n is the end
	var versions []string
	for j, w := range qual {
		if at[j] >= 0 || inName[norm(w)] || !add[j] {
			continue
		}
		if version.MatchString(w) {
			versions = append(versions, w)
			continue
		}
		pos := -1
		for k := j + 1; k < m && pos < 0; k++ {
			if at[k] >= 0 {
				pos = at[k]
			}
		}
		for k := j - 1; k >= 0 && pos < 0; k-- {
			if at[k] >= 0 {
				pos = at[k] + 1
			}
		}
		if pos < 0 {
			pos = min(1, n)
		}
		before[pos] = append(before[pos], w)
	}
	var out []string
	for i := 0; i <= n; i++ {
		out = append(out, before[i]...)
		if i < n {
			out = append(out, name[i])
		}
	}
	return append(out, versions...)
}
