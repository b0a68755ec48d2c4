package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// Exit statuses. An interrupt exits 128 plus the signal's number, as shells
// report it: 130 for Ctrl-C.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const rootHelp = `datafold: the Datafold API from the command line.

Usage:
  datafold integrations remove [flags] [ID...] [-] [--file PATH]
  datafold version

Environment:
  DATAFOLD_API_KEY  API key (required; never passed as a flag)
  DATAFOLD_HOST     server, such as https://eu.datafold.com (default https://app.datafold.com)

Run 'datafold COMMAND --help' for a command's flags.
`

const integrationsHelp = `Usage:
  datafold integrations remove [flags] [ID...] [-] [--file PATH]

Commands:
  remove    remove BI integrations by id
`

const removeHelp = `Usage:
  datafold integrations remove [flags] [ID...] [-] [--file PATH]

Removes BI integrations by id. Ids come as arguments, from stdin with "-",
or from files with --file: one per line or separated by spaces, "#" starting
a comment. Every id is checked before anything is sent; repeated ids are
removed once. Up to --concurrency removals run at a time, and every id is
attempted even when some fail.

Each id ends as one of:
  removed   this run removed it
  absent    no such integration (404); an error unless --ignore-not-found
  failed    the removal failed; the error says why

Output:
  text   one line per id as it finishes, then a summary; errors on stderr
  json   NDJSON on stdout: one object per id as it finishes,
           {"id","outcome","status","attempts","error","request_id"}
         then {"summary":{"removed","absent","failed","not_attempted","interrupted"}}

Ctrl-C stops starting removals, lets those in flight finish (Ctrl-C again
cancels them), prints the summary and exits 130.

Exit status:
  0    every id removed (or absent, with --ignore-not-found)
  1    some id failed, or was absent without --ignore-not-found
  2    usage or configuration error; nothing was sent
  130  interrupted

Flags:
`

const removeEnvHelp = `
Environment:
  DATAFOLD_API_KEY  API key (required; never passed as a flag)
  DATAFOLD_HOST     server, used when --host is not given

Examples:
  datafold integrations remove 101 102 103
  datafold integrations remove --ignore-not-found --file ids.txt
  grep -v '^#' ids.txt | datafold integrations remove -o json - | jq -c 'select(.outcome == "failed")'
