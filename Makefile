# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := tests/browser/vendor/axe.min.js

.PHONY: run test test-fast lint typecheck browser-deps catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Serve the wiki on the bundled principles at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/wiki serve --host 127.0.0.1 --port 8000

## Everything the suite needs, then all of it: lint, types, unit, HTTP, concurrency, browser.
test: $(STAMP) browser-deps lint typecheck
	$(BIN)/pytest

## The quick loop: no browser, crash or load tests.
test-fast: $(STAMP) lint typecheck
	$(BIN)/pytest -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## Debian's chromium for the browser tests (root with apt only; elsewhere they skip, or fail under CI=true).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will skip"; fi; \
	fi

## Re-extract interface strings and update the catalogs (then translate the new Dutch entries).
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o wiki/locale/messages.pot .
	$(BIN)/pybabel update -i wiki/locale/messages.pot -d wiki/locale --no-fuzzy-matching --omit-header --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
