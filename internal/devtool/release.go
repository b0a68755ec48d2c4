package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// platforms are the CLI's release targets.
var platforms = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

var semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)

// binaryName is the released file for one platform.
func binaryName(version, goos, goarch string) string {
	name := fmt.Sprintf("datafold_%s_%s_%s", version, goos, goarch)
	if goos == "windows" {
		name += ".exe"
	}
	return name
}

func releaseCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devtool release", flag.ContinueOnError)
	version := fs.String("version", "", "the tag, vX.Y.Z")
	out := fs.String("out", "", "output `directory` (default: a new temporary one)")
	notes := fs.String("notes", "", "also write the tag's CHANGELOG.md section to this `file`; fails if there is none")
	check := fs.Bool("check", false, "verify SHA256SUMS and run this platform's binary's `version`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !semver.MatchString(*version) {
		return fmt.Errorf("release: -version %q is not vMAJOR.MINOR.PATCH", *version)
	}
	if *notes != "" {
		cl, err := os.ReadFile("CHANGELOG.md")
		if err != nil {
			return err
		}
		body, err := releaseNotes(string(cl), *version)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*notes, []byte(body), 0o644); err != nil {
			return err
		}
	}
	dir := *out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "datafold-release-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// -trimpath and no cgo make the binaries reproducible from the tag;
	// -s -w drop the symbol tables, about a third of the size.
	ldflags := "-s -w -X github.com/datafold/datafold-go.releaseTag=" + *version
	var sums bytes.Buffer
	for _, p := range platforms {
		name := binaryName(*version, p.goos, p.goarch)
		c := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", filepath.Join(dir, name), "./cmd/datafold")
		c.Env = append(os.Environ(), "GOOS="+p.goos, "GOARCH="+p.goarch, "CGO_ENABLED=0")
		c.Stdout, c.Stderr = stderr, stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("release: building %s/%s: %w", p.goos, p.goarch, err)
		}
		sum, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		// The format of sha256sum and shasum -a 256, so either checks it.
		fmt.Fprintf(&sums, "%s  %s\n", sum, name)
		fmt.Fprintf(stdout, "%s/%s\t%s\n", p.goos, p.goarch, filepath.Join(dir, name))
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checksums\t%s\n", filepath.Join(dir, "SHA256SUMS"))
	if !*check {
		return nil
	}
	if err := verifySums(dir); err != nil {
		return err
	}
	self := filepath.Join(dir, binaryName(*version, runtime.GOOS, runtime.GOARCH))
	got, err := output("", nil, self, "version")
	if err != nil {
		return err
	}
	if want := "datafold " + *version; strings.TrimSpace(string(got)) != want {
		return fmt.Errorf("release: %s version printed %q, want %q", filepath.Base(self), got, want)
	}
	fmt.Fprintf(stdout, "%s version: %s", filepath.Base(self), got)
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verifySums checks every line of dir/SHA256SUMS against the files, and
// that it lists one binary per platform.
func verifySums(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(platforms) {
		return fmt.Errorf("release: SHA256SUMS has %d lines, want %d", len(lines), len(platforms))
	}
	for _, l := range lines {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok {
			return fmt.Errorf("release: malformed SHA256SUMS line %q", l)
		}
		got, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if got != sum {
			return errors.New("release: checksum mismatch for " + name)
		}
	}
	return nil
}
