package main

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{in: "1", want: 1},
		{in: "42", want: 42},
		{in: "9223372036854775807", want: 9223372036854775807},
		{in: "9223372036854775808", wantErr: "too large: the largest id is 9223372036854775807"},
		{in: "99999999999999999999999", wantErr: "too large"},
		{in: "+5", wantErr: "ids are written without a sign"},
		{in: "-5", wantErr: "ids are positive"},
		{in: "007", wantErr: "a leading zero is not allowed; write 7"},
		{in: "0", wantErr: "ids start at 1"},
		{in: "000", wantErr: "ids start at 1"},
		{in: "1,2", wantErr: "separate ids with spaces or newlines, not commas"},
		{in: "1.5", wantErr: "ids are positive whole numbers, such as 42"},
		{in: "0x10", wantErr: "ids are positive whole numbers"},
		{in: "1e3", wantErr: "ids are positive whole numbers"},
		{in: "٣", wantErr: "ids are positive whole numbers"}, // Arabic-Indic three
		{in: "-", wantErr: "ids are positive whole numbers"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseID(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseID(%q) = %d, %v; want error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseID(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestScanIDs(t *testing.T) {
	t.Parallel()
	type tok struct {
		Line int
		Tok  string
	}
	in := "# header\r\n1 2\t3\r\n\n  4 # four\n#5\n6#7\n" + strings.Repeat("9", 100) + "\n8"
	var got []tok
	if err := scanIDs(strings.NewReader(in), func(line int, s string) { got = append(got, tok{line, s}) }); err != nil {
		t.Fatal(err)
	}
	want := []tok{{2, "1"}, {2, "2"}, {2, "3"}, {4, "4"}, {6, "6"}, {7, strings.Repeat("9", maxToken) + "…"}, {8, "8"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens mismatch (-want +got):\n%s", diff)
	}
}

func TestReadIDs(t *testing.T) {
	t.Parallel()
	ids, err := readIDs([]idSource{
		{args: []string{"3", "1"}},
		{name: "stdin", r: strings.NewReader("1 2\n3\n4")},
	})
	if err != nil || !cmp.Equal(ids, []int{3, 1, 2, 4}) {
		t.Errorf("readIDs = %v, %v; want [3 1 2 4] in first-seen order", ids, err)
	}

	// Many bad ids: the first few, with their lines, and a count of the rest.
	var b strings.Builder
	for i := range 25 {
		b.WriteString("x" + strconv.Itoa(i) + "\n")
	}
	_, err = readIDs([]idSource{{name: "ids.txt", r: strings.NewReader(b.String())}})
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if !strings.HasPrefix(ue.msg, `invalid integration id ids.txt:1: "x0": ids are positive whole numbers`) ||
		!strings.Contains(ue.msg, `ids.txt:10: "x9"`) || strings.Contains(ue.msg, `"x10"`) ||
		!strings.HasSuffix(ue.msg, "\n  and 15 more") {
		t.Errorf("message:\n%s", ue.msg)
	}
}

// BenchmarkReadIDs100k reads and checks 100,000 ids as a file of lines.
func BenchmarkReadIDs100k(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		sb.WriteString(strconv.Itoa(1_000_000 + i))
		sb.WriteByte('\n')
	}
	in := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := readIDs([]idSource{{name: "ids", r: strings.NewReader(in)}}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   []int
		want []int
	}{
		{name: "none_repeated", in: []int{3, 1, 2}, want: []int{3, 1, 2}},
		{name: "first_place_kept", in: []int{5, 1, 5, 2, 1, 5}, want: []int{5, 1, 2}},
		{name: "all_the_same", in: []int{7, 7, 7}, want: []int{7}},
		{name: "one", in: []int{9}, want: []int{9}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, dedupe(slices.Clone(tt.in))); diff != "" {
				t.Errorf("dedupe(%v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
