package datafold_test

// Secrets a server URL or a server's answer may carry, and the small gaps
// of issue 10.

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// A server value that fails to parse or to pass the checks is named by
// scheme and host at most, however it was given.
func TestNewClient_serverErrorsKeepSecrets(t *testing.T) {
	tests := []struct {
		name     string
		server   string
		wantErr  string
		wantName string // the only part of the value the error may show
	}{
		{name: "password_and_bad_port", server: "https://ci-bot:hunter2@datafold.corp:abc", wantErr: "is not a URL", wantName: `"https://datafold.corp"`},
		{name: "token_in_query", server: "https://datafold.corp/?token=hunter2", wantErr: "no query", wantName: `"https://datafold.corp"`},
		{name: "bad_escape_and_fragment", server: "https://h/%zz#hunter2", wantErr: "is not a URL", wantName: `"https://h"`},
		{name: "token_in_fragment", server: "https://datafold.corp/x#hunter2", wantErr: "no query or fragment", wantName: `"https://datafold.corp"`},
		{name: "secret_in_port", server: "https://datafold.corp:hunter2/", wantErr: "is not a URL", wantName: `"https://datafold.corp"`},
		{name: "secret_in_path_with_bad_scheme", server: "ftp://datafold.corp/hunter2", wantErr: "scheme must be https or http", wantName: `"ftp://datafold.corp"`},
		{name: "credentials", server: "https://ci-bot:hunter2@datafold.corp", wantErr: "credentials in the URL", wantName: `"https://datafold.corp"`},
		{name: "space_in_host", server: "https://hunter2 corp", wantErr: "is not a URL", wantName: `"https://?"`},
		{name: "secret_in_path_bad_port", server: "https://datafold.corp:99999/hunter2", wantErr: "bad port", wantName: `"https://datafold.corp"`},
	}
	for _, tt := range tests {
		for _, from := range []string{"option", "env"} {
			t.Run(tt.name+"/"+from, func(t *testing.T) {
				t.Setenv(datafold.EnvAPIKey, testKey)
				t.Setenv(datafold.EnvHost, "")
				var opts []datafold.Option
				if from == "env" {
					t.Setenv(datafold.EnvHost, tt.server)
				} else {
					opts = append(opts, datafold.WithServer(tt.server))
				}
				_, err := datafold.NewClient(opts...)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewClient err = %v, want one containing %q", err, tt.wantErr)
				}
				for _, secret := range []string{"hunter2", "ci-bot", "%zz", "token"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q repeats %q from the server value", err, secret)
					}
				}
				if !strings.Contains(err.Error(), tt.wantName) {
					t.Errorf("error %q does not name the server as %s", err, tt.wantName)
				}
			})
		}
	}
}

// The key pasted into DATAFOLD_HOST is refused without printing it.
func TestNewClient_keyAsServer(t *testing.T) {
	for _, server := range []string{testKey, "https://" + testKey + ":x", "https://datafold.corp/?k=" + testKey} {
		_, err := datafold.NewClient(datafold.WithAPIKey(testKey), datafold.WithServer(server))
		if err == nil || strings.Contains(err.Error(), testKey) {
			t.Errorf("NewClient err = %v, want an error without the key", strings.ReplaceAll(fmt.Sprint(err), testKey, "<key>"))
		}
	}
}

// A bare "?" or "#" passed the query check and made the generated client
// drop the server's path prefix.
func TestNewClient_bareQueryOrFragment(t *testing.T) {
	t.Parallel()
	for _, server := range []string{"https://host/prefix?", "https://host/prefix#", "https://host/prefix/?#"} {
		_, err := datafold.NewClient(datafold.WithAPIKey(testKey), datafold.WithServer(server))
		if err == nil || !strings.Contains(err.Error(), "no query or fragment") {
			t.Errorf("NewClient(%q) err = %v, want a refusal of the query or fragment", server, err)
		}
	}
}

