package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "1-3,7", want: []int{1, 2, 3, 7}},
		{in: " 5 ", want: []int{5}},
		{in: "", want: nil},
		{in: "3-1", wantErr: true},
		{in: "0", wantErr: true},
		{in: "a", wantErr: true},
		{in: "1-", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseRanges(tt.in)
		if (err != nil) != tt.wantErr || !cmp.Equal(got, tt.want) {
			t.Errorf("parseRanges(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestServe starts the process's main loop, reads the two lines it
// promises, removes an integration through them and stops it.
func TestServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-integrations", "4-5", "-key", "dftest_k"}, stdoutW, io.Discard)
		_ = stdoutW.Close()
	}()

	env := map[string]string{}
	sc := bufio.NewScanner(stdoutR)
	for len(env) < 2 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		env[k] = v
	}
	if env["DATAFOLD_API_KEY"] != "dftest_k" || !strings.HasPrefix(env["DATAFOLD_HOST"], "http://127.0.0.1:") {
		t.Fatalf("printed %v", env)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, env["DATAFOLD_HOST"]+"/api/v1/lineage/bi/4/", nil)
	req.Header.Set("Authorization", "Key dftest_k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
