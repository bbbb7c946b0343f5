# `make run` and `make test` bootstrap everything they need into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HOST ?= 127.0.0.1
export PORT ?= 8000

# Test processes (pytest-xdist): 2 measured fastest on the two-core CI machine (3 and 4 were slower);
# elsewhere try `make test PYTEST_WORKERS=auto`. tests/parallel.py keeps the browser tests (one demo
# server for all) and the loads on real servers (one at a time) each on one worker.
# PYTEST_ARGS adds options (.ci/run: --durations=15; or a path, -k, -x).
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

.PHONY: run test test-fast lint format audit messages bench-submit bench-scoring bench-browser screenshots clean

$(STAMP): pyproject.toml
	bash .ci/system-libs
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The scoring worker runs beside the server (scoring queued from the staff pages); Ctrl-C stops both.
run: $(STAMP)
	mkdir -p var
	$(BIN)/rating-portal db upgrade
	$(BIN)/rating-portal demo-data
	$(BIN)/rating-portal demo-users
	$(BIN)/rating-portal demo-casework
	$(BIN)/rating-portal worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/rating-portal serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) $(PYTEST_ARGS)

# The quick loop while developing: everything but the tests marked slow (the browser, loads on real
# servers, property-based fuzzing of whole pages). CI runs them all (`make test`).
test-fast: $(STAMP)
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Known vulnerabilities in the installed dependencies (pip-audit against PyPI's advisory data).
audit: $(STAMP)
	$(BIN)/python .ci/audit_dependencies.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP)
	$(BIN)/python -m portal.ops.catalogs

bench-submit: $(STAMP)
	$(BIN)/python bench/submit_load.py

bench-scoring: $(STAMP)
	$(BIN)/python bench/scoring_bench.py

# The citizen form on emulated slow 3G in headless Chromium (docs/performance-browser.md).
bench-browser: $(STAMP)
	$(BIN)/python bench/slow3g.py

# PNGs of the main pages into docs/screenshots/ (shown in the README); needs Debian's chromium.
screenshots: $(STAMP)
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
