package datafold_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

func TestRedirects(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		for _, code := range []int{301, 302, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d_other_host_drops_key", proto, code), func(t *testing.T) {
				t.Parallel()
				got := make(chan string, 1)
				_, other := setup(t, rawHandler(func(w http.ResponseWriter, r *http.Request) {
					got <- r.Header.Get("Authorization")
				}))
				// "localhost" and "127.0.0.1" are different hosts to Go's
				// redirect rules, as two domains would be.
				otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
				c, _ := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, otherURL+r.URL.Path, code)
				}))
				_, _ = c.RemoveIntegrationWithResponse(t.Context(), 42)
				if auth := <-got; auth != "" {
					t.Errorf("the other host received Authorization %q", strings.ReplaceAll(auth, testKey, "<key>"))
				}
			})
		}

		t.Run(proto+"/307_same_host_keeps_key", func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v1/lineage/bi/42/" {
					http.Redirect(w, r, "/api/v1/lineage/bi/43/", http.StatusTemporaryRedirect)
					return
				}
				jsonBody(200, `{}`)(w, r)
			}))
			if o := call(t, c); o.err != nil {
				t.Fatal(o.err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || !reqs[1].KeyMatched || reqs[1].Method != http.MethodDelete || reqs[1].Path != "/api/v1/lineage/bi/43/" {
				t.Errorf("requests = %+v, want the DELETE repeated at /43/ with the key", reqs)
			}
		})

		t.Run(proto+"/fastapi_trailing_slash", func(t *testing.T) {
			t.Parallel()
			// The fake answers a path without its slash with a 307, as
			// Starlette does; the key must survive the hop.
			c, srv := setup(t, over(proto))
			srv.AddIntegrations(9)
			key, _ := datafold.NewAPIKey(testKey)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, srv.URL+"/api/v1/lineage/bi/9", nil)
			if err := key.Intercept(t.Context(), req); err != nil {
				t.Fatal(err)
			}
			resp, err := c.ClientInterface.(*api.Client).Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != 200 || srv.HasIntegration(9) {
				t.Errorf("status %d, integration still there: %v", resp.StatusCode, srv.HasIntegration(9))
			}
		})

		// The loopback exception is for a server the user named: an https
		// server cannot send the key to plain http, even on loopback, even
		// with WithInsecureHTTP.
		t.Run(proto+"/https_to_http_loopback_refused", func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int64
			_, plain := setup(t, rawHandler(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
			tlsProto := map[string]string{"h1": "h1+tls", "h2": "h2"}[proto]
			for _, opts := range [][]datafold.Option{nil, {datafold.WithInsecureHTTP()}} {
				c, _ := setup(t, over(tlsProto), rawHandler(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
				}), withClient(opts...))
				if o := call(t, c); !errors.Is(o.err, datafold.ErrInsecureTransport) {
					t.Errorf("options %v: err = %v, want ErrInsecureTransport", opts, o.err)
				}
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the plain http server got %d requests, want 0", n)
			}
		})
	}
}

