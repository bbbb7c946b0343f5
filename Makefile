# `make run` and `make test` bootstrap everything they need into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HOST ?= 127.0.0.1
export PORT ?= 8000

.PHONY: run test lint format audit messages bench-submit bench-scoring bench-browser screenshots clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/rating-portal db upgrade
	$(BIN)/rating-portal demo-data
	$(BIN)/rating-portal demo-users
	$(BIN)/rating-portal demo-casework
	$(BIN)/rating-portal serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
