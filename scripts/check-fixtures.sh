#!/usr/bin/env bash
# make fixtures: prove that regeneration needs no hand edits.
#
# For each fixture spec under testdata/specs (ours, in FastAPI's style),
# run 'make update-spec NAMES=auto' in a scratch copy of the repository:
# it regenerates, builds, vets and runs the whole test suite against the
# new client. Also check that oasdiff's v2 -> v3 report lists exactly the
# breaking changes planted in v3, and that without NAMES=auto the command
# fails with ready-to-paste overlay actions.
#
# UPDATE_GOLDEN=1 rewrites testdata/specs/v2-to-v3.breaking.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# copy DIR: the repository's files (tracked, or new and not ignored) into
# DIR, committed in a repository of its own as a user's clone would be
# (make verify checks drift with git).
copy() {
	mkdir -p "$1"
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$1"
	(cd "$1" && git init -q && git add -A && git -c user.name=fixtures -c user.email=fixtures@invalid commit -qm fixture)
}

echo "==> v2 -> v3 breaking changes match the planted ones"
golden=testdata/specs/v2-to-v3.breaking.txt
got=$(go tool -modfile=tools/go.mod oasdiff breaking testdata/specs/v2.yaml testdata/specs/v3.yaml --format json |
	go run ./internal/opnames breaks)
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	printf '%s\n' "$got" >"$golden"
	echo "rewrote $golden"
elif ! diff -u "$golden" <(printf '%s\n' "$got"); then
	echo "fixtures: the breaking-change report differs from $golden (UPDATE_GOLDEN=1 to accept)" >&2
	exit 1
fi
echo "$(wc -l <"$golden") breaking changes, as planted"

echo "==> without NAMES=auto, update-spec fails with the overlay actions to add"
copy "$scratch/manual"
if (cd "$scratch/manual" && make --no-print-directory update-spec SPEC="$repo/testdata/specs/v2.yaml") >"$scratch/manual.log" 2>&1; then
	echo "fixtures: update-spec without NAMES=auto succeeded, but v2 has unnamed operations" >&2
	exit 1
fi
for want in "Add these actions to overlay.yaml" "operationId: ListIntegrations" \
	"target: \$.paths.*.*[?(@.operationId == 'get_monitor_run_api_v1_monitors__monitor_id__runs__run_id__get')]"; do
	if ! grep -qF -- "$want" "$scratch/manual.log"; then
		echo "fixtures: update-spec's failure output lacks: $want" >&2
		cat "$scratch/manual.log" >&2
		exit 1
	fi
done
echo "it fails and prints the actions"

# One copy, updated twice, as a maintainer would over time: v3 also drops
# the name of the operation it removes.
dir="$scratch/updated"
copy "$dir"
for v in v2 v3; do
	echo "==> make update-spec SPEC=testdata/specs/$v.yaml NAMES=auto"
	start=$(date +%s%N)
	(cd "$dir" && make --no-print-directory update-spec SPEC="$repo/testdata/specs/$v.yaml" NAMES=auto) >"$scratch/$v.log" 2>&1 || {
		cat "$scratch/$v.log" >&2
		echo "fixtures: update-spec failed for $v" >&2
		exit 1
	}
	ms=$((($(date +%s%N) - start) / 1000000))
	ops=$(grep -c 'operationId:' "$dir/overlay.yaml")
	size=$(wc -c <"$dir/api/datafold.gen.go")
	lines=$(wc -l <"$dir/api/datafold.gen.go")
	printf '%s: %d named operations; update-spec %d ms; api/datafold.gen.go %d lines, %d bytes\n' "$v" "$ops" "$ms" "$lines" "$size"
	grep '^summary:' "$scratch/$v.log"
done
if ! grep -q "dropped the rename of delete_monitor_api_v1_monitors__monitor_id__delete" "$scratch/v3.log"; then
	echo "fixtures: updating to v3 did not drop the removed operation's name" >&2
	exit 1
fi
# A large spec in pydantic v2's style, from the seed as a new user would
# apply it: update-spec must end green (it runs make verify).
echo "==> make update-spec SPEC=testdata/specs/large.yaml NAMES=auto"
dir="$scratch/large"
copy "$dir"
start=$(date +%s%N)
(cd "$dir" && make --no-print-directory update-spec SPEC="$repo/testdata/specs/large.yaml" NAMES=auto) >"$scratch/large.log" 2>&1 || {
	cat "$scratch/large.log" >&2
	echo "fixtures: update-spec failed for large" >&2
	exit 1
}
ms=$((($(date +%s%N) - start) / 1000000))
printf 'large: update-spec %d ms; api/datafold.gen.go %d lines, %d bytes\n' "$ms" "$(wc -l <"$dir/api/datafold.gen.go")" "$(wc -c <"$dir/api/datafold.gen.go")"
grep -E '^summary:|conformance:' "$scratch/large.log"

echo "==> fixtures pass"
