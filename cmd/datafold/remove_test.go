package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	datafold "github.com/datafold/datafold-go"
)

// classify decides each outcome from the attempts the recorder saw; these
// are the cases a live server makes hard to time.
func TestClassify(t *testing.T) {
	t.Parallel()
	notFound := &datafold.APIError{StatusCode: 404, Method: "DELETE", Path: "/api/v1/lineage/bi/7/",
		Detail: "Integration not found", Attempts: 2, RequestID: "r1"}
	unavailable := &datafold.APIError{StatusCode: 503, Method: "DELETE", Path: "/api/v1/lineage/bi/7/",
		Detail: "Service Unavailable", Attempts: 4}
	refused := errors.New("dial tcp 10.0.0.7:443: connect: connection refused")
	wrapped := &url.Error{Op: "Delete", URL: "https://x/api/v1/lineage/bi/7/", Err: fmt.Errorf("datafold: gave up after 4 attempts: %w", refused)}
	canceledWait := &url.Error{Op: "Delete", URL: "https://x", Err: fmt.Errorf("datafold: waiting to retry after attempt 2: %w", context.Canceled)}
	tests := []struct {
		name     string
		err      error
		attempts []attempt
		ctxErr   error
		hardErr  error
		want     result
	}{
		{
			name: "removed", attempts: []attempt{{status: 200, sent: true}},
			want: result{ID: 7, Outcome: "removed", Status: 200, Attempts: 1},
		},
		{
			name: "lost_answer_then_404", err: notFound,
			attempts: []attempt{{sent: true, err: io.EOF}, {status: 404, sent: true}},
			want: result{ID: 7, Outcome: "removed", Status: 404, Attempts: 2, RequestID: ptr("r1"),
				Note: "gone on attempt 2; attempt 1 was sent but its answer was lost"},
		},
		{
			// The library asks again when a 200's body breaks off; the
			// 200 already said the removal happened.
			name: "200_body_broke_then_404", err: notFound,
			attempts: []attempt{{status: 200, sent: true}, {status: 404, sent: true}},
			want: result{ID: 7, Outcome: "removed", Status: 404, Attempts: 2, RequestID: ptr("r1"),
				Note: "attempt 1 got 200 OK but its body broke off; attempt 2 found it gone"},
		},
		{
			name: "200_body_broke_to_the_end", err: fmt.Errorf("%w: DELETE /api/v1/lineage/bi/7/: the server answered 200 OK, then the body broke off: %w", datafold.ErrMalformedBody, io.ErrUnexpectedEOF),
			attempts: []attempt{{status: 200, sent: true}, {status: 200, sent: true}},
			want: result{ID: 7, Outcome: "removed", Status: 200, Attempts: 2,
				Note: "malformed response body: DELETE /api/v1/lineage/bi/7/: the server answered 200 OK, then the body broke off: unexpected EOF"},
		},
		{
			name: "refused_then_404_never_sent", err: notFound,
			attempts: []attempt{{err: refused}, {status: 404, sent: true}},
			want: result{ID: 7, Outcome: "absent", Status: 404, Attempts: 2, RequestID: ptr("r1"),
				Error: ptr("404 Not Found: Integration not found")},
		},
		{
			name: "429_then_404", err: notFound,
			attempts: []attempt{{status: 429, sent: true}, {status: 404, sent: true}},
			want: result{ID: 7, Outcome: "absent", Status: 404, Attempts: 2, RequestID: ptr("r1"),
				Error: ptr("404 Not Found: Integration not found")},
		},
		{
			name: "503_to_the_end", err: unavailable,
			attempts: []attempt{{status: 503, sent: true}, {status: 503, sent: true}, {status: 503, sent: true}, {status: 503, sent: true}},
			want:     result{ID: 7, Outcome: "failed", Status: 503, Attempts: 4, Error: ptr("503 Service Unavailable: Service Unavailable")},
		},
		{
			name: "refused_every_time", err: wrapped,
			attempts: []attempt{{err: refused}, {err: refused}, {err: refused}, {err: refused}},
			want: result{ID: 7, Outcome: "failed", Attempts: 4,
				Error: ptr("no answer: dial tcp 10.0.0.7:443: connect: connection refused")},
		},
		{
			name: "interrupted_while_waiting_to_retry", err: canceledWait, hardErr: context.Canceled, ctxErr: context.Canceled,
			attempts: []attempt{{status: 503, sent: true}, {status: 503, sent: true}},
			want: result{ID: 7, Outcome: "failed", Status: 503, Attempts: 2,
				Error: ptr("interrupted; attempt 2 got 503 Service Unavailable")},
		},
		{
			name: "timeout_waiting_for_the_answer", err: &url.Error{Op: "Delete", URL: "https://x", Err: context.DeadlineExceeded},
			ctxErr:   context.DeadlineExceeded,
			attempts: []attempt{{sent: true, err: context.DeadlineExceeded}},
			want: result{ID: 7, Outcome: "failed", Attempts: 1,
				Error: ptr("no answer within --timeout 5s; the request was sent, so it may have been removed")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := classify(7, tt.err, tt.attempts, tt.ctxErr, tt.hardErr, 5*time.Second)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("classify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
