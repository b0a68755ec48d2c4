package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/yamlnode"
)

// Go tools (go doc, gopls, staticcheck's SA1019) take a declaration as
// deprecated when a paragraph of its doc comment starts "Deprecated: ".
// oapi-codegen v2.8.2 writes its notice on the line after the rest of the
// comment in three places, so that it continues the paragraph before it and
// nothing is marked:
//
//   - a struct field with a description, or with examples, which it folds
//     into the description (pydantic and FastAPI describe nearly every
//     field they deprecate: Letta, 157 of 167 properties and 24 of 25
//     parameters; Polar gives examples);
//   - the methods of Client, after "Corresponds with ...";
//   - ClientWithResponses' methods that take a typed body.
//
// godocCmd, run by go generate after oapi-codegen, puts an empty comment
// line before each such notice. A notice is the last "Deprecated: " line
// of a comment and what follows it, and only one the generator writes is
// touched: its default text, or an x-deprecated-reason of the document, so
// that a description that merely says "Deprecated: ..." is left as written.

// defaultNotices are the generator's notices for a deprecation without an
// x-deprecated-reason.
var defaultNotices = []string{
	"this property has been marked as deprecated upstream, but no `x-deprecated-reason` was set",
	"this operation has been marked as deprecated upstream, but no `x-deprecated-reason` was set",
	"this type has been marked as deprecated upstream, but no `x-deprecated-reason` was set",
	"this header has been marked as deprecated upstream, but no `x-deprecated-reason` was set",
}

func godocCmd(specPath, genDir string, stdout io.Writer) error {
	notices := map[string]bool{}
	for _, n := range defaultNotices {
		notices[n] = true
	}
	// The reasons the document gives, and any an overlay adds.
	for _, p := range []string{specPath, filepath.Join(genDir, "overlay.gen.yaml")} {
		doc, err := yamlnode.Read(p)
		if err != nil {
			if os.IsNotExist(err) && p != specPath {
				continue
			}
			return err
		}
		yamlnode.Walk(yamlnode.Root(doc), "#", func(m *yaml.Node, _ string) {
			if r := yamlnode.Get(m, "x-deprecated-reason"); r != nil && r.Kind == yaml.ScalarNode {
				notices[normalize(r.Value)] = true
			}
		})
	}
	files, err := filepath.Glob(filepath.Join(genDir, "*.gen.go"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no generated Go files in %s", genDir)
	}
	total := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		out, n := deprecatedParagraphs(src, notices)
		if n == 0 {
			continue
		}
		if err := os.WriteFile(f, out, 0o644); err != nil {
			return err
		}
		total += n
	}
	if total > 0 {
		fmt.Fprintf(stdout, "opnames: %d deprecation notices made paragraphs of their own\n", total)
	}
	return nil
}

// normalize is a notice's text as compared: its lines trimmed and joined
// by spaces, as a comment line holds them.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// deprecatedParagraphs returns src with an empty comment line before each
// notice that continues a paragraph, and how many it separated.
func deprecatedParagraphs(src []byte, notices map[string]bool) ([]byte, int) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	comment := func(l []byte) (string, bool) {
		t := strings.TrimSpace(string(l))
		rest, ok := strings.CutPrefix(t, "//")
		return strings.TrimSpace(rest), ok
	}
	var out bytes.Buffer
	n := 0
	for start := 0; start < len(lines); {
		// A run of comment lines.
		end := start
		for end < len(lines) {
			if _, ok := comment(lines[end]); !ok {
				break
			}
			end++
		}
		if end == start {
			out.Write(lines[start])
			start++
			continue
		}
		at := -1
		for i := end - 1; i > start; i-- {
			if text, _ := comment(lines[i]); strings.HasPrefix(text, "Deprecated: ") {
				at = i
				break
			}
		}
		if at > 0 {
			var notice []string
			for _, l := range lines[at:end] {
				text, _ := comment(l)
				notice = append(notice, text)
			}
			prev, _ := comment(lines[at-1])
			if prev != "" && notices[normalize(strings.TrimPrefix(strings.Join(notice, " "), "Deprecated: "))] {
				for _, l := range lines[start:at] {
					out.Write(l)
				}
				indent := lines[at][:bytes.Index(lines[at], []byte("//"))]
				out.Write(indent)
				out.WriteString("//\n")
				start = at
				n++
			}
		}
		for _, l := range lines[start:end] {
			out.Write(l)
		}
		start = end
	}
	return out.Bytes(), n
}
