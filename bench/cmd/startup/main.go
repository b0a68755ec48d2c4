// Command startup measures what importing the client costs a program before
// it does any work, and writes a Markdown section for BENCHMARKS.md:
//
//   - package init (GODEBUG=inittrace=1): time, bytes and allocations summed
//     over every package, for a program making one Remove an integration call
//     through the client (bench/startup/ours) against the same call with
//     net/http alone (bench/startup/nethttp);
//   - binary size of both;
//   - the wall time of `datafold version` against a hello-world binary, and
//     against one that links net/http (bench/startup/hellohttp).
//
// Every measurement is the median of -runs runs, the contenders interleaved
// run by run so a noisy neighbour slows them alike. Run it from bench/.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

func main() {
	runs := flag.Int("runs", 31, "runs of each program; medians are reported")
	flag.Parse()
	if err := run(*runs, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "startup: %v\n", err)
		os.Exit(1)
	}
}

// initCost is one run's package init, summed over packages.
type initCost struct {
	ms     float64
	bytes  float64
	allocs float64
	// top is the package with the largest init clock time, and its time.
	top   string
	topMS float64
}

var initLine = regexp.MustCompile(`^init (\S+) @\S+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

func parseInit(stderr []byte) initCost {
	var c initCost
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ms, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseFloat(m[3], 64)
		a, _ := strconv.ParseFloat(m[4], 64)
		c.ms += ms
		c.bytes += b
		c.allocs += a
		if ms > c.topMS {
			c.top, c.topMS = m[1], ms
		}
	}
	return c
}

func median(v []float64) float64 {
	c := slices.Clone(v)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func run(runs int, w io.Writer) error {
	dir, err := os.MkdirTemp("", "startup")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Built as a user builds: default flags, no stripping.
	builds := []struct{ name, chdir, pkg string }{
		{"ours", ".", "./startup/ours"},
		{"nethttp", ".", "./startup/nethttp"},
		{"hello", ".", "./startup/hello"},
		{"hellohttp", ".", "./startup/hellohttp"},
		{"datafold", "..", "./cmd/datafold"},
	}
	size := map[string]int64{}
	for _, b := range builds {
		out := filepath.Join(dir, b.name)
		cmd := exec.Command("go", "-C", b.chdir, "build", "-o", out, b.pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", b.pkg, err)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return err
		}
		size[b.name] = fi.Size()
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	inits := map[string][]initCost{}
	walls := map[string][]float64{}
	for range runs {
		for _, name := range []string{"ours", "nethttp"} {
			cmd := exec.Command(filepath.Join(dir, name), srv.URL)
			cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w: %s", name, err, stderr.Bytes())
			}
			inits[name] = append(inits[name], parseInit(stderr.Bytes()))
		}
		for _, c := range []struct {
			name string
			args []string
		}{{"hello", nil}, {"hellohttp", nil}, {"datafold", []string{"version"}}} {
			cmd := exec.Command(filepath.Join(dir, c.name), c.args...)
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			walls[c.name] = append(walls[c.name], float64(time.Since(start).Microseconds())/1000)
		}
	}

	med := func(name string, f func(initCost) float64) float64 {
		v := make([]float64, 0, len(inits[name]))
		for _, c := range inits[name] {
			v = append(v, f(c))
		}
		return median(v)
	}
	ms := func(c initCost) float64 { return c.ms }
	byts := func(c initCost) float64 { return c.bytes }
	allocs := func(c initCost) float64 { return c.allocs }
	mb := func(n int64) float64 { return float64(n) / 1e6 }
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}

	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("## Startup: what importing the client costs a program")
	p("")
	p("`bench/cmd/startup`: `bench/startup/ours` makes one Remove an integration call through")
	p("`datafold.NewClient`; `bench/startup/nethttp` makes the same call with `net/http` alone.")
	p("Package init is `GODEBUG=inittrace=1` summed over every package; each figure is the median")
	p("of %d runs, the programs interleaved run by run. Binaries are built with default flags.", runs)
	p("")
	p("| program | package init (median) | (fastest run) | init bytes | init allocs | binary |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, name := range []string{"nethttp", "ours"} {
		fastest := slices.MinFunc(inits[name], func(a, b initCost) int { return int((a.ms - b.ms) * 1e6) }).ms
		p("| %s | %.3f ms | %.3f ms | %.0f | %.0f | %.2f MB |", name, med(name, ms), fastest, med(name, byts), med(name, allocs), mb(size[name]))
	}
	p("")
	p("Init time swings with the machine's load (every package's init, the runtime's included, is")
	p("slower on a busy machine); bytes and allocations do not.")
	last := inits["ours"][len(inits["ours"])-1]
	p("")
	p("The slowest package init in ours' last run: `%s`, %.3f ms.", last.top, last.topMS)
	p("")
	hello, version := median(walls["hello"]), median(walls["datafold"])
	p("| command | wall time (median of %d) | (fastest run) | binary |", runs)
	p("|---|---:|---:|---:|")
	p("| hello world (`bench/startup/hello`) | %.2f ms | %.2f ms | %.2f MB |", hello, slices.Min(walls["hello"]), mb(size["hello"]))
	p("| hello world linking net/http (`bench/startup/hellohttp`) | %.2f ms | %.2f ms | %.2f MB |", median(walls["hellohttp"]), slices.Min(walls["hellohttp"]), mb(size["hellohttp"]))
	p("| `datafold version` | %.2f ms | %.2f ms | %.2f MB |", version, slices.Min(walls["datafold"]), mb(size["datafold"]))
	p("")
	p("Wall time is from the harness starting the process to its exit, fork and exec included; on a")
	p("loaded machine both grow, and the fastest runs are the closer estimate of the programs' own cost.")
	p("")
	p("| target | measured | |")
	p("|---|---|---|")
	oursMS, rawMS := med("ours", ms), med("nethttp", ms)
	p("| ours' package init ≤ net/http's + 0.1 ms (medians) | %.3f ms vs %.3f ms | %s |", oursMS, rawMS, verdict(oursMS <= rawMS+0.1))
	// Each run of ours is next to a run of nethttp, so their difference
	// is steadier than the difference of medians when the load drifts.
	diffs := make([]float64, len(inits["ours"]))
	for i := range diffs {
		diffs[i] = inits["ours"][i].ms - inits["nethttp"][i].ms
	}
	d := median(diffs)
	p("| (same, median of the run-by-run differences) | %+.3f ms | %s |", d, verdict(d <= 0.1))
	oa, ra := med("ours", allocs), med("nethttp", allocs)
	p("| (what does not swing with load) ours' init allocations − net/http's | %+.0f allocs, %+.0f bytes | |", oa-ra, med("ours", byts)-med("nethttp", byts))
	p("| ours' binary ≤ net/http's + 1 MB | %.2f MB vs %.2f MB | %s |", mb(size["ours"]), mb(size["nethttp"]), verdict(size["ours"] <= size["nethttp"]+1e6))
	p("| `datafold version` ≤ 1.5 × hello world (medians) | %.2f × | %s |", version/hello, verdict(version <= 1.5*hello))
	fv, fh := slices.Min(walls["datafold"]), slices.Min(walls["hello"])
	p("| (same, fastest runs) | %.2f × | %s |", fv/fh, verdict(fv <= 1.5*fh))
	p("")
	p("For scale: the hello world that links net/http takes %.2f × hello world's wall time (medians), and", median(walls["hellohttp"])/hello)
	p("`datafold version` %.2f × that one's; the rest of the gap is net/http's own start-up.", version/median(walls["hellohttp"]))
	return nil
}
