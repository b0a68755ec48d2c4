package naming

import (
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	t.Parallel()
	for _, same := range [][]string{
		{"DiffOptions", "Diff_Options", "diff-options", "DIFFOPTIONS"},
		{"AnyMonitorSpec-Input", "AnyMonitorSpecInput"},
	} {
		for _, s := range same[1:] {
			if Key(s) != Key(same[0]) {
				t.Errorf("Key(%q) = %q, want %q, as for %q", s, Key(s), Key(same[0]), same[0])
			}
		}
	}
	if Key("DiffOption") == Key("DiffOptions") {
		t.Error("different names share a key")
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"read_work_queue", "read work queue"},
		{"listItems", "list Items"},
		{"HTTPServer", "HTTP Server"},
		{"ReadFlowRunGraphV2", "Read Flow Run Graph V2"},
		{"graph-v2", "graph v2"},
		{"get.data-source", "get data source"},
		{"v2Items", "v2 Items"},
		{"__x__", "x"},
		{"", ""},
	} {
		if got := strings.Join(Words(tc.in), " "); got != tc.want {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSingular(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"work_pools": "work_pool", "queues": "queue", "entries": "entry", "statuses": "status",
		"boxes": "box", "status": "status", "analysis": "analysis", "class": "class",
		"series": "series", "Templates": "template", "bus": "bus", "v2": "v2", "caches": "cache",
		"logs": "log", "ids": "id", "settings": "setting", "branches": "branch",
	} {
		if got := Singular(in); got != want {
			t.Errorf("Singular(%q) = %q, want %q", in, got, want)
		}
	}
}
