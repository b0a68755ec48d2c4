package datafold_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// cannedClient answers every request with the given response, without a
// network, through the same transport NewClient always installs.
func cannedClient(tb testing.TB, status int, header http.Header, body []byte) *api.ClientWithResponses {
	tb.Helper()
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: status,
			Status:     strconv.Itoa(status) + " " + http.StatusText(status),
			Header:     header.Clone(),
			Body:       io.NopCloser(strings.NewReader(string(body))),
			Request:    r,
		}, nil
	})
	c, err := datafold.NewClient(
		datafold.WithServer("https://app.datafold.test"),
		datafold.WithAPIKey(testKey),
		datafold.WithHTTPClient(&http.Client{Transport: rt}),
		datafold.WithoutRetries(),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   *datafold.APIError // nil: success
	}{
		{name: "200", status: 200, header: jsonHeader, body: `{}`},
		{name: "204_no_body", status: 204},
		{name: "string_detail", status: 404, header: jsonHeader, body: `{"detail":"Integration not found"}`,
			want: &datafold.APIError{StatusCode: 404, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "Integration not found", Attempts: 1}},
		{name: "object_detail_kept_as_json", status: 400, header: jsonHeader, body: `{"detail": {"code": 7}}`,
			want: &datafold.APIError{StatusCode: 400, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: `{"code": 7}`, Attempts: 1}},
		{name: "list_detail", status: 422, header: jsonHeader, body: `{"detail":[{"loc":["query",3],"msg":"bad","type":"t"}]}`,
			want: &datafold.APIError{StatusCode: 422, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "query[3]: bad",
				Issues: []datafold.ValidationIssue{{Loc: []any{"query", 3}, Msg: "bad", Type: "t"}}, Attempts: 1}},
		{name: "json_without_detail", status: 500, header: jsonHeader, body: `{"error":"boom"}`,
			want: &datafold.APIError{StatusCode: 500, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Body: []byte(`{"error":"boom"}`), Attempts: 1}},
		{name: "plain_text", status: 503, header: http.Header{"Content-Type": {"text/plain"}}, body: "upstream\tdown\n",
			want: &datafold.APIError{StatusCode: 503, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Body: []byte("upstream\tdown\n"), Attempts: 1}},
		{name: "request_id", status: 500, header: http.Header{"X-Request-Id": {"abc"}}, body: "",
			want: &datafold.APIError{StatusCode: 500, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", RequestID: "abc", Attempts: 1}},
		{name: "null_detail", status: 500, header: jsonHeader, body: `{"detail":null}`,
			want: &datafold.APIError{StatusCode: 500, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Body: []byte(`{"detail":null}`), Attempts: 1}},
		{name: "empty_list_detail", status: 400, header: jsonHeader, body: `{"detail":[]}`,
			want: &datafold.APIError{StatusCode: 400, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Body: []byte(`{"detail":[]}`), Attempts: 1}},
		{name: "hostile_characters", status: 404, header: jsonHeader, body: "{\"detail\":\"gone\u202e\u009b31m\u2028x\"}",
			want: &datafold.APIError{StatusCode: 404, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "gone\ufffd\ufffd31m x", Attempts: 1}},
		{name: "unknown_status", status: 599, body: "x",
			want: &datafold.APIError{StatusCode: 599, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Body: []byte("x"), Attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := cannedClient(t, tt.status, tt.header, []byte(tt.body)).RemoveIntegrationWithResponse(t.Context(), 42)
			if err != nil {
				t.Fatal(err)
			}
			err = datafold.CheckResponse(resp)
			if tt.want == nil {
				if err != nil {
					t.Errorf("CheckResponse = %v, want nil", err)
				}
				return
			}
			var got *datafold.APIError
			if !errors.As(err, &got) {
				t.Fatalf("CheckResponse = %v, want *APIError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNilBodyFromTransport(t *testing.T) {
	t.Parallel()
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 404, Header: http.Header{}, Request: r}, nil
	})
	c, err := datafold.NewClient(datafold.WithServer("https://app.datafold.test"), datafold.WithAPIKey(testKey),
		datafold.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if err := datafold.CheckResponse(resp); !errors.Is(err, datafold.ErrNotFound) {
		t.Errorf("CheckResponse = %v, want ErrNotFound", err)
	}
}

func TestCheckResponse_nil(t *testing.T) {
	t.Parallel()
	var typedNil *api.RemoveIntegrationResponse
	for _, r := range []datafold.Response{nil, typedNil} {
		if err := datafold.CheckResponse(r); err == nil || !strings.Contains(err.Error(), "nil response") {
			t.Errorf("CheckResponse(%#v) = %v, want a nil-response error", r, err)
		}
	}
}

// otherResponse is not from package api: CheckResponse still works, without
// the method and path it cannot find.
type otherResponse struct{ code int }

func (o otherResponse) StatusCode() int { return o.code }
func (o otherResponse) GetBody() []byte { return []byte(`{"detail":"gone"}`) }

func TestCheckResponse_anyResponseType(t *testing.T) {
	t.Parallel()
	err := datafold.CheckResponse(otherResponse{410})
	if err == nil || err.Error() != "datafold: 410 Gone: gone" {
		t.Errorf("CheckResponse = %v, want \"datafold: 410 Gone: gone\"", err)
	}
}

func TestAPIError_is(t *testing.T) {
	t.Parallel()
	sentinels := []error{datafold.ErrNotFound, datafold.ErrUnauthorized, datafold.ErrValidation, datafold.ErrRateLimited}
	tests := []struct {
		status int
		want   error
	}{
		{401, datafold.ErrUnauthorized}, {403, datafold.ErrUnauthorized}, {404, datafold.ErrNotFound},
		{422, datafold.ErrValidation}, {429, datafold.ErrRateLimited}, {500, nil}, {400, nil},
	}
	for _, tt := range tests {
		err := error(&datafold.APIError{StatusCode: tt.status})
		for _, s := range sentinels {
			if got := errors.Is(err, s); got != (s == tt.want) {
				t.Errorf("errors.Is(%d, %v) = %v", tt.status, s, got)
			}
		}
	}
}

// FuzzCheckResponse feeds arbitrary statuses, headers and bodies through the
// client's transport, the generated decoder and CheckResponse. Whatever the
// server sends, nothing panics, errors stay short, printable and free of
// the key, and CheckResponse agrees with the status.
func FuzzCheckResponse(f *testing.F) {
	f.Add(200, "application/json", "", "", []byte(`{}`))
	f.Add(404, "application/json", "", "req-1", []byte(`{"detail":"Integration not found"}`))
	f.Add(422, "application/json", "", "", []byte(`{"detail":[{"loc":["path",0,"x"],"msg":"m","type":"t"}]}`))
	f.Add(429, "application/json", "1", "", []byte(`{"detail":"slow down"}`))
	f.Add(502, "text/html", "", "", []byte("<html><body>Bad Gateway</body></html>"))
	f.Add(200, "application/json; charset=utf-8", "", "", []byte(``))
	f.Add(422, "application/json", "", "", []byte(`{"detail":[{"loc":[{"a":1},null,1.5],"msg":7}]}`))
	f.Add(999, "", "Wed, 21 Oct 2015 07:28:00 GMT", "\x1b[31m", []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter, requestID string, body []byte) {
		if status < 100 || status > 999 {
			status = 100 + (status%900+900)%900
		}
		if status >= 300 && status < 400 || status < 200 {
			// http.Client treats these specially (redirects, 1xx);
			// they are not responses a caller can receive.
			status += 300
		}
		h := http.Header{}
		for k, v := range map[string]string{"Content-Type": contentType, "Retry-After": retryAfter, "X-Request-Id": requestID} {
			if v != "" {
				h.Set(k, v)
			}
		}
		resp, err := cannedClient(t, status, h, body).RemoveIntegrationWithResponse(t.Context(), 42)
		if err == nil {
			if resp.StatusCode() != status {
				t.Fatalf("StatusCode() = %d, want %d", resp.StatusCode(), status)
			}
			err = datafold.CheckResponse(resp)
			if (err == nil) != (status >= 200 && status < 300) {
				t.Fatalf("status %d: CheckResponse = %v", status, err)
			}
			var apiErr *datafold.APIError
			if err != nil && (!errors.As(err, &apiErr) || apiErr.StatusCode != status) {
				t.Fatalf("status %d: CheckResponse = %#v, want *APIError with that status", status, err)
			}
		}
		if err == nil {
			return
		}
		msg := err.Error()
		if len(msg) > 1500 {
			t.Errorf("error is %d bytes long", len(msg))
		}
		if !utf8.ValidString(msg) {
			t.Errorf("error is not valid UTF-8: %q", msg)
		}
		if i := strings.IndexFunc(msg, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }); i >= 0 {
			t.Errorf("error carries an unprintable character at byte %d: %q", i, msg)
		}
		if strings.Contains(msg, testKey) {
			t.Error("error contains the API key")
		}
	})
}
