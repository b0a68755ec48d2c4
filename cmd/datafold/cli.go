package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const rootHelp = `datafold: the Datafold API from the command line.

Usage:
  datafold integrations remove [flags] ID [ID...]
  datafold version

Environment:
  DATAFOLD_API_KEY  API key (required; never passed as a flag)
  DATAFOLD_HOST     server, such as https://eu.datafold.com (default https://app.datafold.com)

Run 'datafold COMMAND --help' for a command's flags.
`

const integrationsHelp = `Usage:
  datafold integrations remove [flags] ID [ID...]

Commands:
  remove    remove BI integrations by id
`

const removeHelp = `Usage:
  datafold integrations remove [flags] ID [ID...]

Removes each BI integration. Ids are positive integers; repeated ids are
removed once. With many ids, up to --concurrency run at a time, and a
progress line is shown on stderr when it is a terminal. Every id is
attempted even when some fail.

Exit status: 0 all removed, 1 any removal failed, 2 usage error.

Flags:
`

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run is the whole program, with its inputs and outputs passed in so tests
// can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	err := dispatch(ctx, args, stdout, stderr, getenv)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "datafold: %s\nRun 'datafold --help' for usage.\n", ue.msg)
		return exitUsage
	case errors.Is(err, errFailed):
		return exitFailure // each failure was already reported
	default:
		fmt.Fprintf(stderr, "datafold: %v\n", err)
		return exitFailure
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, rootHelp)
		return usageError{"no command given"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, rootHelp)
		return nil
	case "version", "--version":
		fmt.Fprintf(stdout, "datafold %s\n", datafold.Version())
		return nil
	case "integrations":
		if len(rest) == 0 {
			fmt.Fprint(stderr, integrationsHelp)
			return usageError{"integrations: no subcommand given"}
		}
		switch sub := rest[0]; sub {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, integrationsHelp)
			return nil
		case "remove", "rm":
			return removeCmd(ctx, rest[1:], stdout, stderr, getenv)
		default:
			return usagef("integrations: unknown subcommand %q", sub)
		}
	default:
		return usagef("unknown command %q", cmd)
	}
}

type removeFlags struct {
	host        string
	timeout     time.Duration
	output      string
	concurrency int
}

func removeCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var f removeFlags
	fs := flag.NewFlagSet("datafold integrations remove", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	fs.StringVar(&f.host, "host", "", "Datafold server `URL` (default $DATAFOLD_HOST, else https://app.datafold.com)")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "time limit for each removal, retries included")
	fs.StringVar(&f.output, "output", "text", "output `format`: text or json")
	fs.IntVar(&f.concurrency, "concurrency", 4, "how many removals run at once")
	fs.Usage = func() {} // printed below, and only when asked for

	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, removeHelp)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usagef("integrations remove: %v", err)
	}
	switch {
	case f.output != "text" && f.output != "json":
		return usagef("integrations remove: --output must be text or json, not %q", f.output)
	case f.concurrency < 1:
		return usagef("integrations remove: --concurrency must be at least 1, not %d", f.concurrency)
	case f.timeout <= 0:
		return usagef("integrations remove: --timeout must be positive, not %v", f.timeout)
	}
	ids, err := parseIDs(positional)
	if err != nil {
		return err
	}

	// Both settings are resolved here, from getenv, and passed on
	// explicitly: NewClient must not read the process environment behind
	// the CLI's back.
	key := getenv(datafold.EnvAPIKey)
	if key == "" {
		return usageError{datafold.EnvAPIKey + " is not set: export your Datafold API key in it"}
	}
	if _, err := datafold.NewAPIKey(key); err != nil {
		return usageError{datafold.EnvAPIKey + ": " + strings.TrimPrefix(err.Error(), "datafold: ")}
	}
	host := f.host
	if host == "" {
		host = getenv(datafold.EnvHost)
	}
	if host == "" {
		if host, err = datafold.DefaultServer(); err != nil {
			return err
		}
	}
	client, err := datafold.NewClient(
		datafold.WithAPIKey(key),
		datafold.WithServer(host),
		datafold.WithUserAgent("datafold-cli/"+datafold.Version()),
	)
	if err != nil {
		// A missing or malformed key or host is a configuration problem,
		// found before anything was sent.
		return usageError{strings.TrimPrefix(err.Error(), "datafold: ")}
	}

	results := removeAll(ctx, client, ids, f, progressWriter(stderr))
	return report(results, f.output, stdout, stderr)
}

