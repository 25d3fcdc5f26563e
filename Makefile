# Kairos: one command to run the platform locally, one to run the tests.
# uv is installed with pip when missing; everything else comes from the uv workspace.

SHELL := /bin/bash
# Without uv on PATH, use the pip-installed one as a module (works for --user and venv installs).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
# --frozen when a lock file exists: never re-resolve behind the developer's back.
SYNC_FLAGS := --all-packages $(if $(wildcard uv.lock),--frozen,)

.PHONY: up down status demo test lint sync uv bench typecheck-tests

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install uv

sync: uv
	$(UV) sync $(SYNC_FLAGS)

# KAFKA_NODES=3: a three-node Kafka cluster (default one node)
# PROMETHEUS=1: Prometheus too, scraping every service process (`make status` prints its URL)
up: sync
	$(UV) run kairos-stack up $(if $(KAFKA_NODES),--kafka-nodes $(KAFKA_NODES),) \
		$(if $(filter 1 true yes on,$(PROMETHEUS)),--prometheus,)

down: uv
	$(UV) run --no-sync kairos-stack down

status: uv
	$(UV) run --no-sync kairos-stack status

# With the stack up: a mentor with offerings, a mentee with credits, a paid booking made
# through the public API, then printed as the curl commands that do the same.
demo: uv
	$(UV) run --no-sync kairos-stack demo

test: sync
	$(UV) run pytest

lint: sync typecheck-tests
	$(UV) run ruff check libs services tests-e2e bench deploy
	$(UV) run ruff format --check libs services tests-e2e bench deploy
	$(UV) run python -m kairos_contracts.schemas check
	$(UV) run python -m kairos_contracts.asyncapi check
	$(UV) run mypy libs/*/src services/*/src tests-e2e/src
	$(UV) run python -m kairos_localstack.api_document check
	$(UV) run python -m kairos_localstack.promtool_dist check
	cd clients/typescript && npx --no-install tsc --noEmit
	cd web && npx --no-install tsc --noEmit

# The tests are type-checked as the code is, one folder at a time: several hold modules of
# the same name (conftest, fakes), which one mypy run would take for one module. The folder's
# parent is mypy's base, so `from .fakes import ...` resolves without an __init__.py (which
# would make every service's tests/unit the one package "unit" for pytest), and so does
# `from .conftest import ...` in a file at the folder's top (a module of package "tests").
TEST_DIRS ?= libs/contracts/tests libs/platform/tests libs/localstack/tests \
	services/booking/tests services/payments/tests services/attendance/tests \
	services/calendar-sync/tests tests-e2e/tests faults/tests deploy/tests

typecheck-tests: sync
	@set -e; for d in $(TEST_DIRS); do \
		echo "mypy $$d"; MYPYPATH=$$(dirname $$d) $(UV) run mypy --explicit-package-bases $$d; done

# The merged OpenAPI (clients/openapi.json) and the TypeScript client generated from it.
clients: sync
	$(UV) run python -m kairos_localstack.api_document write

# Benchmarks print figures and write a report under reports/ (not part of `make test`).
bench: sync
	$(UV) run python bench/relay_bench.py
