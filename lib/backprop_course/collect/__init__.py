"""Collect: an LMS download (folder or zip) -> submitted/<student>/<assignment>/<notebook>.ipynb.
Takes: the download and the course's notebook names. Gives: files placed under the uploader the LMS names,
a CollectReport that lists every file not placed (superseded, rejected, skipped) with its reason, and the
rejected uploads recorded for autograde (course/uploads.py)."""
from .downloads import CollectReport, collect, print_collect_report

__all__ = ["CollectReport", "collect", "print_collect_report"]
