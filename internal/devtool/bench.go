package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// benchCmd is make bench: it measures the client against raw net/http and
// ogen, its startup, and the cost of generation as the spec grows, then
// writes bench/BENCHMARKS.md.
//
// The benchmark binary is compiled once and run COUNT times (default 10),
// each run every contender once, in an order rotated run by run, so the
// contenders are interleaved: a slow minute on a shared machine falls on
// all of them, and the per-call ratios reproduce (-count N would run each
// contender N times in a row). benchstat summarises the runs, and tests
// layer against bare and ours against layer, the two ratios the report
// sets apart. BENCHTIME (default 1s) is each run's length;
// STARTUP_RUNS (default 31) runs of each program measure package init,
// binary size and `datafold version` wall time. The scale part generates
// specs of 10, 100 and 1,000 operations and times oapi-codegen and the
// build of its output with a fresh build cache (dependencies built first).
func benchCmd(_ []string, stdout, stderr io.Writer) error {
	count, err := strconv.Atoi(envOr("COUNT", "10"))
	if err != nil {
		return fmt.Errorf("bench: COUNT: %w", err)
	}
	benchtime := envOr("BENCHTIME", "1s")
	const dir = "bench"
	results := filepath.Join(dir, "results")
	if err := os.MkdirAll(results, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	run := func(dir string, env []string, name string, args ...string) error {
		return command(dir, env, stdout, name, args...)
	}
	step := func(s string) { fmt.Fprintf(stdout, "==> %s\n", s) }

	step("go generate (ogen clients from remove-integration.yaml)")
	if err := run(dir, nil, "go", "generate", "."); err != nil {
		return err
	}

	step(fmt.Sprintf("benchmarks: %d interleaved runs of one compiled binary, -benchtime %s", count, benchtime))
	bin := filepath.Join(work, "bench.test")
	if err := run(dir, nil, "go", "test", "-c", "-o", bin, "."); err != nil {
		return err
	}
	var all bytes.Buffer
	for i := 1; i <= count; i++ {
		c := exec.Command(bin, "-test.run", "^$",
			"-test.bench", "^Benchmark(ClientOnly|Remove|RemoveParallel|RemoveH2|RemoveParallelH2)$",
			"-test.benchtime", benchtime, "-test.count", "1")
		c.Dir, c.Env = dir, withEnv(os.Environ(), "BENCH_ROTATE", strconv.Itoa(i))
		c.Stdout, c.Stderr = io.MultiWriter(stdout, &all), stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("benchmark run %d: %w", i, err)
		}
	}
	if err := os.WriteFile(filepath.Join(results, "bench.txt"), all.Bytes(), 0o644); err != nil {
		return err
	}
	stat, err := output(dir, nil, "go", "tool", "benchstat", "results/bench.txt")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(results, "benchstat.txt"), stat, 0o644); err != nil {
		return err
	}
	// benchstat compares values of a key, and a sub-benchmark name such as
	// "ours" is none: named client=ours, the contenders become columns.
	byClient := subName.ReplaceAll(all.Bytes(), []byte("${1}client=${2}${3}"))
	if err := os.WriteFile(filepath.Join(results, "bench.client.txt"), byClient, 0o644); err != nil {
		return err
	}
	var compare bytes.Buffer
	for _, pair := range []string{"bare layer", "layer ours"} {
		out, err := output(dir, nil, "go", "tool", "benchstat", "-col", "/client@("+pair+")",
			"-filter", "-.name:ClientOnly .unit:(sec/op OR cpu-sec/op OR allocs/op)", "results/bench.client.txt")
		if err != nil {
			return err
		}
		compare.Write(out)
		compare.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(results, "benchstat.layer.txt"), compare.Bytes(), 0o644); err != nil {
		return err
	}

	step("allocation profile of ours, network taken out")
	if _, err := output(dir, nil, "go", "test", "-run", "^$", "-bench", "^BenchmarkClientOnly$/^ours$", "-benchtime", "100000x",
		"-memprofile", "results/ours.mem", "-memprofilerate", "1", "-o", bin, "."); err != nil {
		return err
	}
	top, err := output(dir, nil, "go", "tool", "pprof", "-top", "-nodecount", "30", "-sample_index=alloc_objects", bin, "results/ours.mem")
	if err != nil {
		return err
	}
	if i := bytes.Index(top, []byte("flat%")); i >= 0 {
		top = top[bytes.LastIndexByte(top[:i], '\n')+1:]
	}
	if err := os.WriteFile(filepath.Join(results, "ours.alloc.txt"), top, 0o644); err != nil {
		return err
	}

	step("startup: package init, binary size, datafold version")
	startup, err := output(dir, nil, "go", "run", "./cmd/startup", "-runs", envOr("STARTUP_RUNS", "31"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s", startup)
	if err := os.WriteFile(filepath.Join(results, "startup.md"), startup, 0o644); err != nil {
		return err
	}

	step("generation scale")
	scale, err := generationScale(work, stdout)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(results, "scale.tsv"), scale, 0o644); err != nil {
		return err
	}

	step("BENCHMARKS.md")
	report, err := output(dir, nil, "go", "run", "./cmd/benchreport", "-bench", "results/bench.txt", "-benchstat", "results/benchstat.txt",
		"-scale", "results/scale.tsv", "-allocs", "results/ours.alloc.txt", "-startup", "results/startup.md",
		"-compare", "results/benchstat.layer.txt", "-benchtime", benchtime)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "BENCHMARKS.md"), report, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote bench/BENCHMARKS.md")
	return nil
}

