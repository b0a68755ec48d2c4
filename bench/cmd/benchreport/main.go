// Command benchreport turns the outputs of make bench (internal/devtool/bench.go) into BENCHMARKS.md:
// the machine, the tables, and every contender's ratios to the raw
// net/http floor, with the targets checked.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	benchPath := flag.String("bench", "results/bench.txt", "go test -bench output")
	benchstat := flag.String("benchstat", "results/benchstat.txt", "benchstat output")
	scale := flag.String("scale", "results/scale.tsv", "generation scale measurements")
	allocs := flag.String("allocs", "results/ours.alloc.txt", "pprof top of ours' allocations")
	startup := flag.String("startup", "results/startup.md", "bench/cmd/startup's section, included as it is")
	flag.Parse()
	if err := run(*benchPath, *benchstat, *scale, *allocs, *startup, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
		os.Exit(1)
	}
}

// samples holds every run's value per benchmark and unit.
type samples map[string]map[string][]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (samples, map[string]string, error) {
	s := samples{}
	conf := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, "Benchmark") {
			conf[k] = v
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if s[m[1]] == nil {
				s[m[1]] = map[string][]float64{}
			}
			s[m[1]][f[i+1]] = append(s[m[1]][f[i+1]], v)
		}
	}
	return s, conf, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := slices.Clone(v)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (s samples) med(name, unit string) float64 { return median(s[name][unit]) }

var contenders = []string{"raw", "ours", "bare", "ogen", "ogenlean"}

