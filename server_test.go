package datafold_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// envOf is a getenv for WithGetenv, so tests of the environment run in
// parallel.
func envOf(vars map[string]string) datafold.Option {
	return datafold.WithGetenv(func(k string) string { return vars[k] })
}

func TestNewClient_serverPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  string
		opts []datafold.Option
		want string
	}{
		{name: "spec_default", want: "https://app.datafold.com/"},
		{name: "env_host", env: "https://eu.datafold.com", want: "https://eu.datafold.com/"},
		{name: "env_host_without_scheme", env: "acme.datafold.com", want: "https://acme.datafold.com/"},
		{name: "env_host_with_prefix", env: "https://dedicated.example.com/datafold/", want: "https://dedicated.example.com/datafold/"},
		{name: "option_beats_env", env: "https://eu.datafold.com", opts: []datafold.Option{datafold.WithServer("https://app.datafold.com")}, want: "https://app.datafold.com/"},
		{name: "loopback_http", env: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/"},
		{name: "localhost_http", env: "http://localhost:8080", want: "http://localhost:8080/"},
		{name: "ipv6_loopback_http", env: "http://[::1]:8080", want: "http://[::1]:8080/"},
		{name: "plain_http_allowed", env: "http://datafold.internal", opts: []datafold.Option{datafold.WithInsecureHTTP()}, want: "http://datafold.internal/"},
		{name: "lowest_port", env: "https://datafold.corp:1", want: "https://datafold.corp:1/"},
		{name: "highest_port", env: "https://datafold.corp:65535", want: "https://datafold.corp:65535/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := envOf(map[string]string{datafold.EnvAPIKey: testKey, datafold.EnvHost: tt.env})
			c, err := datafold.NewClient(append([]datafold.Option{env}, tt.opts...)...)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if got := c.ClientInterface.(*api.Client).Server; got != tt.want {
				t.Errorf("server = %q, want %q", got, tt.want)
			}
		})
	}
}

// A server value that fails to parse or to pass the checks is refused,
// named by scheme and host at most, and not at all when it does not parse:
// it may carry a password, a token, or the key pasted into the wrong
// variable.
func TestNewClient_badServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		server   string
		wantErr  string
		wantName string // the only part of the value the error may show
	}{
		{name: "plain_http_off_loopback", server: "http://datafold.internal", wantErr: "refusing to send the API key over plain http", wantName: `"datafold.internal"`},
		{name: "password_and_bad_port", server: "https://ci-bot:hunter2@datafold.corp:abc", wantErr: "is not a URL"},
		{name: "space_in_host", server: "https://hunter2 corp", wantErr: "is not a URL"},
		{name: "bad_escape_and_fragment", server: "https://h/%zz#hunter2", wantErr: "is not a URL"},
		{name: "secret_in_port", server: "https://datafold.corp:hunter2/", wantErr: "is not a URL"},
		{name: "bad_scheme", server: "ftp://datafold.corp/hunter2", wantErr: "scheme must be https or http", wantName: `"ftp://datafold.corp"`},
		{name: "no_host", server: "https://", wantErr: "has no host", wantName: `"https://"`},
		{name: "bad_port", server: "https://datafold.corp:99999/hunter2", wantErr: "bad port", wantName: `"https://datafold.corp"`},
		{name: "port_0", server: "https://datafold.corp:0/hunter2", wantErr: "bad port", wantName: `"https://datafold.corp"`},
		{name: "port_65536", server: "https://datafold.corp:65536/hunter2", wantErr: "bad port", wantName: `"https://datafold.corp"`},
		{name: "credentials", server: "https://ci-bot:hunter2@datafold.corp", wantErr: "credentials in the URL", wantName: `"https://datafold.corp"`},
		{name: "token_in_query", server: "https://datafold.corp/?token=hunter2", wantErr: "no query", wantName: `"https://datafold.corp"`},
		{name: "token_in_fragment", server: "https://datafold.corp/x#hunter2", wantErr: "no query or fragment", wantName: `"https://datafold.corp"`},
		// A bare "?" or "#" made the generated client drop the prefix.
		{name: "bare_query", server: "https://host/prefix?", wantErr: "no query or fragment", wantName: `"https://host"`},
		{name: "bare_fragment", server: "https://host/prefix#", wantErr: "no query or fragment", wantName: `"https://host"`},
		{name: "bare_both", server: "https://host/prefix/?#", wantErr: "no query or fragment", wantName: `"https://host"`},
		{name: "key_as_server", server: testKey, wantErr: "holds the API key"},
		{name: "key_as_port", server: "https://" + testKey + ":x", wantErr: "holds the API key"},
		{name: "key_in_query", server: "https://datafold.corp/?k=" + testKey, wantErr: "holds the API key"},
	}
	for _, tt := range tests {
		for _, from := range []string{"option", "env"} {
			t.Run(tt.name+"/"+from, func(t *testing.T) {
				t.Parallel()
				vars := map[string]string{datafold.EnvAPIKey: testKey}
				opts := []datafold.Option{envOf(vars)}
				wantSource := "WithServer"
				if from == "env" {
					vars[datafold.EnvHost], wantSource = tt.server, datafold.EnvHost
				} else {
					opts = append(opts, datafold.WithServer(tt.server))
				}
				_, err := datafold.NewClient(opts...)
				msg := strings.ReplaceAll(fmt.Sprint(err), testKey, "<key>")
				if err == nil || !strings.Contains(msg, tt.wantErr) {
					t.Fatalf("NewClient err = %v, want one containing %q", msg, tt.wantErr)
				}
				var ce *datafold.ConfigError
				if !errors.As(err, &ce) || ce.Source != wantSource || !strings.Contains(ce.Reason, tt.wantErr) {
					t.Errorf("NewClient err = %#v, want a *ConfigError from %s saying %q", err, wantSource, tt.wantErr)
				}
				if got, want := errors.Is(err, datafold.ErrInsecureTransport), strings.Contains(tt.wantErr, "plain http"); got != want {
					t.Errorf("errors.Is(err, ErrInsecureTransport) = %v, want %v", got, want)
				}
				for _, secret := range []string{"hunter2", "ci-bot", "%zz", "token", "<key>"} {
					if strings.Contains(msg, secret) {
						t.Errorf("error %q repeats %q from the server value", msg, secret)
					}
				}
				if !strings.Contains(msg, tt.wantName) {
					t.Errorf("error %q does not name the server as %s", msg, tt.wantName)
				}
			})
		}
	}
}

// A server value holding the key is refused without being named, since
// naming it would print the key; a key of fewer than 8 characters is not
// looked for, as it may well be part of a real host name.
func TestNewClient_keyInServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		key, server string
		wantRefused bool
	}{
		{name: "8_characters", key: "dfk12345", server: "https://dfk12345.example.com", wantRefused: true},
		{name: "7_characters", key: "dfk1234", server: "https://dfk1234.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := datafold.NewClient(datafold.WithAPIKey(tt.key), datafold.WithServer(tt.server))
			refused := err != nil && strings.Contains(err.Error(), "holds the API key")
			if refused != tt.wantRefused || !refused && err != nil {
				t.Errorf("NewClient err = %v, want the server refused: %v", err, tt.wantRefused)
			}
			if err != nil && strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q repeats the key", err)
			}
		})
	}
}
