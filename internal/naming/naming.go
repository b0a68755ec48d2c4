// Package naming holds the rules the generators share for comparing and
// reading names, so that what opnames writes into the overlay and what
// conformance looks for in the generated code agree. Turning an OpenAPI
// name into Go is oapi-codegen's own ToCamelCase, not a copy of it.
package naming

import (
	"strings"
	"unicode"
)

// Key is how two names compare once both are Go identifiers: letters and
// digits only, in lower case. DiffOptions, Diff_Options and
// diff-options share one.
func Key(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// Words splits a name into its words: at punctuation, where a lower-case
// letter or digit meets an upper-case one (listItems, v2Items), and before
// the last capital of a run that starts a word (HTTPServer: HTTP,
// Server). Digits stay with the word before them (graph_v2: graph, v2).
func Words(s string) []string {
	var words []string
	rs := []rune(s)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush(i)
			start = i
		case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return words
}

// Singular returns the singular of an English plural noun in lower case,
// for the common regular forms REST paths use (work_pools, entries,
// statuses, boxes); a word that does not look plural is returned as it is.
// It is a heuristic, not a dictionary: Go names built from it only need
// to read well, and the few irregular words paths use are listed.
func Singular(w string) string {
	l := strings.ToLower(w)
	if s, ok := irregular[l]; ok {
		return s
	}
	switch {
	case len(l) > 4 && strings.HasSuffix(l, "ies"):
		return l[:len(l)-3] + "y"
	case strings.HasSuffix(l, "sses"), strings.HasSuffix(l, "uses"), strings.HasSuffix(l, "xes"),
		strings.HasSuffix(l, "ches"), strings.HasSuffix(l, "shes"), strings.HasSuffix(l, "zes"):
		return l[:len(l)-2]
	case strings.HasSuffix(l, "ss"), strings.HasSuffix(l, "us"), strings.HasSuffix(l, "is"):
		return l
	case len(l) > 2 && strings.HasSuffix(l, "s"):
		return l[:len(l)-1]
	}
	return l
}

var irregular = map[string]string{
	"series": "series", "species": "species", "news": "news", "people": "person",
	"children": "child", "indices": "index", "matrices": "matrix", "analyses": "analysis",
	"aliases": "alias", "data": "data", "metadata": "metadata", "caches": "cache",
}