// A redirect that would carry the key over plain http is refused before
// it reaches the network: from https whatever the host, and to a host that
// is not loopback. A hop that Go has taken the key off (another host) goes.
func TestRedirects_toPlainHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		server      string
		location    string
		wantRefused bool
	}{
		{name: "https_to_http_same_host", server: "https://api.example.test", location: "http://api.example.test", wantRefused: true},
		// Go keeps the header for a subdomain; evil.localhost is not
		// loopback.
		{name: "loopback_to_http_subdomain", server: "http://localhost", location: "http://evil.localhost", wantRefused: true},
		{name: "https_to_http_other_host_without_key", server: "https://api.example.test", location: "http://files.example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hops atomic.Int64
			c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
				if hops.Add(1) == 1 {
					return &http.Response{
						StatusCode: http.StatusTemporaryRedirect,
						Header:     http.Header{"Location": {tt.location + r.URL.Path}},
						Body:       http.NoBody,
						Request:    r,
					}, nil
				}
				if tt.wantRefused {
					t.Errorf("a request to %s reached the network", r.URL)
				}
				if auth := r.Header.Get("Authorization"); auth != "" {
					t.Errorf("the hop to %s carries Authorization", r.URL)
				}
				return canned(http.StatusOK, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`))(r)
			}), withClient(datafold.WithServer(tt.server)))
			o := call(t, c)
			if got := errors.Is(o.err, datafold.ErrInsecureTransport); got != tt.wantRefused {
				t.Errorf("err = %v, want ErrInsecureTransport: %v", o.err, tt.wantRefused)
			}
			if !tt.wantRefused && (o.err != nil || hops.Load() != 2) {
				t.Errorf("err = %v after %d hops, want the redirect followed", o.err, hops.Load())
			}
		})
	}
}

// trackedBody is a request body that says when it is closed: http.Client
// promises the caller that the transport closes it, even on errors, and an
// *os.File left open is a descriptor leaked.
type trackedBody struct {
	io.Reader
	once   sync.Once
	closed chan struct{}
}

func newTrackedBody(s string) *trackedBody {
	return &trackedBody{Reader: strings.NewReader(s), closed: make(chan struct{})}
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// waitClosed fails t unless b is closed soon: net/http may close a body
// from its own goroutine after RoundTrip returns.
func (b *trackedBody) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-b.closed:
	case <-time.After(5 * time.Second):
		t.Error("the request body was never closed")
	}
}

// A request body goes out whole on every attempt: replayed through GetBody
// on a retry, and sent once when nothing can replay it. The caller's body
// is closed whatever the outcome.
func TestTransport_requestBody(t *testing.T) {
	t.Parallel()
	const payload = `{"id":9,"name":"Mode"}`
	errGone := errors.New("the file is gone")
	tests := []struct {
		name       string
		getBody    func() (io.ReadCloser, error) // nil: the body cannot be replayed
		wantCalls  int
		wantStatus int // 0: an error
		wantErr    error
	}{
		{name: "replayed_on_each_retry", wantCalls: 3, wantStatus: 200,
			getBody: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(payload)), nil }},
		{name: "without_getbody_sent_once", wantCalls: 1, wantStatus: 503},
		{name: "replay_fails", wantCalls: 1, wantErr: errGone,
			getBody: func() (io.ReadCloser, error) { return nil, errGone }},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var mu sync.Mutex
				var bodies []string
				c, srv := setup(t, over(proto), rawHandler(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					bodies = append(bodies, string(b))
					n := len(bodies)
					mu.Unlock()
					if n <= 2 {
						w.WriteHeader(http.StatusServiceUnavailable)
						return
					}
					jsonBody(200, `{}`)(w, r)
				}))
				body := newTrackedBody(payload)
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL+"/api/v1/lineage/bi/9/", nil)
				req.Body, req.ContentLength, req.GetBody = body, int64(len(payload)), tt.getBody
				resp, err := c.ClientInterface.(*api.Client).Client.Do(req)
				if resp != nil {
					_ = resp.Body.Close()
				}
				switch {
				case tt.wantErr != nil:
					if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "replaying the request body") {
						t.Errorf("err = %v, want one replaying the body, wrapping %v", err, tt.wantErr)
					}
				case err != nil || resp.StatusCode != tt.wantStatus:
					t.Errorf("resp, err = %v, %v; want status %d", resp, err, tt.wantStatus)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(bodies) != tt.wantCalls {
					t.Errorf("the server got %d requests, want %d", len(bodies), tt.wantCalls)
				}
				for i, b := range bodies {
					if b != payload {
						t.Errorf("attempt %d carried %q, want %q", i+1, b, payload)
					}
				}
				body.waitClosed(t)
			})
		}
	}
}

// A request refused before it is sent has its body closed all the same.
func TestTransport_refusedBodyClosed(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
		t.Errorf("a request to %s reached the network", r.URL)
		return nil, errors.New("sent")
	}))
	body := newTrackedBody(`{}`)
	// An editor may point a request anywhere; the key still stays off
	// plain http.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://datafold.example.com/api/v1/lineage/bi/9/", body)
	req.Header.Set("Authorization", "Key "+testKey)
	if _, err := c.ClientInterface.(*api.Client).Client.Do(req); !errors.Is(err, datafold.ErrInsecureTransport) {
		t.Errorf("err = %v, want ErrInsecureTransport", err)
	}
	body.waitClosed(t)
}

// The caller's deadline ends a call to a server slower than it, exactly
// when it passes.
func TestTransport_serverSlowerThanDeadline(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, srv := setup(t, over(proto), inBubble())
				srv.SetDelay(time.Minute) // ends early when the client goes away
				const deadline = 150 * time.Millisecond
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				start := time.Now()
				_, err := c.RemoveIntegrationWithResponse(ctx, 42)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want context.DeadlineExceeded", err)
				}
				if took := time.Since(start); took != deadline {
					t.Errorf("returned after %v, want the %v deadline", took, deadline)
				}
			})
		})
	}
}

// WithLogger logs each attempt at debug level, the key redacted.
func TestTransport_log(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, answer(jsonBody(200, `{}`)), withClient(datafold.WithLogger(logger)))
	srv.FailNext(1, http.StatusServiceUnavailable, "0")
	if o := call(t, c); o.err != nil {
		t.Fatal(o.err)
	}

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want one per attempt:\n%s", len(lines), strings.ReplaceAll(logged.String(), testKey, "<key>"))
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
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		wantStatus := []int{503, 200}[i]
		if rec.Method != "DELETE" || !strings.HasSuffix(rec.URL, "/api/v1/lineage/bi/42/") ||
			rec.Status != wantStatus || rec.Attempt != i+1 || rec.Duration <= 0 {
			t.Errorf("log line %d = %+v, want DELETE …/42/, status %d, attempt %d and a duration", i, rec, wantStatus, i+1)
		}
	}
}

// The stress harness (make stress): many goroutines remove integrations
// through one client against a loopback server that injects faults, for a
// bounded time.

var stressFor = flag.Duration("stress", 0, "run TestStress for this long (make stress)")

const (
	stressWorkers = 64
	stressStall   = 500 * time.Millisecond
	// resetsPerConnSecond is how often the network cuts a connection
	// (a TCP reset), per second of each connection's life. Counting per
	// connection-second, not per request, keeps the two protocols' fault
	// rates comparable: HTTP/1.1 spreads a run over many connections,
	// each carrying one request at a time, while HTTP/2 carries every
	// stream on one, so a per-request cut would end 64 streams on h2 for
	// every one it ends on h1.
	resetsPerConnSecond = 1.0
	// leakBytesPerCall is how much the live heap may grow per call, from
	// the end of warm-up to the end of the run, before it counts as a
	// leak; leakSlack absorbs what does not grow with the calls: the
	// connections a dial race leaves open, measured at a few hundred KiB.
	leakBytesPerCall = 32
	leakSlack        = 2 << 20
)

// TestStress runs one client per protocol (HTTP/1.1 on loopback, HTTP/2
// over TLS), each shared by stressWorkers goroutines removing fresh ids,
// against a server that resets connections, aborts requests, stalls,
// answers 429 and 503 in bursts and trickles bodies. At the end every call
// has returned, no goroutine is left, the live heap has not grown with the
// number of calls, and every id's outcome agrees with what the server did
// to it.
func TestStress(t *testing.T) {
	if *stressFor <= 0 {
		t.Skip("run with -stress=DURATION (make stress)")
	}
	goroutinesBefore := runtime.NumGoroutine()
	run := runStress(t, *stressFor, stressWorkers, 0, false)
	for _, r := range run.results {
		t.Logf("%s", r)
	}
	t.Logf("%s", run.heap())
	if err := run.leak(); err != nil {
		t.Error(err)
	}

	// Everything the run started must be gone: connections, the stall
	// watchdogs, the servers' goroutines.
	var goroutinesAfter int
	eventually(5*time.Second, func() bool {
		runtime.GC()
		goroutinesAfter = runtime.NumGoroutine()
		return goroutinesAfter <= goroutinesBefore
	})
	t.Logf("goroutines: %d before, %d after", goroutinesBefore, goroutinesAfter)
	if goroutinesAfter > goroutinesBefore {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines leaked:\n%s", goroutinesAfter-goroutinesBefore, buf[:runtime.Stack(buf, true)])
	}
}

// TestStressLeakCheck is the check of the leak check: a short run passes
// it, and the same run keeping every response it gets (a leak of one
// response per call) fails it.
func TestStressLeakCheck(t *testing.T) {
	// Not parallel: it measures the heap.
	if testing.Short() {
		t.Skip("runs the stress harness for a few seconds")
	}
	// Enough calls that a leak of one response each outgrows the slack
	// several times over, however slow the machine.
	const calls = 3000
	clean := runStress(t, time.Second, 32, calls, false)
	if err := clean.leak(); err != nil {
		t.Errorf("a run without a leak: %v", err)
	}
	leaky := runStress(t, time.Second, 32, calls, true)
	if err := leaky.leak(); err == nil {
		t.Errorf("a run keeping every response passed the leak check: %s", leaky.heap())
	}
	t.Logf("clean: %s", clean.heap())
	t.Logf("leaky: %s", leaky.heap())
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// stressRun is what runStress measured.
type stressRun struct {
	results []*stressResult
	// Live heap and calls made, at the end of warm-up and at the end, each
	// taken with every worker stopped, the servers' bookkeeping emptied and
	// the pools' idle connections closed, so the two compare like with like.
	warmHeap, endHeap   int64
	warmCalls, endCalls int64
}

func (r *stressRun) heap() string {
	return fmt.Sprintf("live heap %.2f MiB after %d calls of warm-up, %.2f MiB after %d more: %+.1f bytes per call",
		mib(r.warmHeap), r.warmCalls, mib(r.endHeap), r.endCalls-r.warmCalls, r.perCall())
}

func (r *stressRun) perCall() float64 {
	return float64(r.endHeap-r.warmHeap) / float64(max(r.endCalls-r.warmCalls, 1))
}

// leak fails when the heap grew with the number of calls: by more than
// leakBytesPerCall per call beyond leakSlack.
func (r *stressRun) leak() error {
	calls := r.endCalls - r.warmCalls
	if grew := r.endHeap - r.warmHeap; grew > leakSlack+leakBytesPerCall*calls {
		return fmt.Errorf("leak: %s (allowed: %d bytes per call beyond %d KiB)", r.heap(), leakBytesPerCall, leakSlack>>10)
	}
	return nil
}

// stressResult counts what one protocol's run did.
type stressResult struct {
	proto                       string
	calls, ok, notFound, gaveUp atomic.Int64
	failed                      atomic.Int64
	resets, aborts, stalls      atomic.Int64
	slow, broken                atomic.Int64
	busy, attempts              atomic.Int64
	connNanos                   atomic.Int64 // connection lifetimes, summed
	longest                     atomic.Int64 // ns
	mismatches                  atomic.Int64
	firstMismatch               atomic.Pointer[string]
	errorKinds                  sync.Map // short error text -> *atomic.Int64
}

func (r *stressResult) String() string {
	var kinds []string
	r.errorKinds.Range(func(k, v any) bool {
		kinds = append(kinds, fmt.Sprintf("%s×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	connSecs := time.Duration(r.connNanos.Load()).Seconds()
	return fmt.Sprintf("%s: %d calls: %d removed, %d already gone after a lost answer, %d gave up on 429/503, "+
		"%d failed (%.3f%%: %s); %d attempts seen by the server; faults: %d connection resets in %.0f connection-seconds (%.2f per connection-second), "+
		"%d requests aborted, %d stalls, %d 429/503 answers in bursts, %d slow bodies, %d bodies broken off; longest call %v",
		r.proto, r.calls.Load(), r.ok.Load(), r.notFound.Load(), r.gaveUp.Load(),
		r.failed.Load(), 100*float64(r.failed.Load())/float64(max(r.calls.Load(), 1)), strings.Join(kinds, ", "),
		r.attempts.Load(), r.resets.Load(), connSecs, float64(r.resets.Load())/max(connSecs, 1e-9),
		r.aborts.Load(), r.stalls.Load(), r.busy.Load(), r.slow.Load(), r.broken.Load(),
		time.Duration(r.longest.Load()).Round(time.Millisecond))
}

// stressServer holds the integrations and decides each request's fate.
type stressServer struct {
	res *stressResult

	mu      sync.Mutex
	present map[int]bool // id -> not yet removed
	applied map[int]int  // id -> removals applied
	burst   int          // requests left in the current 429/503 burst
	conns   map[net.Conn]time.Time
}

// forget empties the bookkeeping between phases: every call has checked
// and deleted its own entries, and fresh maps keep the old ones' grown
// tables out of the heap measure.
func (s *stressServer) forget() {
	s.mu.Lock()
	s.present, s.applied = map[int]bool{}, map[int]int{}
	s.mu.Unlock()
}

func (s *stressServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.res.attempts.Add(1)
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/lineage/bi/")
	id, err := strconv.Atoi(strings.TrimSuffix(rest, "/"))
	if !ok || err != nil || r.Method != http.MethodDelete || r.Header.Get("Authorization") != "Key "+testKey {
		http.Error(w, `{"detail":"bad request"}`, http.StatusBadRequest)
		return
	}
	fate := rand.IntN(1000)

	s.mu.Lock()
	if s.burst == 0 && fate < 5 {
		s.burst = 5 + rand.IntN(20)
	}
	if s.burst > 0 {
		s.burst--
		s.mu.Unlock()
		s.res.busy.Add(1)
		status := []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}[fate%2]
		w.Header().Set("Retry-After", "0")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"detail":"busy"}`)
		return
	}
	if fate < 10 {
		// Aborted before anything happens: on HTTP/1.1 its connection
		// closes, on HTTP/2 only its stream is reset.
		s.mu.Unlock()
		s.res.aborts.Add(1)
		panic(http.ErrAbortHandler)
	}
	found := s.present[id]
	if found {
		delete(s.present, id)
		s.applied[id]++
	}
	s.mu.Unlock()

	switch {
	case fate < 15:
		s.res.aborts.Add(1)
		panic(http.ErrAbortHandler) // after the removal: the answer is lost
	case fate < 25:
		s.res.stalls.Add(1)
		<-r.Context().Done() // never answers; the client's stall timeout ends it
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !found {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"detail":"Integration not found"}`)
		return
	}
	switch {
	case fate < 30:
		// The status goes out, then the body breaks off.
		s.res.broken.Add(1)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"removed":`)
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	case fate < 75:
		// A slow body, well inside the stall timeout between chunks.
		s.res.slow.Add(1)
		rc := http.NewResponseController(w)
		for _, part := range []string{`{"removed":`, ` true, "pad": "`, strings.Repeat("x", 512), `"}`} {
			_, _ = io.WriteString(w, part)
			_ = rc.Flush()
			select {
			case <-time.After(20 * time.Millisecond):
			case <-r.Context().Done():
				return // reset under it: nothing more to send
			}
		}
		return
	}
	_, _ = io.WriteString(w, `{}`)
}

