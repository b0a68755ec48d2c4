// Command benchreport turns the outputs of make bench (internal/devtool/bench.go) into BENCHMARKS.md:
// the machine, the tables, every contender's ratios to the raw net/http
// floor, the stall bound's cost and the handwritten layer's apart, and the
// targets checked.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
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
	compare := flag.String("compare", "results/benchstat.layer.txt", "benchstat's A/B tests of layer against bare and ours against layer")
	benchtime := flag.String("benchtime", "", "each run's -benchtime, for the report to say")
	flag.Parse()
	in := inputs{bench: *benchPath, benchstat: *benchstat, scale: *scale, allocs: *allocs, startup: *startup,
		compare: *compare, benchtime: *benchtime}
	if err := run(in, os.Stdout); err != nil {
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

// ratio is a÷b in unit: the median of the runs' own ratios, and a 95%
// confidence interval for that median (NaN when too few runs give one).
// Each run measured every contender, one right after another, so a run's
// ratio shares that run's machine: a slow minute on a shared host moves
// both sides of it, where it would move one of two medians alone.
func (s samples) ratio(a, b, unit string) (med, lo, hi float64) {
	x, y := s[a][unit], s[b][unit]
	if len(x) == 0 || len(x) != len(y) {
		return math.NaN(), math.NaN(), math.NaN()
	}
	r := make([]float64, len(x))
	for i := range x {
		r[i] = x[i] / y[i]
	}
	slices.Sort(r)
	lo, hi = math.NaN(), math.NaN()
	if k := ciRank(len(r)); k > 0 {
		lo, hi = r[k-1], r[len(r)-k]
	}
	return median(r), lo, hi
}

// ciRank is the k for which the k-th smallest and the k-th largest of n
// samples bound their median with at least 95% confidence, whatever the
// distribution: each sample falls below the median with probability 1/2,
// so the interval misses it only when fewer than k of the n do, or fewer
// than k do not. It is 0 when n is too small for any k (below 6).
func ciRank(n int) int {
	k := 0
	tail, term := 0.0, math.Pow(0.5, float64(n)) // term: P(exactly j below)
	for j := 0; j < n/2; j++ {
		tail += term
		if 2*tail > 0.05 {
			break
		}
		k = j + 1
		term *= float64(n-j) / float64(j+1)
	}
	return k
}

// withCI prints a ratio and its interval.
func withCI(med, lo, hi float64) string {
	switch {
	case math.IsNaN(med):
		return "—"
	case math.IsNaN(lo):
		return fmt.Sprintf("%.3f", med)
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", med, lo, hi)
}

var contenders = []string{"raw", "ours", "layer", "bare", "ogen", "ogenlean"}

// inputs are the files make bench writes; a missing one, the benchmarks'
// output aside, leaves its section out.
type inputs struct {
	bench, benchstat, scale, allocs, startup, compare string
	benchtime                                         string
}

func run(in inputs, w io.Writer) error {
	f, err := os.Open(in.bench)
	if err != nil {
		return err
	}
	defer f.Close()
	s, conf, err := parse(f)
	if err != nil {
		return err
	}
	if len(s) == 0 {
		return fmt.Errorf("no benchmark results in %s", in.bench)
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	// q is a÷b within one benchmark, without its interval, or a dash.
	q := func(bench, a, b, unit string) string {
		m, _, _ := s.ratio(bench+a, bench+b, unit)
		if math.IsNaN(m) {
			return "—"
		}
		return fmt.Sprintf("%.3f", m)
	}

	p("# Benchmarks")
	p("")
	p("Written by `make bench` (internal/devtool/bench.go); do not edit. What a Remove an integration call")
	p("costs through each client, against one local `httptest` server answering")
	p("`DELETE /api/v1/lineage/bi/{id}/` with `200 {}`, on loopback.")
	p("")
	p("- **raw**: hand-written `net/http` DELETE with the Authorization header, one tuned client: the floor.")
	p("- **ours**: `datafold.NewClient` + `datafold.Check(c.RemoveIntegrationWithResponse(...))`, default transport, retries on (none happen).")
	p("- **layer**: the same with `datafold.WithHTTPClient(raw's tuned client)`: this module's handwritten layer on raw's")
	p("  transport, without the default pool's stall bound (`ResponseHeaderTimeout`, HTTP/2 pings).")
	p("- **bare**: the generated `ClientWithResponses` with only the API-key editor, on raw's tuned client.")
	p("- **ogen**: ogen %s's client for the same openapi.yaml as it comes (OpenTelemetry generated in, no provider installed), on raw's tuned client.", goList("github.com/ogen-go/ogen"))
	p("- **ogenlean**: the same with ogen's `ogen/otel` feature disabled, ogen's leanest client.")
	p("")
	p("So ours ÷ layer is what the stall bound costs (net/http's per-request `ResponseHeaderTimeout`")
	p("timer, accepted in issue 22), and layer ÷ bare what the handwritten code costs.")
	p("")
	runs := len(s["BenchmarkRemove/raw"]["ns/op"])
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
	p("| runs | %d interleaved runs of one compiled benchmark binary, every contender once per run in an order rotated run by run; medians below |", runs)
	if in.benchtime != "" {
		p("| each run | `-benchtime %s` per contender and benchmark |", in.benchtime)
	}
	p("")
	p("## How this was measured")
	p("")
	p("`go test -c` compiled the benchmarks once, and `make bench` ran that one binary %d times. Each run", runs)
	p("measures every contender once, one after another, starting from a different contender each time, so")
	p("a slow minute on this shared machine falls on all of them rather than on whichever ran then")
	p("(`-count N` would run one contender N times in a row). Per-call figures are medians over the runs.")
	p("")
	p("A ratio a ÷ b is the median of the runs' own ratios, each run's a over the same run's b. Its bracket")
	p("is the 95%% confidence interval of that median: the interval between order statistics, which holds")
	p("whatever the distribution (none with fewer than 6 runs). The last sections are benchstat's summaries")
	p("of the same samples: each benchmark's median ± its 95%% interval, and A/B tests of layer against bare")
	p("and of ours against layer (Mann-Whitney U; it takes the runs as independent, so it ignores the pairing).")
	p("")

	raw := "BenchmarkRemove/raw"
	co := "BenchmarkClientOnly/"
	p("## The client's own work: network taken out")
	p("")
	p("`BenchmarkClientOnly`: each client against an `http.RoundTripper` that answers `200 {}` from")
	p("memory. This is what a client adds to a call, free of loopback and scheduling noise. There is")
	p("no pool and no stall timer here: ours runs on the canned transport, so it is what layer is")
	p("elsewhere, and layer has no row of its own.")
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
		p("| %s | %.1f µs | %.1f µs | %.0f | %.0f | %s | %s | %+.0f |", c,
			s.med(n, "ns/op")/1e3, s.med(n, "cpu-ns/op")/1e3, s.med(n, "B/op"), s.med(n, "allocs/op"),
			q("BenchmarkRemove/", c, "raw", "ns/op"), q("BenchmarkRemove/", c, "raw", "cpu-ns/op"),
			s.med(n, "allocs/op")-s.med(raw, "allocs/op"))
	}
	p("")
	p("Time, CPU and allocations include the `httptest` server's, the same for every client. CPU is")
	p("the process's user and system time per call. On a shared virtual machine both swing between")
	p("runs; benchstat's intervals at the end say by how much.")
	p("")

	praw := "BenchmarkRemoveParallel/raw"
	p("## Parallel: 64 goroutines (`b.RunParallel`), loopback")
	p("")
	p("| client | time/op | requests/s | throughput ÷ raw | CPU/op | TCP connections accepted | closed during the run | allocs/op |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range contenders {
		n := "BenchmarkRemoveParallel/" + c
		if s[n] == nil {
			continue
		}
		p("| %s | %.1f µs | %.0f | %s | %.1f µs | %.0f | %.0f | %.0f |", c, s.med(n, "ns/op")/1e3, s.med(n, "req/s"),
			q("BenchmarkRemoveParallel/", c, "raw", "req/s"),
			s.med(n, "cpu-ns/op")/1e3, maxOf(s[n]["conns"]), maxOf(s[n]["closed"]), s.med(n, "allocs/op"))
	}
	p("")
	p("time/op is wall time over calls, 64 at a time: the inverse of the throughput. Connections and")
	p("closes are the most any run saw. Churn is connections closed while the")
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
		{"parallel, time", "BenchmarkRemoveParallel/", "ns/op"},
		{"parallel, CPU", "BenchmarkRemoveParallel/", "cpu-ns/op"},
		{"HTTP/2 serial, time", "BenchmarkRemoveH2/", "ns/op"},
		{"HTTP/2 serial, CPU", "BenchmarkRemoveH2/", "cpu-ns/op"},
		{"HTTP/2 parallel, time", "BenchmarkRemoveParallelH2/", "ns/op"},
		{"HTTP/2 parallel, CPU", "BenchmarkRemoveParallelH2/", "cpu-ns/op"},
	}
	p("## The stall bound and the handwritten layer")
	p("")
	p("ours ÷ layer is the same code on two transports: the default pool, whose `ResponseHeaderTimeout`")
	p("arms a timer for every request (and, over HTTP/2, pings a silent connection), against raw's tuned")
	p("transport, which has neither. layer ÷ bare is two codes on one transport: what this module's")
	p("handwritten layer adds to the generated client (options resolved once, the User-Agent editor, the")
	p("retrying transport's checks, the body read in full and bounded, `Check`). ours ÷ bare is both.")
	p("Medians of the runs' own ratios, with 95%% confidence intervals.")
	p("")
	p("| | ours ÷ layer | layer ÷ bare | ours ÷ bare |")
	p("|---|---:|---:|---:|")
	footnote := false
	for _, row := range ratioRows {
		if s[row.bench+"ours"] == nil || s[row.bench+"bare"] == nil {
			continue
		}
		stall, layer := withCI(s.ratio(row.bench+"ours", row.bench+"layer", row.unit)), withCI(s.ratio(row.bench+"layer", row.bench+"bare", row.unit))
		if s[row.bench+"layer"] == nil {
			// Network taken out: ours is the layer on the canned
			// transport, and there is no timer to set apart.
			stall, layer = "no timer", withCI(s.ratio(row.bench+"ours", row.bench+"bare", row.unit))+" ¹"
			footnote = true
		}
		p("| %s | %s | %s | %s |", row.name, stall, layer, withCI(s.ratio(row.bench+"ours", row.bench+"bare", row.unit)))
	}
	p("")
	if footnote {
		p("¹ ours ÷ bare: with the network taken out, ours runs on the canned transport and is the layer.")
		p("")
	}

	p("## Per-call ratios")
	p("")
	p("Medians of the runs' own ratios of per-call cost (lower is cheaper). ogenlean is ogen without")
	p("OpenTelemetry, the fairest ogen to compare a client without telemetry with. Everything between")
	p("bare and raw is the generated code's; the table above splits ours ÷ bare in two. The HTTP/2 rows")
	p("have no ogen contenders.")
	p("")
	p("| | ours ÷ bare | ours ÷ raw | bare ÷ raw | ogen ÷ raw | ogenlean ÷ raw | ours ÷ ogen | ours ÷ ogenlean |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range ratioRows {
		if s[row.bench+"ours"] == nil {
			continue
		}
		r := func(a, b string) string { return q(row.bench, a, b, row.unit) }
		p("| %s | %s | %s | %s | %s | %s | %s | %s |", row.name, r("ours", "bare"),
			r("ours", "raw"), r("bare", "raw"), r("ogen", "raw"), r("ogenlean", "raw"), r("ours", "ogen"), r("ours", "ogenlean"))
	}
	p("")

	p("## Allocations: ours against ogen")
	p("")
	p("Median allocations per call (allocations vary little between runs; the server's are included,")
	p("the same for every client, except with the network taken out).")
	p("")
	p("| | ours | layer | bare | ogen | ogenlean | ours − ogen | ours − ogenlean |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range []struct{ name, bench string }{
		{"network taken out", "BenchmarkClientOnly/"},
		{"serial", "BenchmarkRemove/"},
		{"parallel, 64 goroutines", "BenchmarkRemoveParallel/"},
		{"HTTP/2 serial", "BenchmarkRemoveH2/"},
		{"HTTP/2 parallel", "BenchmarkRemoveParallelH2/"},
	} {
		if s[row.bench+"ours"] == nil {
			continue
		}
		a := func(c string) string {
			if s[row.bench+c] == nil {
				return "—"
			}
			return fmt.Sprintf("%.0f", s.med(row.bench+c, "allocs/op"))
		}
		d := func(c string) string {
			if s[row.bench+c] == nil {
				return "—"
			}
			return fmt.Sprintf("%+.0f", s.med(row.bench+"ours", "allocs/op")-s.med(row.bench+c, "allocs/op"))
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s |", row.name, a("ours"), a("layer"), a("bare"), a("ogen"), a("ogenlean"),
			d("ogen"), d("ogenlean"))
	}
	p("")

	check := func(name string, ok bool, measured, note string) {
		mark := "met"
		if !ok {
			mark = "**missed**"
		}
		if note != "" {
			mark += "; " + note
		}
		p("| %s | %s | %s |", name, measured, mark)
	}
	// atMost checks a ratio's median against a bound, and says when the
	// interval does not settle which side of the bound the ratio is on.
	atMost := func(name, a, b, unit string, bound float64) {
		if s[a] == nil || s[b] == nil {
			return
		}
		m, lo, hi := s.ratio(a, b, unit)
		note := ""
		if !math.IsNaN(lo) && lo <= bound && bound < hi {
			note = "the interval spans the bound: not settled"
		}
		check(fmt.Sprintf("%s ≤ %.2f", name, bound), m <= bound, withCI(m, lo, hi), note)
	}
	bare := "BenchmarkRemove/bare"
	p("## Targets")
	p("")
	p("Issue 22's. The stall bound's timer is accepted, so the handwritten layer is judged on raw's")
	p("transport (layer ÷ bare), and ours ÷ layer has no bound.")
	p("")
	p("| target | measured | |")
	p("|---|---|---|")
	atMost("layer ÷ bare, serial time", "BenchmarkRemove/layer", bare, "ns/op", 1.05)
	atMost("layer ÷ bare, parallel time (64 goroutines)", "BenchmarkRemoveParallel/layer", "BenchmarkRemoveParallel/bare", "ns/op", 1.05)
	for _, b := range []struct{ name, bench string }{
		{"serial", "BenchmarkRemove/"},
		{"parallel", "BenchmarkRemoveParallel/"},
		{"network taken out", co},
	} {
		if s[b.bench+"ours"] == nil || s[b.bench+"ogen"] == nil {
			continue
		}
		o, g := s.med(b.bench+"ours", "allocs/op"), s.med(b.bench+"ogen", "allocs/op")
		check("ours allocs/op ≤ ogen's, "+b.name, o <= g, fmt.Sprintf("%.0f vs %.0f", o, g), "")
	}
	var closed []string
	most := 0.0
	for _, c := range contenders {
		v := s["BenchmarkRemoveParallel/"+c]["closed"]
		if v == nil {
			continue
		}
		runs := 0
		for _, n := range v {
			if n > 0 {
				runs++
			}
		}
		closed = append(closed, fmt.Sprintf("%s %d of %d (at most %.0f)", c, runs, len(v), maxOf(v)))
		if c == "ours" || c == "layer" {
			most = max(most, maxOf(v))
		}
	}
	note := ""
	if most > 0 && maxOf(s[praw]["closed"]) > 0 {
		// One way net/http closes connections under load on its own: it
		// does not reuse one whose writer goroutine has not reported the
		// request written 50 ms after the response was read, which a
		// starved CPU can delay for any client.
		note = "raw, net/http alone, closed too"
	}
	check("no connection closed under 64 goroutines (ours and layer, every run)", most == 0,
		"runs that closed any: "+strings.Join(closed, "; "), note)
	p("")

	if b, err := os.ReadFile(in.startup); err == nil {
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
		p("%s are this module's layer** (ours − bare, with no stall timer here: the response-body wrapper that enforces the", plural(med("ours", "allocs/op")-med("bare", "allocs/op"), "allocation"))
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

	if b, err := os.ReadFile(in.scale); err == nil {
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

	if b, err := os.ReadFile(in.allocs); err == nil {
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
	if b, err := os.ReadFile(in.benchstat); err == nil {
		p("## benchstat")
		p("")
		p("```")
		p("%s", strings.TrimSpace(string(b)))
		p("```")
		p("")
	}
	if b, err := os.ReadFile(in.compare); err == nil {
		p("## benchstat: layer against bare, ours against layer")
		p("")
		p("The same samples with the contender as benchstat's `/client` key, one table per pair, the")
		p("first named the base; `~` is no significant difference at p < 0.05.")
		p("")
		p("```")
		p("%s", strings.TrimSpace(string(b)))
		p("```")
	}
	return nil
}

func plural(n float64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%.0f %ss", n, noun)
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
