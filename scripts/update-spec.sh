#!/usr/bin/env bash
# make update-spec SPEC=path [NAMES=auto]
#
# Replaces openapi.yaml with a newer upstream document (YAML or JSON),
# reports what changed for importers, makes sure every operation has an
# idiomatic Go name, regenerates, and proves the result builds, vets and
# passes the tests. Nothing generated or handwritten is edited by hand.
#
# Portable: bash 3.2 (macOS) and POSIX utilities only; make fixtures runs
# it with a PATH holding nothing else, and make lint checks it for GNU-only
# flags. UPDATE_SPEC_OUT=dir also writes the spec-watch workflow's pull
# request body and label there.
set -euo pipefail

spec=${1:-}
names=${2:-}
if [ -z "$spec" ] || [ ! -f "$spec" ]; then
	echo "usage: make update-spec SPEC=path/to/openapi.(yaml|json) [NAMES=auto]" >&2
	exit 2
fi
# Absolute before the cd below, so a relative path works.
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
cd "$(dirname "$0")/.."
case "$names" in "" | auto) ;; *)
	echo "update-spec: NAMES must be empty or auto, not '$names'" >&2
	exit 2
	;;
esac

oasdiff() { go tool -modfile=tools/go.mod oasdiff "$@"; }
opnames() { go run ./internal/opnames "$@"; }
step() { printf '\n==> %s\n' "$*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
new=$tmp/new.yaml
changes=$tmp/changes.json
opnames to-yaml "$spec" "$new"

step "Changes from openapi.yaml to $spec (oasdiff; 'error' lines break importers)"
oasdiff changelog openapi.yaml "$new"
oasdiff changelog openapi.yaml "$new" --format json >"$changes"
printf 'summary: '
opnames summary <"$changes"

step "Drafting the CHANGELOG.md entry (the version bump the report calls for)"
go run ./internal/devtool changelog -changes "$changes" ${UPDATE_SPEC_OUT:+-out "$UPDATE_SPEC_OUT"}

step "Replacing openapi.yaml"
# Defects upstream that the project works around, named for reporting
# there; warnings only, never a stop.
go run ./internal/speccheck "$new"
cp "$new" openapi.yaml

step "Go names for every operation (overlay.yaml)"
if [ "$names" = auto ]; then
	opnames names -auto
elif ! opnames names; then
	echo >&2
	echo "update-spec: openapi.yaml is replaced, but the names above are missing." >&2
	echo "Paste the actions into overlay.yaml and run 'make generate test', or rerun with NAMES=auto." >&2
	exit 1
fi

step "Regenerating api/"
go generate ./...
opnames lint
# A new spec can bring the generated code new imports (nullable, the
# runtime's types); go.mod follows, here and in bench/, which imports it.
# (bench/'s own generated clients come from a pinned copy of one
# operation, so they do not change with the spec.)
go mod tidy
(cd bench && go mod tidy)

# Done means green: everything CI checks on this spec (drift, names,
# lint, every test with -race, the conformance tests, the bench module).
step "Checking the result as CI does (make verify)"
make --no-print-directory verify

step "Done: review 'git diff' (openapi.yaml, overlay.yaml, api/, CHANGELOG.md) and bump the version as the summary says"