// track keeps the server's open connections and their lifetimes, for the
// resetter.
func (s *stressServer) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns[c] = time.Now()
	case http.StateClosed, http.StateHijacked:
		if born, ok := s.conns[c]; ok {
			s.res.connNanos.Add(int64(time.Since(born)))
			delete(s.conns, c)
		}
	}
}

// open counts the server's open connections.
func (s *stressServer) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// resetConns cuts each open connection with a TCP reset at
// resetsPerConnSecond, until done closes.
func (s *stressServer) resetConns(done <-chan struct{}) {
	const tick = 20 * time.Millisecond
	p := resetsPerConnSecond * tick.Seconds()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
		}
		var cut []net.Conn
		s.mu.Lock()
		for c := range s.conns {
			if rand.Float64() < p {
				cut = append(cut, c)
			}
		}
		s.mu.Unlock()
		for _, c := range cut {
			s.res.resets.Add(1)
			if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
				c = tc.NetConn()
			}
			if tcp, ok := c.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0)
			}
			_ = c.Close()
		}
	}
}

// stressTarget is one protocol's server and client.
type stressTarget struct {
	srv    *stressServer
	ts     *httptest.Server
	client *api.ClientWithResponses
	nextID atomic.Int64
	retain bool
	kept   []*api.RemoveIntegrationResponse // the planted leak
	keptMu sync.Mutex
}

