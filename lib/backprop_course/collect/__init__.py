"""Collect: an LMS download (folder or zip) -> submitted/<student>/<assignment>/<notebook>.ipynb.
Takes: the download and the course's notebook names. Gives: placed files and a CollectReport that
lists every file not placed with its reason."""
from .downloads import CollectReport, collect, print_collect_report

__all__ = ["CollectReport", "collect", "print_collect_report"]
