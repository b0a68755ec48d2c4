package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A survivor is explained by the entry naming its file, function, mutator
// and the code across its column, wherever the line has moved to.
func TestExplain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "p.go")
	// Two `<` on line 5: columns 11 and 20.
	src := "package p\n\ntype T struct{}\nfunc (t *T) f(a, b int) bool {\n\treturn a < b || a < 2*b\n}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	entry := func(line, function, mutator, code string) string {
		return "- `" + file + ":" + line + "` " + function + ", " + mutator + ", `" + code + "`: why.\n"
	}
	tests := []struct {
		name          string
		column        int
		entry         string
		wantExplained bool
	}{
		{name: "listed", column: 20, entry: entry("5", "T.f", "CONDITIONALS_BOUNDARY", "a < 2*b"), wantExplained: true},
		{name: "line_moved", column: 20, entry: entry("40", "T.f", "CONDITIONALS_BOUNDARY", "a < 2*b"), wantExplained: true},
		{name: "other_column_of_the_line", column: 11, entry: entry("5", "T.f", "CONDITIONALS_BOUNDARY", "a < 2*b")},
		{name: "other_mutator", column: 20, entry: entry("5", "T.f", "CONDITIONALS_NEGATION", "a < 2*b")},
		{name: "other_function", column: 20, entry: entry("5", "f", "CONDITIONALS_BOUNDARY", "a < 2*b")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list := filepath.Join(t.TempDir(), "list.md")
			if err := os.WriteFile(list, []byte("# Survivors\n\nProse, ignored.\n\n"+tt.entry), 0o644); err != nil {
				t.Fatal(err)
			}
			entries, err := readEquivalent(list)
			if err != nil || len(entries) != 1 {
				t.Fatalf("readEquivalent = %v, %v; want one entry", entries, err)
			}
			m, err := locate(file, 5, tt.column)
			if err != nil {
				t.Fatal(err)
			}
			m.mutator = "CONDITIONALS_BOUNDARY"
			unexplained, unused := explain([]mutant{m}, entries)
			if got := len(unexplained) == 0; got != tt.wantExplained || len(unused) == 0 != tt.wantExplained {
				t.Errorf("explained: %v (unexplained %v, unused %v), want %v", got, unexplained, unused, tt.wantExplained)
			}
		})
	}
}

func TestReadEquivalent_malformed(t *testing.T) {
	t.Parallel()
	list := filepath.Join(t.TempDir(), "list.md")
	if err := os.WriteFile(list, []byte("- `x.go:3` f, `a < b`: no mutator\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readEquivalent(list); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("err = %v, want one naming line 1", err)
	}
}

// The repository's list parses, and names only files of the root package.
func TestEquivalentList(t *testing.T) {
	t.Parallel()
	entries, err := readEquivalent(filepath.Join("..", "..", equivalentList))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.file, "/") || !strings.HasSuffix(e.file, ".go") {
			t.Errorf("%s: not a file of the root package", e)
		}
	}
}

// The figures are gremlins' own: timed out and not viable mutants count in
// neither.
func TestReadGremlins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "p.go")
	if err := os.WriteFile(file, []byte("package p\n\nfunc f(a int) bool { return a > 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mutation := func(status string) string {
		return `{"type": "CONDITIONALS_BOUNDARY", "status": "` + status + `", "line": 3, "column": 31}`
	}
	report := `{"files": [{"file_name": "` + file + `", "mutations": [` + strings.Join([]string{
		mutation("KILLED"), mutation("KILLED"), mutation("KILLED"), mutation("LIVED"),
		mutation("NOT COVERED"), mutation("TIMED OUT"), mutation("NOT VIABLE")}, ", ") + `]}]}`
	path := filepath.Join(dir, "gremlins.json")
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := readGremlins(path)
	if err != nil {
		t.Fatal(err)
	}
	if res.efficacy() != 75 || res.coverage() != 80 || len(res.lived) != 1 {
		t.Fatalf("efficacy %v, coverage %v, lived %v; want 75, 80 and one", res.efficacy(), res.coverage(), res.lived)
	}
	if m := res.lived[0]; m.function != "f" || m.code != "func f(a int) bool { return a > 1 }" || m.mutator != "CONDITIONALS_BOUNDARY" {
		t.Errorf("lived = %+v, want f's line", m)
	}
}