`

// usageError is a mistake on the command line or in the configuration,
// found before anything was sent: exit status 2.
type usageError struct {
	msg string
	err error // the underlying cause, if any
}

func (e usageError) Error() string { return e.msg }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// errHelp says help was printed: exit status 0.
var errHelp = errors.New("help requested")

// signalNumber is sig's number, 2 (SIGINT) when it has none.
func signalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 2
}

// interrupted says a signal stopped the run after its summary was printed.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string { return "interrupted by " + e.sig.String() }

// env is everything the program takes from its process, passed in so tests
// can drive it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// signals delivers interrupts; nil in tests that send none.
	signals <-chan os.Signal
}

// run is the whole program. ctx ends everything at once; signals from e
// stop it gracefully.
func run(ctx context.Context, args []string, e env) int {
	err := dispatch(ctx, args, e)
	var (
		ue  usageError
		sig interrupted
	)
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &sig):
		return 128 + signalNumber(sig.sig)
	case errors.As(err, &ue):
		help := "datafold --help"
		if len(args) > 1 && args[0] == "integrations" && (args[1] == "remove" || args[1] == "rm") {
			help = "datafold integrations remove --help"
		}
		fmt.Fprintf(e.stderr, "datafold: %s\nRun '%s' for usage.\n", ue.msg, help)
		return exitUsage
	case errors.Is(err, errFailed):
		return exitFailure // each failure was already reported
	default:
		fmt.Fprintf(e.stderr, "datafold: %v\n", err)
		return exitFailure
	}
}

func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, rootHelp)
		return usagef("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, rootHelp)
		return nil
	case "version", "--version":
		fmt.Fprintf(e.stdout, "datafold %s\n", datafold.Version())
		return nil
	case "integrations":
		if len(rest) == 0 {
			fmt.Fprint(e.stderr, integrationsHelp)
			return usagef("integrations: no subcommand given")
		}
		switch sub := rest[0]; sub {
		case "-h", "--help", "help":
			fmt.Fprint(e.stdout, integrationsHelp)
			return nil
		case "remove", "rm":
			return removeCmd(ctx, rest[1:], e)
		default:
			return usagef("integrations: unknown subcommand %q", sub)
		}
	default:
		return usagef("unknown command %q", cmd)
	}
}

type removeFlags struct {
	host           string
	timeout        durationValue
	output         outputValue
	concurrency    countValue
	files          []string
	ignoreNotFound bool
	insecureHTTP   bool
	help           bool
}

func newRemoveFlags() (*removeFlags, *pflag.FlagSet) {
	f := &removeFlags{timeout: durationValue(60 * time.Second), output: "text", concurrency: 4}
	fs := pflag.NewFlagSet("datafold integrations remove", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	fs.Usage = func() {}
	fs.SortFlags = false
	fs.VarP(&f.output, "output", "o", "output `format`: text or json")
	fs.StringArrayVarP(&f.files, "file", "f", nil, "read ids from `PATH` (repeatable; - is stdin)")
	fs.BoolVar(&f.ignoreNotFound, "ignore-not-found", false, "treat absent ids as done: exit 0 when nothing else failed")
	fs.VarP(&f.concurrency, "concurrency", "c", "how many removals run at once")
	fs.Var(&f.timeout, "timeout", "time limit for each id, retries included")
	fs.StringVar(&f.host, "host", "", "Datafold server `URL` (default $DATAFOLD_HOST, else https://app.datafold.com)")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain http to a host that is not loopback (sends the key unencrypted)")
	fs.BoolVarP(&f.help, "help", "h", false, "show this help")
	return f, fs
}

// removeHelpText is the full help of integrations remove, as --help prints it.
func removeHelpText() string {
	_, fs := newRemoveFlags()
	return removeHelp + fs.FlagUsages() + removeEnvHelp
}

func removeCmd(ctx context.Context, args []string, e env) error {
	f, fs := newRemoveFlags()
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if f.help {
		fmt.Fprint(e.stdout, removeHelpText())
		return errHelp
	}

	var sources []idSource
	var stdinUsed bool
	useStdin := func() error {
		if stdinUsed {
			return usagef("integrations remove: stdin (-) is given twice")
		}
		stdinUsed = true
		sources = append(sources, idSource{name: "stdin", r: e.stdin})
		return nil
	}
	var argIDs []string
	for _, a := range fs.Args() {
		if a == "-" {
			if err := useStdin(); err != nil {
				return err
			}
			continue
		}
		argIDs = append(argIDs, a)
	}
	if len(argIDs) > 0 {
		sources = append([]idSource{{args: argIDs}}, sources...)
	}
	for _, path := range f.files {
		if path == "-" {
			if err := useStdin(); err != nil {
				return err
			}
			continue
		}
		file, err := os.Open(path)
		if err != nil {
			return usageError{msg: "--file: " + strings.TrimPrefix(err.Error(), "open "), err: err}
		}
		defer file.Close()
		sources = append(sources, idSource{name: path, r: file})
	}
	if len(sources) == 0 {
		return usagef("integrations remove: no integration ids given (as arguments, - for stdin, or --file PATH)")
	}

	client, err := newClient(f, e.getenv)
	if err != nil {
		return err
	}

	// Reading can block on a pipe or a terminal; an interrupt then ends
	// the run at once, as nothing has been sent.
	type read struct {
		ids []int
		err error
	}
	readc := make(chan read, 1)
	go func() {
		ids, err := readIDs(sources)
		readc <- read{ids, err}
	}()
	var ids []int
	select {
	case r := <-readc:
		if r.err != nil {
			var ue usageError
			if errors.As(r.err, &ue) {
				return usageError{msg: "integrations remove: " + ue.msg, err: r.err}
			}
			return r.err
		}
		ids = r.ids
	case sig := <-e.signals:
		fmt.Fprintln(e.stderr, "datafold: interrupted while reading ids; nothing was sent")
		return interrupted{sig}
	case <-ctx.Done():
		return ctx.Err()
	}

	return removeIDs(ctx, client, ids, f, e)
}

// flagError turns pflag's errors into the user's terms. A negative number
// reaches pflag as an unknown shorthand flag; it is an id, and a wrong one.
func flagError(err error) error {
	if errors.Is(err, pflag.ErrHelp) {
		return errHelp
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && isDigits(ne.GetSpecifiedShortnames()) {
		return usagef("integrations remove: invalid integration id %q: ids are positive", "-"+ne.GetSpecifiedShortnames())
	}
	return usageError{msg: "integrations remove: " + err.Error(), err: err}
}

// newClient builds the client from the flags and the environment. The
// library resolves the key and the server; what it refuses is said again
// here in the user's terms (--host, --insecure-http), from the error's
// fields.
func newClient(f *removeFlags, getenv func(string) string) (*api.ClientWithResponses, error) {
	opts := []datafold.Option{
		datafold.WithGetenv(getenv),
		datafold.WithUserAgent("datafold-cli/" + datafold.Version()),
		datafold.WithHTTPClient(&http.Client{Transport: recorder{base: newPool(int(f.concurrency))}}),
	}
	if f.host != "" {
		opts = append(opts, datafold.WithServer(f.host))
	}
	if f.insecureHTTP {
		opts = append(opts, datafold.WithInsecureHTTP())
	}
	client, err := datafold.NewClient(opts...)
	var ce *datafold.ConfigError
	switch {
	case err == nil:
		return client, nil
	case errors.Is(err, datafold.ErrMissingAPIKey):
		return nil, usageError{msg: datafold.EnvAPIKey + " is not set: export your Datafold API key in it", err: err}
	case !errors.As(err, &ce):
		return nil, err
	}
	source, msg := ce.Source, ce.Reason
	if source == "WithServer" {
		source = "--host"
	}
	if errors.Is(err, datafold.ErrInsecureTransport) {
		msg += "; use https, or --insecure-http if you must"
	}
	return nil, usageError{msg: source + ": " + msg, err: err}
}

// newPool is the connection pool under the library's retries: Go's
// defaults, keeping as many idle connections as removals run at once.
func newPool(concurrency int) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(concurrency, 2)
	t.MaxIdleConns = max(concurrency, 100)
	return t
}

// durationValue is --timeout: a Go duration with an error that says so.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }
func (d *durationValue) Type() string   { return "duration" }
func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New("want a duration such as 30s or 2m")
	case v <= 0:
		return errors.New("want a positive duration such as 30s or 2m")
	}
	*d = durationValue(v)
	return nil
}

// countValue is --concurrency: a whole number from 1 to maxConcurrency.
type countValue int

const maxConcurrency = 256

func (c *countValue) String() string { return strconv.Itoa(int(*c)) }
func (c *countValue) Type() string   { return "n" }
func (c *countValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxConcurrency {
		return fmt.Errorf("want a whole number from 1 to %d", maxConcurrency)
	}
	*c = countValue(n)
	return nil
}

// outputValue is --output: text or json.
type outputValue string

func (o *outputValue) String() string { return string(*o) }
func (o *outputValue) Type() string   { return "format" }
func (o *outputValue) Set(s string) error {
	if s != "text" && s != "json" {
		return errors.New("want text or json")
	}
	*o = outputValue(s)
	return nil
}
