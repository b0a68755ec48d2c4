# Every tool runs through `go tool`, pinned in go.mod (the generator) or
# tools/go.mod (linters, spec diff); the developer commands are Go, in
# internal/devtool. `make help` lists the targets.
GO      ?= go
TOOL    := $(GO) tool -modfile=tools/go.mod
DEVTOOL := $(GO) run ./internal/devtool
STRESS  ?= 10m

.PHONY: ci verify generate check-generated lint test stress fixtures update-spec demo bench release mutate help

# With four jobs side by side, a failing one's log is only readable whole:
# -Otarget holds each job's output until it ends. Apple's make 3.81 would
# refuse the flag, so there the logs still interleave.
SYNC := $(if $(filter output-sync,$(.FEATURES)),--output-sync=target)

## ci: what CI runs (.ci/run, and hosted): every check once; after the drift check, lint, tests, fixtures and 30 s of stress side by side, each job's log shown whole when it ends
ci: check-generated
	$(MAKE) --no-print-directory -j4 $(SYNC) lint test fixtures stress STRESS=30s

## verify: every check of make ci but the fixtures and the stress; make update-spec ends with it
verify: check-generated lint test

## generate: regenerate api/ from openapi.yaml, overlay.yaml and oapi-codegen.yaml (and bench/'s ogen clients)
generate:
	$(GO) generate ./...
	cd bench && $(GO) generate ./...

## check-generated: generating changes no file, tracked or not; every operation has a Go name; go.mod files are tidy
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
	$(GO) run ./internal/opnames names
	$(GO) run ./internal/opnames lint
	$(GO) mod tidy -diff
	cd tools && $(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff

## lint: gofmt, go vet and staticcheck (root, bench and tools modules), actionlint on the workflows
lint:
	@unformatted="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' | grep -v '\.gen\.go$$'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	cd bench && $(GO) vet ./... && $(GO) tool -modfile=../tools/go.mod staticcheck ./...
	$(TOOL) actionlint

## test: every test with the race detector (the conformance tests generated from the spec included), and one call through each benchmark contender
test:
	$(GO) test -race -count=1 ./...
	cd bench && $(GO) test -count=1 -run 'TestClientsAgree' -bench . -benchtime 1x ./...

## stress: STRESS (default 10m) of 64 goroutines per protocol removing ids through one client against a loopback server injecting faults
stress:
	$(GO) test -run '^TestStress$$' -count=1 -timeout 0 -v . -stress $(STRESS)

## fixtures: make update-spec with each testdata/specs fixture in a scratch copy, checking the reports (UPDATE_GOLDEN=1 rewrites the v2 -> v3 one)
fixtures:
	$(DEVTOOL) fixtures

## update-spec: SPEC=path [NAMES=auto]: replace openapi.yaml, report breaking changes, name operations, regenerate, make verify
update-spec:
	$(DEVTOOL) update-spec -names "$(NAMES)" "$(SPEC)"

## demo: regenerate, start the bundled fake Datafold and remove integrations through the CLI
demo:
	$(DEVTOOL) demo

## bench: benchmarks against raw net/http and ogen, startup and generation scale; writes bench/BENCHMARKS.md (COUNT, BENCHTIME, STARTUP_RUNS)
bench:
	$(DEVTOOL) bench

## release: VERSION=vX.Y.Z: the CLI for linux/darwin/windows x amd64/arm64 and SHA256SUMS in dist/; CHECK=1 builds them in a scratch dir instead
release:
	@if [ -n "$(CHECK)" ]; then $(DEVTOOL) release -version v0.0.0-releasecheck -check; \
	else $(DEVTOOL) release -version "$(VERSION)" -out dist -notes dist/NOTES.md; fi

## mutate: [WORKERS=n] gremlins mutation testing of the root package (about 15 min on 2 cores, so not in make ci): test efficacy, mutator coverage, and every survivor testdata/mutants-equivalent.md does not explain
mutate:
	$(DEVTOOL) mutate $(if $(WORKERS),-workers $(WORKERS))

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
