# BengoBox POS: one entry point for people and CI.
# `make test` and `make demo` create .venv on first use and install the project into it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_FLAGS ?= --quiet --disable-pip-version-check
# pytest-xdist workers for `make test`: one more than the 2 cores CI has, since the
# end-to-end tests spend most of their time waiting on the processes they start
WORKERS ?= 3
# What `make test` measures: the sync protocol every replica shares (CI requires 95 %);
# `make coverage` measures every package
COV ?= --cov=sync_protocol

.PHONY: help venv test test-fast lint format typecheck bench demo coverage clean openapi

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "BengoBox POS needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install the project with its dev extra

# Tests marked `serial` restart a service the others share: they run alone, after the rest
# (none of them uses Redis, so that run does not ask for Redis tests to have run).
# pytest exits 5 when a selection collects nothing (a PYTEST_ARGS filter): that is not a failure.
test: $(STAMP)  ## run the whole suite (PostgreSQL tests run when a server answers)
	$(BIN)/python -m pytest -n $(WORKERS) -m 'not serial' $(COV) --cov-report= $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m serial -p no:redis-tally $(COV) --cov-append --cov-report=term $(PYTEST_ARGS) || test $$? -eq 5

coverage:  ## the whole suite, measuring every package (slower than make test)
	$(MAKE) test COV=--cov

test-fast: $(STAMP)  ## the suite without the slow end-to-end and fault tests
	$(BIN)/python -m pytest -n $(WORKERS) -m 'not slow and not serial' $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (lint + format check), mypy strict, import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

openapi: $(STAMP)  ## write the served OpenAPI documents to docs/openapi/
	$(BIN)/python -m cloud_hub.http.openapi_dump docs/openapi/hub.json
	$(BIN)/python -m tests.openapi_documents

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## benchmarks, reported as ratios against raw baselines of the same run
	$(BIN)/python -m tests.bench

demo: $(STAMP)  ## start the hub and a seeded demo agent, and print their URLs
	VENV=$(VENV) bash packaging/demo.sh

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov var
