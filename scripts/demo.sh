#!/usr/bin/env bash
# The newcomer's first run: regenerate the client from openapi.yaml, start
# the bundled fake Datafold on loopback, and remove integrations through the
# real CLI. No account, no network.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Regenerating api/ from openapi.yaml (go generate)"
go generate ./...
if ! git diff --quiet -- api/ 2>/dev/null; then
	echo "note: api/ changed; review with 'git diff api/'"
fi

step "Building the CLI and the fake server"
go build -o "$work/datafold" ./cmd/datafold
go build -o "$work/datafold-fake" ./cmd/datafold-fake

step "Starting the fake Datafold with integrations 1-5"
"$work/datafold-fake" -integrations 1-5 >"$work/env" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 100); do
	[ "$(wc -l <"$work/env")" -ge 2 ] && break
	sleep 0.05
done
set -a
# shellcheck disable=SC1091
. "$work/env"
set +a
echo "DATAFOLD_HOST=$DATAFOLD_HOST (the key is in DATAFOLD_API_KEY)"

step "datafold integrations remove 1 2 3"
"$work/datafold" integrations remove 1 2 3

step "datafold integrations remove 3 4 --output json   (NDJSON; 3 is absent: expect exit 1)"
set +e
"$work/datafold" integrations remove 3 4 --output json
code=$?
set -e
echo "exit status: $code"
[ "$code" -eq 1 ] || { echo "demo: expected exit status 1"; exit 1; }

step "printf '4\\n5  # the last one\\n' | datafold integrations remove --ignore-not-found -   (4 is absent: fine, exit 0)"
printf '4\n5  # the last one\n' | "$work/datafold" integrations remove --ignore-not-found -

step "datafold integrations remove abc   (usage error: expect exit 2)"
set +e
"$work/datafold" integrations remove abc
code=$?
set -e
echo "exit status: $code"
[ "$code" -eq 2 ] || { echo "demo: expected exit status 2"; exit 1; }

step "What the fake received"
cat "$work/fake.log"
if grep -q VIOLATION "$work/fake.log"; then
	echo "demo: a request did not conform to the OpenAPI document"
	exit 1
fi
step "Done: the client was regenerated and made real round trips."
