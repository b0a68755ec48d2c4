package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// change is one entry of oasdiff's JSON changelog.
type change struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Level     int    `json:"level"` // 3 error (breaking), 2 warning, 1 info
	Operation string `json:"operation"`
	Path      string `json:"path"`
}

// report is what a spec update means for the module's version, by the
// rules in README: any breaking change is a major version (a minor one
// while the module is v0); new operations or fields only, a minor one;
// anything else, a patch.
type report struct {
	changes                               []change
	breaking, warnings, additions, others int
	// What the update newly deprecates: a minor version, as semver
	// asks, though oasdiff reports it as information only.
	deprecated      []deprecation
	deprecatedInAll int
	// Breaches of the generator's rules that generated overlay actions
	// repaired (internal/invalid), for reporting upstream.
	repaired []string
}

func newReport(cs []change) report {
	r := report{changes: cs}
	for _, c := range cs {
		switch {
		case c.Level >= 3:
			r.breaking++
		case c.Level == 2:
			r.warnings++
		case strings.HasSuffix(c.ID, "-added"):
			r.additions++
		default:
			r.others++
		}
	}
	return r
}

// bump names the part of the version to increase: major, minor or patch.
func (r report) bump() string {
	switch {
	case r.breaking > 0:
		return "major"
	case r.additions > 0 || len(r.deprecated) > 0:
		return "minor"
	}
	return "patch"
}

// label is the spec-watch pull request's label.
func (r report) label() string {
	if r.breaking > 0 {
		return "breaking"
	}
	return "non-breaking"
}

var releaseHeading = regexp.MustCompile(`(?m)^## (v(\d+)\.(\d+)\.(\d+))\s*$`)

// next returns the version that follows the newest release in changelog,
// or v0.1.0 when there is none. While the major version is 0, a breaking
// change bumps the minor version (Go's rule for v0 modules).
func (r report) next(changelog string) (prev, next string) {
	m := releaseHeading.FindStringSubmatch(changelog)
	if m == nil {
		return "", "v0.1.0"
	}
	var n [3]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+2])
	}
	switch b := r.bump(); {
	case b == "major" && n[0] > 0:
		n = [3]int{n[0] + 1, 0, 0}
	case b == "major" || b == "minor":
		n = [3]int{n[0], n[1] + 1, 0}
	default:
		n[2]++
	}
	return m[1], fmt.Sprintf("v%d.%d.%d", n[0], n[1], n[2])
}

// entry is the CHANGELOG.md subsection for one spec update.
func (r report) entry(changelog string, day time.Time) string {
	var b strings.Builder
	prev, next := r.next(changelog)
	from := "first release: "
	if prev != "" {
		from = prev + " → "
	}
	fmt.Fprintf(&b, "### Spec update %s: %s (%s%s)\n\n", day.UTC().Format(time.DateOnly), r.bump(), from, next)
	fmt.Fprintf(&b, "oasdiff: %s.", r.counts())
	if r.breaking > 0 {
		b.WriteString(" Breaking entries break importers; also read `git diff api/` for renamed Go types.")
	}
	if r.warnings > 0 {
		b.WriteString(" Review the warnings: they may break importers.")
	}
	if len(r.deprecated) > 0 {
		fmt.Fprintf(&b, " Newly deprecated: %s (still generated, marked `// Deprecated:`).", deprecationCounts(r.deprecated))
	}
	b.WriteString("\n\n")
	kind := map[int]string{3: "Breaking", 2: "Warning", 1: "Changed"}
	for _, lvl := range []int{3, 2, 1} {
		for _, c := range r.changes {
			if min(max(c.Level, 1), 3) != lvl {
				continue
			}
			k := kind[lvl]
			if lvl == 1 && strings.HasSuffix(c.ID, "-added") {
				k = "Added"
			}
			fmt.Fprintf(&b, "- %s: `%s %s`: %s\n", k, c.Operation, c.Path, c.Text)
		}
	}
	return b.String()
}

const unreleased = "## Unreleased"

// insertEntry puts entry at the top of the changelog's Unreleased section,
// creating the section above the newest release when there is none.
func insertEntry(changelog, entry string) string {
	if i := strings.Index(changelog, unreleased+"\n"); i >= 0 {
		at := i + len(unreleased) + 1
		return changelog[:at] + "\n" + entry + changelog[at:]
	}
	section := unreleased + "\n\n" + entry + "\n"
	if loc := releaseHeading.FindStringIndex(changelog); loc != nil {
		return changelog[:loc[0]] + section + changelog[loc[0]:]
	}
	if changelog != "" && !strings.HasSuffix(changelog, "\n") {
		changelog += "\n"
	}
	return changelog + "\n" + section
}

// releaseNotes returns the body of the "## version" section.
func releaseNotes(changelog, version string) (string, error) {
	head := "## " + version + "\n"
	i := strings.Index(changelog, head)
	if i < 0 {
		return "", fmt.Errorf("CHANGELOG.md has no %q section: rename the Unreleased section to the tag before tagging", strings.TrimSpace(head))
	}
	body := changelog[i+len(head):]
	if j := strings.Index(body, "\n## "); j >= 0 {
		body = body[:j+1]
	}
	return strings.TrimSpace(body) + "\n", nil
}

// counts is the report's one-line summary.
func (r report) counts() string {
	return fmt.Sprintf("%d breaking, %d warnings, %d additions, %d other changes", r.breaking, r.warnings, r.additions, r.others)
}

// draftChangelog puts r's entry at the top of file's Unreleased section
// and, when prOut is set, writes the spec-watch pull request's body.md and
// label there.
func draftChangelog(r report, file, prOut string, stdout io.Writer) error {
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	entry := r.entry(string(old), time.Now())
	if len(r.changes) == 0 {
		fmt.Fprintf(stdout, "no changes: %s left as it is\n", file)
	} else {
		if err := os.WriteFile(file, []byte(insertEntry(string(old), entry)), 0o644); err != nil {
			return err
		}
		_, next := r.next(string(old))
		fmt.Fprintf(stdout, "drafted a %s entry in %s under %q (next version %s)\n", r.bump(), file, unreleased, next)
	}
	if prOut == "" {
		return nil
	}
	if err := os.MkdirAll(prOut, 0o755); err != nil {
		return err
	}
	body := "Datafold's published OpenAPI document changed. `make update-spec NAMES=auto` applied it, " +
		"named the new operations in overlay.yaml, regenerated `api/` and passed `make verify`.\n\n" +
		"Before merging, read `git diff api/` as an importer would, rename any new operation that reads badly " +
		"(overlay.yaml), and release the version below (CONTRIBUTING.md).\n\n" + entry
	if len(r.repaired) > 0 {
		body += fmt.Sprintf("\n<details><summary>Breaches of the generator's rules repaired by generated overlay actions, to report upstream: %d</summary>\n\n```\n%s\n```\n</details>\n",
			len(r.repaired), strings.Join(r.repaired, "\n"))
	}
	if len(r.deprecated) > 0 {
		var list strings.Builder
		printDeprecations(&list, r.deprecated, r.deprecatedInAll, 0)
		body += "\n<details><summary>Newly deprecated: " + deprecationCounts(r.deprecated) + "</summary>\n\n```\n" +
			list.String() + "```\n</details>\n"
	}
	if err := os.WriteFile(filepath.Join(prOut, "body.md"), []byte(body), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(prOut, "label"), []byte(r.label()+"\n"), 0o644)
}
