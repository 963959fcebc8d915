# The README's two commands: `make demo` (the main job) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# nbgrader calls console scripts such as alembic: the venv's bin comes first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test bench bench-grading bench-judging bench-load bench-collect bench-cluster install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml kit/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ./kit -e .
	touch $@

$(TEST_STAMP): pyproject.toml kit/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ./kit -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

# The reference network's results (build/demo/), then the whole course cycle on a throwaway course (build/course_demo/).
demo: $(STAMP)
	$(PY) -m backprop.demo
	$(VENV)/bin/backprop-course demo

test: $(TEST_STAMP)
	$(PY) -m pytest

# One training epoch against scikit-learn and the matrix-product floor (seconds).
bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/epoch_speed.py

# Parallel autograde against plain sequential nbgrader on 40 simulated students (about 15 minutes).
bench-grading: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/grading_speed.py

# Verdicts outside the kernel against the grader before them (in-kernel judging), same class size; needs root and bwrap.
bench-judging: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/judging_speed.py

# collect of 200 report11 hand-ins as HTML (export-html, nbconvert lab, classic) against the same as .ipynb (goal: <= 2x).
bench-collect: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/collect_speed.py

# 200 simulated students (good, wrong, hostile) autograded in confined kernels; needs root and bubblewrap.
bench-load: $(TEST_STAMP)
	$(PY) bench/load_200.py

# The same simulated class (100 students x 4 notebooks) through a local 2-worker Dask cluster (dask scheduler,
# dask worker) and through the local pool: throughput ratio (goal >= 0.9x) and overhead per notebook for both.
# Needs root and bubblewrap; about 30 minutes on 2 idle cores (fewer students: make bench-cluster STUDENTS=20;
# on a machine busy with other work, ROUNDS=2 grades pool, cluster, cluster, pool and sums the times).
STUDENTS ?= 100
ROUNDS ?= 1
bench-cluster: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) bench/cluster_speed.py --students $(STUDENTS) --rounds $(ROUNDS)

clean:
	rm -rf $(VENV) build
