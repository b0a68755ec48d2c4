// Command shcheck fails on shell scripts that would not run on both Linux
// and macOS: GNU-only commands and flags (cp --parents, mktemp --suffix,
// date +%N, sed -i, realpath) and bash features newer than macOS's bash
// 3.2 (associative arrays, mapfile, ${x,,}, |&). It parses each script
// with mvdan.cc/sh, the parser behind shfmt, so it sees commands as the
// shell does rather than grepping text. make lint runs it:
//
//	shcheck FILE...
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: shcheck FILE...")
		os.Exit(2)
	}
	bad := 0
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		problems, err := check(f, name)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, p := range problems {
			fmt.Println(p)
		}
		bad += len(problems)
	}
	if bad > 0 {
		fmt.Fprintf(os.Stderr, "shcheck: %d portability problems (Linux and macOS must both run these scripts)\n", bad)
		os.Exit(1)
	}
}

// nonPortable are commands missing from one of the two systems, or whose
// options differ between them.
var nonPortable = map[string]string{
	"realpath":  `not on older macOS; use "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"`,
	"readlink":  "readlink -f is GNU; resolve paths with cd and pwd",
	"timeout":   "GNU coreutils only",
	"tac":       "GNU coreutils only",
	"seq":       "not POSIX; loop with a counter, or write the logic in Go (internal/devtool)",
	"sha256sum": "not on macOS (shasum -a 256 there); use Go",
	"md5sum":    "not on macOS; use Go",
	"stat":      "stat's options differ between GNU and BSD",
	"nproc":     "GNU coreutils only; use getconf _NPROCESSORS_ONLN",
	"stdbuf":    "GNU coreutils only",
	"mapfile":   "bash 4; macOS has bash 3.2",
	"readarray": "bash 4; macOS has bash 3.2",
}

// posixUtilities are those whose --long options are GNU extensions.
var posixUtilities = []string{
	"cat", "chmod", "cp", "cut", "date", "diff", "du", "find", "grep", "head", "ln", "ls",
	"mkdir", "mktemp", "mv", "rm", "sed", "sort", "tail", "tee", "touch", "tr", "uniq", "wc", "xargs",
}

// gnuFlags are short options that are GNU-only or mean something else on BSD.
var gnuFlags = map[string][]string{
	"cp":    {"-t"},
	"sed":   {"-i", "-r"},
	"xargs": {"-r"},
	"grep":  {"-P"},
	"sort":  {"-V"},
	"date":  {"-d"},
	"find":  {"-printf", "-regextype"},
}

// check returns one "file:line:col: problem" line per portability problem.
func check(r io.Reader, name string) ([]string, error) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(r, name)
	if err != nil {
		return nil, err
	}
	var problems []string
	report := func(pos syntax.Pos, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%s: %s", name, pos, fmt.Sprintf(format, args...)))
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			checkCall(n, report)
		case *syntax.DeclClause:
			for _, a := range n.Args {
				if a.Naked && a.Value != nil && strings.HasPrefix(lit(a.Value), "-") && strings.Contains(lit(a.Value), "A") {
					report(n.Pos(), "%s -A: associative arrays are bash 4; macOS has bash 3.2", n.Variant.Value)
				}
			}
		case *syntax.ParamExp:
			if n.Exp != nil {
				switch n.Exp.Op {
				case syntax.UpperFirst, syntax.UpperAll, syntax.LowerFirst, syntax.LowerAll, syntax.OtherParamOps:
					report(n.Pos(), "${x%s}: bash 4; macOS has bash 3.2", n.Exp.Op)
				}
			}
		case *syntax.Redirect:
			if n.Op == syntax.AppAll {
				report(n.Pos(), "&>>: bash 4; macOS has bash 3.2")
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.PipeAll {
				report(n.Pos(), "|&: bash 4; macOS has bash 3.2")
			}
		case *syntax.CoprocClause:
			report(n.Pos(), "coproc: bash 4; macOS has bash 3.2")
		}
		return true
	})
	return problems, nil
}

func checkCall(c *syntax.CallExpr, report func(syntax.Pos, string, ...any)) {
	if len(c.Args) == 0 {
		return
	}
	cmd := lit(c.Args[0])
	if why, ok := nonPortable[cmd]; ok {
		report(c.Pos(), "%s: %s", cmd, why)
		return
	}
	if !slices.Contains(posixUtilities, cmd) {
		return
	}
	for i, a := range c.Args[1:] {
		arg := lit(a)
		switch {
		case arg == "--":
			return // operands follow
		case cmd == "xargs" && !strings.HasPrefix(arg, "-"):
			// The command xargs runs: check it as one.
			checkCall(&syntax.CallExpr{Args: c.Args[i+1:]}, report)
			return
		case strings.HasPrefix(arg, "--"):
			report(a.Pos(), "%s %s: long options are GNU extensions", cmd, arg)
		case slices.Contains(gnuFlags[cmd], arg):
			report(a.Pos(), "%s %s: GNU-only, or different on macOS", cmd, arg)
		case cmd == "date" && strings.Contains(arg, "%N"):
			report(a.Pos(), "date %%N: GNU-only (nanoseconds); time in Go instead")
		case cmd == "mktemp" && strings.HasPrefix(arg, "-") && arg != "-d":
			report(a.Pos(), "mktemp %s: only mktemp and mktemp -d behave alike on Linux and macOS", arg)
		}
	}
}

// lit returns a word's text when it is made of literals and quoted
// literals ('%N', "-d"), and "" when any part is expanded at run time.
func lit(w *syntax.Word) string {
	var b strings.Builder
	var add func(parts []syntax.WordPart) bool
	add = func(parts []syntax.WordPart) bool {
		for _, p := range parts {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				if !add(p.Parts) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	if !add(w.Parts) {
		return ""
	}
	return b.String()
}
