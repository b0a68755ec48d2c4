package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/datafold/datafold-go/datafoldtest"
)

const key = "dftest_cli_NOT_REAL_91c2"

type cliRun struct {
	code           int
	stdout, stderr string
}

// cli runs the command as a user would, with the environment and stdin
// given and nothing else.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) cliRun {
	t.Helper()
	return cliSignals(t, env, stdin, nil, args...)
}

func cliSignals(t *testing.T, env map[string]string, stdin string, signals <-chan os.Signal, args ...string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, envFor(env, strings.NewReader(stdin), &stdout, &stderr, signals))
	r := cliRun{code, stdout.String(), stderr.String()}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Errorf("output contains the API key")
	}
	return r
}

func envFor(vars map[string]string, stdin io.Reader, stdout, stderr io.Writer, signals <-chan os.Signal) env {
	return env{
		stdin:   stdin,
		stdout:  stdout,
		stderr:  stderr,
		getenv:  func(k string) string { return vars[k] },
		signals: signals,
	}
}

func fakeEnv(t *testing.T, ids ...int) (*datafoldtest.Server, map[string]string) {
	t.Helper()
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key), datafoldtest.WithIntegrations(ids...))
	return srv, map[string]string{"DATAFOLD_HOST": srv.URL, "DATAFOLD_API_KEY": key}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		stdin      string
		env        map[string]string // overrides
		wantCode   int
		wantStdout string // exact, when set
		wantStderr string // substring
		wantLeft   []int
	}{
		{
			name: "all_exist", args: []string{"1", "2", "-c1"}, wantCode: 0,
			wantStdout: "removed integration 1\nremoved integration 2\n2 removed, 0 absent, 0 failed\n", wantLeft: []int{3},
		},
		{
			name: "one_absent", args: []string{"1", "99", "2", "-c1"}, wantCode: 1,
			wantStdout: "removed integration 1\nremoved integration 2\n2 removed, 1 absent, 0 failed\n",
			wantStderr: "error: integration 99 is absent: 404 Not Found: Integration not found\n" +
				"datafold: absent ids count as failures; --ignore-not-found accepts them\n",
			wantLeft: []int{3},
		},
		{
			name: "one_absent_ignored", args: []string{"--ignore-not-found", "-c", "1", "1", "99"}, wantCode: 0,
			wantStdout: "removed integration 1\nabsent integration 99: 404 Not Found: Integration not found\n1 removed, 1 absent, 0 failed\n",
			wantLeft:   []int{2, 3},
		},
		{
			name: "repeated_id_removed_once", args: []string{"3", "3"}, wantCode: 0,
			wantStdout: "removed integration 3\n1 removed, 0 absent, 0 failed\n", wantLeft: []int{1, 2},
		},
		{name: "flags_after_ids", args: []string{"1", "--concurrency", "1", "2"}, wantLeft: []int{3}},
		{name: "short_flags_joined", args: []string{"-c2", "-otext", "1"}, wantLeft: []int{2, 3}},
		{name: "flag_with_equals", args: []string{"--output=text", "1"}, wantStdout: "removed integration 1\n1 removed, 0 absent, 0 failed\n", wantLeft: []int{2, 3}},
		{name: "stdin", args: []string{"-"}, stdin: "1\n 2 # the second\n", wantLeft: []int{3}},
		{name: "stdin_and_args", args: []string{"3", "-"}, stdin: "1", wantLeft: []int{2}},
		{name: "file_dash_is_stdin", args: []string{"--file", "-"}, stdin: "2 3", wantLeft: []int{1}},
		{
			name: "wrong_key", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": "dftest_wrong"}, wantCode: 1,
			wantStderr: "error: integration 1: 403 Forbidden: Invalid API key\n", wantLeft: []int{1, 2, 3},
		},
		{
			name: "host_flag_beats_env", args: []string{"--host", "http://127.0.0.1:1", "1"}, wantCode: 1,
			wantStderr: "error: integration 1: no answer: dial tcp 127.0.0.1:1: connect: connection refused [after 4 attempts]\n",
			wantLeft:   []int{1, 2, 3},
		},
		{name: "not_a_number", args: []string{"1", "abc"}, wantCode: 2, wantStderr: `invalid integration id "abc": ids are positive whole numbers, such as 42`, wantLeft: []int{1, 2, 3}},
		{name: "negative", args: []string{"-1"}, wantCode: 2, wantStderr: `invalid integration id "-1": ids are positive`, wantLeft: []int{1, 2, 3}},
		{name: "negative_after_double_dash", args: []string{"--", "-1"}, wantCode: 2, wantStderr: `invalid integration id "-1": ids are positive`, wantLeft: []int{1, 2, 3}},
		{name: "flag_after_double_dash", args: []string{"--", "--output"}, wantCode: 2, wantStderr: `invalid integration id "--output"`, wantLeft: []int{1, 2, 3}},
		{name: "negative_after_a_flag", args: []string{"--timeout", "5s", "-1"}, wantCode: 2, wantStderr: `invalid integration id "-1"`, wantLeft: []int{1, 2, 3}},
		{name: "too_large", args: []string{"9223372036854775808"}, wantCode: 2, wantStderr: `invalid integration id "9223372036854775808": too large: the largest id is 9223372036854775807`, wantLeft: []int{1, 2, 3}},
		{name: "plus_sign", args: []string{"+5"}, wantCode: 2, wantStderr: `invalid integration id "+5": ids are written without a sign`, wantLeft: []int{1, 2, 3}},
		{name: "leading_zero", args: []string{"007"}, wantCode: 2, wantStderr: `invalid integration id "007": a leading zero is not allowed; write 7`, wantLeft: []int{1, 2, 3}},
		{name: "zero", args: []string{"0"}, wantCode: 2, wantStderr: `invalid integration id "0": ids start at 1`, wantLeft: []int{1, 2, 3}},
		{name: "fraction", args: []string{"1.5"}, wantCode: 2, wantStderr: `invalid integration id "1.5"`, wantLeft: []int{1, 2, 3}},
		{name: "commas", args: []string{"1,2"}, wantCode: 2, wantStderr: `invalid integration id "1,2": separate ids with spaces or newlines, not commas`, wantLeft: []int{1, 2, 3}},
		{name: "bad_id_on_stdin_sends_nothing", args: []string{"-"}, stdin: "1\n2\n\n# c\n 3 x4\n", wantCode: 2, wantStderr: `invalid integration id stdin:5: "x4"`, wantLeft: []int{1, 2, 3}},
		{name: "stdin_twice", args: []string{"-", "--file", "-"}, wantCode: 2, wantStderr: "stdin (-) is given twice", wantLeft: []int{1, 2, 3}},
		{name: "file_is_a_directory", args: []string{"--file", "/"}, wantCode: 2, wantStderr: "reading /: read /: is a directory", wantLeft: []int{1, 2, 3}},
		{name: "missing_file", args: []string{"--file", "/nonexistent/ids.txt"}, wantCode: 2, wantStderr: "--file: /nonexistent/ids.txt: no such file or directory", wantLeft: []int{1, 2, 3}},
		{name: "flag_without_value", args: []string{"1", "--timeout"}, wantCode: 2, wantStderr: "flag needs an argument: --timeout", wantLeft: []int{1, 2, 3}},
		{name: "timeout_without_unit", args: []string{"--timeout", "5", "1"}, wantCode: 2, wantStderr: `invalid argument "5" for "--timeout" flag: want a duration such as 30s or 2m`, wantLeft: []int{1, 2, 3}},
		{name: "timeout_negative", args: []string{"--timeout=-5s", "1"}, wantCode: 2, wantStderr: `want a positive duration such as 30s or 2m`, wantLeft: []int{1, 2, 3}},
		{name: "no_ids", args: nil, wantCode: 2, wantStderr: "no integration ids given (as arguments, - for stdin, or --file PATH)", wantLeft: []int{1, 2, 3}},
		{name: "empty_stdin", args: []string{"-"}, stdin: "# nothing\n", wantCode: 2, wantStderr: "no integration ids given", wantLeft: []int{1, 2, 3}},
		{name: "unknown_flag", args: []string{"--force", "1"}, wantCode: 2, wantStderr: "unknown flag: --force", wantLeft: []int{1, 2, 3}},
		{name: "bad_output", args: []string{"-o", "xml", "1"}, wantCode: 2, wantStderr: `invalid argument "xml" for "-o, --output" flag: want text or json`, wantLeft: []int{1, 2, 3}},
		{name: "bad_concurrency", args: []string{"--concurrency", "0", "1"}, wantCode: 2, wantStderr: `invalid argument "0" for "-c, --concurrency" flag: want a whole number from 1 to 256`, wantLeft: []int{1, 2, 3}},
		{name: "no_key", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": ""}, wantCode: 2, wantStderr: "DATAFOLD_API_KEY is not set", wantLeft: []int{1, 2, 3}},
		{name: "key_with_newline", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": key + "\n"}, wantCode: 2, wantStderr: "datafold: DATAFOLD_API_KEY: invalid API key: it has leading or trailing whitespace\n", wantLeft: []int{1, 2, 3}},
		{
			name: "plain_http_host_env", args: []string{"1"}, env: map[string]string{"DATAFOLD_HOST": "http://datafold.example.com"}, wantCode: 2,
			wantStderr: `datafold: DATAFOLD_HOST: refusing to send the API key over plain http to "datafold.example.com", which is not a loopback host; use https, or --insecure-http if you must` + "\n",
			wantLeft:   []int{1, 2, 3},
		},
		{
			name: "plain_http_host_flag", args: []string{"--host", "http://datafold.example.com", "1"}, wantCode: 2,
			wantStderr: `datafold: --host: refusing to send the API key over plain http to "datafold.example.com"`,
			wantLeft:   []int{1, 2, 3},
		},
		{name: "bad_host_scheme", args: []string{"1"}, env: map[string]string{"DATAFOLD_HOST": "ftp://x"}, wantCode: 2, wantStderr: `datafold: DATAFOLD_HOST: server "ftp://x": scheme must be https or http` + "\n", wantLeft: []int{1, 2, 3}},
		{name: "bad_host_flag", args: []string{"--host", "https://user:pw@x", "1"}, wantCode: 2, wantStderr: `datafold: --host: server "https://x": credentials in the URL are not supported`, wantLeft: []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, env := fakeEnv(t, 1, 2, 3)
			for k, v := range tt.env {
				env[k] = v
			}
			r := cli(t, env, tt.stdin, append([]string{"integrations", "remove"}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantStdout != "" && r.stdout != tt.wantStdout {
				t.Errorf("stdout mismatch (-want +got):\n%s", cmp.Diff(tt.wantStdout, r.stdout))
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if tt.wantCode == 0 && r.stderr != "" {
				t.Errorf("success wrote to stderr: %q", r.stderr)
			}
			if tt.wantCode == 2 && r.stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", r.stdout)
			}
			for _, bad := range []string{"WithServer", "WithInsecureHTTP", "WithAPIKey", "Delete \"", "gave up"} {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stderr names the Go API or a wrapper (%q): %q", bad, r.stderr)
				}
			}
			if got := srv.Integrations(); !cmp.Equal(got, tt.wantLeft) {
				t.Errorf("integrations left = %v, want %v", got, tt.wantLeft)
			}
			if tt.wantCode == 2 && len(srv.Requests()) > 0 {
				t.Errorf("a usage error sent %d requests", len(srv.Requests()))
			}
		})
	}
}

// jsonLines decodes NDJSON strictly: every line one object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
		}
		objs = append(objs, m)
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("output does not end in a newline: %q", out)
	}
	return objs
}

