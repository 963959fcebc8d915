"""Notebook -> standalone HTML page: images embedded, MathJax 2 from a chosen URL, lang="ja"; and the notebook
embedded in a hand-in page (written by the student's export-html, read by the course tool's collect)."""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell

CDN_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
LOCAL_MATHJAX = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


def mathjax_url(local: str = LOCAL_MATHJAX, remote: str = CDN_MATHJAX) -> str:
    """The MathJax 2 URL to use: the local copy (Debian's libjs-mathjax) when it exists, else `remote`."""
    if local.startswith("file://") and Path(local[len("file://"):].split("?")[0]).is_file():
        return local
    return remote


def html_cell(markup: str) -> NotebookNode:
    """A markdown cell holding one HTML block (no blank lines), which nbconvert passes through as is.

    (A raw text/html cell would be sanitised by the lab template's clean_html filter.)
    """
    return new_markdown_cell('<div class="bp-summary">' + markup.replace("\n\n", "\n") + "</div>")


def notebook_to_html(nb: NotebookNode, mathjax_url: str, title: str) -> str:
    """Render `nb` with nbconvert's lab template; markdown images are inlined as data: URIs."""
    from nbconvert import HTMLExporter  # imported when a page is made: nbconvert is slow to import
    exporter = HTMLExporter(template_name="lab", embed_images=True, mathjax_url=mathjax_url, language_code="ja")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


# -- The notebook inside a hand-in page -------------------------------------------------------------------------
# export-html puts the exact notebook text in one <script type="application/x-ipynb+json"> block at the end of the
# body, with its SHA-256 (of the UTF-8 bytes) in data-sha256. Browsers run no script of that type, so the page looks
# and behaves as before. The text is made safe for a script element by writing <, > and & as the JSON escapes
# \u003c, \u003e and \u0026 (then no "</script" nor "<!--" can occur in it); collect undoes exactly that.

NOTEBOOK_SCRIPT_TYPE = "application/x-ipynb+json"
NOTEBOOK_SCRIPT_ID = "backprop-handin-notebook"
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
# a whole run of backslashes (the first not after another, the rest taken without backtracking) then u00..:
# an escape when the run is odd
_SCRIPT_UNESCAPE = re.compile(r"\\(?<!\\\\)(\\*+)u00(3c|3e|26)")


def escape_for_script(text: str) -> str:
    """JSON text -> the same JSON with <, > and & written as escapes (they only occur inside JSON strings)."""
    return re.sub(r"[<>&]", lambda m: _SCRIPT_ESCAPES[m.group()], text)


def unescape_from_script(text: str) -> str:
    """The inverse of escape_for_script for text that had no such escapes of its own."""
    return _SCRIPT_UNESCAPE.sub(_unescaped, text)


def _unescaped(match: re.Match) -> str:
    more_backslashes, code = match.groups()
    if len(more_backslashes) % 2:  # an even run: escaped backslashes, then a plain "u00..."
        return match.group()
    return more_backslashes + chr(int(code, 16))


def notebook_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_notebook(page: str, notebook_text: str, notebook_name: str) -> str:
    """`page` with `notebook_text` (exactly; its digest beside it) in a script block before </body>.

    Raises ValueError for a text that escaping could not give back exactly (it had \\u003c-style escapes of its
    own); the caller then embeds the notebook as nbformat writes it."""
    escaped = escape_for_script(notebook_text)
    if unescape_from_script(escaped) != notebook_text:
        raise ValueError("the notebook text has its own \\u003c, \\u003e or \\u0026 escapes")
    block = (f'<script type="{NOTEBOOK_SCRIPT_TYPE}" id="{NOTEBOOK_SCRIPT_ID}" '
             f'data-notebook="{html.escape(notebook_name)}" data-sha256="{notebook_digest(notebook_text)}">'
             f"{escaped}</script>\n")
    end = page.rfind("</body>")
    return page[:end] + block + page[end:] if end >= 0 else page + block
