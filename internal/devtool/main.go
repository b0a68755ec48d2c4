// Command devtool holds the logic of the repository's developer commands,
// written in Go so that they behave the same on Linux, macOS and Windows
// (GNU-only flags such as cp --parents or date +%N broke them on macOS).
// The Makefile is the front door; run from the repository root:
//
//	devtool update-spec [-names auto] [-checks all|spec] SPEC   make update-spec
//	devtool fixtures [-update-golden]                          make fixtures
//	devtool demo                                               make demo
//	devtool bench                                              make bench
//	devtool release -version vX.Y.Z [-out dist] [-notes FILE] [-check]
//	devtool mutate [-workers N]                                make mutate
//
// update-spec replaces openapi.yaml with a newer upstream document,
// reports what changed (oasdiff), drafts the CHANGELOG.md entry and the
// spec-watch pull request, names new operations, regenerates and ends only
// when the checks pass on the result (see updatespec.go).
//
// fixtures applies every spec under testdata/specs with make update-spec
// in scratch copies of the repository, with a PATH that holds only POSIX
// utilities and the Go toolchain, and checks the reports; it is also the
// dry run of the weekly spec-watch workflow.
//
// mutate runs the mutation tester on the root package and checks that
// every mutant the tests leave alive is explained in
// testdata/mutants-equivalent.md (see mutate.go).
//
// release cross-compiles the CLI for linux, darwin and windows on amd64
// and arm64 with the tag stamped in, and writes SHA256SUMS.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "devtool: %v\n", err)
		os.Exit(1)
	}
}

const usage = "usage: devtool update-spec|fixtures|demo|bench|release|mutate [flags]"

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "fixtures":
		return fixturesCmd(rest, stdout, stderr)
	case "demo":
		return demoCmd(rest, stdout, stderr)
	case "bench":
		return benchCmd(rest, stdout, stderr)
	case "update-spec":
		return updateSpecCmd(rest, stdout, stderr)
	case "release":
		return releaseCmd(rest, stdout, stderr)
	case "mutate":
		return mutateCmd(rest, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q; %s", cmd, usage)
}

// command runs name with args in dir, its output going to out, and says
// which command failed.
func command(dir string, env []string, out io.Writer, name string, args ...string) error {
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Stdout, c.Stderr = out, out
	if env != nil {
		c.Env = env
	}
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// output runs name with args in dir and returns its standard output; its
// standard error is included in the error on failure.
func output(dir string, stdin io.Reader, name string, args ...string) ([]byte, error) {
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Stdin = stdin
	var errb strings.Builder
	c.Stderr = &errb
	b, err := c.Output()
	if err != nil {
		return b, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return b, nil
}