// The outcome of each id, from whatever server, by what it answered:
// the done-when cases of issue 11.
func TestRemove_outcomes(t *testing.T) {
	t.Parallel()
	// lostThen404 loses the first answer after acting on the request (the
	// connection drops), then answers 404: the first attempt removed it.
	lostThen404 := func() http.Handler {
		var calls atomic.Int32
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				_ = conn.Close()
				return
			}
			fastAPIDetail(w, http.StatusNotFound, "Integration not found")
		})
	}
	// statusThen404 answers status once, then 404: the id never existed.
	statusThen404 := func(status int) http.Handler {
		var calls atomic.Int32
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				fastAPIDetail(w, status, http.StatusText(status))
				return
			}
			w.Header().Set("X-Request-Id", "req-404")
			fastAPIDetail(w, http.StatusNotFound, "Integration not found")
		})
	}
	tests := []struct {
		name    string
		handler func() http.Handler
		flags   []string
		want    map[string]any
		code    int
	}{
		{
			name: "lost_answer_then_404_is_removed", handler: lostThen404, code: 0,
			want: map[string]any{"id": 7.0, "outcome": "removed", "status": 404.0, "attempts": 2.0, "error": nil, "request_id": nil,
				"note": "gone on attempt 2; attempt 1 was sent but its answer was lost"},
		},
		{
			name: "429_then_404_is_absent", handler: func() http.Handler { return statusThen404(429) }, code: 1,
			want: map[string]any{"id": 7.0, "outcome": "absent", "status": 404.0, "attempts": 2.0,
				"error": "404 Not Found: Integration not found", "request_id": "req-404"},
		},
		{
			name: "503_then_404_is_absent", handler: func() http.Handler { return statusThen404(503) }, flags: []string{"--ignore-not-found"}, code: 0,
			want: map[string]any{"id": 7.0, "outcome": "absent", "status": 404.0, "attempts": 2.0,
				"error": "404 Not Found: Integration not found", "request_id": "req-404"},
		},
		{
			name: "504_then_404_is_absent_with_a_note", handler: func() http.Handler { return statusThen404(504) }, code: 1,
			want: map[string]any{"id": 7.0, "outcome": "absent", "status": 404.0, "attempts": 2.0,
				"error": "404 Not Found: Integration not found", "request_id": "req-404",
				"note": "attempt 1 got 504 Gateway Timeout from a proxy; that attempt may have removed it"},
		},
	}
	for _, tt := range tests {
		for _, server := range []string{"fake", "fastapi"} {
			t.Run(tt.name+"/"+server, func(t *testing.T) {
				t.Parallel()
				var url string
				if server == "fake" {
					url = datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
						datafoldtest.WithOperation("RemoveIntegration", tt.handler())).URL
				} else {
					url = fastAPIServer(t, tt.handler())
				}
				env := map[string]string{"DATAFOLD_HOST": url, "DATAFOLD_API_KEY": key}
				r := cli(t, env, "", append([]string{"integrations", "remove", "-o", "json", "7"}, tt.flags...)...)
				if r.code != tt.code {
					t.Errorf("exit %d, want %d; stderr: %s", r.code, tt.code, r.stderr)
				}
				objs := jsonLines(t, r.stdout)
				if len(objs) != 2 {
					t.Fatalf("got %d lines, want a result and a summary:\n%s", len(objs), r.stdout)
				}
				if diff := cmp.Diff(tt.want, objs[0]); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// The done-when case on the bundled fake itself: an id that never existed,
// after a 429 the fake was told to send, is absent, never removed.
func TestRemove_neverExistedAfterRetry(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			srv, env := fakeEnv(t, 1)
			srv.FailNext(1, status, "0")
			r := cli(t, env, "", "integrations", "remove", "-o", "json", "99")
			objs := jsonLines(t, r.stdout)
			if r.code != 1 || len(objs) != 2 || objs[0]["outcome"] != "absent" || objs[0]["attempts"] != 2.0 {
				t.Errorf("exit %d, output:\n%s", r.code, r.stdout)
			}
		})
	}
}

