package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// Outcomes of one id, as --output json spells them.
const (
	outcomeRemoved = "removed" // this run removed it
	outcomeAbsent  = "absent"  // there was no such integration
	outcomeFailed  = "failed"
)

// result is the outcome for one id; its JSON form is the --output json
// contract, one object per line.
type result struct {
	ID      int    `json:"id"`
	Outcome string `json:"outcome"`
	// Status is the HTTP status of the last answer, 0 when none came.
	Status int `json:"status"`
	// Attempts is how many requests were sent for the id, retries included.
	Attempts int `json:"attempts"`
	// Error says why the id failed or is absent; null when removed.
	Error *string `json:"error"`
	// RequestID is the server's request id for the last answer, if any.
	RequestID *string `json:"request_id"`
	// Note explains an outcome that is not plain, such as a removal
	// inferred from a 404 after a lost answer.
	Note string `json:"note,omitempty"`
}

// tally counts outcomes for the summary.
type tally struct {
	Removed      int  `json:"removed"`
	Absent       int  `json:"absent"`
	Failed       int  `json:"failed"`
	NotAttempted int  `json:"not_attempted"`
	Interrupted  bool `json:"interrupted"`
}

// removeAll removes ids with up to concurrency at a time, calling done for
// each as it finishes (never concurrently). When stop is done no new
// removal starts; those in flight run on under hard, each within timeout.
func removeAll(stop, hard context.Context, client api.ClientWithResponsesInterface, ids []int,
	concurrency int, timeout time.Duration, done func(result)) (notAttempted int) {
	work := make(chan int)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for range min(concurrency, len(ids)) {
		wg.Go(func() {
			for id := range work {
				r := removeOne(hard, client, id, timeout)
				mu.Lock()
				done(r)
				mu.Unlock()
			}
		})
	}
	sent := 0
feed:
	for _, id := range ids {
		// Checked first: select picks at random among ready cases, and a
		// worker is nearly always ready.
		if stop.Err() != nil {
			break
		}
		select {
		case work <- id:
			sent++
		case <-stop.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return len(ids) - sent
}

func removeOne(hard context.Context, client api.ClientWithResponsesInterface, id int, timeout time.Duration) result {
	log := &attemptLog{}
	ctx, cancel := context.WithTimeout(withAttemptLog(hard, log), timeout)
	defer cancel()
	resp, err := client.RemoveIntegrationWithResponse(ctx, id)
	if err == nil {
		err = datafold.CheckResponse(resp)
	}
	return classify(id, err, log.list(), ctx.Err(), hard.Err(), timeout)
}

// classify turns what happened to one id into its outcome. ctxErr is the
// id's own context's error and hardErr the run's: together they tell a
// --timeout from an interrupt.
func classify(id int, err error, attempts []attempt, ctxErr, hardErr error, timeout time.Duration) result {
	r := result{ID: id, Attempts: len(attempts)}
	if n := len(attempts); n > 0 {
		r.Status = attempts[n-1].status
	}
	if err == nil {
		r.Outcome = outcomeRemoved
		return r
	}
	var apiErr *datafold.APIError
	if errors.As(err, &apiErr) {
		r.Status = apiErr.StatusCode
		if apiErr.RequestID != "" {
			r.RequestID = ptr(apiErr.RequestID)
		}
		r.Error = ptr(apiErr.Message())
		if !errors.Is(err, datafold.ErrNotFound) {
			r.Outcome = outcomeFailed
			return r
		}
		// A 404 proves the integration is gone, not who removed it. Only
		// an earlier attempt that was answered 2xx (its body then broke
		// off, so the library asked again) or was sent and never answered
		// can have removed it; after a 429 or 503 it was never there.
		for i, a := range attempts[:max(len(attempts)-1, 0)] {
			switch {
			case a.status >= 200 && a.status < 300:
				r.Outcome, r.Error = outcomeRemoved, nil
				r.Note = fmt.Sprintf("attempt %d got %d %s but its body broke off; attempt %d found it gone",
					i+1, a.status, http.StatusText(a.status), len(attempts))
				return r
			case a.lostAnswer():
				r.Outcome, r.Error = outcomeRemoved, nil
				r.Note = fmt.Sprintf("gone on attempt %d; attempt %d was sent but its answer was lost", len(attempts), i+1)
				return r
			}
		}
		r.Outcome = outcomeAbsent
		for i, a := range attempts[:max(len(attempts)-1, 0)] {
			if a.status == http.StatusBadGateway || a.status == http.StatusGatewayTimeout {
				r.Note = fmt.Sprintf("attempt %d got %d %s from a proxy; that attempt may have removed it",
					i+1, a.status, http.StatusText(a.status))
				break
			}
		}
		return r
	}
	if errors.Is(err, datafold.ErrMalformedBody) && r.Status >= 200 && r.Status < 300 {
		// The server said it removed it; only the body it sent along
		// was broken, and nothing here needs the body.
		r.Outcome = outcomeRemoved
		r.Note = cause(err)
		return r
	}
	r.Outcome = outcomeFailed
	r.Error = ptr(failureMessage(err, attempts, ctxErr, hardErr, timeout))
	return r
}

// failureMessage says why a removal got no usable answer, in one shape
// whatever layer failed: what happened, then the underlying cause, then
// whether the server may have acted anyway.
func failureMessage(err error, attempts []attempt, ctxErr, hardErr error, timeout time.Duration) string {
	var last attempt
	if n := len(attempts); n > 0 {
		last = attempts[n-1]
	}
	var what string
	switch {
	case hardErr != nil && errors.Is(err, context.Canceled):
		what = "interrupted"
	case ctxErr != nil && errors.Is(err, context.DeadlineExceeded):
		what = fmt.Sprintf("no answer within --timeout %v", timeout)
	case last.err != nil:
		return "no answer: " + last.err.Error() + lostNote(last)
	default:
		return cause(err) + lostNote(last)
	}
	// When the wait before a retry was cut short, the last attempt's
	// answer is the real reason the id is not done.
	if last.status != 0 {
		what += fmt.Sprintf("; attempt %d got %d %s", len(attempts), last.status, http.StatusText(last.status))
	}
	return what + lostNote(last)
}

func lostNote(last attempt) string {
	if last.lostAnswer() {
		return "; the request was sent, so it may have been removed"
	}
	return ""
}

// cause strips the wrappers that only repeat the URL or the library's name.
func cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return strings.TrimPrefix(err.Error(), "datafold: ")
}

func ptr[T any](v T) *T { return &v }
