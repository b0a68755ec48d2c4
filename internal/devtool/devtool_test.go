package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReportBump(t *testing.T) {
	t.Parallel()
	removed := change{ID: "api-path-removed-without-deprecation", Level: 3, Operation: "DELETE", Path: "/a", Text: "api path removed"}
	added := change{ID: "endpoint-added", Level: 1, Operation: "GET", Path: "/b", Text: "endpoint added"}
	warned := change{ID: "response-property-became-optional", Level: 2, Operation: "GET", Path: "/c", Text: "may break"}
	other := change{ID: "api-description-changed", Level: 1, Operation: "GET", Path: "/d", Text: "description changed"}
	tests := []struct {
		name      string
		changes   []change
		changelog string
		wantBump  string
		wantLabel string
		wantNext  string
	}{
		{"breaking_v0_is_minor", []change{added, removed}, "## v0.3.1\n", "major", "breaking", "v0.4.0"},
		{"breaking_v1_is_major", []change{removed}, "## v1.3.1\n\n## v1.3.0\n", "major", "breaking", "v2.0.0"},
		{"additions_minor", []change{added, other}, "## v1.3.1\n", "minor", "non-breaking", "v1.4.0"},
		{"warnings_patch", []change{warned}, "## v1.3.1\n", "patch", "non-breaking", "v1.3.2"},
		{"other_patch", []change{other}, "## v1.3.1\n", "patch", "non-breaking", "v1.3.2"},
		{"first_release", []change{added}, "## Unreleased\n", "minor", "non-breaking", "v0.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReport(tt.changes)
			_, next := r.next(tt.changelog)
			if r.bump() != tt.wantBump || r.label() != tt.wantLabel || next != tt.wantNext {
				t.Errorf("bump, label, next = %s, %s, %s; want %s, %s, %s",
					r.bump(), r.label(), next, tt.wantBump, tt.wantLabel, tt.wantNext)
			}
		})
	}
}

func TestEntryListsEveryChangeBreakingFirst(t *testing.T) {
	t.Parallel()
	r := newReport([]change{
		{ID: "endpoint-added", Level: 1, Operation: "GET", Path: "/b", Text: "endpoint added"},
		{ID: "api-path-removed-without-deprecation", Level: 3, Operation: "DELETE", Path: "/a", Text: "api path removed"},
	})
	got := r.entry("## v0.3.1\n", time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC))
	want := "### Spec update 2026-11-30: major (v0.3.1 → v0.4.0)\n\n" +
		"oasdiff: 1 breaking, 0 warnings, 1 additions, 0 other changes. " +
		"Breaking entries break importers; also read `git diff api/` for renamed Go types.\n\n" +
		"- Breaking: `DELETE /a`: api path removed\n" +
		"- Added: `GET /b`: endpoint added\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
}

