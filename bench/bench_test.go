package bench

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/bench/ogen"
	"github.com/datafold/datafold-go/bench/ogenlean"
)

const key = "dftest_bench_key"

// server answers DELETE /api/v1/lineage/bi/{id}/ with 200 {} and counts
// the TCP connections it accepts, so connection churn shows up.
type server struct {
	*httptest.Server
	conns  atomic.Int64 // accepted
	closed atomic.Int64 // closed while the server runs: churn
}

var okBody = []byte(`{}`)

func newServer(tb testing.TB) *server { return startServer(tb, false) }

// startServer answers the benchmarked call; with h2 it serves TLS with
// HTTP/2 and refuses any other protocol, so a contender cannot quietly fall
// back to HTTP/1.1.
func startServer(tb testing.TB, h2 bool) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || r.Header.Get("Authorization") != "Key "+key || (h2 && r.ProtoMajor != 2) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(okBody)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed:
			s.closed.Add(1)
		}
	}
	if h2 {
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Start()
	}
	tb.Cleanup(s.Close)
	return s
}

// tunedClient is what the raw baseline, layer, the bare generated client and
// ogen share: a transport that keeps enough idle connections for the parallel
// runs, so they measure the client and not connection setup.
func tunedClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: t}
}

// call is one Remove an integration request through one client.
type call func(ctx context.Context, id int) error

type errStatus int

func (e errStatus) Error() string { return "status " + strconv.Itoa(int(e)) }

// clients builds each contender against srv.
func clients(tb testing.TB, srv *server) []contender {
	return contenders(tb, srv.URL, tunedClient, nil)
}

type contender struct {
	name string
	call call
}

// names are the contenders' names, in the order they run unrotated.
var names = []string{"raw", "ours", "layer", "bare", "ogen", "ogenlean"}

// contenders builds each client for serverURL. newClient makes the
// *http.Client that raw, layer, bare and the ogen clients use; ours uses
// its default transport unless oursClient is set.
func contenders(tb testing.TB, serverURL string, newClient func() *http.Client, oursClient *http.Client) []contender {
	tb.Helper()

	// raw: the floor. A hand-written request, the header, the body read.
	rawClient := newClient()
	base := serverURL + "/api/v1/lineage/bi/"
	raw := func(ctx context.Context, id int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, base+strconv.Itoa(id)+"/", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Key "+key)
		resp, err := rawClient.Do(req)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = errStatus(resp.StatusCode)
		}
		return err
	}

	// ours: what users get from NewClient, retries on (none happen).
	var oursOpts []datafold.Option
	if oursClient != nil {
		oursOpts = append(oursOpts, datafold.WithHTTPClient(oursClient))
	}
	ours := newOurs(tb, serverURL, oursOpts...)

	// layer: NewClient on raw's transport, so without the pool's
	// ResponseHeaderTimeout and HTTP/2 pings. The stall bound's cost
	// (net/http's per-request timer, accepted) is then ours ÷ layer, and
	// what our own code costs is layer ÷ bare, each judged on its own.
	layer := newOurs(tb, serverURL, datafold.WithHTTPClient(newClient()))

	// bare: the generated client with only the API-key editor.
	k, err := datafold.NewAPIKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	bc, err := api.NewClientWithResponses(serverURL, api.WithHTTPClient(newClient()), api.WithRequestEditorFn(k.Intercept))
	if err != nil {
		tb.Fatal(err)
	}
	bare := func(ctx context.Context, id int) error {
		resp, err := bc.RemoveIntegrationWithResponse(ctx, id)
		if err == nil && resp.StatusCode() != http.StatusOK {
			err = errStatus(resp.StatusCode())
		}
		return err
	}

	// ogen, as it comes (OpenTelemetry on, no provider installed).
	oc, err := ogen.NewClient(serverURL, ogenKey{}, ogen.WithClient(newClient()))
	if err != nil {
		tb.Fatal(err)
	}
	ogenCall := func(ctx context.Context, id int) error {
		res, err := oc.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDelete(ctx,
			ogen.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDeleteParams{BiDatasourceID: id})
		if err != nil {
			return err
		}
		if _, ok := res.(*ogen.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDeleteOKApplicationJSON); !ok {
			return errStatus(422)
		}
		return nil
	}

	// ogen with OpenTelemetry generated out.
	lc, err := ogenlean.NewClient(serverURL, ogenLeanKey{}, ogenlean.WithClient(newClient()))
	if err != nil {
		tb.Fatal(err)
	}
	ogenLean := func(ctx context.Context, id int) error {
		res, err := lc.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDelete(ctx,
			ogenlean.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDeleteParams{BiDatasourceID: id})
		if err != nil {
			return err
		}
		if _, ok := res.(*ogenlean.RemoveIntegrationAPIV1LineageBiBiDatasourceIDDeleteOKApplicationJSON); !ok {
			return errStatus(422)
		}
		return nil
	}

	return rotate([]contender{{"raw", raw}, {"ours", ours}, {"layer", layer}, {"bare", bare}, {"ogen", ogenCall}, {"ogenlean", ogenLean}})
}

