"""Notebook -> standalone HTML page: images embedded, MathJax 2 from a chosen URL, lang="ja"."""
from __future__ import annotations

import html

from nbconvert import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell


def html_cell(markup: str) -> NotebookNode:
    """A markdown cell holding one HTML block (no blank lines), which nbconvert passes through as is.

    (A raw text/html cell would be sanitised by the lab template's clean_html filter.)
    """
    return new_markdown_cell('<div class="bp-summary">' + markup.replace("\n\n", "\n") + "</div>")


def notebook_to_html(nb: NotebookNode, mathjax_url: str, title: str) -> str:
    """Render `nb` with nbconvert's lab template; markdown images are inlined as data: URIs."""
    exporter = HTMLExporter(template_name="lab", embed_images=True, mathjax_url=mathjax_url, language_code="ja")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def table(headers: list[str], rows: list[list[str]], css_class: str = "bp-table") -> str:
    """An HTML table; cell texts are escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    def cell(text) -> str:  # short cells (results, points) stay on one line; messages keep their lines
        style = ' style="white-space:nowrap"' if len(str(text)) <= 12 else ' style="white-space:pre-wrap"'
        return f"<td{style}>{html.escape(str(text))}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return (f'<table class="{css_class}" style="border-collapse:collapse" border="1" cellpadding="4">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
