package bench

// The same calls over HTTP/2 with TLS, which is what the client speaks to
// Datafold: what the per-request stall bound costs where it applies.

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestMain makes the httptest certificate a system root, through
// SSL_CERT_FILE, before anything loads the system roots: so "ours" runs on
// the client's own default transport, not on a replacement that would skip
// what is being measured, and raw trusts the server the same way.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bench-ca")
	if err != nil {
		panic(err)
	}
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	ts.Close()
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, cert, 0o600); err != nil {
		panic(err)
	}
	if err := os.Setenv("SSL_CERT_FILE", file); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// newServerH2 is newServer behind TLS with HTTP/2.
func newServerH2(tb testing.TB) *server { return startServer(tb, true) }

// TestClientsAgreeH2 makes sure every contender really calls over HTTP/2.
func TestClientsAgreeH2(t *testing.T) {
	srv := newServerH2(t)
	for _, c := range contenders(t, srv.URL, tunedClient, nil) {
		if err := c.call(t.Context(), 42); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// h2Names are the contenders over HTTP/2: the floor, our client on its own
// pool and on raw's transport, and the generated client.
var h2Names = []string{"raw", "ours", "layer", "bare"}

func BenchmarkRemoveH2(b *testing.B) {
	srv := newServerH2(b)
	for _, c := range contenders(b, srv.URL, tunedClient, nil) {
		if !slices.Contains(h2Names, c.name) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			_ = c.call(ctx, 42)
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

// BenchmarkRemoveParallelH2 is BenchmarkRemoveParallel over HTTP/2: the 64
// goroutines share the client's connection instead of holding one each.
func BenchmarkRemoveParallelH2(b *testing.B) {
	for _, name := range rotate(h2Names) {
		b.Run(name, func(b *testing.B) {
			srv := newServerH2(b)
			var c call
			for _, cc := range contenders(b, srv.URL, tunedClient, nil) {
				if cc.name == name {
					c = cc.call
				}
			}
			if c == nil {
				b.Fatalf("no contender %q", name)
			}
			_ = c(context.Background(), 42) // the connection, outside the timing
			runParallel(b, srv, c)
		})
	}
}
