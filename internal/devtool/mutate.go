package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// equivalentList is where the surviving mutants that no test can kill are
// explained, one line each.
const equivalentList = "testdata/mutants-equivalent.md"

// mutateCmd is make mutate: the mutation tester gremlins, pinned in
// tools/go.mod, on the root package's handwritten files with the package's
// own tests. It prints the two figures, then every surviving mutant the
// list of equivalent ones does not explain, and fails if there is one.
//
// GOFLAGS gets -count=1, so that the coverage run, whose time sets each
// mutant's timeout, is never a cached result of no time at all, and
// -short, which leaves out TestStressLeakCheck: seconds of the stress
// harness per mutant, for a leak check the stress run makes anyway.
func mutateCmd(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("devtool mutate", flag.ContinueOnError)
	workers := fs.Int("workers", 0, "mutants tested at once (0: gremlins' default, one per CPU)")
	list := fs.String("list", equivalentList, "the surviving mutants explained")
	if err := fs.Parse(args); err != nil {
		return err
	}
	explained, err := readEquivalent(*list)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "gremlins.json")
	gremlins := []string{"tool", "-modfile=tools/go.mod", "gremlins", "unleash",
		// A path with a slash is in another package (api/ is generated),
		// which the root's tests do not test.
		"--exclude-files", "/",
		"--output-statuses", "ltc", // lived, timed out, not covered
		"--output", report,
	}
	if *workers > 0 {
		gremlins = append(gremlins, "--workers", strconv.Itoa(*workers))
	}
	env := append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -count=1 -short"))
	fmt.Fprintln(stdout, "==> gremlins on the root package (about 15 minutes on 2 cores)")
	start := time.Now()
	if err := command(".", env, stdout, "go", gremlins...); err != nil {
		return err
	}
	res, err := readGremlins(report)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\ntest efficacy %.2f%% (%d killed, %d lived), mutator coverage %.2f%% (%d not covered); %d timed out, %d not viable; %s\n",
		res.efficacy(), res.count["KILLED"], res.count["LIVED"], res.coverage(), res.count["NOT COVERED"],
		res.count["TIMED OUT"], res.count["NOT VIABLE"], time.Since(start).Round(time.Second))

	unexplained, unused := explain(res.lived, explained)
	for _, e := range unused {
		fmt.Fprintf(stdout, "listed in %s but not among the survivors (killed now, or the code changed): %s\n", *list, e)
	}
	if len(unexplained) == 0 {
		fmt.Fprintf(stdout, "every survivor is explained in %s\n", *list)
		return nil
	}
	fmt.Fprintf(stdout, "\nsurvivors not in %s: kill each with a test, or add it there with the reason no test can:\n", *list)
	for _, m := range unexplained {
		fmt.Fprintf(stdout, "  %s\n", m)
	}
	return fmt.Errorf("mutate: %d survivors not explained in %s", len(unexplained), *list)
}

// mutant is one of gremlins' mutants, with what locates it when line
// numbers drift: its function and the code on its line.
type mutant struct {
	file, function, mutator string
	line, column            int
	code                    string // the whole line, trimmed
	start                   int    // of code in the line, for the column
}

func (m mutant) String() string {
	return fmt.Sprintf("%s:%d:%d %s in %s: %s", m.file, m.line, m.column, m.mutator, m.function, m.code)
}

type gremlinsResult struct {
	count map[string]int // by status: KILLED, LIVED, NOT COVERED, TIMED OUT, NOT VIABLE
	lived []mutant
}

// efficacy and coverage are gremlins' own figures: killed over killed and
// lived; killed and lived over those and the not covered.
func (r gremlinsResult) efficacy() float64 {
	return percent(r.count["KILLED"], r.count["KILLED"]+r.count["LIVED"])
}

