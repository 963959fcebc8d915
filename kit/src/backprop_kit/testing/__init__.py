"""The notebooks' tests, student side: each test cell calls `run_test(test id, **the student's functions)`.

A test builds nothing secret and judges nothing at grading time: it takes its inputs (`cases`), calls the
student's code on copies (`calls`), and either compares at home (`compare`, with expected values shipped for
the visible tests) or publishes the answers as plain data (`records`) for the instructor's grader.
"""
from .runner import test_runner

__all__ = ["test_runner"]
