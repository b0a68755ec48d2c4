package datafold_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// A 1 GiB body is refused at the limit, with memory far below its size,
// whether the server declares its length or not.
func TestBody_huge(t *testing.T) {
	// Not parallel: it measures the heap.
	const size = 1 << 30
	for _, proto := range protos {
		for _, tt := range []struct {
			name     string
			declared bool // Content-Length says 1 GiB: refused unread
			maxAlloc uint64
		}{
			{name: "declared", declared: true, maxAlloc: 16 << 20},
			// Read to one byte past the limit, the buffer doubling on
			// the way: about 2.5 times the 10 MiB limit in all.
			{name: "undeclared", maxAlloc: 48 << 20},
		} {
			declared := tt.declared
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				c, _ := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					if declared {
						w.Header().Set("Content-Length", fmt.Sprint(size))
					} else {
						_ = http.NewResponseController(w).Flush()
					}
					chunk := make([]byte, 64<<10)
					for sent := 0; sent < size; sent += len(chunk) {
						if _, err := w.Write(chunk); err != nil {
							return // the client stopped reading
						}
					}
				}))
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, err := c.RemoveIntegrationWithResponse(t.Context(), 42)
				runtime.ReadMemStats(&after)

				if !errors.Is(err, datafold.ErrResponseTooLarge) || !strings.Contains(err.Error(), "10485760-byte limit") {
					t.Errorf("err = %v, want ErrResponseTooLarge at the default 10 MiB", err)
				}
				// TotalAlloc only grows, so it bounds the peak of the call's heap.
				grew := after.TotalAlloc - before.TotalAlloc
				t.Logf("allocated %.1f MiB while refusing a %d MiB body", float64(grew)/(1<<20), size>>20)
				if grew > tt.maxAlloc {
					t.Errorf("allocated %d MiB, want at most %d MiB", grew>>20, tt.maxAlloc>>20)
				}
			})
		}
	}
}

func TestBody_limit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limit   int64
		body    string
		wantErr error
	}{
		// "No limit" spelled the obvious way must not overflow.
		{name: "max_int64", limit: math.MaxInt64, body: `{}`},
		{name: "exactly_the_limit", limit: 64, body: `{"a":"` + strings.Repeat("x", 56) + `"}`},
		{name: "one_byte_over", limit: 64, body: `{"a":"` + strings.Repeat("x", 57) + `"}`, wantErr: datafold.ErrResponseTooLarge},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c, _ := setup(t, over(proto), answer(jsonBody(200, tt.body)), withClient(datafold.WithMaxResponseBytes(tt.limit)))
				if _, err := c.RemoveIntegrationWithResponse(t.Context(), 42); !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			})
		}
	}
}

// With no limit, a declared length is not an allocation: a server claiming
// 2^62 bytes and sending two gets a broken body, not a makeslice panic.
func TestBody_declaredLengthNoLimit(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.FormatInt(1<<62, 10))
				_, _ = w.Write([]byte(`{}`))
			}), withClient(datafold.WithMaxResponseBytes(math.MaxInt64), datafold.WithoutRetries()))
			if _, err := c.RemoveIntegrationWithResponse(t.Context(), 42); !errors.Is(err, datafold.ErrMalformedBody) {
				t.Errorf("err = %v, want ErrMalformedBody (the body broke off)", err)
			}
		})
	}
}

