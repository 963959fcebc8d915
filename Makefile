# The README's two commands: `make demo` (the main job) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# nbgrader calls console scripts such as alembic: the venv's bin comes first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test bench bench-load install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m backprop.demo

test: $(TEST_STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/epoch_speed.py

# 200 simulated students (good, wrong, hostile) autograded in confined kernels; needs root and bubblewrap.
bench-load: $(TEST_STAMP)
	$(PY) bench/load_200.py

clean:
	rm -rf $(VENV) build
