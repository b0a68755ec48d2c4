package datafold_test

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	datafold "github.com/datafold/datafold-go"
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
			breaks int // how many answers break off before one arrives whole
			calls  int
			wantOK bool
		}{
			// A DELETE is idempotent: a broken answer is asked for again.
			{name: "once", breaks: 1, calls: 2, wantOK: true},
			// Retries run out: the status arrived, so the removal happened,
			// and the error says so (ErrMalformedBody, naming the status).
			{name: "always", breaks: 99, calls: 4},
		} {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int64
				c, srv := setup(t, over(proto), answer(func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) > int64(tt.breaks) {
						jsonBody(200, `{}`)(w, r)
						return
					}
					breakBody(w, r)
				}))
				o := call(t, c)
				if got := len(srv.Requests()); got != tt.calls {
					t.Errorf("server saw %d requests, want %d", got, tt.calls)
				}
				switch {
				case tt.wantOK && o.err != nil:
					t.Errorf("err = %v, want the second answer", o.err)
				case !tt.wantOK && (!errors.Is(o.err, datafold.ErrMalformedBody) || !strings.Contains(o.err.Error(), "answered 200 OK, then the body broke off")):
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
