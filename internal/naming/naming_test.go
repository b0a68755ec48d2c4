package naming

import "testing"

func TestCamel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"remove_integration", "RemoveIntegration"},
		{"list-ci runs", "ListCiRuns"},
		{"app__monitors__schemas__Monitor", "AppMonitorsSchemasMonitor"},
		{"DiffOptions-Input", "DiffOptionsInput"},
		{"page_2", "Page2"},
	} {
		if got := Camel(tc.in); got != tc.want {
			t.Errorf("Camel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

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
