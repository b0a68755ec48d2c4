package main

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
)

// attempt is what became of one request the client sent for an id.
type attempt struct {
	status int // 0 when no answer arrived
	// sent says the request was written to the connection: the server may
	// have acted on it even though no answer came back.
	sent bool
	err  error
}

// lostAnswer reports whether the server may have acted on the request
// although its answer never arrived.
func (a attempt) lostAnswer() bool { return a.status == 0 && a.sent }

// attemptLog collects the attempts for one id. The library's retrying
// transport calls the recorder below once per attempt, so the log sees what
// each retry met, not only the last one.
type attemptLog struct {
	mu       sync.Mutex
	attempts []attempt
}

func (l *attemptLog) add(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts = append(l.attempts, a)
}

func (l *attemptLog) list() []attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]attempt(nil), l.attempts...)
}

type attemptLogKey struct{}

func withAttemptLog(ctx context.Context, l *attemptLog) context.Context {
	return context.WithValue(ctx, attemptLogKey{}, l)
}

// recorder sits under the library's retrying transport (through
// datafold.WithHTTPClient) and notes each attempt's outcome in the
// attemptLog of the request's context. Whether the request was written
// comes from httptrace: a dial or TLS failure means the server never saw
// it; a failure after writing means its answer was lost.
type recorder struct{ base http.RoundTripper }

func (rt recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	log, _ := req.Context().Value(attemptLogKey{}).(*attemptLog)
	if log == nil {
		return rt.base.RoundTrip(req)
	}
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				sent.Store(true)
			}
		},
	}
	resp, err := rt.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	a := attempt{sent: sent.Load(), err: err}
	if resp != nil {
		a.status = resp.StatusCode
	}
	log.add(a)
	return resp, err
}
