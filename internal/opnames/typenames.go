package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	goname "github.com/datafold/datafold-go/internal/naming"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// pydantic names a model after its module when two models of one name meet
// in a document: datafold__monitors__schemas__DiffAlertCondition, which
// oapi-codegen turns into DatafoldMonitorsSchemasDiffAlertCondition.
// oapi-codegen v2.8.2 takes a component schema's Go type name from its
// x-go-name (renameSchema, and ResolveNames pins it), so names -auto
// writes that extension into overlay.yaml for each such schema:
//
//   - the model name alone, when no other schema has it;
//   - else the model name after the module segments nearest to it that
//     tell it from the others of that name (MonitorsDiffAlertCondition),
//     leaving out common ones (schemas, models, types) and, while others
//     will do, those whose words the model name already has: beside
//     datafold__monitors__schemas__DiffAlertCondition,
//     datafold__diffs__schemas__DiffAlertCondition has nothing to add, so
//     it is DiffAlertCondition. Should the model name alone be taken, such
//     a segment is used after all (MonitorsMonitor beside Monitor);
//   - else, should that still collide, the name oapi-codegen would give.
//
// Like operation names, a type name in overlay.yaml never changes.

type typeNaming struct {
	schema, name string
	body         bool // a FastAPI Body_ model, not a module-qualified one
}

func (t typeNaming) action() *yaml.Node {
	description := fmt.Sprintf("Go type name for %s, instead of pydantic's module-qualified name.", t.schema)
	if t.body {
		description = fmt.Sprintf("Go type name for %s, the body FastAPI made for one operation, after that operation's Go name.", t.schema)
	}
	return overlayAction(yamlnode.JSONPath([]string{"components", "schemas", t.schema}), description,
		&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("x-go-name"), scalar(t.name)}}, false)
}

// Module segments too common to tell models apart by.
var genericModules = map[string]bool{"schemas": true, "schema": true, "models": true, "model": true,
	"types": true, "api": true, "app": true, "src": true, "main": true}

var moduleName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// isModule reports whether parts are a Python module path, as pydantic
// writes before a class name (FastAPI's Body_..._post names hold "__" too,
// but end in a method).
func isModule(parts []string) bool {
	for _, p := range parts {
		if !moduleName.MatchString(p) {
			return false
		}
	}
	return true
}

type qualified struct {
	schema  string
	modules []string
	model   string
}

// qualifyTypes names the members of group not done yet: level by level,
// each offers the model name after its first level segments (or all it
// has), and takes it when no other member offers it and it is free.
func qualifyTypes(group []qualified, segs [][]string, done []bool, taken map[string]bool) []typeNaming {
	var out []typeNaming
	maxLevel := 0
	for _, c := range segs {
		maxLevel = max(maxLevel, len(c))
	}
	for level := 0; level <= maxLevel; level++ {
		want := make([]string, len(group))
		count := map[string]int{}
		for i, q := range group {
			if done[i] {
				continue
			}
			// One with fewer segments than the level keeps offering
			// them, and gets them once the others have moved on.
			s := slices.Clone(segs[i][:min(level, len(segs[i]))])
			slices.Reverse(s)
			want[i] = codegen.ToCamelCase(strings.Join(append(s, q.model), "_"))
			count[goname.Key(want[i])]++
		}
		for i, q := range group {
			if want[i] == "" || count[goname.Key(want[i])] > 1 || taken[goname.Key(want[i])] {
				continue
			}
			taken[goname.Key(want[i])] = true
			done[i] = true
			out = append(out, typeNaming{schema: q.schema, name: want[i]})
		}
	}
	return out
}

// typeNames chooses Go type names for module-qualified schemas that do not
// have one yet.
func typeNames(spec *yaml.Node, o *overlay) []typeNaming {
	schemas := yamlnode.Get(yamlnode.Get(yamlnode.Root(spec), "components"), "schemas")
	taken := map[string]bool{}
	byModel := map[string][]qualified{}
	for i := 0; schemas != nil && i+1 < len(schemas.Content); i += 2 {
		name := schemas.Content[i].Value
		if n, ok := o.typeNames[name]; ok {
			taken[goname.Key(n)] = true
			continue
		}
		if n := yamlnode.Get(schemas.Content[i+1], "x-go-name"); n != nil {
			taken[goname.Key(n.Value)] = true
			continue
		}
		parts := strings.Split(name, "__")
		model := parts[len(parts)-1]
		if len(parts) < 2 || !isModule(parts[:len(parts)-1]) || !unicode.IsUpper([]rune(model + " ")[0]) {
			taken[goname.Key(codegen.ToCamelCase(name))] = true
			continue
		}
		k := goname.Key(model)
		byModel[k] = append(byModel[k], qualified{name, parts[:len(parts)-1], model})
	}

	var out []typeNaming
	for _, k := range sortedKeys(byModel) {
		group := byModel[k]
		slices.SortFunc(group, func(a, b qualified) int { return strings.Compare(a.schema, b.schema) })
		// The segments that tell each member apart, nearest the model
		// first: those that add to the model name, then, should those
		// not do, all of them.
		cands := make([][]string, len(group))
		all := make([][]string, len(group))
		modelWords := map[string]bool{}
		for _, w := range goname.Words(group[0].model) {
			modelWords[goname.Singular(w)] = true
		}
		for i, q := range group {
			for j := len(q.modules) - 1; j >= 0; j-- {
				s := q.modules[j]
				shared := len(group) > 1
				for _, other := range group {
					if other.schema != q.schema {
						shared = shared && slices.Contains(other.modules, s)
					}
				}
				if shared || genericModules[strings.ToLower(s)] {
					continue
				}
				all[i] = append(all[i], s)
				redundant := true
				for _, w := range goname.Words(s) {
					redundant = redundant && modelWords[goname.Singular(w)]
				}
				if !redundant {
					cands[i] = append(cands[i], s)
				}
			}
		}
		done := make([]bool, len(group))
		for _, segs := range [][][]string{cands, all} {
			out = append(out, qualifyTypes(group, segs, done, taken)...)
		}
		for i, q := range group {
			if !done[i] {
				taken[goname.Key(codegen.ToCamelCase(q.schema))] = true // oapi-codegen's own name is left
			}
		}
	}
	return out
}

// FastAPI names the model it makes for a route's several body parameters
// (and for every form or multipart body) Body_ plus the route's
// operationId: Body_upload_file_api_v1_files__post, which oapi-codegen
// turns into BodyUploadFileAPIV1FilesPost. bodyTypeNames names each after
// the operation's Go name instead, UploadFileBody, when that is free.
func bodyTypeNames(spec *yaml.Node, ops []operation, final []string, o *overlay, cl claims) []typeNaming {
	schemas := yamlnode.Get(yamlnode.Get(yamlnode.Root(spec), "components"), "schemas")
	var out []typeNaming
	for i, op := range ops {
		schema := "Body_" + op.ID
		s := yamlnode.Get(schemas, schema)
		if op.ID == "" || final[i] == "" || s == nil || yamlnode.Get(s, "x-go-name") != nil {
			continue
		}
		if _, ok := o.typeNames[schema]; ok {
			continue
		}
		owner := "the type of components.schemas." + schema
		name := final[i] + "Body"
		if other := cl.conflict(owner, keys([]string{name}), nil); other != "" {
			continue
		}
		cl.take(owner, keys([]string{name}), nil)
		out = append(out, typeNaming{schema: schema, name: name, body: true})
	}
	return out
}
