# The front door of the workspace. `make help` lists the targets.
#
# On a fresh machine (Python 3.11+ and make, nothing else) the first target that
# needs Python creates .venv/, installs the workspace into it and registers the
# Jupyter kernel. With your own conda env instead:  make reports PYTHON=python

SHELL   := /bin/bash
STUDY   ?= sample
WORKERS ?= 2
REPORT  ?=
KERNEL  := asn-workspace
VENV    := .venv
# the first interpreter that runs and is 3.11+ (pyenv shims may exist without a working Python)
PY      ?= $(shell for p in python3 python3.13 python3.12 python3.11 python; do \
             $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
PYTEST_ARGS ?= -n 2
# parallelism is over processes; one BLAS thread each (see src/helpers/__init__.py)
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

ifeq ($(origin PYTHON), undefined)
PYTHON := $(VENV)/bin/python
SETUP  := $(VENV)/.installed
else
SETUP  :=
endif

.PHONY: help setup reports test test-fast lint lab verify validate synth clean bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: pyproject.toml
	@test -n "$(PY)" || { echo "Python 3.11 or newer is needed: none found as python3, python3.1x or python"; exit 1; }
	@test -x $(VENV)/bin/python || { echo "Creating $(VENV) with $$($(PY) --version)"; $(PY) -m venv $(VENV); }
	@echo "Installing the workspace and its dependencies into $(VENV) (a few minutes the first time)"
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2> >(grep -v "^WARNING: Location" >&2)
	@$(VENV)/bin/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (ASN workspace)" >/dev/null
	@touch $@

setup: $(SETUP)  ## create .venv, install the workspace, register the Jupyter kernel

reports: $(SETUP)  ## run the whole pipeline on the sample study -> reports/$(STUDY)/
	$(PYTHON) -m helpers run --study $(STUDY) --workers $(WORKERS)

test: $(SETUP)  ## run the test suite (prints the 15 slowest tests)
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test-fast: $(SETUP)  ## the suite without the slow tests (no notebook, pipeline or whole-sample run)
	$(PYTHON) -m pytest $(PYTEST_ARGS) -m "not slow"

lint: $(SETUP)  ## pyflakes-level checks of src/, tests/, benchmarks/ (ruff)
	$(PYTHON) -m ruff check src tests benchmarks

lab: $(SETUP)  ## open JupyterLab on notebooks/ with the workspace kernel
	$(PYTHON) -m jupyter lab notebooks/

verify: $(SETUP)  ## rerun a report from its manifest and compare every number: make verify REPORT=reports/sample/kota-bontang
	@test -n "$(REPORT)" || { echo "usage: make verify REPORT=reports/<study>/<region-id>"; exit 2; }
	$(PYTHON) -m helpers verify $(REPORT)

validate: $(SETUP)  ## check the study's config and raw inputs: errors (stop) and warnings (writes nothing)
	$(PYTHON) -m helpers validate --study $(STUDY)

synth: $(SETUP)  ## rewrite the sample study's raw files (deterministic)
	$(PYTHON) -m helpers synth

bench: $(SETUP)  ## run the benchmarks in benchmarks/ and print their figures
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PYTHON) $$b || exit 1; done

clean:  ## delete generated outputs (data/processed/, reports/, scratch/); never touches data/raw/
	find data/processed reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf scratch