func newStressTarget(t *testing.T, proto string, res *stressResult, retain bool) *stressTarget {
	srv := &stressServer{res: res, conns: map[net.Conn]time.Time{}}
	srv.forget()
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnState = srv.track
	ts.Config.ErrorLog = discardLog()
	opts := []datafold.Option{
		datafold.WithAPIKey(testKey),
		datafold.WithRetryPolicy(datafold.RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: time.Second}),
	}
	if proto == "h2" {
		ts.EnableHTTP2 = true
		ts.StartTLS()
		roots := x509.NewCertPool()
		roots.AddCert(ts.Certificate())
		opts = append(opts, datafold.WithTestPool(datafold.TestPool{Stall: stressStall, Roots: roots}))
	} else {
		ts.Start()
		opts = append(opts, datafold.WithTestPool(datafold.TestPool{Stall: stressStall}))
	}
	c, err := datafold.NewClient(append(opts, datafold.WithServer(ts.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	return &stressTarget{srv: srv, ts: ts, client: c, retain: retain}
}

func (st *stressTarget) closeIdle() {
	st.client.ClientInterface.(*api.Client).Client.(interface{ CloseIdleConnections() }).CloseIdleConnections()
}

// runStress runs both protocols at once for d: a tenth of it (at least a
// second) of warm-up, then the rest, measuring the heap after each with
// every worker stopped. Each part also lasts until minCalls calls.
func runStress(t *testing.T, d time.Duration, workers int, minCalls int64, retain bool) *stressRun {
	run := &stressRun{}
	var targets []*stressTarget
	for _, proto := range protos {
		res := &stressResult{proto: proto}
		run.results = append(run.results, res)
		targets = append(targets, newStressTarget(t, proto, res, retain))
	}
	done := make(chan struct{})
	var resetters sync.WaitGroup
	for _, st := range targets {
		resetters.Go(func() { st.srv.resetConns(done) })
	}
	defer func() {
		close(done)
		resetters.Wait()
		for _, st := range targets {
			st.closeIdle()
			st.ts.Close()
		}
	}()

	warm := max(d/10, time.Second)
	phase(t, targets, warm, workers, minCalls)
	run.warmHeap, run.warmCalls = quiesce(targets, run)
	phase(t, targets, d-warm, workers, minCalls)
	run.endHeap, run.endCalls = quiesce(targets, run)

	for _, r := range run.results {
		if n := r.mismatches.Load(); n > 0 {
			t.Errorf("%s: %d ids whose outcome disagrees with the server, first: %s", r.proto, n, *r.firstMismatch.Load())
		}
	}
	return run
}

// phase runs workers goroutines per target removing fresh ids for d and
// for at least minCalls calls in all, and returns when every call has.
func phase(t *testing.T, targets []*stressTarget, d time.Duration, workers int, minCalls int64) {
	stop := time.Now().Add(d)
	var made atomic.Int64
	var all sync.WaitGroup
	for _, st := range targets {
		for range workers {
			all.Go(func() {
				for time.Now().Before(stop) || made.Load() < minCalls {
					st.call()
					made.Add(1)
				}
			})
		}
	}
	// Every call returns on its own: the stall timeout and the retry
	// limit bound it, with no deadline from the caller.
	finished := make(chan struct{})
	go func() { all.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(d + 5*time.Minute):
		buf := make([]byte, 1<<20)
		t.Fatalf("calls still running five minutes after the end:\n%s", buf[:runtime.Stack(buf, true)])
	}
}

// eventually checks cond every 10ms until it holds or limit has passed,
// for what ends on its own a moment after a run: connections closing, the
// goroutines that served them.
func eventually(limit time.Duration, cond func() bool) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			return
		}
	}
}

