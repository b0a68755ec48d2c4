package datafoldtest

import (
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// methods are the HTTP methods an OpenAPI path item can hold, in the order
// an Allow header lists them.
var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

// router finds a request's operation as Starlette, under FastAPI, does.
// kin-openapi's own router cannot serve every document FastAPI does: it
// refuses two paths of one shape with different parameter names
// (/v1/agents/{workflow_id} for POST beside /v1/agents/{workflow_permanent_id}
// for GET), and it ignores trailing slashes, which Starlette does not.
//
// Starlette tries its routes in the order the application declared them:
// the first whose path and method both match answers; failing that, the
// first whose path matched with another method answers 405; failing that,
// with redirect_slashes, the path with its trailing slash toggled is tried,
// and any match there is a 307 to it; else 404. The embedded document has
// lost the declaration order (it is stored with sorted keys), so where two
// paths can match one request the more specific comes first: at the first
// segment where they differ, a literal beats a parameter. That is the order
// FastAPI's documentation asks for (declare /users/me before
// /users/{user_id}, or the parameter takes "me"), and for paths with
// different methods (POST /flows/filter beside GET /flows/{id}) the order
// does not matter, since a full match wins over an earlier path-only match.
// Only an application that declared the parameter path first, for the same
// method, routes differently: there the literal operation is unreachable on
// the real server, and the fake cannot know.
type router struct {
	routes []*template // most specific first
}

// template is one path of the document.
type template struct {
	path   string
	re     *regexp.Regexp // the whole path; one group per parameter
	params []string       // the parameters' names, in group order
	rank   []int          // per segment: 0 literal, 1 literal and parameter, 2 parameter
	ops    map[string]*routers.Route
}

// paramRE finds a parameter in a path template. Starlette's default
// convertor takes one segment or part of one: [^/]+.
var paramRE = regexp.MustCompile(`\{([^{}]+)\}`)

func newRouter(doc *openapi3.T) *router {
	rt := &router{}
	for path, item := range doc.Paths.Map() {
		t := &template{path: path, ops: map[string]*routers.Route{}}
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, m := range paramRE.FindAllStringSubmatchIndex(path, -1) {
			re.WriteString(regexp.QuoteMeta(path[last:m[0]]))
			re.WriteString("([^/]+)")
			t.params = append(t.params, path[m[2]:m[3]])
			last = m[1]
		}
		re.WriteString(regexp.QuoteMeta(path[last:]))
		re.WriteString("$")
		t.re = regexp.MustCompile(re.String())
		for _, seg := range strings.Split(path, "/") {
			switch {
			case !strings.Contains(seg, "{"):
				t.rank = append(t.rank, 0)
			case paramRE.FindString(seg) == seg:
				t.rank = append(t.rank, 2)
			default:
				t.rank = append(t.rank, 1)
			}
		}
		for method, op := range item.Operations() {
			t.ops[method] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
		rt.routes = append(rt.routes, t)
	}
	slices.SortFunc(rt.routes, func(a, b *template) int {
		if c := slices.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	return rt
}

// outcome is what routing decided for one request.
type outcome struct {
	// route and params are the operation found, or nil.
	route  *routers.Route
	params map[string]string
	// allowed lists the methods at a path that matched without route.
	allowed []string
	// redirect is the path to answer 307 with, when nothing matched and
	// the path with its trailing slash toggled does.
	redirect string
}

// find routes method and path (decoded, as Starlette matches it).
func (rt *router) find(method, path string) outcome {
	var partial []*template
	for _, t := range rt.routes {
		m := t.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		if r, ok := t.ops[method]; ok {
			params := make(map[string]string, len(t.params))
			for i, name := range t.params {
				params[name] = m[i+1]
			}
			return outcome{route: r, params: params}
		}
		partial = append(partial, t)
	}
	if len(partial) > 0 {
		var allowed []string
		for _, m := range methods {
			if slices.ContainsFunc(partial, func(t *template) bool { return t.ops[m] != nil }) {
				allowed = append(allowed, m)
			}
		}
		return outcome{allowed: allowed}
	}
	if path == "/" {
		return outcome{}
	}
	// Starlette strips every trailing slash, or adds one.
	alt := path + "/"
	if strings.HasSuffix(path, "/") {
		alt = strings.TrimRight(path, "/")
	}
	for _, t := range rt.routes {
		if t.re.MatchString(alt) {
			return outcome{redirect: alt}
		}
	}
	return outcome{}
}
