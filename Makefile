# The README's commands. `make demo` sets up .venv and runs the baseline scenario;
# `make test` sets up .venv with the test extras and runs the tests.
# The interpreter: $(PYTHON) if given, else the first python3.12+/python3 on PATH that is
# 3.12 or newer, else the newest 3.12+ among pyenv's installed versions.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
SEED  ?= 1

FIND_PYTHON := $(shell bash scripts/find_python.sh $(PYTHON) 2>/dev/null)
NO_PYTHON = { bash scripts/find_python.sh $(PYTHON) >/dev/null; \
  echo "Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package)," >&2; \
  echo "or name it: make demo PYTHON=/path/to/python3.12" >&2; exit 1; }

.PHONY: demo test test-fast lint bench clean venv dashboard classroom check-python handouts

# an interpreter named with PYTHON= is checked even when .venv exists: refused, not ignored
check-python:
	@if [ -n "$(PYTHON)" ] && [ -z "$(FIND_PYTHON)" ]; then $(NO_PYTHON); fi

$(VENV)/.installed: pyproject.toml setup.py | check-python
	@if [ -z "$(FIND_PYTHON)" ]; then $(NO_PYTHON); fi
	@echo "Using $(FIND_PYTHON)"
	@[ -x $(PY) ] || $(FIND_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dashboard,calibration]'
	@touch $@

venv: check-python $(VENV)/.installed

demo: venv
	$(VENV)/bin/allysim run configs/scenarios/baseline_2019.yaml --seed $(SEED)

# one test process per core, each test file in one process (its regions of seeds computed once)
test: venv
	$(PY) -m pytest -q -n auto --dist loadfile

# all but the tests marked slow (many seeds, notebooks, the browser, signals, the wheel)
test-fast: venv
	$(PY) -m pytest -q -n auto -m "not slow"

lint: venv
	$(VENV)/bin/ruff check sim tests benchmarks scripts

dashboard: venv
	$(VENV)/bin/allysim dashboard $(if $(PORT),--port $(PORT))

# student copies of the notebooks, without the solutions, in handouts/
handouts: venv
	$(PY) scripts/handouts.py notebooks handouts

# a class in the browser: make classroom SEATS="all south_korea" ROUNDS=12 ROUND_SECONDS=60
classroom: venv
	$(VENV)/bin/allysim classroom $(or $(SCENARIO),baseline_2019) --seats $(or $(SEATS),all) \
	  --round-seconds $(or $(ROUND_SECONDS),60) $(if $(ROUNDS),--set rounds=$(ROUNDS)) $(if $(PORT),--port $(PORT)) \
	  $(if $(HOST),--host $(HOST))

bench: venv
	$(PY) benchmarks/bench_run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
