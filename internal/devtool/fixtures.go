package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// followUps lists fixtures applied, in order, on top of another one in the
// same copy, as a maintainer would over time; every other fixture under
// testdata/specs is applied on its own to a fresh copy.
var followUps = map[string][]string{
	"v2.yaml": {"v3.yaml"},
}

// expect holds what a fixture's update-spec output and spec-watch label
// must show.
var expect = map[string]struct {
	label string
	log   []string
	// refused is the start of the one line an update must stop with,
	// having changed nothing.
	refused string
}{
	"v2.yaml": {label: "non-breaking"},
	"v3.yaml": {label: "breaking", log: []string{
		// v3 removes an operation, so its name goes too.
		"dropped the rename of delete_monitor_api_v1_monitors__monitor_id__delete",
	}},
	// A large spec in pydantic v2's style, from the seed: every schema
	// and operation goes through the generated conformance tests.
	"large.yaml": {label: "non-breaking", log: []string{
		"conformance: 160 of 160 component schemas round-tripped",
		"conformance: 76 operations called",
	}},
	// What real FastAPI documents held that the generator or the fake
	// mishandled: every schema and operation must still be covered, and
	// the tagless discriminated union is named as an upstream defect.
	"idioms.yaml": {label: "non-breaking", log: []string{
		"speccheck: warning: upstream defect at #/components/schemas/MonitorDiffUpdate/properties/datadiff",
		"conformance: 27 of 27 component schemas round-tripped",
		"conformance: 22 operations called",
		// What it deprecates is listed, and marked in Go.
		"deprecated: 2 operations, 1 parameter, 2 schemas, 3 properties newly, of 8 deprecated in all",
		"conformance: marked deprecated in Go: operations 2, parameters 1, schemas 2, properties 3",
		// What breaks the generator's rules is repaired, with a warning.
		"warning: repaired: POST /api/v1/reports/{report_id}/refresh: path parameter {report_id} is not declared",
		"warning: repaired: PUT /api/v1/reports/{report_id}/owners/{owner_id}: path parameter user_id is declared, but the path has no {user_id}",
		"warning: repaired: GET /api/v1/jobs/{job_id}: path parameter job_id lacks required: true and a schema",
		"warning: repaired: GET /api/v1/jobs/{job_id}: query parameter verbose is declared twice, identically",
		"warning: repaired: operationId render_chart is on POST /api/v1/charts/bar, POST /api/v1/charts/line",
		"warning: repaired: PUT /api/v1/reports/{report_name}/content: header parameter content-type is one OpenAPI says to ignore",
		"warning: repaired: PUT /api/v1/reports/{report_name}/content: path parameter report_name may be null",
		"opnames: named POST /api/v1/reports/{report_id}/status ReportStatusPost",
	}},
	// A document only a person can settle: update-spec stops at once, in
	// one line naming the operation, the rule and the overlay action.
	"refused.yaml": {refused: "update-spec: refused: GET /api/v1/datasets/: query parameter owner is declared twice, differently " +
		"(rule: an operation's parameters are unique by name and location); to keep the first, add to overlay.yaml's actions: " +
		`- {target: "$['paths']['/api/v1/datasets/']['get']['parameters'][1]", remove: true}`},
}