// newOurs is a call through datafold.NewClient, as a user makes it.
func newOurs(tb testing.TB, serverURL string, opts ...datafold.Option) call {
	tb.Helper()
	c, err := datafold.NewClient(append([]datafold.Option{datafold.WithServer(serverURL), datafold.WithAPIKey(key)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context, id int) error {
		_, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, id))
		return err
	}
}

// rotate turns the contenders' order by BENCH_ROTATE places. make bench
// runs the compiled benchmark binary again and again with a new rotation
// each time, so that no contender always runs first (on a cold cache) or
// last, and a slow minute on a shared machine falls on all of them alike.
func rotate[T any](s []T) []T {
	n, _ := strconv.Atoi(os.Getenv("BENCH_ROTATE"))
	if len(s) == 0 || n <= 0 {
		return s
	}
	n %= len(s)
	return append(s[n:len(s):len(s)], s[:n]...)
}

type ogenKey struct{}

func (ogenKey) ApiKeyAuth(context.Context, ogen.OperationName) (ogen.ApiKeyAuth, error) {
	return ogen.ApiKeyAuth{APIKey: "Key " + key}, nil
}

type ogenLeanKey struct{}

func (ogenLeanKey) ApiKeyAuth(context.Context, ogenlean.OperationName) (ogenlean.ApiKeyAuth, error) {
	return ogenlean.ApiKeyAuth{APIKey: "Key " + key}, nil
}

// TestClientsAgree makes sure every contender really does the call, so the
// benchmarks compare equal work, and that all but ours send it through the
// transport raw uses: layer ÷ bare is meant to compare code on one
// transport, and ours ÷ layer the transports under one code.
func TestClientsAgree(t *testing.T) {
	srv := newServer(t)
	var sent atomic.Int64
	newClient := func() *http.Client {
		c := tunedClient()
		c.Transport = counting{c.Transport, &sent}
		return c
	}
	var got []string
	for _, c := range contenders(t, srv.URL, newClient, nil) {
		got = append(got, c.name)
		before := sent.Load()
		if err := c.call(t.Context(), 42); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		want := int64(1)
		if c.name == "ours" {
			want = 0 // the client's own pool
		}
		if n := sent.Load() - before; n != want {
			t.Errorf("%s: %d requests through raw's transport, want %d", c.name, n, want)
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
		t.Errorf("contenders %v, want %v", got, want)
	}
}

// counting is a transport that counts the requests it sends.
type counting struct {
	http.RoundTripper
	n *atomic.Int64
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.RoundTripper.RoundTrip(r)
}

// canned answers every request with 200 {} without a network, so
// BenchmarkClientOnly measures the clients' own work and nothing else.
type canned struct{}

func (canned) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(okBody)),
		ContentLength: int64(len(okBody)),
		Request:       r,
	}, nil
}

// BenchmarkClientOnly is each client's CPU and allocations per call with
// the network taken out: request building, headers, the http.Client,
// response decoding and error checks. Loopback timings swing with the
// machine; these do not.
func BenchmarkClientOnly(b *testing.B) {
	newClient := func() *http.Client { return &http.Client{Transport: canned{}} }
	for _, c := range contenders(b, "https://app.datafold.test", newClient, newClient()) {
		if c.name == "layer" {
			// With the network taken out there is no pool and no stall
			// timer: ours is already NewClient on the canned transport.
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.call(ctx, 42); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRemove(b *testing.B) {
	for _, c := range clients(b, newServer(b)) {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			_ = c.call(ctx, 42) // open the connection outside the timing
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if err := c.call(ctx, 42); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// goroutines is the concurrency of the parallel benchmarks.
const goroutines = 64

func BenchmarkRemoveParallel(b *testing.B) {
	for _, name := range rotate(names) {
		b.Run(name, func(b *testing.B) {
			// A server per contender, so its connection count is the
			// contender's alone.
			srv := newServer(b)
			var c call
			for _, cc := range clients(b, srv) {
				if cc.name == name {
					c = cc.call
				}
			}
			runParallel(b, srv, c)
		})
	}
}

// runParallel calls c from goroutines goroutines for b.N calls in all and
// reports requests per second, the connections srv accepted and closed,
// and CPU per call.
func runParallel(b *testing.B, srv *server, c call) {
	ctx := context.Background()
	b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c(ctx, 42); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.ReportMetric(float64(srv.conns.Load()), "conns")
	b.ReportMetric(float64(srv.closed.Load()), "closed")
	reportCPU(b, cpu)
}

// cpuTime is the process's CPU time so far, user and system. On a shared
// virtual machine wall time swings with other tenants; CPU time per call
// measures the work itself (client and server, the same server for all).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime()-since)/float64(b.N), "cpu-ns/op")
}
