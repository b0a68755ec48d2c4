#!/usr/bin/env bash
# make update-spec SPEC=path [NAMES=auto]
#
# Replaces openapi.yaml with a newer upstream document (YAML or JSON),
# reports what changed for importers, makes sure every operation has an
# idiomatic Go name, regenerates, and proves the result builds, vets and
# passes the tests. Nothing generated or handwritten is edited by hand.
set -euo pipefail

spec=${1:-}
names=${2:-}
if [ -z "$spec" ] || [ ! -f "$spec" ]; then
	echo "usage: make update-spec SPEC=path/to/openapi.(yaml|json) [NAMES=auto]" >&2
	exit 2
fi
spec=$(realpath "$spec") # before the cd below, so a relative path works
cd "$(dirname "$0")/.."
case "$names" in "" | auto) ;; *)
	echo "update-spec: NAMES must be empty or auto, not '$names'" >&2
	exit 2
	;;
esac

oasdiff() { go tool -modfile=tools/go.mod oasdiff "$@"; }
opnames() { go run ./internal/opnames "$@"; }
step() { printf '\n==> %s\n' "$*"; }

new=$(mktemp --suffix=.yaml)
changes=$(mktemp --suffix=.json)
trap 'rm -f "$new" "$changes"' EXIT
opnames to-yaml "$spec" "$new"

step "Changes from openapi.yaml to $spec (oasdiff; 'error' lines break importers)"
oasdiff changelog openapi.yaml "$new"
oasdiff changelog openapi.yaml "$new" --format json >"$changes"
printf 'summary: '
opnames summary <"$changes"

step "Replacing openapi.yaml"
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
go mod tidy
(cd bench && go mod tidy)

# Done means green: everything CI checks on this spec (drift, names,
# lint, every test with -race, the conformance tests, the bench module).
step "Checking the result as CI does (make verify)"
make --no-print-directory verify

step "Done: review 'git diff' (openapi.yaml, overlay.yaml, api/) and bump the version as the summary says"