// A 200 whose body is broken still says the integration was removed.
func TestRemove_malformedSuccessBody(t *testing.T) {
	t.Parallel()
	url := fastAPIServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "<html>")
	}))
	env := map[string]string{"DATAFOLD_HOST": url, "DATAFOLD_API_KEY": key}
	r := cli(t, env, "", "integrations", "remove", "5")
	want := "removed integration 5 (malformed response body: DELETE /api/v1/lineage/bi/5/: the server answered 200 OK with a body that is not JSON: <html>, though it declared Content-Type \"application/json\")\n"
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// fastAPIServer is a bare httptest server speaking FastAPI's shapes, with
// no knowledge of Datafold beyond the route, for the checks that must hold
// whatever server answers.
func fastAPIServer(t *testing.T, remove http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Key "+key:
			fastAPIDetail(w, http.StatusForbidden, "Invalid API key")
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/lineage/bi/"):
			remove.ServeHTTP(w, r)
		default:
			fastAPIDetail(w, http.StatusNotFound, "Not Found")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func fastAPIDetail(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail})
}

// Re-running an offboarding after everything is gone is fine with
// --ignore-not-found, against the fake and a bare FastAPI server.
func TestRemove_rerunIgnoreNotFound(t *testing.T) {
	t.Parallel()
	fake, _ := fakeEnv(t)
	for name, url := range map[string]string{
		"fake":    fake.URL,
		"fastapi": fastAPIServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fastAPIDetail(w, 404, "Integration not found") })),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DATAFOLD_HOST": url, "DATAFOLD_API_KEY": key}
			r := cli(t, env, "", "integrations", "remove", "--ignore-not-found", "--output", "json", "1", "9", "12")
			if r.code != 0 || r.stderr != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			objs := jsonLines(t, r.stdout)
			if len(objs) != 4 {
				t.Fatalf("got %d lines, want 3 results and a summary:\n%s", len(objs), r.stdout)
			}
			for _, o := range objs[:3] {
				if o["outcome"] != "absent" || o["status"] != 404.0 {
					t.Errorf("result %v, want absent with status 404", o)
				}
			}
			want := map[string]any{"summary": map[string]any{"removed": 0.0, "absent": 3.0, "failed": 0.0, "not_attempted": 0.0, "interrupted": false}}
			if diff := cmp.Diff(want, objs[3]); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The JSON output is NDJSON that jq reads line by line, in the shapes the
