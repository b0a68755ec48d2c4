package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// demoCmd is the newcomer's first run: regenerate the client from
// openapi.yaml, start the bundled fake Datafold on loopback and remove
// integrations through the real CLI. No account, no network.
func demoCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devtool demo", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	step := func(s string) { fmt.Fprintf(stdout, "\n\033[1m==> %s\033[0m\n", s) }

	step("Regenerating api/ from openapi.yaml (go generate)")
	if err := command("", nil, stdout, "go", "generate", "./..."); err != nil {
		return err
	}
	if exec.Command("git", "diff", "--quiet", "--", "api/").Run() != nil {
		fmt.Fprintln(stdout, "note: api/ changed; review with 'git diff api/'")
	}

	step("Building the CLI and the fake server")
	work, err := os.MkdirTemp("", "datafold-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	exe := func(name string) string {
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		return filepath.Join(work, name)
	}
	for _, name := range []string{"datafold", "datafold-fake"} {
		if err := command("", nil, stdout, "go", "build", "-o", exe(name), "./cmd/"+name); err != nil {
			return err
		}
	}

	step("Starting the fake Datafold with integrations 1-5")
	fake := exec.Command(exe("datafold-fake"), "-integrations", "1-5")
	var fakeLog syncBuffer
	fake.Stderr = &fakeLog
	fakeOut, err := fake.StdoutPipe()
	if err != nil {
		return err
	}
	if err := fake.Start(); err != nil {
		return err
	}
	defer func() {
		if fake.ProcessState == nil {
			_ = fake.Process.Kill()
			_ = fake.Wait()
		}
	}()
	// The fake prints DATAFOLD_HOST=... and DATAFOLD_API_KEY=... once it
	// listens; the pipe's end means it died first.
	env := os.Environ()
	got := map[string]string{}
	sc := bufio.NewScanner(fakeOut)
	for len(got) < 2 && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			got[k] = v
			env = append(env, k+"="+v)
		}
	}
	if got["DATAFOLD_HOST"] == "" || got["DATAFOLD_API_KEY"] == "" {
		return fmt.Errorf("demo: the fake server did not start:\n%s", fakeLog.String())
	}
	go func() { _, _ = io.Copy(io.Discard, fakeOut) }()
	fmt.Fprintf(stdout, "DATAFOLD_HOST=%s (the key is in DATAFOLD_API_KEY)\n", got["DATAFOLD_HOST"])

	cli := func(title, input string, wantCode int, args ...string) error {
		step(title)
		c := exec.Command(exe("datafold"), args...)
		c.Env = env
		c.Stdin = strings.NewReader(input)
		c.Stdout, c.Stderr = stdout, stderr
		code := 0
		var exit *exec.ExitError
		switch err := c.Run(); {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			return err
		}
		if wantCode != 0 {
			fmt.Fprintf(stdout, "exit status: %d\n", code)
		}
		if code != wantCode {
			return fmt.Errorf("demo: datafold %s: exit status %d, want %d", strings.Join(args, " "), code, wantCode)
		}
		return nil
	}
	if err := cli("datafold integrations remove 1 2 3", "", 0, "integrations", "remove", "1", "2", "3"); err != nil {
		return err
	}
	if err := cli("datafold integrations remove 3 4 --output json   (NDJSON; 3 is absent: expect exit 1)", "", 1,
		"integrations", "remove", "3", "4", "--output", "json"); err != nil {
		return err
	}
	if err := cli(`printf '4\n5  # the last one\n' | datafold integrations remove --ignore-not-found -   (4 is absent: fine, exit 0)`,
		"4\n5  # the last one\n", 0, "integrations", "remove", "--ignore-not-found", "-"); err != nil {
		return err
	}
	if err := cli("datafold integrations remove abc   (usage error: expect exit 2)", "", 2,
		"integrations", "remove", "abc"); err != nil {
		return err
	}

	step("What the fake received")
	// Stop the fake before reading its log: Wait returns once its stderr
	// is drained, so every request's line is in. An interrupt lets it
	// finish logging; Windows has no interrupt to send.
	if runtime.GOOS == "windows" || fake.Process.Signal(os.Interrupt) != nil {
		_ = fake.Process.Kill()
	}
	_ = fake.Wait()
	log := fakeLog.String()
	fmt.Fprint(stdout, log)
	if strings.Contains(log, "VIOLATION") {
		return errors.New("demo: a request did not conform to the OpenAPI document")
	}
	step("Done: the client was regenerated and made real round trips.")
	return nil
}

// syncBuffer is a bytes.Buffer that the fake's stderr copier and the
// demo can use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
