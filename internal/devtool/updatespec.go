package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// updateSpecCmd is make update-spec: it replaces openapi.yaml with a newer
// upstream document (YAML or JSON), reports what changed for importers,
// drafts the CHANGELOG.md entry, makes sure every operation has a Go name,
// regenerates, and ends only when the checks pass on the result. Nothing
// generated or handwritten is edited by hand.
//
// -checks all (the default) ends with make verify, everything CI checks
// but the fixtures and the stress run. -checks spec, which make fixtures
// uses, runs only what a new document can change (see verifySpec); make
// ci has run the rest on the seed. -checks none is for the fixtures too,
// for a document that another update follows at once, whose checks then
// judge the result.
func updateSpecCmd(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("devtool update-spec", flag.ContinueOnError)
	names := fset.String("names", "", `"auto" writes the missing Go names into overlay.yaml`)
	checks := fset.String("checks", envOr("UPDATE_SPEC_CHECKS", "all"), `"all", "spec" or "none" (also UPDATE_SPEC_CHECKS)`)
	prOut := fset.String("out", os.Getenv("UPDATE_SPEC_OUT"), "also write the spec-watch pull request's body and label into this `directory` (also UPDATE_SPEC_OUT)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() != 1 || fset.Arg(0) == "" {
		return errors.New("usage: make update-spec SPEC=path/to/openapi.(yaml|json) [NAMES=auto]")
	}
	spec := fset.Arg(0)
	if _, err := os.Stat(spec); err != nil {
		return fmt.Errorf("update-spec: %w", err)
	}
	if *names != "" && *names != "auto" {
		return fmt.Errorf("update-spec: NAMES must be empty or auto, not %q", *names)
	}
	if !slices.Contains([]string{"all", "spec", "none"}, *checks) {
		return fmt.Errorf("update-spec: checks must be all, spec or none, not %q", *checks)
	}

	tmp, err := os.MkdirTemp("", "update-spec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	next := filepath.Join(tmp, "openapi.yaml")
	if err := toYAML(spec, next); err != nil {
		return err
	}
	run := func(name string, args ...string) error { return command(".", nil, stdout, name, args...) }
	step := func(s string) { fmt.Fprintf(stdout, "\n==> %s\n", s) }

	// Before anything is written: a document the generator would refuse
	// is repaired by generated overlay actions where that needs no guess
	// at what the API means, and refused in one line where it does.
	step("Checking " + spec + " against the rules the generator enforces (internal/invalid)")
	repaired, err := checkDocument(next, "overlay.yaml", stdout)
	if err != nil {
		return err
	}

	step("Changes from openapi.yaml to " + spec + " (oasdiff; 'error' lines break importers)")
	oasdiff := []string{"tool", "-modfile=tools/go.mod", "oasdiff", "changelog", "openapi.yaml", next}
	if err := run("go", oasdiff...); err != nil {
		return err
	}
	js, err := output(".", nil, "go", append(oasdiff, "--format", "json")...)
	if err != nil {
		return err
	}
	changes, err := readChanges(bytes.NewReader(js))
	if err != nil {
		return err
	}
	r := newReport(changes)
	r.repaired = repaired
	fmt.Fprintf(stdout, "summary: %s\n", r.counts())
	all := deprecations(next)
	r.deprecated, r.deprecatedInAll = newlyDeprecated(deprecations("openapi.yaml"), all), len(all)
	printDeprecations(stdout, r.deprecated, r.deprecatedInAll, 10)

	step("Drafting the CHANGELOG.md entry (the version bump the report calls for)")
	if err := draftChangelog(r, "CHANGELOG.md", *prOut, stdout); err != nil {
		return err
	}

	step("Replacing openapi.yaml")
	// Defects upstream that the project works around, named for
	// reporting there; warnings only, never a stop.
	if err := run("go", "run", "./internal/speccheck", next); err != nil {
		return err
	}
	if err := copyFile(next, "openapi.yaml"); err != nil {
		return err
	}

	step("Go names for every operation (overlay.yaml)")
	if *names == "auto" {
		err = run("go", "run", "./internal/opnames", "names", "-auto")
	} else if err = run("go", "run", "./internal/opnames", "names"); err != nil {
		fmt.Fprintln(stderr, "\nupdate-spec: openapi.yaml is replaced, but the names above are missing.")
		fmt.Fprintln(stderr, "Paste the actions into overlay.yaml and run 'make generate test', or rerun with NAMES=auto.")
	}
	if err != nil {
		return err
	}

	step("Regenerating api/")
	// A new spec can bring the generated code new imports (nullable, the
	// runtime's types); go.mod follows, here and in bench/, which imports
	// it. (bench/'s own generated clients come from a pinned copy of one
	// operation, so they do not change with the spec.)
	if err := generate(stdout); err != nil {
		return err
	}
	for _, c := range [][]string{
		{"go", "run", "./internal/opnames", "lint"},
		{"go", "mod", "tidy"},
		{"go", "-C", "bench", "mod", "tidy"},
	} {
		if err := run(c[0], c[1:]...); err != nil {
			return err
		}
	}

	// Done means green.
	switch *checks {
	case "all":
		step("Checking the result as CI does (make verify)")
		err = verifyAll(run, stdout)
	case "spec":
		step("Checking what the new document can change (names, go.mod, vet, tests)")
		err = verifySpec(run, stdout)
	}
	if err != nil {
		return err
	}
	step("Done: review 'git diff' (openapi.yaml, overlay.yaml, api/, CHANGELOG.md) and bump the version as the summary says")
	return nil
}

// verifyAll is make verify, with the conformance tests run on their own
// so their report of what they covered is shown.
func verifyAll(run func(string, ...string) error, stdout io.Writer) error {
	if err := run("make", "--no-print-directory", "check-generated", "lint"); err != nil {
		return err
	}
	if err := tests(run, stdout, []string{"-race"}, []string{"./..."}); err != nil {
		return err
	}
	return run("go", "-C", "bench", "test", "-count=1", "-run", "TestClientsAgree", "-bench", ".", "-benchtime", "1x", "./...")
}

// verifySpec is what a new document can change of make verify's result:
// every operation named, go.mod files tidy for the new imports, every
// package, the bench module's included, building and vetted, and the tests
// of every package that depends on the generated code. The rest
// (generation being repeatable, gofmt and staticcheck of code written by
// hand, the race detector, the tests of packages that do not import the
// generated code) does not depend on the document.
func verifySpec(run func(string, ...string) error, stdout io.Writer) error {
	for _, c := range [][]string{
		{"go", "run", "./internal/opnames", "names"},
		{"go", "mod", "tidy", "-diff"},
		{"go", "-C", "bench", "mod", "tidy", "-diff"},
		{"go", "vet", "./..."},
		{"go", "-C", "bench", "vet", "./..."},
	} {
		if err := run(c[0], c[1:]...); err != nil {
			return err
		}
	}
	pkgs, err := generatedCodeUsers(".")
	if err != nil {
		return err
	}
	// -short leaves out the stress harness's leak check, which only
	// exercises the seed's operation for seconds.
	return tests(run, stdout, []string{"-short"}, pkgs)
}

// generatedCodeUsers lists the module's packages whose code or tests import
// package api or its spec, directly or not.
func generatedCodeUsers(dir string) ([]string, error) {
	const api = "github.com/datafold/datafold-go/api"
	out, err := output(dir, nil, "go", "list", "-test", "-f", `{{.ImportPath}}|{{.ForTest}}|{{join .Deps " "}}`, "./...")
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for l := range strings.Lines(string(out)) {
		path, rest, _ := strings.Cut(strings.TrimSpace(l), "|")
		forTest, deps, _ := strings.Cut(rest, "|")
		if forTest != "" {
			path = forTest // a package's test variant: its tests' imports count
		}
		if strings.HasSuffix(path, ".test") || path == api || strings.HasPrefix(path, api+"/") {
			continue
		}
		for d := range strings.FieldsSeq(deps) {
			if (d == api || strings.HasPrefix(d, api+"/")) && !slices.Contains(pkgs, path) {
				pkgs = append(pkgs, path)
				break
			}
		}
	}
	if len(pkgs) == 0 {
		return nil, errors.New("update-spec: no package imports the generated code")
	}
	return pkgs, nil
}

// tests runs the tests of pkgs once: the conformance tests first, verbose,
// showing the lines that say what they covered, then the rest.
func tests(run func(string, ...string) error, stdout io.Writer, flags, pkgs []string) error {
	args := append([]string{"test", "-count=1"}, flags...)
	out, err := output(".", nil, "go", append(args, "-run", "^TestConformance", "-v", ".")...)
	if err != nil {
		fmt.Fprintf(stdout, "%s\n", out)
		return err
	}
	for l := range strings.Lines(string(out)) {
		if strings.Contains(l, "conformance:") || strings.HasPrefix(l, "ok") {
			fmt.Fprint(stdout, strings.TrimSpace(l)+"\n")
		}
	}
	return run("go", append(append(args, "-skip", "^TestConformance"), pkgs...)...)
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func readChanges(r io.Reader) ([]change, error) {
	var cs []change
	if err := json.NewDecoder(r).Decode(&cs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading oasdiff JSON: %w", err)
	}
	return cs, nil
}

// breaking lists each breaking change as "id<TAB>METHOD path<TAB>text",
// sorted and without repeats, for comparison with a golden file.
func (r report) breakingLines() string {
	var lines []string
	for _, c := range r.changes {
		if c.Level >= 3 {
			lines = append(lines, fmt.Sprintf("%s\t%s %s\t%s\n", c.ID, c.Operation, c.Path, c.Text))
		}
	}
	slices.Sort(lines)
	return strings.Join(slices.Compact(lines), "")
}

// toYAML copies a spec to out, converting JSON to YAML with keys in their
// order, so that later updates diff line by line.
func toYAML(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return os.WriteFile(out, b, 0o644)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	clearStyle(&n)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// clearStyle drops the flow and quoting style JSON parsing leaves on every
// node, so the output is block YAML. The encoder still quotes any string
// that would read back as another type.
func clearStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && yaml11Bool[n.Value] {
		// Plain, these read as booleans to YAML 1.1 tools.
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// yaml11Bool holds the words YAML 1.1 reads as booleans.
var yaml11Bool = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"y", "yes", "n", "no", "on", "off", "true", "false"} {
		for _, v := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			m[v] = true
		}
	}
	return m
}()