// quiesce measures the live heap with nothing in flight: the servers'
// bookkeeping replaced by empty maps, every connection closed, and two
// collections so sync.Pool caches are gone too.
func quiesce(targets []*stressTarget, run *stressRun) (heap, calls int64) {
	for _, st := range targets {
		st.srv.forget()
	}
	// Connections still closing, or dialed by a race and pooled after the
	// last call, would count as growth: wait until the servers hold none.
	eventually(2*time.Second, func() bool {
		open := 0
		for _, st := range targets {
			st.closeIdle()
			open += st.srv.open()
		}
		return open == 0
	})
	for _, r := range run.results {
		calls += r.calls.Load()
	}
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc), calls
}

// call removes a fresh id and checks the outcome against the server's
// record, then forgets the id.
func (st *stressTarget) call() {
	srv, res := st.srv, st.srv.res
	id := int(st.nextID.Add(1))
	srv.mu.Lock()
	srv.present[id] = true
	srv.mu.Unlock()

	res.calls.Add(1)
	start := time.Now()
	resp, err := st.client.RemoveIntegrationWithResponse(context.Background(), id)
	for took := int64(time.Since(start)); ; {
		if l := res.longest.Load(); took <= l || res.longest.CompareAndSwap(l, took) {
			break
		}
	}
	if err == nil {
		err = datafold.CheckResponse(resp)
	}
	if st.retain && resp != nil {
		st.keptMu.Lock()
		st.kept = append(st.kept, resp)
		st.keptMu.Unlock()
	}

	srv.mu.Lock()
	applied, present := srv.applied[id], srv.present[id]
	delete(srv.applied, id)
	delete(srv.present, id)
	srv.mu.Unlock()

	mismatch := func(format string, args ...any) {
		res.mismatches.Add(1)
		s := fmt.Sprintf("id %d: ", id) + fmt.Sprintf(format, args...)
		res.firstMismatch.CompareAndSwap(nil, &s)
	}
	if applied > 1 || (applied == 1) == present {
		mismatch("the server applied %d removals and still holds it: %v", applied, present)
	}
	var apiErr *datafold.APIError
	switch {
	case err == nil, errors.Is(err, datafold.ErrMalformedBody):
		// A 2xx arrived: removed, whatever became of its body.
		res.ok.Add(1)
		if applied != 1 {
			mismatch("removed (%v), but the server applied %d removals", err, applied)
		}
	case errors.Is(err, datafold.ErrNotFound):
		// An earlier attempt removed it and its answer was lost.
		res.notFound.Add(1)
		if applied != 1 {
			mismatch("404, but the server applied %d removals", applied)
		}
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 429 || apiErr.StatusCode == 503):
		res.gaveUp.Add(1)
	case errors.As(err, &apiErr):
		mismatch("unexpected answer %v", err)
	default:
		res.failed.Add(1)
		kind := errorKind(err)
		v, _ := res.errorKinds.LoadOrStore(kind, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
}

// errorKind names an error by its cause, for the report.
func errorKind(err error) string {
	s := err.Error()
	for _, k := range []string{"timeout awaiting response headers", "connection reset", "i/o timeout", "EOF", "body broke off",
		"INTERNAL_ERROR", "client connection lost", "force closed", "deadline exceeded"} {
		if strings.Contains(s, k) {
			return k
		}
	}
	// One not named above: its end, from a word, is the most telling part.
	if len(s) > 60 {
		s = "…" + s[strings.IndexByte(s[len(s)-60:], ' ')+len(s)-60+1:]
	}
	return s
}