// parseInterspersed lets flags come before, between or after the ids, as
// people type them. A negative number is an id (and an error later), never
// a flag; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return append(positional, args[i+1:]...), nil
		case !isFlag(arg):
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name == "h" || name == "help" {
			return nil, flag.ErrHelp
		}
		fl := fs.Lookup(name)
		if fl == nil {
			return nil, fmt.Errorf("flag provided but not defined: -%s", name)
		}
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag -%s: %v", value, name, err)
		}
	}
	return positional, nil
}

func isFlag(arg string) bool {
	if len(arg) < 2 || arg[0] != '-' {
		return false
	}
	_, err := strconv.ParseFloat(arg, 64)
	return err != nil // "-1" and "-1.5" are values, not flags
}

// parseIDs checks every id before anything is removed, so a typo in the
// middle of a list removes nothing.
func parseIDs(args []string) ([]int, error) {
	if len(args) == 0 {
		return nil, usagef("integrations remove: no integration ids given")
	}
	seen := make(map[int]bool, len(args))
	ids := make([]int, 0, len(args))
	for _, a := range args {
		id, err := strconv.Atoi(a)
		if err != nil || id < 1 {
			return nil, usagef("integrations remove: invalid integration id %q: ids are positive integers", a)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// result is the outcome for one id; its JSON form is the --output json
// contract.
type result struct {
	ID int `json:"id"`
	// Status is the HTTP status of the last answer, 0 when there was none.
	Status int `json:"status"`
	// Error is nil on success.
	Error *string `json:"error"`
	// Note explains a success that is not plain, such as a 404 on a retry.
	Note string `json:"note,omitempty"`
}

func removeAll(ctx context.Context, client api.ClientWithResponsesInterface, ids []int, f removeFlags, progress func(done, failed, total int)) []result {
	results := make([]result, len(ids))
	var (
		mu           sync.Mutex
		done, failed int
		wg           sync.WaitGroup
	)
	finish := func(i int, r result) {
		results[i] = r
		mu.Lock()
		defer mu.Unlock()
		done++
		if r.Error != nil {
			failed++
		}
		progress(done, failed, len(ids))
	}
	sem := make(chan struct{}, f.concurrency)
	for i, id := range ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			finish(i, result{ID: id, Error: ptr("not attempted: " + ctx.Err().Error())})
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			finish(i, removeOne(ctx, client, id, f.timeout))
		})
	}
	wg.Wait()
	progress(-1, failed, len(ids))
	return results
}

func removeOne(ctx context.Context, client api.ClientWithResponsesInterface, id int, timeout time.Duration) result {
	r := result{ID: id}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := client.RemoveIntegrationWithResponse(ctx, id)
	if err == nil {
		r.Status = resp.StatusCode()
		err = datafold.CheckResponse(resp)
	}
	var apiErr *datafold.APIError
	if errors.As(err, &apiErr) {
		r.Status = apiErr.StatusCode
		if errors.Is(err, datafold.ErrNotFound) && apiErr.Attempts > 1 {
			// An earlier attempt got no usable answer and a retry found
			// the integration gone: most likely that attempt removed it.
			// The goal, no such integration, is met either way.
			r.Note = fmt.Sprintf("gone on attempt %d; an earlier attempt's answer was lost", apiErr.Attempts)
			return r
		}
	}
	if err != nil {
		r.Error = ptr(err.Error())
	}
	return r
}

func ptr[T any](v T) *T { return &v }

// errFailed says that at least one removal failed and was reported.
var errFailed = errors.New("some removals failed")

func report(results []result, output string, stdout, stderr io.Writer) error {
	failed := 0
	for _, r := range results {
		if r.Error != nil {
			failed++
		}
	}
	if output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r.Error != nil {
				fmt.Fprintf(stderr, "error: integration %d: %s\n", r.ID, *r.Error)
				continue
			}
			if r.Note != "" {
				fmt.Fprintf(stdout, "removed integration %d (%s)\n", r.ID, r.Note)
				continue
			}
			fmt.Fprintf(stdout, "removed integration %d\n", r.ID)
		}
		fmt.Fprintf(stdout, "%d removed, %d failed\n", len(results)-failed, failed)
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

// progressWriter draws "removing: 37/1000 (2 failed)" on one line of w
// when w is a terminal, and nothing otherwise, so logs stay clean.
func progressWriter(w io.Writer) func(done, failed, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return func(int, int, int) {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func(int, int, int) {}
	}
	last := time.Time{}
	return func(done, failed, total int) {
		if done < 0 { // finished: clear the line
			fmt.Fprint(f, "\r\x1b[K")
			return
		}
		if now := time.Now(); done == total || now.Sub(last) > 100*time.Millisecond {
			last = now
			fmt.Fprintf(f, "\r\x1b[Kremoving: %d/%d (%d failed)", done, total, failed)
		}
	}
}
