// Command datafold-fake serves the fake Datafold API of package
// datafoldtest as a process, for trying the CLI without an account and for
// testing clients written in other languages.
//
//	datafold-fake -integrations 1-100
//
// On start it prints two lines a shell can use as they are:
//
//	DATAFOLD_HOST=http://127.0.0.1:41234
//	DATAFOLD_API_KEY=dftest_...
//
// then logs each request on stderr until interrupted. Requests that do not
// conform to the OpenAPI document are logged as violations.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/datafold/datafold-go/datafoldtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "datafold-fake: %v\n", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("datafold-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address`; loopback only unless you mean it")
	key := fs.String("key", "", "API key to accept (default: a random one, printed)")
	ids := fs.String("integrations", "1-10", "integration ids to start with, such as `1-100,250`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	seed, err := parseRanges(*ids)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "datafold-fake: ", log.Ltime)
	opts := []datafoldtest.Option{
		datafoldtest.WithIntegrations(seed...),
		datafoldtest.WithViolationFunc(func(err error) { logger.Printf("VIOLATION: %v", err) }),
		datafoldtest.WithRequestFunc(func(r datafoldtest.Request) {
			logger.Printf("%s %s -> %d", r.Method, r.Path, r.Status)
		}),
	}
	if *key != "" {
		opts = append(opts, datafoldtest.WithAPIKey(*key))
	}
	fake, err := datafoldtest.NewHandler(opts...)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           fake,
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "DATAFOLD_HOST=http://%s\nDATAFOLD_API_KEY=%s\n", ln.Addr(), fake.APIKey())
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("stopped; %d integrations left", len(fake.Integrations()))
	return nil
}

// parseRanges reads "1-3,7" as [1 2 3 7].
func parseRanges(s string) ([]int, error) {
	var ids []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 1 || b < a || b-a > 1_000_000 {
			return nil, fmt.Errorf("bad -integrations part %q: want N or N-M with 1 <= N <= M", part)
		}
		for id := a; id <= b; id++ {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