// help documents.
func TestRemove_json(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t, 1, 3)
	srv.FailNext(4, http.StatusInternalServerError, "")
	r := cli(t, env, "", "integrations", "remove", "--output", "json", "-c", "1", "1", "2", "3")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing in JSON mode", r.stderr)
	}
	want := []map[string]any{
		{"id": 1.0, "outcome": "failed", "status": 500.0, "attempts": 1.0, "error": "500 Internal Server Error: Internal Server Error", "request_id": nil},
		{"id": 2.0, "outcome": "failed", "status": 500.0, "attempts": 1.0, "error": "500 Internal Server Error: Internal Server Error", "request_id": nil},
		{"id": 3.0, "outcome": "failed", "status": 500.0, "attempts": 1.0, "error": "500 Internal Server Error: Internal Server Error", "request_id": nil},
		{"summary": map[string]any{"removed": 0.0, "absent": 0.0, "failed": 3.0, "not_attempted": 0.0, "interrupted": false}},
	}
	if diff := cmp.Diff(want, jsonLines(t, r.stdout)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}

	r = cli(t, env, "", "integrations", "remove", "-ojson", "-c1", "1", "2", "3")
	want = []map[string]any{
		{"id": 1.0, "outcome": "failed", "status": 500.0, "attempts": 1.0, "error": "500 Internal Server Error: Internal Server Error", "request_id": nil},
		{"id": 2.0, "outcome": "absent", "status": 404.0, "attempts": 1.0, "error": "404 Not Found: Integration not found", "request_id": nil},
		{"id": 3.0, "outcome": "removed", "status": 200.0, "attempts": 1.0, "error": nil, "request_id": nil},
		{"summary": map[string]any{"removed": 1.0, "absent": 1.0, "failed": 1.0, "not_attempted": 0.0, "interrupted": false}},
	}
	if diff := cmp.Diff(want, jsonLines(t, r.stdout)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}

	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq is not installed")
	}
	cmd := exec.Command(jq, "-c", ".")
	cmd.Stdin = strings.NewReader(r.stdout)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq -c . failed: %v", err)
	}
	if got := strings.Count(string(out), "\n"); got != 4 {
		t.Errorf("jq -c . printed %d lines, want 4:\n%s", got, out)
	}
	// The README's example: the failed ids, one per line.
	cmd = exec.Command(jq, "-r", `select(.outcome == "failed") | .id`)
	cmd.Stdin = strings.NewReader(r.stdout)
	if out, err = cmd.Output(); err != nil || string(out) != "1\n" {
		t.Errorf("jq select failed = %q, %v; want \"1\\n\"", out, err)
	}
}

