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