func TestBody_resetMidBody(t *testing.T) {
	t.Parallel()
	for _, proto := range protos {
		for _, tt := range []struct {
			name   string
			status int // of the answers that break off; 0 is 200
			breaks int // how many answers break off before one arrives whole
			calls  int
			wantOK bool
		}{
			// A DELETE is idempotent: a broken answer is asked for again.
			{name: "once", breaks: 1, calls: 2, wantOK: true},
			// Retries run out: the status arrived, so the removal happened,
			// and the error says so (ErrMalformedBody, naming the status).
			{name: "always", breaks: 99, calls: 4},
			// A 503 says nothing happened: its broken body is the
			// network's error, not a malformed answer.
			{name: "error_status_always", status: http.StatusServiceUnavailable, breaks: 99, calls: 4},
		} {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int64
				c, srv := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
					switch {
					case n.Add(1) > int64(tt.breaks):
						jsonBody(200, `{}`)(w, r)
					case tt.status != 0:
						w.Header().Set("Content-Length", "1000")
						w.WriteHeader(tt.status)
						_, _ = io.WriteString(w, `{"detail": "`)
						_ = http.NewResponseController(w).Flush()
						resetConn(w, r)
					default:
						breakBody(w, r)
					}
				}))
				o := call(t, c)
				if got := len(srv.Requests()); got != tt.calls {
					t.Errorf("server saw %d requests, want %d", got, tt.calls)
				}
				switch {
				case tt.wantOK && o.err != nil:
					t.Errorf("err = %v, want the second answer", o.err)
				case tt.wantOK:
				case tt.status != 0 && (errors.Is(o.err, datafold.ErrMalformedBody) || !strings.Contains(o.err.Error(), "reading the 503 Service Unavailable response body")):
					t.Errorf("err = %v, want the network's error reading the 503's body", o.err)
				case tt.status == 0 && (!errors.Is(o.err, datafold.ErrMalformedBody) || !strings.Contains(o.err.Error(), "answered 200 OK, then the body broke off")):
					t.Errorf("err = %v, want ErrMalformedBody saying the 200 OK arrived", o.err)
				}
			})
		}
	}
}

// A RoundTripper that leaves Body nil, as test stubs often do, gives an
// empty body, not a panic.
func TestBody_nilFromTransport(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 404, Header: http.Header{}, Request: r}, nil
	}))
	if o := call(t, c); !errors.Is(o.err, datafold.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", o.err)
	}
}

// An empty 204 or 205 declared as JSON is no malformed body: it loses its
// Content-Type, so that a generated decoder never parses nothing. A 204
// with a body keeps it, and an empty 200 declared as JSON is malformed.
func TestBody_emptyAnswerDeclaredJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		status          int
		body            string
		wantErr         error
		wantContentType string
	}{
		{name: "204_empty", status: http.StatusNoContent},
		{name: "205_empty", status: http.StatusResetContent},
		{name: "204_with_body", status: http.StatusNoContent, body: `{}`, wantContentType: "application/json"},
		{name: "200_empty", status: http.StatusOK, wantErr: datafold.ErrMalformedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, viaTransport(canned(tt.status, http.Header{"Content-Type": {"application/json"}}, []byte(tt.body))))
			o := call(t, c)
			if !errors.Is(o.err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", o.err, tt.wantErr)
			}
			if o.resp == nil {
				return
			}
			if got := o.resp.HTTPResponse.Header.Get("Content-Type"); got != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantContentType)
			}
		})
	}
}

// A body read in full does not cost a buffer per call: buffers of up to 64
// KiB go back to a pool. Measured as bytes allocated per call, against half
// of what reading the body into a new buffer would cost: under the race
// detector sync.Pool drops a quarter of what it is given.
func TestBody_bufferReused(t *testing.T) {
	// Not parallel: it measures the heap.
	tests := []struct {
		name       string
		size       int
		declared   bool // Content-Length given: one buffer of that size
		maxPerCall uint64
	}{
		{name: "declared_60KiB", size: 60 << 10, declared: true, maxPerCall: 30 << 10},
		// Read as it comes, the buffer doubles from 1 KiB to exactly 64
		// KiB, the largest that is kept: 127 KiB allocated in all.
		{name: "undeclared_40KiB", size: 40 << 10, maxPerCall: 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := bytes.Repeat([]byte("x"), tt.size)
			length := int64(-1)
			if tt.declared {
				length = int64(len(payload))
			}
			c, _ := setup(t, viaTransport(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: length,
					Body: io.NopCloser(bytes.NewReader(payload)), Request: r}, nil
			}))
			hc := c.ClientInterface.(*api.Client).Client
			get := func() {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://app.datafold.test/api/v1/datadiffs", nil)
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			// From an empty pool, as in a program's first call: two
			// collections empty a sync.Pool.
			runtime.GC()
			runtime.GC()
			get()
			const calls = 400
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range calls {
				get()
			}
			runtime.ReadMemStats(&after)
			perCall := (after.TotalAlloc - before.TotalAlloc) / calls
			t.Logf("%d bytes allocated per call", perCall)
			if perCall > tt.maxPerCall {
				t.Errorf("%d bytes allocated per call of a %d-byte body, want at most %d", perCall, tt.size, tt.maxPerCall)
			}
		})
	}
}
