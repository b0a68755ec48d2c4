// Package naming holds the two rules the generators share for turning
// OpenAPI names into Go names, so that what opnames writes into the
// overlay and what conformance looks for in the generated code agree.
package naming

import (
	"strings"
	"unicode"
)

// Camel converts to CamelCase the way oapi-codegen's default name
// normalizer does: a letter after punctuation or at the start is upper
// case, other characters are kept, punctuation is dropped.
// (ToCamelCaseWithInitialisms then upper-cases initialisms, which Key
// ignores.)
func Camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsUpper(r), unicode.IsDigit(r):
			b.WriteRune(r)
		case unicode.IsLower(r):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		}
		up = strings.ContainsRune("-#@!$&=.+:;_~ (){}[]", r)
	}
	return b.String()
}

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
