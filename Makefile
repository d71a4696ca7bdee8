# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := tests/browser/vendor/axe.min.js

.PHONY: run test test-fast lint typecheck wheel-check lock browser-deps postgres-deps oidc-deps catalogs vendor-css bench clean

# Every package at the version and hash of requirements.lock, then the wiki itself from the checkout.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Refresh requirements.lock from the pins in pyproject.toml (after changing one), with hashes.
lock:
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip uninstall --quiet --yes pip-tools

## Serve the wiki on the bundled principles at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/wiki serve --host 127.0.0.1 --port 8000

## Everything the suite needs, then all of it: lint, types, unit, HTTP, concurrency, browser.
test: $(STAMP) browser-deps postgres-deps oidc-deps lint typecheck wheel-check
	$(BIN)/pytest

## The quick loop: no browser, crash or load tests.
test-fast: $(STAMP) lint typecheck
	$(BIN)/pytest -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## Build the wheel, install it in a fresh virtualenv outside the checkout and serve from there.
wheel-check: $(STAMP)
	PYTHON=$(BIN)/python .ci/wheel-check

## Debian's chromium for the browser tests (root with apt only; elsewhere they skip, or fail under CI=true).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will skip"; fi; \
	fi

## Debian's PostgreSQL server for the store's tests on both backends (root with apt only; elsewhere
## they skip, or fail under CI=true). The tests start their own throwaway cluster, not the system one.
postgres-deps:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: its tests will skip"; fi; \
	fi

## The OpenID Connect provider of the sign-in tests: `oidc-provider` at the version and integrity of
## tests/oidc/package-lock.json, with the node and npm on PATH (20 or newer). Only when there is
## no node at all are Debian's `nodejs` and `npm` installed (root with apt): Debian's npm conflicts
## with a Node installed another way, so it is never added next to one. Elsewhere those tests
## skip, or fail under CI=true.
oidc-deps:
	@if ! command -v node >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	  else echo "node is missing: the OpenID Connect tests will skip"; fi; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the OpenID Connect tests will skip"; fi

## Re-extract interface strings and update the catalogs (then translate the new Dutch entries).
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o wiki/locale/messages.pot .
	$(BIN)/pybabel update -i wiki/locale/messages.pot -d wiki/locale --no-fuzzy-matching --omit-header --ignore-obsolete

## Re-fetch the vendored NL Design System CSS at its pinned versions and check its sha256
## (static/vendor/README.md; needs npm). `make vendor-css SHA256=` skips the check, to pin anew.
vendor-css:
	sh tools/vendor-css.sh

## Benchmarks (never part of make test): issue #7's targets in one run on a generated repository
## of 2,000 pages and 50,000 commits (our wiki, An Otter Wiki and a bare Starlette endpoint, saves
## and 8 concurrent writers, start-up, memory; one of 200 commits for flatness), then history and
## search in-process, then the table of targets. JSON goes to $(BENCH_OUT).
BENCH_DATA ?= /tmp/benchdata/large
BENCH_SMALL ?= /tmp/benchdata/small
BENCH_HUGE ?= /tmp/benchdata/huge
BENCH_OUT ?= bench/results/targets
DURATION ?= 10
MAX_REQUESTS ?= 400
SOAK_MINUTES ?= 30
bench: $(STAMP)
	[ -x .venv-otter/bin/gunicorn ] || ($(PYTHON) -m venv .venv-otter && .venv-otter/bin/pip install --quiet otterwiki==2.26.1 gunicorn==27.0.1)
	[ -f $(BENCH_DATA)/manifest.json ] || $(PYTHON) bench/gen_repo.py --out $(BENCH_DATA) --pages 2000 --commits 50000 --deep-revs 5000
	[ -f $(BENCH_SMALL)/manifest.json ] || $(PYTHON) bench/gen_repo.py --out $(BENCH_SMALL) --pages 20 --commits 200 --deep-revs 60
	[ -f $(BENCH_HUGE)/manifest.json ] || $(PYTHON) bench/gen_repo.py --out $(BENCH_HUGE) --pages 10000 --commits 200000 --deep-revs 5000
	$(BIN)/python bench/targets.py --data $(BENCH_DATA) --small $(BENCH_SMALL) --out $(BENCH_OUT) \
	  --duration $(DURATION) --max-requests $(MAX_REQUESTS)
	$(BIN)/python bench/history.py --data $(BENCH_DATA) --out $(BENCH_OUT)/history.json
	$(BIN)/python bench/search.py --data $(BENCH_DATA) --out $(BENCH_OUT)/search.json
	$(BIN)/python bench/soak.py --data $(BENCH_DATA) --minutes $(SOAK_MINUTES) --out $(BENCH_OUT)
	$(BIN)/python bench/export_load.py --data $(BENCH_DATA) --out $(BENCH_OUT)
	$(BIN)/python bench/blame.py --data $(BENCH_DATA) --out $(BENCH_OUT)/blame.json
	$(BIN)/python bench/kept_under_saves.py --data $(BENCH_DATA) --out $(BENCH_OUT)
	$(BIN)/python bench/signed_in.py --data $(BENCH_DATA) --duration $(DURATION) --out $(BENCH_OUT)/signed_in.json
	$(BIN)/python bench/workers.py --data $(BENCH_DATA) --out $(BENCH_OUT)/workers.json
	$(BIN)/python bench/group_commit.py --data $(BENCH_DATA) --out $(BENCH_OUT)
	$(BIN)/python bench/scale.py --huge $(BENCH_HUGE) --large $(BENCH_DATA) --out $(BENCH_OUT)
	$(BIN)/python bench/summary.py --results $(BENCH_OUT) --history $(BENCH_OUT)/history.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
