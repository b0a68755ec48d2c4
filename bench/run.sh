#!/usr/bin/env bash
# make bench: measure the client against raw net/http and ogen, and the cost
# of generation as the spec grows, then write BENCHMARKS.md.
#
# The benchmark binary is compiled once and run COUNT times (default 10),
# each run every contender once, in an order rotated run by run, so the
# contenders are interleaved: a slow minute on a shared machine falls on all
# of them, and the per-call ratios reproduce (-count N would run each
# contender N times in a row). BENCHTIME (default 1s) is each run's length.
# STARTUP_RUNS (default 31) runs of each program measure package init,
# binary size and `datafold version` wall time (bench/cmd/startup). The
# scale part generates specs of 10, 100 and 1,000 operations and times
# oapi-codegen and the build of its output with a fresh build cache
# (dependencies built beforehand).
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
results=results
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> go generate (ogen clients from remove-integration.yaml)"
go generate .

echo "==> benchmarks: $count interleaved runs of one compiled binary, -benchtime $benchtime"
go test -c -o "$work/bench.test" .
: >"$results/bench.txt"
i=0
while [ "$i" -lt "$count" ]; do
	i=$((i + 1))
	BENCH_ROTATE=$i "$work/bench.test" -test.run '^$' -test.bench '^Benchmark(ClientOnly|Remove|RemoveParallel|RemoveH2|RemoveParallelH2)$' \
		-test.benchtime "$benchtime" -test.count 1 | tee -a "$results/bench.txt"
done
go tool benchstat "$results/bench.txt" >"$results/benchstat.txt"

echo "==> allocation profile of ours, network taken out"
go test -run '^$' -bench '^BenchmarkClientOnly$/^ours$' -benchtime 100000x \
	-memprofile "$results/ours.mem" -memprofilerate 1 -o "$work/bench.test" . >/dev/null
go tool pprof -top -nodecount 30 -sample_index=alloc_objects "$work/bench.test" "$results/ours.mem" 2>/dev/null |
	sed -n '/flat%/,$p' >"$results/ours.alloc.txt"

echo "==> startup: package init, binary size, datafold version"
go run ./cmd/startup -runs "${STARTUP_RUNS:-31}" | tee "$results/startup.md"

echo "==> generation scale"
go -C .. build -o "$work/oapi-codegen" github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
# This module's two configs: the client in package api, the embedded spec
# in package spec. They are built in a scratch module with the library's
# own requirements, since the bench module no longer links kin-openapi.
cat >"$work/cfg.yaml" <<'EOF'
package: api
output: api.gen.go
generate: {models: true, client: true, server-urls: true}
EOF
cat >"$work/spec.yaml" <<'EOF'
package: spec
output: spec/spec.gen.go
generate: {embedded-spec: true}
EOF
scale="$work/scale"
mkdir -p "$scale"
sed 's|^module .*|module scale|' ../go.mod >"$scale/go.mod"
cp ../go.sum "$scale/go.sum"
go build -o "$work/timeit" ./cmd/timeit # before GOCACHE moves: not part of what is timed
export GOCACHE="$work/gocache"
# Build everything a generated package imports, so the timings below are
# the generated code's own compile.
go -C "$scale" build github.com/getkin/kin-openapi/openapi3 github.com/oapi-codegen/runtime net/http encoding/json compress/flate
printf 'ops\tspec_bytes\tgenerate_ms\tgen_lines\tgen_bytes\tbuild_ms\n' >"$results/scale.tsv"
for n in 10 100 1000; do
	dir=$scale/ops$n
	mkdir -p "$dir/spec"
	go run ./cmd/genspec -ops "$n" >"$work/spec$n.yaml"
	api_ms=$(cd "$dir" && "$work/timeit" "$work/oapi-codegen" -config "$work/cfg.yaml" "$work/spec$n.yaml")
	spec_ms=$(cd "$dir" && "$work/timeit" "$work/oapi-codegen" -config "$work/spec.yaml" "$work/spec$n.yaml")
	gen_ms=$((api_ms + spec_ms))
	build_ms=$("$work/timeit" go -C "$scale" build "./ops$n/...")
	printf '%d\t%d\t%d\t%d\t%d\t%d\n' "$n" "$(wc -c <"$work/spec$n.yaml")" "$gen_ms" \
		"$(cat "$dir/api.gen.go" "$dir/spec/spec.gen.go" | wc -l)" \
		"$(cat "$dir/api.gen.go" "$dir/spec/spec.gen.go" | wc -c)" "$build_ms" | tee -a "$results/scale.tsv"
done
unset GOCACHE

echo "==> BENCHMARKS.md"
go run ./cmd/benchreport -bench "$results/bench.txt" -benchstat "$results/benchstat.txt" \
	-scale "$results/scale.tsv" -allocs "$results/ours.alloc.txt" -startup "$results/startup.md" >BENCHMARKS.md
echo "wrote bench/BENCHMARKS.md"