// subName matches a benchmark result's sub-benchmark name: the contender.
var subName = regexp.MustCompile(`(?m)^(Benchmark\w+/)(\w+)((?:-\d+)?\s)`)

// generationScale times oapi-codegen with this module's two configs (the
// client in package api, the embedded spec in package spec) on specs of
// 10, 100 and 1,000 operations, and the build of what it writes, in a
// scratch module with the library's own requirements and a fresh build
// cache. It returns the table as TSV.
func generationScale(work string, stdout io.Writer) ([]byte, error) {
	gen := filepath.Join(work, "oapi-codegen")
	if err := command(".", nil, stdout, "go", "build", "-o", gen, "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"); err != nil {
		return nil, err
	}
	configs := map[string]string{
		"cfg.yaml":  "package: api\noutput: api.gen.go\ngenerate: {models: true, client: true, server-urls: true}\n",
		"spec.yaml": "package: spec\noutput: spec/spec.gen.go\ngenerate: {embedded-spec: true}\n",
	}
	for name, body := range configs {
		if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	scale := filepath.Join(work, "scale")
	if err := os.MkdirAll(scale, 0o755); err != nil {
		return nil, err
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		return nil, err
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module scale"))
	if err := os.WriteFile(filepath.Join(scale, "go.mod"), mod, 0o644); err != nil {
		return nil, err
	}
	if err := copyFile("go.sum", filepath.Join(scale, "go.sum")); err != nil {
		return nil, err
	}
	env := withEnv(os.Environ(), "GOCACHE", filepath.Join(work, "gocache"))
	// Build everything a generated package imports first, so the timings
	// below are the generated code's own compile.
	if err := command(scale, env, stdout, "go", "build", "github.com/getkin/kin-openapi/openapi3",
		"github.com/oapi-codegen/runtime", "net/http", "encoding/json", "compress/flate"); err != nil {
		return nil, err
	}
	var tsv strings.Builder
	tsv.WriteString("ops\tspec_bytes\tgenerate_ms\tgen_lines\tgen_bytes\tbuild_ms\n")
	for _, n := range []int{10, 100, 1000} {
		dir := filepath.Join(scale, fmt.Sprintf("ops%d", n))
		if err := os.MkdirAll(filepath.Join(dir, "spec"), 0o755); err != nil {
			return nil, err
		}
		spec, err := output("bench", nil, "go", "run", "./cmd/genspec", "-ops", strconv.Itoa(n))
		if err != nil {
			return nil, err
		}
		specPath := filepath.Join(work, fmt.Sprintf("spec%d.yaml", n))
		if err := os.WriteFile(specPath, spec, 0o644); err != nil {
			return nil, err
		}
		start := time.Now()
		for _, cfg := range []string{"cfg.yaml", "spec.yaml"} {
			if err := command(dir, env, io.Discard, gen, "-config", filepath.Join(work, cfg), specPath); err != nil {
				return nil, err
			}
		}
		genMS := time.Since(start).Milliseconds()
		start = time.Now()
		if err := command(scale, env, stdout, "go", "build", fmt.Sprintf("./ops%d/...", n)); err != nil {
			return nil, err
		}
		buildMS := time.Since(start).Milliseconds()
		var lines, size int
		for _, f := range []string{"api.gen.go", "spec/spec.gen.go"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return nil, err
			}
			lines, size = lines+bytes.Count(b, []byte("\n")), size+len(b)
		}
		row := fmt.Sprintf("%d\t%d\t%d\t%d\t%d\t%d\n", n, len(spec), genMS, lines, size, buildMS)
		fmt.Fprint(stdout, row)
		tsv.WriteString(row)
	}
	return []byte(tsv.String()), nil
}
