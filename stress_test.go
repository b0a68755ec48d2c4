package datafold_test

// make stress: many goroutines remove integrations through one client
// against a loopback server that injects faults, for a bounded time.

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
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
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

var stressFor = flag.Duration("stress", 0, "run TestStress for this long (make stress)")

const (
	stressWorkers = 64
	stressStall   = 500 * time.Millisecond
)

// TestStress runs one client per protocol (HTTP/1.1 on loopback, HTTP/2
// over TLS), each shared by stressWorkers goroutines removing fresh ids,
// against a server that resets connections, stalls, answers 429 and 503
// in bursts and trickles bodies. At the end every call has returned, no
// goroutine is left, the live heap is where it was after warm-up, and
// every id's outcome agrees with what the server did to it.
func TestStress(t *testing.T) {
	if *stressFor <= 0 {
		t.Skip("run with -stress=DURATION (make stress)")
	}
	goroutinesBefore := runtime.NumGoroutine()
	var heap heapWatch
	heap.start()

	results := make([]*stressResult, 2)
	var wg sync.WaitGroup
	for i, proto := range protos {
		results[i] = &stressResult{proto: proto}
		wg.Go(func() { runStress(t, proto, *stressFor, results[i], &heap) })
	}
	wg.Wait()
	heap.stop()

	// Everything the run started must be gone: connections, the stall
	// watchdogs, the servers' goroutines.
	var goroutinesAfter int
	for i := 0; ; i++ {
		runtime.GC()
		goroutinesAfter = runtime.NumGoroutine()
		if goroutinesAfter <= goroutinesBefore || i == 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range results {
		t.Logf("%s", r)
	}
	t.Logf("goroutines: %d before, %d after", goroutinesBefore, goroutinesAfter)
	t.Logf("heap: peak %.1f MiB in use; live after GC %.1f MiB after warm-up, %.1f MiB at the end",
		mib(heap.peak.Load()), mib(heap.warm.Load()), mib(heap.end.Load()))
	if goroutinesAfter > goroutinesBefore {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines leaked:\n%s", goroutinesAfter-goroutinesBefore, buf[:runtime.Stack(buf, true)])
	}
	if warm, end := heap.warm.Load(), heap.end.Load(); end > 2*warm+16<<20 {
		t.Errorf("live heap grew from %.1f MiB after warm-up to %.1f MiB", mib(warm), mib(end))
	}
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// heapWatch samples the heap once a second.
type heapWatch struct {
	peak, warm, end atomic.Uint64
	done            chan struct{}
	stopped         chan struct{}
}

func (h *heapWatch) start() {
	h.done, h.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(h.stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-tick.C:
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > h.peak.Load() {
				h.peak.Store(m.HeapInuse)
			}
		}
	}()
}

func (h *heapWatch) stop() { close(h.done); <-h.stopped }

// live is the heap still in use after a collection.
func live() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// stressResult counts what one protocol's run did.
type stressResult struct {
	proto                       string
	calls, ok, notFound, gaveUp atomic.Int64
	failed                      atomic.Int64
	resets, stalls, slow        atomic.Int64
	busy, attempts              atomic.Int64
	longest                     atomic.Int64 // ns
	mismatches                  atomic.Int64
	firstMismatch               atomic.Pointer[string]
	errorKinds                  sync.Map // short error text -> *atomic.Int64
	answered200, answered404    atomic.Int64
}

func (r *stressResult) String() string {
	var kinds []string
	r.errorKinds.Range(func(k, v any) bool {
		kinds = append(kinds, fmt.Sprintf("%s×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	return fmt.Sprintf("%s: %d calls (%d removed, %d already gone, %d gave up on 429/503, %d failed: %s); "+
		"%d attempts seen by the server; faults injected: %d connection resets, %d stalls, %d 429/503 answers in bursts, %d slow bodies; "+
		"longest call %v",
		r.proto, r.calls.Load(), r.ok.Load(), r.notFound.Load(), r.gaveUp.Load(), r.failed.Load(), strings.Join(kinds, ", "),
		r.attempts.Load(), r.resets.Load(), r.stalls.Load(), r.busy.Load(), r.slow.Load(),
		time.Duration(r.longest.Load()).Round(time.Millisecond))
}

// stressServer holds the integrations and decides each request's fate.
type stressServer struct {
	res *stressResult

	mu      sync.Mutex
	present map[int]bool // id -> not yet removed
	applied map[int]int  // id -> removals applied
	burst   int          // requests left in the current 429/503 burst
}

type connKey struct{}

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
		// Reset before anything happens.
		s.mu.Unlock()
		s.reset(r)
		return
	}
	found := s.present[id]
	if found {
		delete(s.present, id)
		s.applied[id]++
	}
	s.mu.Unlock()

	switch {
	case fate < 15:
		s.reset(r) // after the removal: the answer is lost
		return
	case fate < 25:
		s.res.stalls.Add(1)
		<-r.Context().Done() // never answers; the client's stall timeout ends it
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !found {
		s.res.answered404.Add(1)
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"detail":"Integration not found"}`)
		return
	}
	s.res.answered200.Add(1)
	if fate < 75 {
		// A slow body, well inside the stall timeout between chunks.
		s.res.slow.Add(1)
		rc := http.NewResponseController(w)
		for _, part := range []string{`{"removed":`, ` true, "pad": "`, strings.Repeat("x", 512), `"}`} {
			_, _ = io.WriteString(w, part)
			_ = rc.Flush()
			time.Sleep(20 * time.Millisecond)
		}
		return
	}
	_, _ = io.WriteString(w, `{}`)
}

// reset closes the request's TCP connection with a reset: on HTTP/2 every
// stream on it goes down together.
func (s *stressServer) reset(r *http.Request) {
	s.res.resets.Add(1)
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = tc.NetConn()
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
		_ = tcp.Close()
	}
}

func runStress(t *testing.T, proto string, d time.Duration, res *stressResult, heap *heapWatch) {
	srv := &stressServer{res: res, present: map[int]bool{}, applied: map[int]int{}}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
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
		opts = append(opts, datafold.WithTestPool(stressStall, roots))
	} else {
		ts.Start()
		opts = append(opts, datafold.WithTestPool(stressStall, nil))
	}
	c, err := datafold.NewClient(append(opts, datafold.WithServer(ts.URL))...)
	if err != nil {
		t.Fatal(err)
	}

	var nextID atomic.Int64
	stop := time.Now().Add(d)
	warmAt := time.Now().Add(max(d/10, 3*time.Second))
	var warmOnce sync.Once
	var workers sync.WaitGroup
	for range stressWorkers {
		workers.Go(func() {
			for time.Now().Before(stop) {
				if proto == protos[0] && time.Now().After(warmAt) {
					warmOnce.Do(func() { heap.warm.Store(live()) })
				}
				id := int(nextID.Add(1))
				srv.mu.Lock()
				srv.present[id] = true
				srv.mu.Unlock()
				stressCall(c, srv, res, id)
			}
		})
	}
	// Every call returns on its own: the stall timeout and the retry
	// limit bound it, with no deadline from the caller.
	finished := make(chan struct{})
	go func() { workers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(d + time.Minute):
		buf := make([]byte, 1<<20)
		t.Fatalf("%s: calls still running a minute after the end:\n%s", proto, buf[:runtime.Stack(buf, true)])
	}
	if proto == protos[0] {
		heap.end.Store(live())
	}
	if n := res.mismatches.Load(); n > 0 {
		t.Errorf("%s: %d ids whose outcome disagrees with the server, first: %s", proto, n, *res.firstMismatch.Load())
	}
	c.ClientInterface.(*api.Client).Client.(*http.Client).CloseIdleConnections()
	ts.Close()
}

// stressCall removes id and checks the outcome against the server's record,
// then forgets the id so memory stays flat however long the run.
func stressCall(c *api.ClientWithResponses, srv *stressServer, res *stressResult, id int) {
	res.calls.Add(1)
	start := time.Now()
	resp, err := c.RemoveIntegrationWithResponse(context.Background(), id)
	for took := int64(time.Since(start)); ; {
		if l := res.longest.Load(); took <= l || res.longest.CompareAndSwap(l, took) {
			break
		}
	}
	if err == nil {
		err = datafold.CheckResponse(resp)
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
	case err == nil:
		res.ok.Add(1)
		if applied != 1 {
			mismatch("removed, but the server applied %d removals", applied)
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
	for _, k := range []string{"stall timeout", "connection reset", "i/o timeout", "EOF", "reading the", "INTERNAL_ERROR",
		"client connection lost", "force closed", "deadline exceeded"} {
		if strings.Contains(s, k) {
			return k
		}
	}
	if len(s) > 60 {
		s = s[len(s)-60:]
	}
	return s
}
