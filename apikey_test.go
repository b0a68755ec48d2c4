package datafold_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/datafoldtest"
)

// A key that cannot be sent as a header is refused before any request, by
// NewClient and NewAPIKey alike, with an error that says what is wrong and
// where it came from, never what the key is.
func TestAPIKey_invalid(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		fromEnv bool // else WithAPIKey; a NUL cannot go through the environment
		wantErr error
		wantMsg string
	}{
		{name: "missing", key: "", fromEnv: true, wantErr: datafold.ErrMissingAPIKey, wantMsg: "DATAFOLD_API_KEY"},
		{name: "blank", key: "   ", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "blank"},
		{name: "leading_space", key: " secretvalue1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "whitespace"},
		{name: "trailing_newline_env", key: "secretvalue1\n", fromEnv: true, wantErr: datafold.ErrInvalidAPIKey, wantMsg: "DATAFOLD_API_KEY: invalid API key: it has leading or trailing whitespace"},
		{name: "trailing_newline_option", key: "secretvalue1\n", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "WithAPIKey: invalid API key: it has leading or trailing whitespace"},
		{name: "inner_newline", key: "secret\nvalue1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "control character at byte 6"},
		{name: "nul", key: "secret\x00value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "control character"},
		{name: "inner_space", key: "secret value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "space at byte 6"},
		{name: "non_ascii", key: "secrét_value1", wantErr: datafold.ErrInvalidAPIKey, wantMsg: "non-ASCII"},
	}
	t.Parallel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := datafoldtest.NewServer(t)
			env := map[string]string{datafold.EnvHost: srv.URL}
			opts := []datafold.Option{datafold.WithGetenv(func(k string) string { return env[k] })}
			if tt.fromEnv {
				env[datafold.EnvAPIKey] = tt.key
			} else {
				opts = append(opts, datafold.WithAPIKey(tt.key))
			}
			c, err := datafold.NewClient(opts...)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("NewClient err = %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
			}
			if c != nil {
				t.Error("NewClient returned a client along with its error")
			}
			if k := strings.TrimSpace(tt.key); k != "" && strings.Contains(err.Error(), k) {
				t.Error("the error repeats the key")
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("the server saw %d requests, want none", n)
			}
			if _, err := datafold.NewAPIKey(tt.key); !errors.Is(err, tt.wantErr) {
				t.Errorf("NewAPIKey err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// The editor alone authenticates the generated client, and still refuses
// plain http off the machine.
func TestAPIKey_standalone(t *testing.T) {
	t.Parallel()
	_, srv := setup(t)
	srv.AddIntegrations(3)
	for _, tt := range []struct {
		name    string
		server  string
		wantErr error
	}{
		{name: "loopback", server: srv.URL},
		{name: "plain_http_off_loopback", server: "http://datafold.example.com", wantErr: datafold.ErrInsecureTransport},
	} {
		c := keyClient(t, tt.server)
		if _, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 3)); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 1 || !reqs[0].KeyMatched {
		t.Errorf("requests = %+v, want one carrying the key", reqs)
	}
}

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

// A zero APIKey, or a nil one, is no key: its editor fails the request
// instead of sending it without one, or panicking.
func TestAPIKey_zero(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		key  *datafold.APIKey
	}{
		{name: "zero_value", key: &datafold.APIKey{}},
		{name: "nil", key: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodDelete, "https://app.datafold.com/api/v1/lineage/bi/42/", nil)
			if err := tt.key.Intercept(t.Context(), req); !errors.Is(err, datafold.ErrMissingAPIKey) || req.Header.Get("Authorization") != "" {
				t.Errorf("Intercept = %v with Authorization %q, want ErrMissingAPIKey and none", err, req.Header.Get("Authorization"))
			}
		})
	}
}
