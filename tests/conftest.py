"""Shared test set-up: a deterministic hypothesis profile and session-scoped data sets.

Keep this file small and generic; fixtures that only one test file needs belong in that file.
"""
import numpy as np
import pytest
from hypothesis import settings

from backprop_course.course.nbgrader_setup import prepare_nbgrader

# What the CLI does at start-up for the instructor's commands (PATH, nbgrader's migration id), done once
# here because tests call the steps directly.
prepare_nbgrader()

# Derandomised: every run (locally and in CI) draws the same examples, so a failure is reproducible.
settings.register_profile("course", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("course")


@pytest.fixture(scope="session")
def digits_split():
    """The digits scaled to [0, 1], stratified 75/25 split: (x_train, x_test, labels_train, labels_test)."""
    from backprop_kit.datasets import load_digits_split

    return load_digits_split(test_size=0.25, seed=0)


@pytest.fixture
def rng():
    """A fresh, fixed-seed random generator for each test."""
    return np.random.default_rng(20261128)
