# Everything runs from a virtual environment in .venv, made on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-interp test-jit conformance bench bench-suite lint clean

# The public bpf_conformance vectors (https://github.com/Alan-Jowett/bpf_conformance) are not
# part of the repository: CONFORMANCE=DIR names a clone of it (default: ../shared/conformance).
CONFORMANCE ?= ../shared/conformance
export PYBPF_CONFORMANCE := $(abspath $(CONFORMANCE))

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,plot]'
	touch $(STAMP)

## demo: the kernel patch's timer example: load, run, let 2 s of virtual time pass, show the callback firing
demo: $(STAMP)
	$(BIN)/pybpf run examples/timers/patch_example.bpf.c --prog start_timer --advance 2s --trace

## test: the whole test suite (PYTEST_ARGS=--cov measures coverage: CI must pass both ways)
test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## test-interp: the whole test suite with the interpreter forced on every runtime (INTERP_ARGS: more pytest arguments)
test-interp: $(STAMP)
	$(BIN)/python -m pytest -q --engine interpreter $(INTERP_ARGS)

## test-jit: the whole test suite with the JIT forced on every runtime (JIT_ARGS: more pytest arguments)
test-jit: $(STAMP)
	$(BIN)/python -m pytest -q --engine jit $(JIT_ARGS)

## conformance: the public bpf_conformance vectors (CONFORMANCE=DIR: a clone of bpf_conformance)
conformance: $(STAMP)
	@if [ ! -d "$(CONFORMANCE)/tests" ]; then \
	  echo "make conformance: no bpf_conformance vectors in $(CONFORMANCE)/tests. Get them with" >&2; \
	  echo "  git clone https://github.com/Alan-Jowett/bpf_conformance" >&2; \
	  echo "  make conformance CONFORMANCE=bpf_conformance" >&2; \
	  exit 2; fi
	$(BIN)/pybpf conformance $(CONFORMANCE)/tests

## lint: ruff (its rules pinned by its version) and mypy --strict over the package
lint: $(STAMP)
	$(BIN)/pip install --quiet -e '.[lint]'
	$(BIN)/ruff check src/pybpf
	$(BIN)/mypy --strict src/pybpf

## bench: speed figures (run on demand, not part of the tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_interpreter.py
	$(BIN)/python benchmarks/bench_timers.py
	$(BIN)/python benchmarks/bench_maps.py
	$(BIN)/python benchmarks/bench_jit.py
	$(BIN)/python benchmarks/bench_map_loop.py

## bench-suite: the suite without slow tests on engine auto against the interpreter forced (minutes)
bench-suite: $(STAMP)
	$(BIN)/python benchmarks/bench_suite.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
