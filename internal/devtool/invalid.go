package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/datafold/datafold-go/internal/invalid"
	"github.com/datafold/datafold-go/internal/yamlnode"
)

// checkDocument judges the new document by the rules the generator
// enforces (internal/invalid), as overlay.yaml leaves it: it prints a
// warning for each breach the generated overlay repairs, and fails with
// one line per breach it refuses, naming the operation, the rule and the
// overlay action that would settle it. It returns the warnings, for the
// spec-watch pull request.
func checkDocument(specPath, overlayPath string, stdout io.Writer) ([]string, error) {
	doc, err := yamlnode.Read(specPath)
	if err != nil {
		return nil, err
	}
	ov, err := yamlnode.Read(overlayPath)
	if err != nil {
		return nil, err
	}
	refusals := invalid.CheckOverlay(doc, ov)
	applied, err := invalid.Apply(doc, ov)
	if err != nil {
		return nil, fmt.Errorf("update-spec: %w", err)
	}
	r := invalid.Check(applied)
	for _, w := range r.Warnings {
		fmt.Fprintf(stdout, "warning: repaired: %s\n", w)
	}
	refusals = append(refusals, r.Refusals...)
	if len(refusals) > 0 {
		return nil, errors.New("update-spec: refused: " + strings.Join(refusals, "\nupdate-spec: refused: "))
	}
	if len(r.Warnings) == 0 {
		fmt.Fprintln(stdout, "no breach")
	}
	return r.Warnings, nil
}

// generate runs go generate. checkDocument has refused what it knows the
// generator refuses; should the generator refuse something else, its chain
// of wrapped errors is cut to the one that says what is wrong, with the
// whole output kept in a file.
func generate(stdout io.Writer) error {
	c := exec.Command("go", "generate", "./...")
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	if err == nil {
		_, err = stdout.Write(out.Bytes())
		return err
	}
	log := filepath.Join(os.TempDir(), "update-spec-generate.log")
	if werr := os.WriteFile(log, out.Bytes(), 0o644); werr != nil {
		log = "(not kept: " + werr.Error() + ")"
	}
	return fmt.Errorf("update-spec: generating from the document failed, by a rule internal/invalid does not check yet: %s (go generate's whole output: %s)",
		generatorError(out.String()), log)
}

// generatorError finds the failing generator's own message in go
// generate's output, the line before go generate names the directive that
// failed, and drops the wrappers that only say where oapi-codegen met it
// ("error generating code: error creating operation definitions: ...").
func generatorError(out string) string {
	var lines []string
	for l := range strings.Lines(out) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "exit status ") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "no output"
	}
	msg := lines[len(lines)-1]
	for i, l := range lines {
		if directive.MatchString(l) && i > 0 {
			msg = lines[i-1]
			break
		}
	}
	parts := strings.Split(msg, ": ")
	i := 0
	for i < len(parts)-1 && (strings.HasPrefix(parts[i], "error ") || strings.HasPrefix(parts[i], "failed ")) {
		i++
	}
	return strings.Join(parts[i:], ": ")
}

// directive is go generate's line naming the directive that failed.
var directive = regexp.MustCompile(`^\S+\.go:\d+: running "`)
