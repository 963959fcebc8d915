"""Autograde: prepare (main process) -> execute (worker pool, confined kernels) -> finish (main process).
Takes: submitted/ and the gradebook. Gives: autograded/ notebooks, scores in gradebook.db, and one
NotebookStatus per (student, notebook) in grading_status/<assignment>.json, summarised for the instructor."""
from .schedule import autograde, default_jobs
from .summary import exit_status, format_status, needs_attention, print_summary

__all__ = ["autograde", "default_jobs", "exit_status", "format_status", "needs_attention", "print_summary"]
