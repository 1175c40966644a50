# Chartkeep's build. The README gives two commands: `make demo` and `make test`.
# `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# A fresh shell may lack Go on PATH, and never has what `go install` writes.
# $(shell) does not see a PATH exported by this Makefile, so GO names the go
# command by its path when it is not on PATH.
GO := $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
ifeq ($(shell command -v go 2>/dev/null),)
export PATH := /usr/local/go/bin:$(PATH)
endif
GOBIN_DIR := $(shell b=$$($(GO) env GOBIN); echo $${b:-$$($(GO) env GOPATH | cut -d: -f1)/bin})
export PATH := $(GOBIN_DIR):$(PATH)

# The FHIR test data lives beside the clone, not in it. Tests use it when it
# is there; CI, which always has it, makes its absence a failure.
export CHARTKEEP_SHARED ?= $(abspath $(CURDIR)/../shared)
ifneq ($(CI),)
export CHARTKEEP_REQUIRE_SHARED ?= 1
endif
# Where the e2e test writes screenshots and logs.
export ARTIFACTS ?= $(CURDIR)/build/artifacts

# Linux builds need WebKitGTK 4.1. -m and -nosyncgomod keep wails from running
# `go mod tidy` and rewriting go.mod.
WAILS_FLAGS := -m -nosyncgomod $(if $(CI),-nocolour)
LINUX_TAGS := webkit2_41
# Tests that only make sense on the real public data (build tag shareddata)
# are built in when ../shared is there, and always under CI, which has it.
comma := ,
SHARED_TAG := $(if $(or $(CI),$(wildcard $(CHARTKEEP_SHARED)/fhir-data)),$(comma)shareddata)
GO_TAGS := $(LINUX_TAGS),realkeyring$(SHARED_TAG)
VET_TAGS := $(LINUX_TAGS),realkeyring,shareddata,bench,e2e
BIN := build/bin/chartkeep
RACE ?=
# CI always runs the tests; locally go test's cache may answer for unchanged
# packages. GOTESTFLAGS adds flags (e.g. GOTESTFLAGS='-run TestX -v').
GO_TEST_FLAGS := $(strip $(if $(filter 1 true yes,$(RACE)),-race) $(if $(CI),-count=1) $(GOTESTFLAGS))
# Vite empties frontend/dist on every build, committed placeholder included;
# put it back so the tree stays clean and go:embed still finds a file.
KEEP_DIST := mkdir -p frontend/dist && touch frontend/dist/.gitkeep
# machine (needs admin, Program Files) or user (per-user, no admin).
INSTALL_SCOPE ?= machine

.PHONY: help setup frontend app demo vet test-go test-frontend e2e windows test clean bench

help:
	@echo "make demo           build Chartkeep and run it against the built-in healow simulator"
	@echo "make test           everything CI runs: setup vet app test-go test-frontend e2e"
	@echo "make setup          install missing tools and packages (apt, wails, staticcheck, npm)"
	@echo "make frontend       build the frontend into frontend/dist"
	@echo "make app            build $(BIN)"
	@echo "make vet            gofmt, go vet, staticcheck"
	@echo "make test-go        Go tests against a private, real Secret Service (RACE=1: -race)"
	@echo "make test-frontend  frontend tests and lint"
	@echo "make e2e            end-to-end test of the built app under Xvfb (ARTIFACTS=$(ARTIFACTS))"
	@echo "make windows        cross-build the Windows NSIS installer (INSTALL_SCOPE=machine|user)"
	@echo "make bench          sync benchmarks: ingest rate, wall time against its bound, peak heap"
	@echo "make clean          remove build outputs"

# SETUP_DONE=1 is set by `make test` for its steps, so setup runs once.
setup:
ifneq ($(SETUP_DONE),1)
	scripts/setup.sh
endif

frontend: setup
	cd frontend && npm run build
	@$(KEEP_DIST)

# wails build also builds the frontend (wails.json frontend:build).
app: setup
	wails build $(WAILS_FLAGS) -tags $(LINUX_TAGS) -clean
	@$(KEEP_DIST)

demo: app
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make demo: $(BIN) is built, but the demo opens a window and a web browser," >&2; \
	  echo "so it needs a desktop session (no DISPLAY or WAYLAND_DISPLAY is set)." >&2; \
	  echo "Run 'make demo' or '$(BIN) --demo' from a terminal on your desktop." >&2; \
	  exit 1; \
	fi
	$(BIN) --demo

vet: setup
	@unformatted=$$(find . -name '*.go' -not -path './.git/*' -not -path './frontend/node_modules/*' \
	  -not -path './build/*' -print0 | xargs -0 -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
	  echo "gofmt: these files are not formatted (run gofmt -w on them):"; \
	  echo "$$unformatted"; exit 1; \
	fi; echo "gofmt: ok"
	go vet -tags $(VET_TAGS) ./...
	@if command -v staticcheck >/dev/null 2>&1; then \
	  echo "staticcheck -tags $(VET_TAGS) ./..."; staticcheck -tags $(VET_TAGS) ./...; \
	else echo "staticcheck: not installed, skipped (make setup installs it)"; fi

test-go: setup
	scripts/with-keyring.sh go test $(GO_TEST_FLAGS) -tags $(GO_TAGS) ./...

test-frontend: setup
	cd frontend && npm test && npm run lint

e2e: setup
	mkdir -p "$(ARTIFACTS)"
	scripts/with-keyring.sh scripts/with-display.sh \
	  go test -tags e2e,$(LINUX_TAGS) -count=1 -timeout 40m -v ./backend/e2e/

windows: setup
	wails build $(WAILS_FLAGS) -platform windows/amd64 -nsis -installscope $(INSTALL_SCOPE)
	@$(KEEP_DIST)

# The three figures of the sync issue, each a ratio measured in one process.
# -p 1: one package at a time, so that they do not slow each other down.
bench:
	go test -count=1 -p 1 -tags bench -run '^TestBench' -v -timeout 20m \
	  ./backend/store/ ./backend/sync/

test:
	@scripts/setup.sh
	@scripts/run-steps.sh vet app test-go test-frontend e2e

clean:
	rm -rf build/bin build/artifacts build/windows/installer/tmp frontend/package.json.md5
	@if [ -d frontend/dist ]; then find frontend/dist -mindepth 1 ! -name .gitkeep -delete; fi
