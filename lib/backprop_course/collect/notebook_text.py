"""A notebook rebuilt from a plain HTML page -> its text, exactly as nbformat.writes gives it, without writing the
release's cells again for every page of a class.

nbformat.writes validates, copies the whole notebook, splits its texts into lines and runs json's pure-Python
encoder over all of it (json has no C encoder with an indent). A rebuilt notebook is mostly the release's own
cells, the same for every student: here each cell is written on its own, as it stands in the notebook's text (two
levels deep), and the text of a release's cell is kept for the next page (ReleaseTexts). Release notebooks are
never changed in place by collect, so a kept text stays true.
"""
from __future__ import annotations

import json

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbjson import BytesEncoder
from nbformat.v4.rwbase import split_lines, strip_transient

WRITE_OPTIONS = {"cls": BytesEncoder, "indent": 1, "sort_keys": True, "separators": (",", ": "),
                 "ensure_ascii": False}  # nbformat's own (nbformat.v4.nbjson.JSONWriter)
KEPT_RELEASES = 16


def _written(value, depth: int) -> str:
    """`value` as nbformat's json.dumps writes it `depth` levels deep (the first line is not indented)."""
    return json.dumps(value, **WRITE_OPTIONS).replace("\n", "\n" + " " * depth)


def cell_text(cell: dict) -> str:
    """One cell as it stands in nbformat's text of a notebook: its texts split into lines, transient keys dropped
    (nbformat's own functions, on a copy)."""
    alone = strip_transient(split_lines(nbformat.from_dict({"cells": [cell], "metadata": {}})))
    return "  " + _written(alone.cells[0], 2)


SOURCE_KEY = '\n   "source": '  # "source", the last of a cell's keys in their order, as it stands in a cell's text


class ReleaseTexts:
    """The texts of one release notebook's cells and metadata, each written the first time it is needed."""

    def __init__(self, release: NotebookNode):
        self.release = release
        self._cells: dict[int, str] = {}
        self._own = {id(cell) for cell in release.cells}  # the release holds its cells: their ids stay theirs
        self._by_id = {cell.get("id"): cell for cell in release.cells}
        metadata = strip_transient(nbformat.from_dict({"cells": [], "metadata": release.metadata})).metadata
        self.metadata = _written(metadata, 1)

    def _released(self, cell: dict) -> str:
        if id(cell) not in self._cells:
            self._cells[id(cell)] = cell_text(cell)
        return self._cells[id(cell)]

    def _with_source(self, cell: dict) -> NotebookNode | None:
        """The release's cell that `cell` is a copy of with another source text (same id, same other values)."""
        original = self._by_id.get(cell.get("id"))
        if original is None or not isinstance(cell.get("source"), str) or cell.keys() != original.keys():
            return None
        return original if all(cell[key] is original[key] for key in cell if key != "source") else None

    def of(self, cell: dict) -> str:
        if id(cell) in self._own:
            return self._released(cell)
        original = self._with_source(cell)
        if original is None:
            return cell_text(cell)
        text = self._released(original)  # its text up to its source, then the new source as split_lines splits it
        return text[:text.rindex(SOURCE_KEY) + len(SOURCE_KEY)] + _written(cell["source"].splitlines(True), 3) + \
            "\n  }"


_KEPT: dict[int, ReleaseTexts] = {}


def release_texts(release: NotebookNode) -> ReleaseTexts:
    """The ReleaseTexts of `release`, kept between pages (the last few releases only)."""
    kept = _KEPT.get(id(release))
    if kept is None or kept.release is not release:
        if len(_KEPT) >= KEPT_RELEASES:
            _KEPT.clear()
        kept = _KEPT[id(release)] = ReleaseTexts(release)
    return kept


def notebook_text(cells: list[dict], release: NotebookNode) -> str:
    """The text nbformat.writes gives for a notebook of `cells` (the release's own cell objects where the page
    changed nothing, new dicts elsewhere) with the release's metadata and format (minor version at least 5)."""
    texts = release_texts(release)
    written = "[\n" + ",\n".join(map(texts.of, cells)) + "\n ]" if cells else "[]"
    return (f'{{\n "cells": {written},\n "metadata": {texts.metadata},\n "nbformat": {json.dumps(release.nbformat)},'
            f'\n "nbformat_minor": {json.dumps(max(release.nbformat_minor, 5))}\n}}')