// The command's README shows the help as the program prints it.
func TestREADMEHelp(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```text\n"+removeHelpText()+"```\n") {
		t.Errorf("cmd/datafold/README.md does not hold the current help of integrations remove; paste it from 'datafold integrations remove --help':\n%s", removeHelpText())
	}
}

// Each line is written as its id finishes, not at the end: a reader sees
// the first result while the second is still in flight.
func TestRemove_jsonStreams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/2/") {
				<-release
			}
			fastAPIDetail(w, http.StatusNotFound, "Integration not found")
		})))
	env := map[string]string{"DATAFOLD_HOST": srv.URL, "DATAFOLD_API_KEY": key}
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		code := run(t.Context(), []string{"integrations", "remove", "-o", "json", "-c", "1", "--ignore-not-found", "1", "2"},
			envFor(env, strings.NewReader(""), pw, io.Discard, nil))
		pw.Close()
		done <- code
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, `"id":1,`) {
		t.Fatalf("first line %q, %v; want id 1's result before id 2 is answered", line, err)
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if code := <-done; code != 0 || strings.Count(string(rest), "\n") != 2 {
		t.Errorf("exit %d, rest %q", code, rest)
	}
}

func TestRemove_file(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "ids.txt")
	if err := os.WriteFile(good, []byte("# offboarding, ticket 123\n1\n2 3   # the rest\n\n3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("1\n007\n+5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, env := fakeEnv(t, 1, 2, 3, 4)
	r := cli(t, env, "", "integrations", "remove", "--file", bad, "-f", good, "4")
	if r.code != 2 || len(srv.Requests()) != 0 {
		t.Errorf("exit %d after %d requests, want 2 and none", r.code, len(srv.Requests()))
	}
	wantErr := "datafold: integrations remove: invalid integration id " + bad + `:2: "007": a leading zero is not allowed; write 7` + "\n" +
		"  invalid integration id " + bad + `:3: "+5": ids are written without a sign` + "\n"
	if !strings.Contains(r.stderr, wantErr) {
		t.Errorf("stderr = %q, want %q", r.stderr, wantErr)
	}
	r = cli(t, env, "", "integrations", "remove", "-f", good, "4")
	if r.code != 0 || len(srv.Integrations()) != 0 {
		t.Errorf("exit %d, left %v; stderr %s", r.code, srv.Integrations(), r.stderr)
	}
}

func TestRemove_timeout(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t, 1)
	srv.SetDelay(time.Minute)
	r := cli(t, env, "", "integrations", "remove", "--timeout", "100ms", "1")
	want := "error: integration 1: no answer within --timeout 100ms; the request was sent, so it may have been removed\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}

// noticeWriter is a stderr that closes seen once a line containing want
// was written: the moment the program has taken an interrupt.
type noticeWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *noticeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(string(p), w.want) {
		select {
		case <-w.seen:
		default:
			close(w.seen)
		}
	}
	return len(p), nil
}

