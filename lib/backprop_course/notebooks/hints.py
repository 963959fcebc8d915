"""Japanese explanations for students: what an error in a test cell most likely means.

The table lives in the student kit (backprop_kit.student.hints), shared by the student's own check, the course
tool's check and the feedback pages. Its kernel-loop names are the same strings as notebooks/running.py's.
"""
from backprop_kit.student.hints import GENERIC_HINT, HINTS, hint_for  # noqa: F401
