package main

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		want         []string // substrings of the problems, in order
	}{
		{"portable", `set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
spec=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
grep -qF -- "--parents" log.txt
cp -R a "$tmp"
go test -race -count=1 ./...
git ls-files -co --exclude-standard -z
`, nil},
		{"cp_parents_through_xargs", `git ls-files -z | xargs -0 cp --parents -t "$1"`,
			[]string{"cp --parents: long options", "cp -t: GNU-only"}},
		{"mktemp_suffix", `new=$(mktemp --suffix=.yaml)`, []string{"mktemp --suffix=.yaml"}},
		{"mktemp_tmpdir", `new=$(mktemp -t x)`, []string{"mktemp -t"}},
		{"date_nanoseconds", `start=$(date +%s%N)`, []string{"date %N"}},
		{"date_nanoseconds_quoted", `start=$(date '+%s%N')`, []string{"date %N"}},
		{"realpath", `spec=$(realpath "$1")`, []string{"realpath:"}},
		{"sed_in_place", `sed -i 's/a/b/' f`, []string{"sed -i"}},
		{"seq", `for i in $(seq 10); do :; done`, []string{"seq:"}},
		{"bash4_lowercase", `echo "${x,,}"`, []string{"bash 4"}},
		{"bash4_assoc", `declare -A m`, []string{"associative arrays"}},
		{"bash4_pipe_all", `a |& b`, []string{"|&"}},
		{"operands_after_dashdash", `rm -f -- --weird-name`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := check(strings.NewReader(tt.script), "s.sh")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems %q, want %d like %q", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to mention %q", i, got[i], w)
				}
			}
		})
	}
}
