# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv on first use with a Python >= 3.12 found on this machine.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# First Python >= 3.12 found: on PATH, then pyenv's versions, then uv's.
FIND_PYTHON := for p in python3.12 python3.13 python3.14 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 \
	$$HOME/.local/share/uv/python/cpython-3.1[2-9]*/bin/python3; do \
	if command -v "$$p" >/dev/null 2>&1 && \
	   "$$p" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	   echo "$$p"; break; fi; done

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	@base="$$($(FIND_PYTHON))"; \
	if [ -z "$$base" ]; then echo "make: no Python >= 3.12 found (tried python3.12, python3.13, pyenv)" >&2; exit 2; fi; \
	echo "Setting up $(VENV) with $$base"; \
	"$$base" -m venv $(VENV) && \
	$(PY) -m pip install --quiet --upgrade pip && \
	$(PY) -m pip install --quiet -e ".[dev]" && touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/relsim demo

test: $(STAMP)
	$(PY) -m ruff check sim tests benchmarks
	$(PY) -m ruff format --check sim tests benchmarks
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check sim tests benchmarks

format: $(STAMP)
	$(PY) -m ruff format sim tests benchmarks
	$(PY) -m ruff check --fix sim tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