func fixturesCmd(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("devtool fixtures", flag.ContinueOnError)
	updateGolden := fset.Bool("update-golden", os.Getenv("UPDATE_GOLDEN") == "1",
		"rewrite testdata/specs/v2-to-v3.breaking.txt (also UPDATE_GOLDEN=1)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	scratch, err := claimScratch(filepath.Join(os.TempDir(), "datafold-go-fixtures"))
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	env := withEnv(os.Environ(), "UPDATE_SPEC_CHECKS", "spec")

	fmt.Fprintln(stdout, "==> v2 -> v3 breaking changes match the planted ones")
	if err := checkGolden(repo, *updateGolden, stdout); err != nil {
		return err
	}

	fmt.Fprintln(stdout, "==> without NAMES=auto, update-spec fails with the overlay actions to add")
	manual := filepath.Join(scratch, "manual")
	if err := copyRepo(repo, manual); err != nil {
		return err
	}
	var log bytes.Buffer
	if updateSpec(manual, env, filepath.Join(repo, "testdata/specs/v2.yaml"), "", &log) == nil {
		return errors.New("fixtures: update-spec without NAMES=auto succeeded, but v2 has unnamed operations")
	}
	for _, want := range []string{"Add these actions to overlay.yaml", "operationId: ListIntegrations",
		"target: $.paths.*.*[?(@.operationId == 'get_monitor_run_api_v1_monitors__monitor_id__runs__run_id__get')]"} {
		if !strings.Contains(log.String(), want) {
			return fmt.Errorf("fixtures: update-spec's failure output lacks: %s\n%s", want, log.String())
		}
	}
	fmt.Fprintln(stdout, "it fails and prints the actions")

	seqs, err := sequences(filepath.Join(repo, "testdata/specs"))
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		dir := filepath.Join(scratch, strings.TrimSuffix(seq[0], ".yaml"))
		if err := copyRepo(repo, dir); err != nil {
			return err
		}
		for i, spec := range seq {
			// A document another follows at once is only applied: the
			// checks after the last one judge where the updates led.
			checks := "spec"
			if i < len(seq)-1 {
				checks = "none"
			}
			if err := applyFixture(repo, dir, withEnv(env, "UPDATE_SPEC_CHECKS", checks), spec, stdout); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(stdout, "==> fixtures pass")
	return nil
}

// claimScratch empties dir for this run, unless another live run holds it.
// The path is the same every run: the build cache keys each package on its
// directory, so copies at new paths would compile every package anew and
// never find the last run's work. A pid file older than any run could be is
// a killed run's, whatever process has the number now.
func claimScratch(dir string) (string, error) {
	pidFile := filepath.Join(dir, "pid")
	if info, err := os.Stat(pidFile); err == nil && time.Since(info.ModTime()) < 30*time.Minute {
		b, _ := os.ReadFile(pidFile)
		if pid, err := strconv.Atoi(string(b)); err == nil && pid != os.Getpid() {
			if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
				return "", fmt.Errorf("fixtures: %s is in use by another run (pid %d)", dir, pid)
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// sequences returns the fixtures in dir in the order to apply them: each
// one that does not follow another, then its follow-ups.
func sequences(dir string) ([][]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	follows := map[string]bool{}
	for _, fs := range followUps {
		for _, f := range fs {
			follows[f] = true
		}
	}
	var seqs [][]string
	for _, n := range names {
		base := filepath.Base(n)
		if !follows[base] {
			seqs = append(seqs, append([]string{base}, followUps[base]...))
		}
	}
	return seqs, nil
}

// applyFixture runs make update-spec NAMES=auto with one fixture in dir,
// then checks the output and the spec-watch pull request's label and body
// that the same run drafted.
func applyFixture(repo, dir string, env []string, spec string, stdout io.Writer) error {
	name := strings.TrimSuffix(spec, ".yaml")
	fmt.Fprintf(stdout, "==> make update-spec SPEC=testdata/specs/%s NAMES=auto\n", spec)
	pr := dir + "-" + name + "-pr" // beside the copy, so git status there is only update-spec's doing
	var log bytes.Buffer
	start := time.Now()
	err := updateSpec(dir, withEnv(env, "UPDATE_SPEC_OUT", pr), filepath.Join(repo, "testdata/specs", spec), "auto", &log)
	if want := expect[spec].refused; want != "" {
		return checkRefused(dir, spec, want, err, log.String(), stdout)
	}
	if err != nil {
		return fmt.Errorf("fixtures: update-spec failed for %s: %w\n%s", spec, err, log.String())
	}
	ms := time.Since(start).Milliseconds()
	overlay, err := os.ReadFile(filepath.Join(dir, "overlay.yaml"))
	if err != nil {
		return err
	}
	gen, err := os.ReadFile(filepath.Join(dir, "api/datafold.gen.go"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d named operations; update-spec %d ms; api/datafold.gen.go %d lines, %d bytes\n",
		name, bytes.Count(overlay, []byte("operationId:")), ms, bytes.Count(gen, []byte("\n")), len(gen))
	summary := ""
	for l := range strings.Lines(log.String()) {
		if strings.HasPrefix(l, "summary:") {
			summary = l
			fmt.Fprint(stdout, l)
		}
	}
	for _, want := range expect[spec].log {
		if !strings.Contains(log.String(), want) {
			return fmt.Errorf("fixtures: update-spec's output for %s lacks: %s\n%s", spec, want, log.String())
		}
	}

	// The spec-watch workflow's dry run: the label and body it would use.
	label, err := os.ReadFile(filepath.Join(pr, "label"))
	if err != nil {
		return fmt.Errorf("fixtures: update-spec wrote no pull request label for %s: %w", spec, err)
	}
	body, err := os.ReadFile(filepath.Join(pr, "body.md"))
	if err != nil {
		return err
	}
	if want := expect[spec].label; want != "" && strings.TrimSpace(string(label)) != want {
		return fmt.Errorf("fixtures: spec-watch label for %s is %q, want %q", spec, bytes.TrimSpace(label), want)
	}
	counts := strings.TrimSuffix(strings.TrimPrefix(summary, "summary: "), "\n")
	if counts == "" || !bytes.Contains(body, []byte(counts)) {
		return fmt.Errorf("fixtures: spec-watch body for %s lacks the summary %q:\n%s", spec, counts, body)
	}
	cl, err := os.ReadFile(filepath.Join(dir, "CHANGELOG.md"))
	if err != nil {
		return err
	}
	if !bytes.Contains(cl, []byte(counts)) {
		return fmt.Errorf("fixtures: CHANGELOG.md has no drafted entry for %s", spec)
	}
	fmt.Fprintf(stdout, "spec-watch: label %s, CHANGELOG.md entry drafted\n", bytes.TrimSpace(label))
	return nil
}

// updateSpec runs make update-spec in dir. env's UPDATE_SPEC_CHECKS says
// what it checks: what the fixture's document can change (spec), since the
// rest of make verify ran on the seed in make ci, or nothing (none).
func updateSpec(dir string, env []string, spec, names string, out io.Writer) error {
	args := []string{"--no-print-directory", "update-spec", "SPEC=" + spec}
	if names != "" {
		args = append(args, "NAMES="+names)
	}
	return command(dir, env, out, "make", args...)
}

// checkGolden compares oasdiff's v2 -> v3 breaking report with the golden
// file, or rewrites the file.
func checkGolden(repo string, update bool, stdout io.Writer) error {
	golden := filepath.Join(repo, "testdata/specs/v2-to-v3.breaking.txt")
	js, err := output(repo, nil, "go", "tool", "-modfile=tools/go.mod", "oasdiff", "breaking",
		"testdata/specs/v2.yaml", "testdata/specs/v3.yaml", "--format", "json")
	if err != nil {
		return err
	}
	changes, err := readChanges(bytes.NewReader(js))
	if err != nil {
		return err
	}
	got := []byte(newReport(changes).breakingLines())
	if update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rewrote %s\n", golden)
		return nil
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("fixtures: the breaking-change report differs from %s (UPDATE_GOLDEN=1 to accept):\n%s",
			golden, lineDiff(string(want), string(got)))
	}
	fmt.Fprintf(stdout, "%d breaking changes, as planted\n", bytes.Count(want, []byte("\n")))
	return nil
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "-%s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+%s\n", l)
		}
	}
	return b.String()
}

// copyRepo copies the repository's files (tracked, or new and not
// ignored) into dir and commits them there, since make verify's
// check-generated compares git status before and after generating.
func copyRepo(repo, dir string) error {
	ls, err := output(repo, nil, "git", "ls-files", "-co", "--exclude-standard", "-z")
	if err != nil {
		return err
	}
	for name := range strings.SplitSeq(strings.TrimSuffix(string(ls), "\x00"), "\x00") {
		if err := copyFile(filepath.Join(repo, name), filepath.Join(dir, name)); err != nil {
			if errors.Is(err, fs.ErrNotExist) { // deleted in the work tree, not yet in the index
				continue
			}
			return err
		}
	}
	// Every copy starts from the seed spec, whatever openapi.yaml holds by
	// now: the fixtures and their expectations are written against it, and
	// after a real spec update make ci must stay green. opnames then drops
	// the names of operations the seed does not have.
	seed, err := os.ReadFile(filepath.Join(repo, "testdata/specs/seed/openapi.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), seed, 0o644); err != nil {
		return err
	}
	if out, err := output(dir, nil, "go", "run", "./internal/opnames", "names", "-auto"); err != nil {
		return fmt.Errorf("resetting the copy to the seed spec: %w\n%s", err, out)
	}
	git := []string{"-c", "user.name=fixtures", "-c", "user.email=fixtures@invalid", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, append(git, "commit", "-q", "--no-verify", "-m", "fixture base")} {
		if _, err := output(dir, nil, "git", args...); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	info, err := os.Lstat(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(from)
		if err != nil {
			return err
		}
		return os.Symlink(target, to)
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, info.Mode().Perm())
}

// withEnv returns env with key set to value.
func withEnv(env []string, key, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
	return append(out, key+"="+value)
}

// checkRefused checks that update-spec stopped on a document it must
// refuse: with its last line (before go run's and make's own) the refusal,
// the only one, no generator output at all, and nothing in the copy
// changed.
func checkRefused(dir, spec, want string, err error, log string, stdout io.Writer) error {
	if err == nil {
		return fmt.Errorf("fixtures: update-spec accepted %s, which it must refuse with: %s\n%s", spec, want, log)
	}
	var lines []string
	for l := range strings.Lines(log) {
		l = strings.TrimRight(l, "\n")
		if strings.HasPrefix(l, "exit status ") || strings.HasPrefix(l, "make: ***") || strings.HasPrefix(l, "make[") {
			continue // go run's and make's word that the command failed
		}
		lines = append(lines, l)
	}
	last := ""
	if len(lines) > 0 {
		last = lines[len(lines)-1]
	}
	if !strings.HasPrefix(last, "devtool: "+want) || strings.Count(log, "refused:") != 1 {
		return fmt.Errorf("fixtures: update-spec's output for %s does not end with the one line %q:\n%s", spec, want, log)
	}
	if strings.Contains(log, "error generating code") || strings.Contains(log, "==> Regenerating") {
		return fmt.Errorf("fixtures: update-spec reached the generator for %s:\n%s", spec, log)
	}
	status, err := output(dir, nil, "git", "status", "--porcelain")
	if err != nil {
		return err
	}
	if len(status) > 0 {
		return fmt.Errorf("fixtures: update-spec refused %s but changed the copy:\n%s", spec, status)
	}
	fmt.Fprintf(stdout, "%s: refused in one line, nothing changed:\n%s\n", strings.TrimSuffix(spec, ".yaml"), last)
	return nil
}