func TestInsertEntry(t *testing.T) {
	t.Parallel()
	const e = "### Spec update\n"
	tests := []struct{ name, in, want string }{
		{"into_unreleased", "# C\n\n## Unreleased\n\n- old\n\n## v0.1.0\n",
			"# C\n\n## Unreleased\n\n### Spec update\n\n- old\n\n## v0.1.0\n"},
		{"above_newest_release", "# C\n\n## v0.2.0\n\n## v0.1.0\n",
			"# C\n\n## Unreleased\n\n### Spec update\n\n## v0.2.0\n\n## v0.1.0\n"},
		{"empty", "", "\n## Unreleased\n\n### Spec update\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, insertEntry(tt.in, e)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReleaseNotes(t *testing.T) {
	t.Parallel()
	cl := "# C\n\n## Unreleased\n\n## v0.2.0\n\n- two\n- more\n\n## v0.1.0\n\n- one\n"
	for _, tt := range []struct{ version, want, wantErr string }{
		{"v0.2.0", "- two\n- more\n", ""},
		{"v0.1.0", "- one\n", ""},
		{"v0.3.0", "", `no "## v0.3.0" section`},
	} {
		got, err := releaseNotes(cl, tt.version)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("releaseNotes(%s) error = %v, want %q", tt.version, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("releaseNotes(%s) = %q, %v; want %q", tt.version, got, err, tt.want)
		}
	}
}

// draft reads oasdiff's JSON as update-spec does and drafts the entry.
func draft(t *testing.T, js, cl, out string, stdout io.Writer) {
	t.Helper()
	changes, err := readChanges(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := draftChangelog(newReport(changes), cl, out, stdout); err != nil {
		t.Fatal(err)
	}
}

func TestDraftChangelogWritesEntryBodyAndLabel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cl := filepath.Join(dir, "CHANGELOG.md")
	out := filepath.Join(dir, "pr")
	js := `[{"id":"api-path-removed-without-deprecation","text":"api path removed without deprecation","level":3,"operation":"DELETE","path":"/api/v1/monitors/{monitor_id}"}]`
	if err := os.WriteFile(cl, []byte("# Changelog\n\n## v1.0.0\n\n- first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	draft(t, js, cl, out, &stdout)
	for file, want := range map[string]string{
		cl:                            "## Unreleased\n\n### Spec update ",
		filepath.Join(out, "body.md"): "- Breaking: `DELETE /api/v1/monitors/{monitor_id}`: api path removed without deprecation\n",
		filepath.Join(out, "label"):   "breaking\n",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", filepath.Base(file), want, b)
		}
	}
	if !strings.Contains(stdout.String(), "next version v2.0.0") {
		t.Errorf("stdout = %q, want the next version v2.0.0", stdout.String())
	}
}

func TestDraftChangelogNoChangesLeavesChangelog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cl := filepath.Join(dir, "CHANGELOG.md")
	const before = "# Changelog\n"
	if err := os.WriteFile(cl, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	draft(t, "[]\n", cl, "", &bytes.Buffer{})
	if b, _ := os.ReadFile(cl); string(b) != before {
		t.Errorf("CHANGELOG.md = %q, want it untouched", b)
	}
}

// TestSequences pins how make fixtures walks testdata/specs: v3 only on
// top of v2, every other fixture on its own.
func TestSequences(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"big.yaml", "v2.yaml", "v3.yaml", "v2-to-v3.breaking.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sequences(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"big.yaml"}, {"v2.yaml", "v3.yaml"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sequences (-want +got):\n%s", diff)
	}
	// And the repository's own fixtures keep the v2 -> v3 sequence.
	ours, err := sequences("../../testdata/specs")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ours, func(s []string) bool { return slices.Equal(s, []string{"v2.yaml", "v3.yaml"}) }) {
		t.Errorf("testdata/specs sequences = %q, want v2.yaml then v3.yaml among them", ours)
	}
}

func TestReleaseNamesAndVersions(t *testing.T) {
	t.Parallel()
	if got := binaryName("v1.2.3", "windows", "arm64"); got != "datafold_v1.2.3_windows_arm64.exe" {
		t.Errorf("binaryName = %q", got)
	}
	if got := binaryName("v1.2.3", "linux", "amd64"); got != "datafold_v1.2.3_linux_amd64" {
		t.Errorf("binaryName = %q", got)
	}
	for v, ok := range map[string]bool{"v1.2.3": true, "v0.0.0-releasecheck": true, "1.2.3": false, "v1.2": false, "v01.2.3": false} {
		if semver.MatchString(v) != ok {
			t.Errorf("semver.MatchString(%q) = %v, want %v", v, !ok, ok)
		}
	}
}

func TestReleaseCmdRejectsBadVersion(t *testing.T) {
	t.Parallel()
	err := releaseCmd([]string{"-version", "1.2.3"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not vMAJOR.MINOR.PATCH") {
		t.Errorf("err = %v, want a version error", err)
	}
}

// make fixtures takes its scratch path from a run that died, and refuses
// one that a live run holds.
func TestClaimScratch(t *testing.T) {
	t.Parallel()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1) to get a finished process's pid")
	}
	tests := []struct {
		name    string
		pid     int           // written into the pid file; 0 for no file
		age     time.Duration // of the pid file
		wantErr string
	}{
		{name: "new"},
		{name: "live_run", pid: os.Getppid(), wantErr: "in use by another run"},
		{name: "dead_run", pid: dead.Process.Pid},
		{name: "killed_run_pid_reused", pid: os.Getppid(), age: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "scratch")
			if tt.pid != 0 {
				pidFile := filepath.Join(dir, "pid")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(pidFile, []byte(strconv.Itoa(tt.pid)), 0o644); err != nil {
					t.Fatal(err)
				}
				then := time.Now().Add(-tt.age)
				if err := os.Chtimes(pidFile, then, then); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "left-over"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := claimScratch(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("claimScratch = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "left-over")); !os.IsNotExist(err) {
				t.Errorf("a claimed scratch dir keeps the last run's files (%v)", err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "pid")); err != nil || string(b) != strconv.Itoa(os.Getpid()) {
				t.Errorf("pid file = %q, %v; want this process's pid", b, err)
			}
		})
	}
}
