package datafold_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
)

// An *APIError holds what a non-2xx answer says, whatever its shape.
func TestAPIError_fromResponse(t *testing.T) {
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
		{name: "list_detail", status: 422, header: jsonHeader, body: `{"detail":[{"loc":["body","items",0,"name"],"msg":"bad","type":"t"}]}`,
			want: &datafold.APIError{StatusCode: 422, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "body.items[0].name: bad",
				Issues: []datafold.ValidationIssue{{Loc: []any{"body", "items", 0, "name"}, Msg: "bad", Type: "t"}}, Attempts: 1}},
		// Past 2^53 a float64 no longer holds every integer (2^53+1 reads
		// as 2^53): such a number is no list index, and is kept as text.
		{name: "list_detail_loc_beyond_exact_integers", status: 422, header: jsonHeader,
			body: `{"detail":[{"loc":["body",9007199254740991,9007199254740992],"msg":"bad","type":"t"}]}`,
			want: &datafold.APIError{StatusCode: 422, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "body[9007199254740991].9007199254740992: bad",
				Issues: []datafold.ValidationIssue{{Loc: []any{"body", 9007199254740991, "9007199254740992"}, Msg: "bad", Type: "t"}}, Attempts: 1}},
		{name: "list_detail_without_loc", status: 422, header: jsonHeader, body: `{"detail":[{"loc":[],"msg":"bad","type":"t"}]}`,
			want: &datafold.APIError{StatusCode: 422, Method: "DELETE", Path: "/api/v1/lineage/bi/42/", Detail: "bad",
				Issues: []datafold.ValidationIssue{{Loc: []any{}, Msg: "bad", Type: "t"}}, Attempts: 1}},
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
			c, _ := setup(t, viaTransport(canned(tt.status, tt.header, []byte(tt.body))), withClient(datafold.WithoutRetries()))
			resp, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
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
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			err := error(&datafold.APIError{StatusCode: tt.status})
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%d, %v) = %v", tt.status, s, got)
				}
			}
		})
	}
}

// Message is Error without the request, the attempts and the request id:
// what a caller that shows those apart (the CLI) prints of the answer.
func TestAPIError_message(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         datafold.APIError
		wantMessage string
		wantError   string
	}{
		{name: "detail", err: datafold.APIError{StatusCode: 404, Method: "DELETE", Path: "/x/", Detail: "Integration not found", Attempts: 2, RequestID: "r1"},
			wantMessage: "404 Not Found: Integration not found",
			wantError:   "datafold: DELETE /x/: 404 Not Found: Integration not found (after 2 attempts) [request id r1]"},
		{name: "body_excerpt", err: datafold.APIError{StatusCode: 502, Body: []byte("<html>\n  <b>Bad\x1b[31m gateway</b>")},
			wantMessage: "502 Bad Gateway: <html> <b>Bad\ufffd[31m gateway</b>",
			wantError:   "datafold: 502 Bad Gateway: <html> <b>Bad\ufffd[31m gateway</b>"},
		{name: "status_only", err: datafold.APIError{StatusCode: 599, Attempts: 1},
			wantMessage: "599", wantError: "datafold: 599"},
		// A body's excerpt is at most 120 bytes: one that fits is shown
		// whole, one byte more is cut, and whitespace leading it is dropped.
		{name: "body_of_120_bytes", err: datafold.APIError{StatusCode: 502, Body: []byte(strings.Repeat("x", 120))},
			wantMessage: "502 Bad Gateway: " + strings.Repeat("x", 120), wantError: "datafold: 502 Bad Gateway: " + strings.Repeat("x", 120)},
		{name: "body_of_121_bytes", err: datafold.APIError{StatusCode: 502, Body: []byte(strings.Repeat("x", 121))},
			wantMessage: "502 Bad Gateway: " + strings.Repeat("x", 120) + "…", wantError: "datafold: 502 Bad Gateway: " + strings.Repeat("x", 120) + "…"},
		{name: "body_after_blank_lines", err: datafold.APIError{StatusCode: 502, Body: []byte("\r\n\n  <html>")},
			wantMessage: "502 Bad Gateway: <html>", wantError: "datafold: 502 Bad Gateway: <html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Message(); got != tt.wantMessage {
				t.Errorf("Message() = %q, want %q", got, tt.wantMessage)
			}
			if got := tt.err.Error(); got != tt.wantError {
				t.Errorf("Error() = %q, want %q", got, tt.wantError)
			}
		})
	}
}