// The first interrupt stops new removals and lets the one in flight
// finish; the summary counts what was never started.
func TestRemove_interrupt(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			<-release
			fastAPIDetail(w, http.StatusOK, "")
		})))
	vars := map[string]string{"DATAFOLD_HOST": srv.URL, "DATAFOLD_API_KEY": key}
	signals := make(chan os.Signal, 2)
	stderr := &noticeWriter{want: "interrupted: starting no new removals", seen: make(chan struct{})}
	go func() {
		<-started
		signals <- os.Interrupt
		<-stderr.seen
		close(release)
	}()
	var stdout bytes.Buffer
	code := run(t.Context(), []string{"integrations", "remove", "-c", "1", "1", "2", "3"},
		envFor(vars, strings.NewReader(""), &stdout, stderr, signals))
	if code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if want := "removed integration 1\n1 removed, 0 absent, 0 failed, 2 not attempted (interrupted)\n"; stdout.String() != want {
		t.Errorf("stdout mismatch (-want +got):\n%s", cmp.Diff(want, stdout.String()))
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A second interrupt cancels the removals in flight; each says so.
func TestRemove_interruptTwice(t *testing.T) {
	t.Parallel()
	signals := make(chan os.Signal, 2)
	var once sync.Once
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { signals <- os.Interrupt; signals <- os.Interrupt })
			<-r.Context().Done()
		})))
	env := map[string]string{"DATAFOLD_HOST": srv.URL, "DATAFOLD_API_KEY": key}
	r := cliSignals(t, env, "", signals, "integrations", "remove", "-o", "json", "-c", "1", "1", "2")
	if r.code != 130 {
		t.Errorf("exit %d, want 130", r.code)
	}
	objs := jsonLines(t, r.stdout)
	if len(objs) != 2 || objs[0]["outcome"] != "failed" ||
		objs[0]["error"] != "interrupted; the request was sent, so it may have been removed" {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	want := map[string]any{"removed": 0.0, "absent": 0.0, "failed": 1.0, "not_attempted": 1.0, "interrupted": true}
	if diff := cmp.Diff(want, objs[1]["summary"]); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stderr, "interrupted again: canceling the removals in flight") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

