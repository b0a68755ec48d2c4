// Command opnames keeps the generated client's method names idiomatic when
// Datafold's OpenAPI document changes. It is run by the Makefile:
//
//	opnames names   -spec openapi.yaml -overlay overlay.yaml [-auto]
//	opnames lint    -spec openapi.yaml -gen api
//	opnames overlay -spec openapi.yaml -overlay overlay.yaml -out api/overlay.gen.yaml
//	opnames godoc   -spec openapi.yaml -gen api
//
// names finds operations that the overlay does not name yet and that need
// a name: a FastAPI-generated operationId
// (remove_integration_api_v1_lineage_bi__bi_datasource_id___delete), none
// at all, or one whose Go name would collide; and pydantic's
// module-qualified and FastAPI's Body_ schemas. It chooses distinct names
// (resolve.go, typenames.go) and prints how it settled each collision.
// Without -auto it prints the overlay actions to add and fails; with -auto
// it writes them, and drops renames of operations the spec no longer has.
// Names the overlay already gives never change; two of them that collide
// are an error for a person to settle.
//
// overlay writes the overlay oapi-codegen applies: overlay.yaml's actions
// plus generated ones that give unions oapi-codegen mishandles a name of
// their own (see unions.go).
//
// lint fails when a method of the generated ClientWithResponses still
// carries a FastAPI suffix, naming the operation.
//
// godoc makes each deprecation notice oapi-codegen writes into the
// generated code a paragraph of its own, so that Go tools see it (see
// godoc.go).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/gensrc"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "opnames: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: opnames names|lint|overlay [flags]")
	}
	fs := flag.NewFlagSet("opnames "+args[0], flag.ContinueOnError)
	spec := fs.String("spec", "openapi.yaml", "OpenAPI document")
	overlayPath := fs.String("overlay", "overlay.yaml", "OpenAPI Overlay with the Go names")
	auto := fs.Bool("auto", false, "write the missing names into the overlay")
	gen := fs.String("gen", "api", "directory of the generated Go code")
	out := fs.String("out", "api/overlay.gen.yaml", "where overlay writes the overlay oapi-codegen applies")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "names":
		return namesCmd(*spec, *overlayPath, *auto, stdout)
	case "lint":
		return lintCmd(*spec, *gen, stdout)
	case "overlay":
		return overlayCmd(*spec, *overlayPath, *out, stdout)
	case "godoc":
		return godocCmd(*spec, *gen, stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func writeYAML(path string, n *yaml.Node) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// readSpecAndOverlay reads the spec and the overlay that names its
// operations.
func readSpecAndOverlay(specPath, overlayPath string) (*yaml.Node, *overlay, error) {
	spec, err := yamlnode.Read(specPath)
	if err != nil {
		return nil, nil, err
	}
	doc, err := yamlnode.Read(overlayPath)
	if err != nil {
		return nil, nil, err
	}
	o, err := parseOverlay(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", overlayPath, err)
	}
	return spec, o, nil
}

func namesCmd(specPath, overlayPath string, auto bool, out io.Writer) error {
	spec, o, err := readSpecAndOverlay(specPath, overlayPath)
	if err != nil {
		return err
	}
	ops, err := operations(spec)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	p := check(spec, ops, o)
	for _, r := range p.resolved {
		fmt.Fprintf(out, "opnames: %s\n", r)
	}

	if len(p.collisions) > 0 {
		var b strings.Builder
		b.WriteString("these operations would get the same Go name; give them distinct names in " + overlayPath + ":\n")
		for _, name := range sortedKeys(p.collisions) {
			fmt.Fprintf(&b, "  %s:\n", name)
			for _, u := range p.collisions[name] {
				fmt.Fprintf(&b, "    %s\n", u)
			}
		}
		return errors.New(strings.TrimRight(b.String(), "\n"))
	}
	if len(p.missing) == 0 && len(p.stale) == 0 && len(p.types) == 0 {
		fmt.Fprintf(out, "opnames: all %d operations have Go names\n", len(ops))
		return nil
	}
	if auto {
		o.apply(p)
		if err := writeYAML(overlayPath, o.doc); err != nil {
			return err
		}
		for _, n := range p.missing {
			fmt.Fprintf(out, "opnames: named %s %s (was %s)\n", n.op, n.name, n.op.ID)
		}
		for _, t := range p.types {
			fmt.Fprintf(out, "opnames: named components.schemas.%s %s\n", t.schema, t.name)
		}
		for _, id := range p.stale {
			fmt.Fprintf(out, "opnames: dropped the rename of %s: the spec no longer has it\n", id)
		}
		return nil
	}

	var b strings.Builder
	if len(p.missing) > 0 || len(p.types) > 0 {
		fmt.Fprintf(&b, "%d operations have no Go name yet:\n", len(p.missing))
		for _, n := range p.missing {
			fmt.Fprintf(&b, "  %s  %s -> %s\n", n.op, n.op.ID, n.name)
		}
		for _, t := range p.types {
			fmt.Fprintf(&b, "  components.schemas.%s -> %s\n", t.schema, t.name)
		}
		fmt.Fprintf(&b, "\nAdd these actions to %s (or rerun with NAMES=auto):\n\n", overlayPath)
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, n := range p.missing {
			seq.Content = append(seq.Content, action(n))
		}
		for _, t := range p.types {
			seq.Content = append(seq.Content, t.action())
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		_ = enc.Encode(seq)
		for line := range strings.Lines(buf.String()) {
			b.WriteString("  " + line)
		}
	}
	if len(p.stale) > 0 {
		fmt.Fprintf(&b, "\n%s renames operations the spec no longer has; remove those actions: %s\n",
			overlayPath, strings.Join(p.stale, ", "))
	}
	return errors.New(strings.TrimRight(b.String(), "\n"))
}

// lintCmd checks the generated client itself, the last word on what
// importers will call.
func lintCmd(specPath, genDir string, out io.Writer) error {
	spec, err := yamlnode.Read(specPath)
	if err != nil {
		return err
	}
	ops, err := operations(spec)
	if err != nil {
		return err
	}
	methods, err := clientMethods(genDir)
	if err != nil {
		return err
	}
	// A FastAPI operationId left as it is becomes ToCamelCase(operationId),
	// with initialisms upper-cased by the name normalizer (ApiV1 becomes
	// APIV1), and its methods are that name plus WithResponse,
	// WithBodyWithResponse and the like. Case is ignored for that reason.
	var bad []string
	for _, op := range ops {
		if _, ok := derive(op); !ok {
			continue
		}
		unrenamed := strings.ToLower(codegen.ToCamelCase(op.ID))
		for _, m := range methods {
			if rest, ok := strings.CutPrefix(strings.ToLower(m), unrenamed); ok && strings.HasSuffix(rest, "withresponse") {
				bad = append(bad, fmt.Sprintf("  ClientWithResponses.%s: %s (%s)", m, op, op.ID))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("generated methods still carry FastAPI suffixes; run 'make update-spec SPEC=openapi.yaml NAMES=auto' or add overlay actions:\n%s",
			strings.Join(bad, "\n"))
	}
	fmt.Fprintf(out, "opnames: %d ClientWithResponses methods, none with a FastAPI suffix\n", len(methods))
	return nil
}

// clientMethods lists the methods declared on *ClientWithResponses in the
// generated Go files of dir.
func clientMethods(dir string) ([]string, error) {
	_, files, err := gensrc.Parse(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, file := range files {
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && gensrc.Receiver(fn) == "ClientWithResponses" {
				names = append(names, fn.Name.Name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
