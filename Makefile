# Every tool runs through `go tool`, pinned in go.mod (the generator) or
# tools/go.mod (linters, spec diff); nothing is installed globally.
GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
FUZZTIME  ?= 60s

.PHONY: all generate check-generated lint test fuzz ci demo help update-spec fixtures names-lint bench bench-check

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

## lint: gofmt, go vet and staticcheck (root and bench modules)
lint:
	@unformatted="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' | grep -v '\.gen\.go$$'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	cd bench && $(GO) vet ./... && $(GO) tool -modfile=../tools/go.mod staticcheck ./...

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

## ci: what CI runs
ci: check-generated names-lint lint test bench-check fixtures

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## demo: regenerate, start the bundled fake Datafold and remove integrations through the CLI
demo:
	bash scripts/demo.sh

## update-spec: SPEC=path [NAMES=auto]: replace openapi.yaml, report breaking changes, name operations, regenerate, test
update-spec:
	bash scripts/update-spec.sh "$(SPEC)" "$(NAMES)"

## fixtures: regenerate from each fixture spec in a scratch copy (build, vet, all tests) and check the v2->v3 breaking report
fixtures:
	bash scripts/check-fixtures.sh