// TestMain lets the signal test run the real main in a child process: the
// test binary re-executed with DATAFOLD_CLI_TEST_MAIN=1 is the CLI.
func TestMain(m *testing.M) {
	if os.Getenv("DATAFOLD_CLI_TEST_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// A real SIGINT to a real process: the removal in flight finishes, no new
// one starts, the summary is printed and the exit status is 130.
func TestRemove_sigintChildProcess(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case started <- struct{}{}:
				<-release // in flight when the signal lands
			default:
			}
			fastAPIDetail(w, http.StatusOK, "")
		})))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "integrations", "remove", "-o", "json", "-c", "1", "-")
	cmd.Env = append(os.Environ(), "DATAFOLD_CLI_TEST_MAIN=1", "DATAFOLD_HOST="+srv.URL, "DATAFOLD_API_KEY="+key)
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	cmd.Stdin = strings.NewReader(strings.Join(ids, "\n"))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr := &noticeWriter{want: "interrupted: starting no new removals", seen: make(chan struct{})}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("no request arrived")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stderr.seen:
	case <-ctx.Done():
		t.Fatal("the child never said it was interrupted")
	}
	close(release)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), want 130\nstderr: %s", code, err, stderr.buf.String())
	}
	objs := jsonLines(t, stdout.String())
	want := []map[string]any{
		{"id": 1.0, "outcome": "removed", "status": 200.0, "attempts": 1.0, "error": nil, "request_id": nil},
		{"summary": map[string]any{"removed": 1.0, "absent": 0.0, "failed": 0.0, "not_attempted": 999.0, "interrupted": true}},
	}
	if diff := cmp.Diff(want, objs); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{args: []string{"--help"}, wantStdout: "datafold integrations remove [flags] [ID...] [-] [--file PATH]"},
		{args: []string{"integrations", "--help"}, wantStdout: "remove    remove BI integrations by id"},
		{args: []string{"integrations", "remove", "--help"}, wantStdout: "  -c, --concurrency n      how many removals run at once (default 4)\n"},
		{args: []string{"integrations", "remove", "-h"}, wantStdout: "      --ignore-not-found   treat absent ids as done"},
		{args: []string{"integrations", "remove", "1", "--help"}, wantStdout: "  -o, --output format      output format: text or json (default text)\n"},
		{args: []string{"version"}, wantStdout: "datafold devel\n"},
		{args: nil, wantCode: 2, wantStderr: "no command given"},
		{args: []string{"integrations"}, wantCode: 2, wantStderr: "no subcommand given"},
		{args: []string{"integrations", "list"}, wantCode: 2, wantStderr: `unknown subcommand "list"`},
		{args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			t.Parallel()
			r := cli(t, nil, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stdout, tt.wantStdout) || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					r.code, r.stdout, r.stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

// TestRemoveThousand times the CLI's main job at scale with the default
// concurrency; the number goes in the log, not in an assertion.
func TestRemoveThousand(t *testing.T) {
	ids := make([]int, 1000)
	var in strings.Builder
	for i := range ids {
		ids[i] = i + 1
		in.WriteString(strconv.Itoa(i+1) + "\n")
	}
	srv, env := fakeEnv(t, ids...)
	start := time.Now()
	r := cli(t, env, in.String(), "integrations", "remove", "-o", "json", "-")
	took := time.Since(start)
	if r.code != 0 || len(srv.Integrations()) != 0 {
		t.Fatalf("exit %d with %d left; stderr: %s", r.code, len(srv.Integrations()), r.stderr)
	}
	if n := len(jsonLines(t, r.stdout)); n != 1001 {
		t.Errorf("%d lines, want 1001", n)
	}
	t.Logf("removed 1000 integrations in %v (%.0f/s) with the default concurrency", took, 1000/took.Seconds())
}
