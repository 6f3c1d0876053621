# auditstream developer and CI entry points. Run `make help` for the list.
#
# Local services come from deploy/local (a KRaft Kafka and a ClickHouse as plain processes on
# 127.0.0.1); `make test` starts them and runs every test against them with AUDITSTREAM_E2E=1,
# so an integration test that cannot reach them fails instead of skipping.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
CACHE_DIR ?= $(or $(AUDITSTREAM_CACHE_DIR),$(HOME)/.cache/auditstream)
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(CACHE_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint

KAFKA_PORT ?= $(or $(AUDITSTREAM_KAFKA_PORT),19092)
CLICKHOUSE_PORT ?= $(or $(AUDITSTREAM_CLICKHOUSE_TCP_PORT),19000)
# What the tests are pointed at: the local services, unless the caller exported others.
LOCAL_ENV := AUDITSTREAM_KAFKA_BROKERS=$(or $(AUDITSTREAM_KAFKA_BROKERS),127.0.0.1:$(KAFKA_PORT)) \
	AUDITSTREAM_CLICKHOUSE_ADDR=$(or $(AUDITSTREAM_CLICKHOUSE_ADDR),127.0.0.1:$(CLICKHOUSE_PORT)) \
	AUDITSTREAM_E2E=1

TEST_FLAGS ?= -race -shuffle=on
BENCH ?= .
BENCH_PKGS ?= ./...

.PHONY: help up down status test test-unit test-integration lint vet fmt-check demo bench lint-install \
	bench-produce bench-ingest bench-query chdb-proof schema-check alerts-test

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z-]+:.*## / { printf "  %-17s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

up: ## install (once) and start local Kafka + ClickHouse (deploy/local/up.sh)
	@deploy/local/up.sh

down: ## stop the local services (data stays in .state/)
	@deploy/local/down.sh

status: ## versions, PIDs, ports and RSS of the local services
	@deploy/local/status.sh

# The tests run even when a static check failed, so one CI run shows every problem; the target
# still fails if anything did.
test: up ## vet + gofmt + lint + alert-rule tests, then every test (race, shuffle) against the local services, E2E=1
	@static=0; $(MAKE) --no-print-directory vet fmt-check lint alerts-test || static=$$?; \
	echo "$(LOCAL_ENV) $(GO) test $(TEST_FLAGS) ./... (integration tests with -v: provider, server versions, every test's result)"; \
	tests=0; $(LOCAL_ENV) $(GO) test $(TEST_FLAGS) $$($(GO) list ./... | grep -v /integration_test) || tests=$$?; \
	$(LOCAL_ENV) $(GO) test $(TEST_FLAGS) -v ./integration_test/... || tests=$$?; \
	if [[ $$tests != 0 ]]; then echo "make test: tests failed (see above)" >&2; exit 1; fi; \
	if [[ $$static != 0 ]]; then echo "make test: tests passed, but vet, gofmt, lint or the alert tests failed (see above)" >&2; exit 1; fi

test-unit: ## tests that need no services (go test -short; integration tests skip)
	$(GO) test $(TEST_FLAGS) -short ./...

test-integration: up ## the integration tests only, against the local services, E2E=1
	$(LOCAL_ENV) $(GO) test $(TEST_FLAGS) ./integration_test/... ./internal/testenv/...

vet: ## go vet
	$(GO) vet ./...

fmt-check: ## fail when a file is not gofmt-formatted
	@files="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [[ -n "$$files" ]]; then echo "not gofmt-formatted (run gofmt -w):"; echo "$$files"; exit 1; fi

lint: $(GOLANGCI_LINT) ## golangci-lint (pinned, see .golangci.yml); fails on findings
	$(GOLANGCI_LINT) run ./...

lint-install: $(GOLANGCI_LINT) ## build the pinned golangci-lint into the cache dir

$(GOLANGCI_LINT):
	@echo "building golangci-lint $(GOLANGCI_LINT_VERSION) into $(@D) (once; a few minutes)"
	@mkdir -p $(@D)
	GOBIN=$(@D) GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

demo: ## the pipeline end to end: services up, migrate, consumer, emit every event type, replay + activity log
	@deploy/local/demo.sh

bench: up ## go benchmarks (BENCH=regexp, BENCH_PKGS=packages) against the local services
	$(LOCAL_ENV) $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(BENCH_PKGS)

bench-produce: up ## producer library vs plain franz-go into the real broker (events/s, ratio)
	$(LOCAL_ENV) $(GO) test ./bench/producebench -run '^$$' -bench . -benchtime 8x -count 2

bench-ingest: up ## Kafka -> consumer -> ClickHouse vs direct inserts in the same run (N=events)
	$(GO) run ./bench/ingestbench -n $(or $(N),2000000) -kafka-brokers 127.0.0.1:$(KAFKA_PORT) -clickhouse-addr 127.0.0.1:$(CLICKHOUSE_PORT)

bench-query: up ## replay / activity / sessions latency at 20M co-browsing + 10M audit rows
	$(GO) run ./bench/querybench -clickhouse-addr 127.0.0.1:$(CLICKHOUSE_PORT) -rows 20000000 -audit-rows 10000000 -iterations 200 -settle 120s

chdb-proof: ## run the modern-profile DDL and queries on chDB (ClickHouse 26.x in-process)
	@test -x $(CACHE_DIR)/venv/bin/python || { python3 -m venv $(CACHE_DIR)/venv && $(CACHE_DIR)/venv/bin/pip install -q chdb==4.4.0; }
	$(CACHE_DIR)/venv/bin/python chdb/prove.py

alerts-test: ## lint the Prometheus alert rules and run their promtool unit tests
	@deploy/prometheus/check.sh

schema-check: ## fail when an Avro schema change breaks compatibility
	$(GO) test -count=1 ./schemas/
