# Every tool runs through `go tool`, pinned in go.mod (the generator) or
# tools/go.mod (linters, spec diff); nothing is installed globally.
GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
FUZZTIME  ?= 60s
STRESS    ?= 10m
# Shell kept as shell (run with bash, macOS's 3.2 included); the rest of
# the developer commands are Go, in internal/devtool.
SCRIPTS   := $(wildcard scripts/*.sh) bench/run.sh .ci/run
DEVTOOL   := $(GO) run ./internal/devtool

.PHONY: all generate check-generated lint test fuzz ci verify demo help update-spec fixtures names-lint bench bench-check release release-check vuln conformance stress

all: ci

## generate: regenerate api/ from openapi.yaml, overlay.yaml and oapi-codegen.yaml (and bench/'s ogen clients)
generate:
	$(GO) generate ./...
	cd bench && $(GO) generate ./...

## check-generated: fail if generating changes any file, tracked or not, or if go.mod/go.sum are untidy
check-generated:
	@set -e; \
	before="$$(git status --porcelain=v1 -uall; git diff)"; \
	$(MAKE) --no-print-directory generate; \
	after="$$(git status --porcelain=v1 -uall; git diff)"; \
	if [ "$$before" != "$$after" ]; then \
		echo "check-generated: generated code differs from openapi.yaml + overlay.yaml + oapi-codegen.yaml:"; \
		git status --short; git --no-pager diff --stat; \
		echo "run 'make generate' and commit the result; never edit api/*.gen.go by hand"; \
		exit 1; \
	fi
	$(GO) mod tidy -diff
	cd tools && $(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff

## lint: gofmt, go vet and staticcheck (root and bench modules); actionlint on the workflows; shcheck on the scripts
lint:
	@unformatted="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' | grep -v '\.gen\.go$$'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	cd bench && $(GO) vet ./... && $(GO) tool -modfile=../tools/go.mod staticcheck ./...
	$(TOOL) actionlint
	cd tools && $(GO) vet ./... && $(GO) test -count=1 ./... && $(GO) run ./shcheck $(addprefix ../,$(SCRIPTS))

## test: every test, with the race detector
test:
	$(GO) test -race -count=1 ./...

## fuzz: fuzz the error decoder for FUZZTIME (default 60s)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzCheckResponse$$' -fuzztime $(FUZZTIME) .

## names-lint: every operation has a Go name, and no generated method carries a FastAPI suffix
names-lint:
	$(GO) run ./internal/opnames names
	$(GO) run ./internal/opnames lint

## bench: benchmarks against raw net/http and ogen, generation scale; writes bench/BENCHMARKS.md (COUNT, BENCHTIME)
bench:
	bash bench/run.sh

## startup: package init, binary size and `datafold version` wall time against net/http and hello world (RUNS)
.PHONY: startup
startup:
	cd bench && $(GO) run ./cmd/startup -runs $(or $(RUNS),31)

## bench-check: the benchmark module builds, vets and every contender makes a real call
bench-check:
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -run 'TestClientsAgree' -bench . -benchtime 1x ./...

## conformance: the tests generated from the spec, with what they covered
conformance:
	@out="$$($(GO) test -count=1 -run '^TestConformance' -v . 2>&1)"; rc=$$?; \
	printf '%s\n' "$$out" | grep -E 'conformance:|^(ok|FAIL|--- FAIL)|^\s+\S+\.go:[0-9]+:'; exit $$rc

## verify: every check of make ci but the fixtures and stress (update-spec ends with it)
verify: check-generated names-lint lint test conformance bench-check

## ci: what CI runs, here (.ci/run) and hosted (.github/workflows/ci.yml)
ci: verify fixtures
	$(MAKE) --no-print-directory stress STRESS=30s

## stress: STRESS (default 10m) of 64 goroutines per protocol removing ids through one client against a loopback server injecting faults
stress:
	$(GO) test -run '^TestStress$$' -count=1 -timeout 0 -v . -stress $(STRESS)


help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## demo: regenerate, start the bundled fake Datafold and remove integrations through the CLI
demo:
	$(DEVTOOL) demo

## update-spec: SPEC=path [NAMES=auto]: replace openapi.yaml, report breaking changes, name operations, regenerate, test
update-spec:
	bash scripts/update-spec.sh "$(SPEC)" "$(NAMES)"

## fixtures: make update-spec with each fixture spec in a scratch copy (POSIX-only PATH; ends in make verify), check the v2->v3 breaking report and the spec-watch PR label (UPDATE_GOLDEN=1)
fixtures:
	$(DEVTOOL) fixtures

## release: VERSION=vX.Y.Z: the CLI for linux/darwin/windows x amd64/arm64 and SHA256SUMS in dist/, notes from CHANGELOG.md
release:
	$(DEVTOOL) release -version "$(VERSION)" -out dist -notes dist/NOTES.md

## release-check: build the six release binaries with checksums in a scratch dir and run this platform's `datafold version`
release-check:
	$(DEVTOOL) release -version v0.0.0-releasecheck -check

## vuln: govulncheck on the module (needs the Go vulnerability database; hosted CI runs it)
vuln:
	$(TOOL) govulncheck ./...
