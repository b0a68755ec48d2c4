package datafold_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	datafold "github.com/datafold/datafold-go"
)

func TestAPIKey_neverPrinted(t *testing.T) {
	t.Parallel()
	key, err := datafold.NewAPIKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		out = append(out, fmt.Sprintf(verb, key), fmt.Sprintf(verb, *key), fmt.Sprintf(verb, []any{key, *key}))
	}
	// fmt prints an unexported field without calling its methods: the key
	// must be out of its reach, not just behind String.
	type holder struct {
		key  datafold.APIKey
		ptr  *datafold.APIKey
		keys []datafold.APIKey
	}
	h := holder{*key, key, []datafold.APIKey{*key}}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		out = append(out, fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	j, _ := json.Marshal(map[string]any{"key": key})
	out = append(out, string(j), key.String())
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "key", key, "value", *key)
	out = append(out, logged.String())
	for _, s := range out {
		if strings.Contains(s, testKey) || strings.Contains(s, fmt.Sprintf("%x", testKey)) {
			t.Errorf("printed form leaks the key: %q", strings.ReplaceAll(s, testKey, "<key>"))
		}
	}
}

func TestClient_neverPrintsKey(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, nil)
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, testKey) {
			t.Errorf("%s of the client leaks the key", verb)
		}
		if s := fmt.Sprintf(verb, *c); strings.Contains(s, testKey) {
			t.Errorf("%s of *client leaks the key", verb)
		}
	}
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, jsonBody(200, `{}`), datafold.WithLogger(logger), datafold.WithSleep((&clock{}).sleep))
	srv.FailNext(1, http.StatusServiceUnavailable, "0")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want one per attempt:\n%s", len(lines), logged.String())
	}
	for i, line := range lines {
		if strings.Contains(line, testKey) {
			t.Fatalf("log line %d contains the key", i)
		}
		var rec struct {
			Msg      string
			Method   string
			URL      string
			Status   int
			Attempt  int
			Duration int64
			Headers  map[string][]string
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		wantStatus := []int{503, 200}[i]
		if rec.Method != "DELETE" || !strings.HasSuffix(rec.URL, "/api/v1/lineage/bi/42/") ||
			rec.Status != wantStatus || rec.Attempt != i+1 || rec.Duration <= 0 {
			t.Errorf("log line %d = %+v, want DELETE …/42/, status %d, attempt %d and a duration", i, rec, wantStatus, i+1)
		}
		if got := rec.Headers["Authorization"]; len(got) != 1 || got[0] != "[REDACTED]" {
			t.Errorf("log line %d Authorization = %q, want [REDACTED]", i, got)
		}
	}
}
