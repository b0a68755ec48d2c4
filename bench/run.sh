#!/usr/bin/env bash
# make bench: measure the client against raw net/http and ogen, and the cost
# of generation as the spec grows, then write BENCHMARKS.md.
#
# COUNT (default 10) runs of each benchmark feed benchstat; BENCHTIME
# (default 1s) is each run's length. The scale part generates specs of
# 10, 100 and 1,000 operations and times oapi-codegen and the build of
# its output with a fresh build cache (dependencies built beforehand).
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
results=results
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work" scaletmp' EXIT

echo "==> go generate (ogen clients from remove-integration.yaml)"
go generate .

echo "==> benchmarks: -count $count -benchtime $benchtime"
go test -run '^$' -bench '^Benchmark(ClientOnly|Remove|RemoveParallel)$' -benchtime "$benchtime" -count "$count" . | tee "$results/bench.txt"
go tool benchstat "$results/bench.txt" >"$results/benchstat.txt"

echo "==> allocation profile of ours, network taken out"
go test -run '^$' -bench '^BenchmarkClientOnly$/^ours$' -benchtime 100000x \
	-memprofile "$results/ours.mem" -memprofilerate 1 -o "$work/bench.test" . >/dev/null
go tool pprof -top -nodecount 30 -sample_index=alloc_objects "$work/bench.test" "$results/ours.mem" 2>/dev/null |
	sed -n '/flat%/,$p' >"$results/ours.alloc.txt"

echo "==> generation scale"
go -C .. build -o "$work/oapi-codegen" github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
cat >"$work/cfg.yaml" <<'EOF'
package: api
output: api.gen.go
generate: {models: true, client: true, embedded-spec: true}
EOF
export GOCACHE="$work/gocache"
# Build everything a generated package imports, so the timings below are
# the generated code's own compile.
go build github.com/getkin/kin-openapi/openapi3 github.com/oapi-codegen/runtime net/http encoding/json compress/flate
printf 'ops\tspec_bytes\tgenerate_ms\tgen_lines\tgen_bytes\tbuild_ms\n' >"$results/scale.tsv"
for n in 10 100 1000; do
	dir=scaletmp/ops$n
	mkdir -p "$dir"
	go run ./cmd/genspec -ops "$n" >"$work/spec$n.yaml"
	start=$(date +%s%N)
	(cd "$dir" && "$work/oapi-codegen" -config "$work/cfg.yaml" "$work/spec$n.yaml")
	gen_ms=$((($(date +%s%N) - start) / 1000000))
	start=$(date +%s%N)
	go build "./$dir"
	build_ms=$((($(date +%s%N) - start) / 1000000))
	printf '%d\t%d\t%d\t%d\t%d\t%d\n' "$n" "$(wc -c <"$work/spec$n.yaml")" "$gen_ms" \
		"$(wc -l <"$dir/api.gen.go")" "$(wc -c <"$dir/api.gen.go")" "$build_ms" | tee -a "$results/scale.tsv"
done
unset GOCACHE

echo "==> BENCHMARKS.md"
go run ./cmd/benchreport -bench "$results/bench.txt" -benchstat "$results/benchstat.txt" \
	-scale "$results/scale.tsv" -allocs "$results/ours.alloc.txt" >BENCHMARKS.md
echo "wrote bench/BENCHMARKS.md"