func (r gremlinsResult) coverage() float64 {
	tested := r.count["KILLED"] + r.count["LIVED"]
	return percent(tested, tested+r.count["NOT COVERED"])
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// readGremlins reads gremlins' --output report, and the code of every
// mutant that lived.
func readGremlins(path string) (gremlinsResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return gremlinsResult{}, err
	}
	var report struct {
		Files []struct {
			FileName  string `json:"file_name"`
			Mutations []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
				Line   int    `json:"line"`
				Column int    `json:"column"`
			} `json:"mutations"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		return gremlinsResult{}, fmt.Errorf("mutate: gremlins' report: %w", err)
	}
	res := gremlinsResult{count: map[string]int{}}
	for _, f := range report.Files {
		for _, m := range f.Mutations {
			res.count[m.Status]++
			if m.Status != "LIVED" {
				continue
			}
			lm, err := locate(f.FileName, m.Line, m.Column)
			if err != nil {
				return gremlinsResult{}, err
			}
			lm.mutator = m.Type
			res.lived = append(res.lived, lm)
		}
	}
	sort.Slice(res.lived, func(i, j int) bool {
		a, b := res.lived[i], res.lived[j]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		return a.column < b.column
	})
	return res, nil
}

// locate finds the function and the code at file:line:column.
func locate(file string, line, column int) (mutant, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return mutant{}, err
	}
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return mutant{}, fmt.Errorf("mutate: %s has no line %d", file, line)
	}
	text := lines[line-1]
	trimmed := strings.TrimLeft(text, " \t")
	m := mutant{file: file, line: line, column: column, code: strings.TrimSpace(text), start: len(text) - len(trimmed)}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		return mutant{}, err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fset.Position(fd.Pos()).Line > line || fset.Position(fd.End()).Line < line {
			continue
		}
		m.function = fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			t := fd.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				m.function = id.Name + "." + m.function
			}
		}
	}
	if m.function == "" {
		m.function = "(package level)"
	}
	return m, nil
}

// equivalent is a line of the list: a mutant found by file, function,
// mutator and a piece of code that spans its column. The line number only
// helps a reader.
type equivalent struct {
	file, function, mutator, code, why string
	line                               int
}

func (e equivalent) String() string {
	return fmt.Sprintf("%s:%d %s %s `%s`", e.file, e.line, e.function, e.mutator, e.code)
}

// An entry reads: - `file.go:LINE` function, MUTATOR, `code`: why.
var entryLine = regexp.MustCompile("^- `([^`:]+):(\\d+)` ([^,]+), ([A-Z_]+), `([^`]+)`: (.+)$")

func readEquivalent(path string) ([]equivalent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []equivalent
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if !strings.HasPrefix(sc.Text(), "- `") {
			continue
		}
		m := entryLine.FindStringSubmatch(sc.Text())
		if m == nil {
			return nil, fmt.Errorf("%s:%d: want - `file.go:LINE` function, MUTATOR, `code`: why", path, n)
		}
		line, _ := strconv.Atoi(m[2])
		out = append(out, equivalent{file: m[1], line: line, function: m[3], mutator: m[4], code: m[5], why: m[6]})
	}
	return out, sc.Err()
}

// explains reports whether e is the mutant m: same file, function and
// mutator, and e's code found on m's line across m's column.
func (e equivalent) explains(m mutant) bool {
	if e.file != m.file || e.function != m.function || e.mutator != m.mutator {
		return false
	}
	col := m.column - 1 - m.start // in m.code, 0-based
	for i := 0; ; {
		j := strings.Index(m.code[i:], e.code)
		if j < 0 {
			return false
		}
		if at := i + j; at <= col && col < at+len(e.code) {
			return true
		}
		i += j + 1
	}
}

// explain splits the survivors into those no entry explains, and returns
// the entries that explain none.
func explain(lived []mutant, list []equivalent) (unexplained []mutant, unused []equivalent) {
	used := make([]bool, len(list))
	for _, m := range lived {
		found := false
		for i, e := range list {
			if e.explains(m) {
				found, used[i] = true, true
			}
		}
		if !found {
			unexplained = append(unexplained, m)
		}
	}
	for i, e := range list {
		if !used[i] {
			unused = append(unused, e)
		}
	}
	return unexplained, unused
}