func run(benchPath, benchstatPath, scalePath, allocsPath, startupPath string, w io.Writer) error {
	f, err := os.Open(benchPath)
	if err != nil {
		return err
	}
	defer f.Close()
	s, conf, err := parse(f)
	if err != nil {
		return err
	}
	if len(s) == 0 {
		return fmt.Errorf("no benchmark results in %s", benchPath)
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }

	p("# Benchmarks")
	p("")
	p("Written by `make bench` (internal/devtool/bench.go); do not edit. What a Remove an integration call")
	p("costs through each client, against one local `httptest` server answering")
	p("`DELETE /api/v1/lineage/bi/{id}/` with `200 {}`, on loopback.")
	p("")
	p("- **raw**: hand-written `net/http` DELETE with the Authorization header, one tuned client: the floor.")
	p("- **ours**: `datafold.NewClient` + `datafold.Check(c.RemoveIntegrationWithResponse(...))`, default transport, retries on (none happen).")
	p("- **bare**: the generated `ClientWithResponses` with only the API-key editor, on raw's tuned client.")
	p("- **ogen**: ogen %s's client for the same openapi.yaml as it comes (OpenTelemetry generated in, no provider installed), on raw's tuned client.", goList("github.com/ogen-go/ogen"))
	p("- **ogenlean**: the same with ogen's `ogen/otel` feature disabled, ogen's leanest client.")
	p("")
	p("## Machine")
	p("")
	p("| | |")
	p("|---|---|")
	p("| date | %s |", time.Now().UTC().Format("2006-01-02"))
	p("| commit | %s |", gitDescribe())
	p("| cpu | %s |", orDash(conf["cpu"]))
	p("| cores (GOMAXPROCS) | %d |", runtime.NumCPU())
	p("| os/arch | %s/%s |", conf["goos"], conf["goarch"])
	p("| go | %s |", runtime.Version())
	p("| runs | %d interleaved runs of one compiled benchmark binary, every contender once per run in an order rotated run by run; medians below |", len(s["BenchmarkRemove/raw"]["ns/op"]))
	p("")

	raw := "BenchmarkRemove/raw"
	co := "BenchmarkClientOnly/"
	p("## The client's own work: network taken out")
	p("")
	p("`BenchmarkClientOnly`: each client against an `http.RoundTripper` that answers `200 {}` from")
	p("memory. This is what a client adds to a call, free of loopback and scheduling noise.")
	p("")
	p("| client | time/op | B/op | allocs/op | time − raw | allocs − raw |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, c := range contenders {
		n := co + c
		if s[n] == nil {
			continue
		}
		p("| %s | %.2f µs | %.0f | %.0f | %+.2f µs | %+.0f |", c, s.med(n, "ns/op")/1e3, s.med(n, "B/op"), s.med(n, "allocs/op"),
			(s.med(n, "ns/op")-s.med(co+"raw", "ns/op"))/1e3, s.med(n, "allocs/op")-s.med(co+"raw", "allocs/op"))
	}
	p("")
	p("## Serial: one call at a time, loopback")
	p("")
	p("| client | time/op | CPU/op | B/op | allocs/op | time ÷ raw | CPU ÷ raw | allocs − raw |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range contenders {
		n := "BenchmarkRemove/" + c
		if s[n] == nil {
			continue
		}
		p("| %s | %.1f µs | %.1f µs | %.0f | %.0f | %.3f | %.3f | %+.0f |", c,
			s.med(n, "ns/op")/1e3, s.med(n, "cpu-ns/op")/1e3, s.med(n, "B/op"), s.med(n, "allocs/op"),
			s.med(n, "ns/op")/s.med(raw, "ns/op"), s.med(n, "cpu-ns/op")/s.med(raw, "cpu-ns/op"),
			s.med(n, "allocs/op")-s.med(raw, "allocs/op"))
	}
	p("")
	p("Time, CPU and allocations include the `httptest` server's, the same for every client. CPU is")
	p("the process's user and system time per call: on this shared virtual machine wall time swings")
	p("by ±10%% between runs (see benchstat's intervals below), CPU time by about ±4%%.")
	p("")

	praw := "BenchmarkRemoveParallel/raw"
	p("## Parallel: 64 goroutines (`b.RunParallel`), loopback")
	p("")
	p("| client | requests/s | throughput ÷ raw | CPU/op | TCP connections accepted | closed during the run | allocs/op |")
	p("|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range contenders {
		n := "BenchmarkRemoveParallel/" + c
		if s[n] == nil {
			continue
		}
		p("| %s | %.0f | %.3f | %.1f µs | %.0f | %.0f | %.0f |", c, s.med(n, "req/s"), s.med(n, "req/s")/s.med(praw, "req/s"),
			s.med(n, "cpu-ns/op")/1e3, maxOf(s[n]["conns"]), maxOf(s[n]["closed"]), s.med(n, "allocs/op"))
	}
	p("")
	p("Connections and closes are the most any run saw. Churn is connections closed while the")
	p("run goes on (a pool too small for the concurrency closes one and dials another per call);")
	p("zero means none. Accepted connections can exceed 64 without churn: Go's transport puts a")
	p("connection back in its pool only after the response body is read, asynchronously, so a")
	p("goroutine that asks again at that instant starts a dial, and the extra connection stays")
	p("pooled. The raw baseline shows the same.")
	p("")

	ratioRows := []struct{ name, bench, unit string }{
		{"network taken out, time", "BenchmarkClientOnly/", "ns/op"},
		{"network taken out, allocs", "BenchmarkClientOnly/", "allocs/op"},
		{"serial, time", "BenchmarkRemove/", "ns/op"},
		{"serial, CPU", "BenchmarkRemove/", "cpu-ns/op"},
		{"parallel, CPU", "BenchmarkRemoveParallel/", "cpu-ns/op"},
		{"HTTP/2 serial, time", "BenchmarkRemoveH2/", "ns/op"},
		{"HTTP/2 serial, CPU", "BenchmarkRemoveH2/", "cpu-ns/op"},
		{"HTTP/2 parallel, CPU", "BenchmarkRemoveParallelH2/", "cpu-ns/op"},
	}
	p("## Per-call ratios")
	p("")
	p("Medians of the interleaved runs, each a ratio of per-call cost (lower is cheaper). ogenlean")
	p("is ogen without OpenTelemetry, the fairest ogen to compare a client without telemetry with.")
	p("")
	p("ours ÷ bare is what the handwritten layer costs: everything between bare and raw is the")
	p("generated code's. The HTTP/2 rows have no ogen contenders.")
	p("")
	p("| | ours ÷ bare | ours ÷ raw | bare ÷ raw | ogen ÷ raw | ogenlean ÷ raw | ours ÷ ogen | ours ÷ ogenlean |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range ratioRows {
		if s[row.bench+"ours"] == nil {
			continue
		}
		q := func(a, b string) string {
			if s[row.bench+a] == nil || s[row.bench+b] == nil {
				return "—"
			}
			return fmt.Sprintf("%.3f", s.med(row.bench+a, row.unit)/s.med(row.bench+b, row.unit))
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s |", row.name, q("ours", "bare"),
			q("ours", "raw"), q("bare", "raw"), q("ogen", "raw"), q("ogenlean", "raw"), q("ours", "ogen"), q("ours", "ogenlean"))
	}
	p("")

	p("## Targets")
	p("")
	p("| target | measured | |")
	p("|---|---|---|")
	ratio := func(a, b, unit string) float64 { return s.med(a, unit) / s.med(b, unit) }
	ours, bare, ogen := "BenchmarkRemove/ours", "BenchmarkRemove/bare", "BenchmarkRemove/ogen"
	check := func(name string, ok bool, measured string) {
		mark := "met"
		if !ok {
			mark = "**missed**"
		}
		p("| %s | %s | %s |", name, measured, mark)
	}
	// The handwritten layer: ours against the bare generated client.
	for _, l := range []struct {
		name, bench, unit string
		max               float64
	}{
		{"layer: ours ÷ bare serial time, HTTP/1.1", "BenchmarkRemove/", "ns/op", 1.03},
		{"layer: ours ÷ bare serial time, HTTP/2", "BenchmarkRemoveH2/", "ns/op", 1.03},
		{"layer: ours ÷ bare parallel CPU, HTTP/1.1", "BenchmarkRemoveParallel/", "cpu-ns/op", 1.05},
		{"layer: ours ÷ bare parallel CPU, HTTP/2", "BenchmarkRemoveParallelH2/", "cpu-ns/op", 1.05},
	} {
		if s[l.bench+"ours"] == nil || s[l.bench+"bare"] == nil {
			continue
		}
		r := ratio(l.bench+"ours", l.bench+"bare", l.unit)
		check(fmt.Sprintf("%s ≤ %.2f", l.name, l.max), r <= l.max, fmt.Sprintf("%.3f", r))
	}
	check("ours allocs/op ≤ 87, HTTP/1.1", s.med(ours, "allocs/op") <= 87, fmt.Sprintf("%.0f (bare %.0f)", s.med(ours, "allocs/op"), s.med(bare, "allocs/op")))
	r := ratio(ours, raw, "ns/op")
	check("ours ÷ raw serial time ≤ 1.10", r <= 1.10, fmt.Sprintf("%.3f", r))
	r = ratio(bare, raw, "ns/op")
	check("bare ÷ raw serial time ≤ 1.08", r <= 1.08, fmt.Sprintf("%.3f", r))
	check("ours allocs/op ≤ ogen's", s.med(ours, "allocs/op") <= s.med(ogen, "allocs/op"),
		fmt.Sprintf("%.0f vs %.0f", s.med(ours, "allocs/op"), s.med(ogen, "allocs/op")))
	check("ours serial time ≤ ogen's", s.med(ours, "ns/op") <= s.med(ogen, "ns/op"),
		fmt.Sprintf("%.1f µs vs %.1f µs", s.med(ours, "ns/op")/1e3, s.med(ogen, "ns/op")/1e3))
	r = ratio(ours, raw, "cpu-ns/op")
	check("(same, by CPU time) ours ÷ raw serial CPU ≤ 1.10", r <= 1.10, fmt.Sprintf("%.3f", r))
	r = ratio(bare, raw, "cpu-ns/op")
	check("(same, by CPU time) bare ÷ raw serial CPU ≤ 1.08", r <= 1.08, fmt.Sprintf("%.3f", r))
	check("(same, by CPU time) ours ≤ ogen", s.med(ours, "cpu-ns/op") <= s.med(ogen, "cpu-ns/op"),
		fmt.Sprintf("%.1f µs vs %.1f µs", s.med(ours, "cpu-ns/op")/1e3, s.med(ogen, "cpu-ns/op")/1e3))
	check("(network taken out) ours time ≤ ogen's", s.med(co+"ours", "ns/op") <= s.med(co+"ogen", "ns/op"),
		fmt.Sprintf("%.2f µs vs %.2f µs", s.med(co+"ours", "ns/op")/1e3, s.med(co+"ogen", "ns/op")/1e3))
	check("(network taken out) ours allocs ≤ ogen's", s.med(co+"ours", "allocs/op") <= s.med(co+"ogen", "allocs/op"),
		fmt.Sprintf("%.0f vs %.0f", s.med(co+"ours", "allocs/op"), s.med(co+"ogen", "allocs/op")))
	ogenlean := "BenchmarkRemove/ogenlean"
	check("(ogen without telemetry) ours serial CPU ≤ ogenlean's", s.med(ours, "cpu-ns/op") <= s.med(ogenlean, "cpu-ns/op"),
		fmt.Sprintf("%.1f µs vs %.1f µs", s.med(ours, "cpu-ns/op")/1e3, s.med(ogenlean, "cpu-ns/op")/1e3))
	check("(ogen without telemetry) ours allocs/op ≤ ogenlean's", s.med(ours, "allocs/op") <= s.med(ogenlean, "allocs/op"),
		fmt.Sprintf("%.0f vs %.0f", s.med(ours, "allocs/op"), s.med(ogenlean, "allocs/op")))
	r = ratio("BenchmarkRemoveParallel/ours", praw, "req/s")
	check("ours ÷ raw parallel throughput ≥ 0.90", r >= 0.90, fmt.Sprintf("%.3f", r))
	conns := maxOf(s["BenchmarkRemoveParallel/ours"]["conns"])
	check("ours connections accepted ≤ 64 goroutines", conns <= 64, fmt.Sprintf("%.0f (raw %.0f)", conns, maxOf(s[praw]["conns"])))
	closed := maxOf(s["BenchmarkRemoveParallel/ours"]["closed"])
	check("ours: no connection churn (closed during the run)", closed == 0, fmt.Sprintf("%.0f closed", closed))
	p("")

	if b, err := os.ReadFile(startupPath); err == nil {
		p("%s", strings.TrimSpace(string(b)))
		p("")
	}

	if s[co+"ours"] != nil {
		med := func(c, unit string) float64 { return s.med(co+c, unit) }
		p("## Where the cost over raw is")
		p("")
		p("Without the network, ours costs %.2f µs and %.0f allocations more than raw per call.",
			(med("ours", "ns/op")-med("raw", "ns/op"))/1e3, med("ours", "allocs/op")-med("raw", "allocs/op"))
		layer := fmt.Sprintf("%.2f µs", (med("ours", "ns/op")-med("bare", "ns/op"))/1e3)
		if med("ours", "ns/op") <= med("bare", "ns/op") {
			layer = fmt.Sprintf("no measurable time (%s, within noise)", layer)
		}
		p("Of that, **%.2f µs and %.0f allocations are the generated client** (bare − raw), and **%s and",
			(med("bare", "ns/op")-med("raw", "ns/op"))/1e3, med("bare", "allocs/op")-med("raw", "allocs/op"), layer)
		p("%.0f allocation are this module's layer** (ours − bare: the response-body wrapper that enforces the", med("ours", "allocs/op")-med("bare", "allocs/op"))
		p("size limit and carries the attempt count, the User-Agent header, the retry transport's checks,")
		p("`Check`). The generated client's share, from the profile below, is `NewRemoveIntegrationRequest`")
		p("parsing the server URL on every call, formatting the path with `runtime.StyleParamWithOptions` and")
		p("`fmt.Sprintf`, resolving it against the server and parsing it again in `http.NewRequest`, then")
		p("`req.WithContext` copying the request; and `ParseRemoveIntegrationResponse` decoding `{}` into an")
		p("`interface{}` for `JSON200`. None of it can change without editing generated code, which this")
		p("repository never does; oapi-codegen has no option that changes it. The loopback round trip")
		p("(kernel, `net/http` on both ends, the server) is %.0f µs of CPU, so these µs are within its noise.",
			s.med(raw, "cpu-ns/op")/1e3)
		p("")
	}

	if b, err := os.ReadFile(scalePath); err == nil {
		p("## Generation scale")
		p("")
		p("Synthetic FastAPI-style specs (`bench/cmd/genspec`); oapi-codegen with this module's settings")
		p("(models, client, and the embedded spec this module generates into api/spec), then `go build` of the generated code with its")
		p("dependencies already compiled.")
		p("")
		p("| operations | spec | oapi-codegen | generated | build |")
		p("|---:|---:|---:|---:|---:|")
		for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Split(line, "\t")
			if i == 0 || len(f) != 6 {
				continue
			}
			p("| %s | %s KB | %.2f s | %s lines, %s KB | %.2f s |", f[0], kb(f[1]), secs(f[2]), f[3], kb(f[4]), secs(f[5]))
		}
		p("")
	}

	if b, err := os.ReadFile(allocsPath); err == nil {
		p("## Where ours allocates, network taken out")
		p("")
		p("`pprof -sample_index=alloc_objects` of `BenchmarkClientOnly/ours`, 100,000 calls (the canned")
		p("response's 4 allocations included). `api.*` is generated code; `datafold.*` is ours.")
		p("")
		p("```")
		p("%s", strings.TrimSpace(string(b)))
		p("```")
		p("")
	}
	if b, err := os.ReadFile(benchstatPath); err == nil {
		p("## benchstat")
		p("")
		p("```")
		p("%s", strings.TrimSpace(string(b)))
		p("```")
	}
	return nil
}

func maxOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}

func kb(s string) string {
	n, _ := strconv.ParseFloat(s, 64)
	return strconv.FormatFloat(n/1024, 'f', 0, 64)
}

func secs(ms string) float64 {
	n, _ := strconv.ParseFloat(ms, 64)
	return n / 1000
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func goList(module string) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// gitDescribe names the commit measured, marked dirty when any file but
// this report differs from it, so a table always says what code it is for.
func gitDescribe() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "-"
	}
	rev := strings.TrimSpace(string(out))
	status, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ":/", ":(exclude,top)bench/BENCHMARKS.md").Output()
	if err != nil || len(strings.TrimSpace(string(status))) > 0 {
		rev += " (with uncommitted changes)"
	}
	return rev
}
