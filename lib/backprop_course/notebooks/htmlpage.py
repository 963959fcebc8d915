"""Notebook -> standalone HTML page, and tables for the instructor's pages.

The page itself and the notebook embedded in a hand-in page live in the student kit
(`backprop_kit.student.page`: the student's export-html writes them, collect reads them).
"""
from __future__ import annotations

import html

from backprop_kit.student.page import (NOTEBOOK_SCRIPT_ID, NOTEBOOK_SCRIPT_TYPE, embed_notebook,  # noqa: F401
                                       escape_for_script, html_cell, notebook_digest, notebook_to_html,
                                       unescape_from_script)


def table(headers: list[str], rows: list[list[str]], css_class: str = "bp-table") -> str:
    """An HTML table; cell texts are escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    def cell(text) -> str:  # short cells (results, points) stay on one line; messages keep their lines
        style = ' style="white-space:nowrap"' if len(str(text)) <= 12 else ' style="white-space:pre-wrap"'
        return f"<td{style}>{html.escape(str(text))}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return (f'<table class="{css_class}" style="border-collapse:collapse" border="1" cellpadding="4">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
