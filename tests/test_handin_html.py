"""HTML hand-ins: export-html embeds the exact notebook; collect turns HTML pages (export-html, nbconvert lab and
classic) back into the notebook to grade, and gives every page it cannot use a typed not-gradable status."""
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from backprop_course.notebooks.htmlpage import NOTEBOOK_SCRIPT_TYPE, unescape_from_script
from backprop_course.simulation import edits as sim
from backprop_course.simulation.toy_course import build_toy_course
from backprop_course.student.export_html import export_html

TRICKY = [  # code a page must give back byte for byte
    "x = 1 < 2 and 3 > 2 & 1\ns = '<b>&amp;</b>' + \"</script>\" + '<!--'\n# 日本語のコメント: 勾配を計算する\n"
    "def f(a):\n\treturn a   \n  \t\nprint('\\u003c', \"\\\\u003c\")",
    "",
    "y = f(1)  # 末尾の空白あり   ",
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_toy_course(tmp_path_factory.mktemp("handin"))


def tricky_notebook(course):
    """The toy notebook's model solution with extra student cells holding tricky code."""
    source = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    nb = sim.model_solution(source, source)
    for offset, code in enumerate(TRICKY):
        nb.cells.insert(2 + offset, nbformat.v4.new_code_cell(code))
    return nb


@pytest.fixture(scope="module")
def student_file(course):
    path = course / "work" / "toy.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(tricky_notebook(course), path)
    return path


class Scripts(HTMLParser):
    """Every script block of a page with its attributes, as a browser's tokenizer splits them."""

    def __init__(self):
        super().__init__()
        self.blocks, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = [dict(attrs), ""]
            self.blocks.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def test_export_html_embeds_the_exact_notebook_and_its_digest(student_file, tmp_path):
    page = export_html(student_file, tmp_path, student_id="s1234567").read_text(encoding="utf-8")
    scripts = Scripts()
    scripts.feed(page)
    embedded = [b for b in scripts.blocks if b[0].get("type") == NOTEBOOK_SCRIPT_TYPE]
    assert len(embedded) == 1, "one block, not ended early by </script> or <!-- in the code"
    attributes, text = embedded[0]
    assert "</script" not in text.lower() and "<!--" not in text
    exact = student_file.read_text(encoding="utf-8")
    assert unescape_from_script(text) == exact
    assert json.loads(text) == json.loads(exact)  # the escapes are plain JSON: any JSON reader gets the notebook
    assert attributes["data-sha256"] == hashlib.sha256(exact.encode("utf-8")).hexdigest()
    assert attributes["data-notebook"] == "toy"
    assert page.rstrip().endswith("</html>") and page.index(text) > page.index("s1234567")
