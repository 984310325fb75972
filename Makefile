# Tamam: `make run` starts everything, `make test` runs every check. `make help` lists the rest.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x -k auth"`.
PYTEST_ARGS ?=
# Extra arguments for the proof runs, e.g. `make soak SOAK_ARGS=--short`.
BENCH_ARGS ?=
SOAK_ARGS ?=
SCALEOUT_ARGS ?=

# Stamps inside the venv: pip runs again only when a requirements file is newer than its stamp.
RUN_STAMP := $(VENV)/.installed-requirements.txt
DEV_STAMP := $(VENV)/.installed-requirements-dev.txt

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench soak scaleout setup setup-dev htmx fonts catalogs clean

help: ## List the targets
	@echo "Tamam: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Tamam needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
		  "Run: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(RUN_STAMP)

setup: $(RUN_STAMP) htmx fonts catalogs ## Create .venv and install what the app needs

setup-dev: $(DEV_STAMP) htmx fonts catalogs ## Create .venv and install what the tests need too

htmx: | $(BIN)/python ## Fetch the pinned htmx into webapp/static/vendor (checked, cached)
	@$(BIN)/python scripts/fetch_htmx.py

fonts: | $(BIN)/python ## Fetch the pinned DejaVu Sans (Arabic and Latin) for report PDFs
	@$(BIN)/python scripts/fetch_fonts.py

catalogs: | $(RUN_STAMP) ## Compile the message catalogs (.po in git -> .mo beside them)
	@$(BIN)/python scripts/catalogs.py compile

run: setup ## Set up, migrate, seed, then serve web + worker + scheduler on http://127.0.0.1:5000
	$(BIN)/python -m webapp.devserver

test: setup-dev ## Set up, then ruff check, ruff format --check and pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup-dev ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev ## Rewrite the code with ruff format and ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup-dev ## Run every benchmark, print ratios, write bench/RESULTS.md and its plots
	PYTHONPATH=. $(BIN)/python bench/run_all.py $(BENCH_ARGS)

soak: setup-dev ## Fault soak: real processes, faults injected, nothing lost or doubled (--short in CI)
	PYTHONPATH=. $(BIN)/python scripts/soak.py $(SOAK_ARGS)

scaleout: setup-dev ## Three "hosts" (UTS namespaces) share one Redis and PostgreSQL; one is cut off
	PYTHONPATH=. $(BIN)/python scripts/scaleout.py $(SCALEOUT_ARGS)

clean: ## Remove .venv, caches, fetched htmx and test results (keeps instance/, your data)
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results webapp/static/vendor
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