// A server that echoes what it was sent puts the key in its answer; the
// error and everything it keeps show [REDACTED] instead, as do the debug
// logs.
func TestAPIError_scrubsEchoedKey(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 40)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{name: "string_detail", handler: jsonBody(400, `{"detail":"malformed Authorization header: Key `+testKey+`"}`)},
		{name: "list_detail", handler: jsonBody(422, `{"detail":[{"loc":["header","Key `+testKey+`"],"msg":"bad key `+testKey+`","type":"`+testKey+`"}]}`)},
		{name: "object_detail", handler: jsonBody(400, `{"detail":{"got":"Key `+testKey+`"}}`)},
		{name: "plain_text_body", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, "you sent Authorization: Key %s", testKey)
		}},
		{name: "json_without_detail", handler: jsonBody(401, `{"error":"bad key","key":"`+testKey+`"}`)},
		{name: "request_id_header", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", testKey)
			jsonBody(500, `{"detail":"boom"}`)(w, r)
		}},
		{name: "malformed_200", handler: jsonBody(200, `Key `+testKey)},
		// The check keeps the first 64 bytes of a long 200 body: the key
		// may be cut in two there.
		{name: "malformed_200_key_cut", handler: jsonBody(200, "<"+long+" Key "+testKey+long)},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var logged bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c, _ := setupOn(t, proto, tt.handler, datafold.WithLogger(logger))
				resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
				if err == nil {
					err = datafold.CheckResponse(resp)
				}
				if err == nil {
					t.Fatal("no error, want one")
				}
				var shown []string
				shown = append(shown, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logged.String())
				var e *datafold.APIError
				if errors.As(err, &e) {
					shown = append(shown, e.Detail, string(e.Body), e.RequestID, fmt.Sprint(e.Issues))
				}
				for _, s := range shown {
					// The key cut after its first 4 bytes leaks nothing;
					// 5 or more would.
					if i := strings.Index(s, testKey[:5]); i >= 0 {
						t.Errorf("%q shows the key", strings.ReplaceAll(s, testKey, "<key>"))
					}
				}
				if !strings.Contains(strings.Join(shown, " "), "[REDACTED]") {
					t.Errorf("error %q: want the echoed key shown as [REDACTED]", err)
				}
			})
		}
	}
}

// A name that does not exist is not retried: it will not start existing.
func TestRetry_notForUnknownHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantCalls int
	}{
		{name: "no_such_host", err: &net.DNSError{Err: "no such host", Name: "datafold.invalid", IsNotFound: true}, wantCalls: 1},
		{name: "resolver_timeout", err: &net.DNSError{Err: "i/o timeout", Name: "datafold.corp", IsTimeout: true}, wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				calls++
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: tt.err}
			})
			c, err := datafold.NewClient(datafold.WithServer("https://datafold.invalid"), datafold.WithAPIKey(testKey),
				datafold.WithHTTPClient(&http.Client{Transport: rt}), datafold.WithSleep((&clock{}).sleep))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.RemoveIntegrationWithResponse(t.Context(), 42)
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) {
				t.Errorf("err = %v, want the DNS error", err)
			}
			if calls != tt.wantCalls {
				t.Errorf("sent %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

// A response with no HTTP response behind it is not reported as an API
// error with status 0.
func TestCheckResponse_noHTTPResponse(t *testing.T) {
	t.Parallel()
	err := datafold.CheckResponse(&api.RemoveIntegrationResponse{Body: []byte("x")})
	var e *datafold.APIError
	if err == nil || errors.As(err, &e) || strings.Contains(err.Error(), ": 0") || !strings.Contains(err.Error(), "no HTTP response") {
		t.Errorf("CheckResponse = %v, want an error saying there is no HTTP response", err)
	}
}

// The streams of an HTTP/2 connection that broke under them fail with
// net/http's unexported errors; an idempotent request is sent again, as it
// is after any other lost connection.
func TestRetry_http2ConnectionLost(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{
		"http2: client connection force closed via ClientConn.Close",
		"http2: client connection lost",
		"http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=\"\"",
		"stream error: stream ID 3; INTERNAL_ERROR; received from peer",
	} {
		calls := 0
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls++
			return nil, errors.New(msg)
		})
		c, err := datafold.NewClient(datafold.WithServer("https://datafold.invalid"), datafold.WithAPIKey(testKey),
			datafold.WithHTTPClient(&http.Client{Transport: rt}), datafold.WithSleep((&clock{}).sleep))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RemoveIntegrationWithResponse(t.Context(), 42); err == nil || calls != 4 {
			t.Errorf("%q: sent %d times (err %v), want 4", msg, calls, err)
		}
	}
}
