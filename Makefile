# Every target works from a fresh clone with only Python 3.11 installed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all venv demo test test-faults test-fast lint fmt typecheck docs docs-check proto proto-check bench install package clean

all: lint test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,terraform]'
	touch $(STAMP)

venv: $(STAMP)

install: $(STAMP)
	$(VENV)/bin/dellsc install

demo: $(STAMP)
	$(PY) -m dellsc.tools.demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist worksteal -m "not faults"

# the full fault matrix (every operation x every fault), kill -9 and concurrency runs
test-faults: $(STAMP)
	$(PY) -m pytest -q -s -m faults

test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist worksteal -m "not acceptance"

lint: $(STAMP)
	$(VENV)/bin/ruff check provider tests
	$(VENV)/bin/ruff format --check provider tests
	$(VENV)/bin/mypy
	$(VENV)/bin/dellsc terraform fmt -check -recursive -diff examples
	$(VENV)/bin/dellsc docs --check

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix provider tests
	$(VENV)/bin/ruff format provider tests
	$(VENV)/bin/dellsc terraform fmt -recursive examples

package: $(STAMP)
	$(VENV)/bin/dellsc package --out dist

docs: $(STAMP)
	$(VENV)/bin/dellsc docs

docs-check: $(STAMP)
	$(VENV)/bin/dellsc docs --check

proto: $(STAMP)
	$(PY) -m dellsc.server.protogen

proto-check: $(STAMP)
	$(PY) -m dellsc.server.protogen --check

bench: $(STAMP)
	$(PY) -m dellsc.tools.bench

clean:
	rm -rf $(VENV) .demo .bench dist .pytest_cache .mypy_cache .ruff_cache
