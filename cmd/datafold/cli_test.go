package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
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

// cli runs the command as a user would, against srv, with the environment
// given and nothing else.
func cli(t *testing.T, env map[string]string, args ...string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr, func(k string) string { return env[k] })
	r := cliRun{code, stdout.String(), stderr.String()}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Errorf("output contains the API key")
	}
	return r
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
		env        map[string]string // overrides
		wantCode   int
		wantStdout string // exact, when set
		wantStderr string // substring
		wantLeft   []int
	}{
		{
			name: "all_exist", args: []string{"1", "2"}, wantCode: 0,
			wantStdout: "removed integration 1\nremoved integration 2\n2 removed, 0 failed\n", wantLeft: []int{3},
		},
		{
			name: "one_missing", args: []string{"1", "99", "2"}, wantCode: 1,
			wantStdout: "removed integration 1\nremoved integration 2\n2 removed, 1 failed\n",
			wantStderr: "error: integration 99: datafold: DELETE /api/v1/lineage/bi/99/: 404 Not Found: Integration not found\n",
			wantLeft:   []int{3},
		},
		{
			name: "repeated_id_removed_once", args: []string{"3", "3"}, wantCode: 0,
			wantStdout: "removed integration 3\n1 removed, 0 failed\n", wantLeft: []int{1, 2},
		},
		{
			name: "flags_after_ids", args: []string{"1", "--concurrency", "1", "2"}, wantCode: 0, wantLeft: []int{3},
		},
		{
			name: "wrong_key", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": "dftest_wrong"}, wantCode: 1,
			wantStderr: "403 Forbidden: Invalid API key", wantLeft: []int{1, 2, 3},
		},
		{
			name: "host_flag_beats_env", args: []string{"--host", "http://127.0.0.1:1", "1"}, wantCode: 1,
			wantStderr: "connection refused", wantLeft: []int{1, 2, 3},
		},
		{name: "not_a_number", args: []string{"1", "abc"}, wantCode: 2, wantStderr: `invalid integration id "abc"`, wantLeft: []int{1, 2, 3}},
		{name: "negative", args: []string{"-1"}, wantCode: 2, wantStderr: `invalid integration id "-1"`, wantLeft: []int{1, 2, 3}},
		{name: "after_double_dash", args: []string{"--", "--output"}, wantCode: 2, wantStderr: `invalid integration id "--output"`, wantLeft: []int{1, 2, 3}},
		{name: "negative_after_a_flag", args: []string{"--timeout", "5s", "-1"}, wantCode: 2, wantStderr: `invalid integration id "-1"`, wantLeft: []int{1, 2, 3}},
		{name: "flag_with_equals", args: []string{"--output=text", "1"}, wantCode: 0, wantStdout: "removed integration 1\n1 removed, 0 failed\n", wantLeft: []int{2, 3}},
		{name: "flag_without_value", args: []string{"1", "--timeout"}, wantCode: 2, wantStderr: "flag needs an argument: -timeout", wantLeft: []int{1, 2, 3}},
		{name: "bad_flag_value", args: []string{"--timeout", "soon", "1"}, wantCode: 2, wantStderr: `invalid value "soon" for flag -timeout`, wantLeft: []int{1, 2, 3}},
		{name: "fraction", args: []string{"1.5"}, wantCode: 2, wantStderr: `invalid integration id "1.5"`, wantLeft: []int{1, 2, 3}},
		{name: "zero", args: []string{"0"}, wantCode: 2, wantStderr: `invalid integration id "0"`, wantLeft: []int{1, 2, 3}},
		{name: "no_ids", args: nil, wantCode: 2, wantStderr: "no integration ids given", wantLeft: []int{1, 2, 3}},
		{name: "unknown_flag", args: []string{"--force", "1"}, wantCode: 2, wantStderr: "flag provided but not defined: -force", wantLeft: []int{1, 2, 3}},
		{name: "bad_output", args: []string{"--output", "xml", "1"}, wantCode: 2, wantStderr: `--output must be text or json, not "xml"`, wantLeft: []int{1, 2, 3}},
		{name: "bad_concurrency", args: []string{"--concurrency", "0", "1"}, wantCode: 2, wantStderr: "--concurrency must be at least 1", wantLeft: []int{1, 2, 3}},
		{name: "no_key", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": ""}, wantCode: 2, wantStderr: "DATAFOLD_API_KEY is not set", wantLeft: []int{1, 2, 3}},
		{name: "key_with_newline", args: []string{"1"}, env: map[string]string{"DATAFOLD_API_KEY": key + "\n"}, wantCode: 2, wantStderr: "datafold: DATAFOLD_API_KEY: invalid API key: it has leading or trailing whitespace\n", wantLeft: []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, env := fakeEnv(t, 1, 2, 3)
			for k, v := range tt.env {
				env[k] = v
			}
			r := cli(t, env, append([]string{"integrations", "remove"}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantStdout != "" && r.stdout != tt.wantStdout {
				t.Errorf("stdout mismatch (-want +got):\n%s", cmp.Diff(tt.wantStdout, r.stdout))
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if tt.wantCode == 2 && r.stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", r.stdout)
			}
			if got := srv.Integrations(); !cmp.Equal(got, tt.wantLeft) {
				t.Errorf("integrations left = %v, want %v", got, tt.wantLeft)
			}
		})
	}
}

// The first attempt removes the integration but its answer is lost (a 502
// from a proxy); the retry finds it gone. That is a removal, not a failure.
func TestRemove_goneOnRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := datafoldtest.NewServer(t, datafoldtest.WithAPIKey(key),
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, `{"detail":"Bad Gateway"}`)
				return
			}
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"detail":"Integration not found"}`)
		})))
	env := map[string]string{"DATAFOLD_HOST": srv.URL, "DATAFOLD_API_KEY": key}
	r := cli(t, env, "integrations", "remove", "7")
	if r.code != 0 || r.stdout != "removed integration 7 (gone on attempt 2; an earlier attempt's answer was lost)\n1 removed, 0 failed\n" {
		t.Errorf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
	}
}

func TestRemove_json(t *testing.T) {
	t.Parallel()
	_, env := fakeEnv(t, 1)
	r := cli(t, env, "integrations", "remove", "--output", "json", "1", "2")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing in JSON mode", r.stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	want := []map[string]any{
		{"id": 1.0, "status": 200.0, "error": nil},
		{"id": 2.0, "status": 404.0, "error": "datafold: DELETE /api/v1/lineage/bi/2/: 404 Not Found: Integration not found"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
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
		{args: []string{"--help"}, wantStdout: "datafold integrations remove [flags] ID [ID...]"},
		{args: []string{"integrations", "--help"}, wantStdout: "remove    remove BI integrations by id"},
		{args: []string{"integrations", "remove", "--help"}, wantStdout: "-concurrency int"},
		{args: []string{"version"}, wantStdout: "datafold devel\n"},
		{args: nil, wantCode: 2, wantStderr: "no command given"},
		{args: []string{"integrations"}, wantCode: 2, wantStderr: "no subcommand given"},
		{args: []string{"integrations", "list"}, wantCode: 2, wantStderr: `unknown subcommand "list"`},
		{args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			t.Parallel()
			r := cli(t, nil, tt.args...)
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
	args := []string{"integrations", "remove"}
	for i := range ids {
		ids[i] = i + 1
		args = append(args, strconv.Itoa(i+1))
	}
	srv, env := fakeEnv(t, ids...)
	start := time.Now()
	r := cli(t, env, args...)
	took := time.Since(start)
	if r.code != 0 || len(srv.Integrations()) != 0 {
		t.Fatalf("exit %d with %d left; stderr: %s", r.code, len(srv.Integrations()), r.stderr)
	}
	t.Logf("removed 1000 integrations in %v (%.0f/s) with the default concurrency", took, 1000/took.Seconds())
}
