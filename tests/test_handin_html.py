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


# -- Pages back into notebooks --------------------------------------------------------------------------------------

from nbconvert import HTMLExporter  # noqa: E402

from backprop_course.collect.html_handin import comparable, read_html_handin  # noqa: E402
from backprop_course.notebooks.cells import grade_id  # noqa: E402

ROUTES = ["export-html", "lab", "classic"]


def page_of(nb, route, folder, name="toy"):
    """The HTML a student hands in by one route: export-html (the notebook saved in `folder`, which must be in a
    course), or `jupyter nbconvert --to html --template <route>`."""
    if route == "export-html":
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        return export_html(path, folder / "out", student_id="s2600001").read_bytes()
    body, _ = HTMLExporter(template_name=route).from_notebook_node(nb)
    return body.encode("utf-8")


def test_code_comes_back_byte_for_byte_from_every_route(course):
    nb, tmp_path = tricky_notebook(course), course / "work" / "routes"
    template = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    for route in ROUTES:
        handin = read_html_handin(page_of(nb, route, tmp_path), "toy", {"toy": template})
        assert handin.gradable, (route, [str(p) for p in handin.problems])
        rebuilt = nbformat.reads(handin.notebook_text, as_version=4)
        assert [c.get("id") for c in rebuilt.cells] == [c.get("id") for c in nb.cells]
        for mine, back in zip(nb.cells, rebuilt.cells):
            assert back.cell_type == mine.cell_type
            if mine.cell_type == "code":  # TRICKY and the answers end in no blank line: exact on every route
                assert back.source == mine.source, route
            assert back.metadata.get("nbgrader") == mine.metadata.get("nbgrader")
        if route == "export-html":
            assert handin.notebook_text == (tmp_path / "toy.ipynb").read_text(encoding="utf-8")
            assert handin.problems == []
        else:
            assert [p.kind for p in handin.problems] == ["html_rebuilt"] and f"nbconvert {route}" in handin.route
            nbformat.validate(rebuilt)  # collect writes it unvalidated, as nbformat would write it:
            assert handin.notebook_text == nbformat.writes(rebuilt)


def test_blank_lines_around_a_cell_are_what_plain_pages_lose(course, tmp_path):
    nb = tricky_notebook(course)
    nb.cells[2].source = "\n\nx = 1\n\n"
    template = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    back = nbformat.reads(read_html_handin(page_of(nb, "lab", tmp_path), "toy", {"toy": template}).notebook_text, 4)
    assert back.cells[2].source == "x = 1" == comparable(nb.cells[2].source)


# -- The scan of a page: what counts as markup, and what it costs ----------------------------------------------------

import time  # noqa: E402

from backprop_course.collect.html_handin import MAX_HTML_BYTES  # noqa: E402
from backprop_course.collect.page_scan import scan_page  # noqa: E402


def test_the_scan_reads_cells_as_a_browser_sees_the_markup():
    page = (
        '<html><BODY class="jp-Notebook">'
        '<!-- <div class="jp-Cell jp-CodeCell" id="cell-id=in-comment"> -->'
        '<style>.x::after { content: "<div class=\'jp-CodeCell\' id=\'cell-id=in-style\'>" }</style>'
        '<script>var s = \'<div class="jp-CodeCell" id="cell-id=in-script">\';</script>'
        '<DIV CLASS="jp-Cell jp-CodeCell" ID="cell-id=a"><div class="jp-InputArea-editor"><PRE><span>x = 1 &lt; 2 '
        '&am</span><span>p; y\t</span>\n</PRE></div><div class="jp-OutputArea"><pre>shown output</pre></div></DIV>'
        '<div class="jp-Cell jp-MarkdownCell" id="cell-id=b"><h2>見出し<a class="anchor-link">¶</a></h2>'
        '<p>答え &amp; 理由</p></div>'
        '<div class="jp-Cell jp-CodeCell" id="cell-id=c"><div class="jp-OutputArea"><pre>output only</pre></div></div>'
        '<div class="jp-Cell jp-CodeCell" data-class="jp-InputArea-editor" id="cell-id=d">'
        '<div class="jp-InputArea-editor"><pre><span>not closed</span>'
        '<div class="jp-Cell jp-RawCell" id="cell-id=e" title="a &quot;raw&quot; cell"></div>'
        '<script type="application/x-ipynb+json" data-sha256="00">{"a": "\\u003c/b>"}</script>'
        '<script type="application/x-ipynb+json">{"cut')
    scanned = scan_page(page)
    assert [(c.cell_id, c.kind) for c in scanned.cells] == [("a", "code"), ("b", "markdown"), ("c", "code"),
                                                            ("d", "code"), ("e", "raw")]
    # a reference split by tags is not decoded (html.parser gives the same); no output is taken for code
    assert [c.code for c in scanned.cells if c.kind == "code"] == ["x = 1 < 2 &amp; y\t", None, "not closed"]
    assert "".join(scanned.cells[1].text) == "見出し答え & 理由"
    assert scanned.embedded == [({"type": NOTEBOOK_SCRIPT_TYPE, "data-sha256": "00"}, '{"a": "\\u003c/b>"}'),
                                ({"type": NOTEBOOK_SCRIPT_TYPE}, '{"cut')]
    assert scanned.template == "lab"


HOSTILE_SHAPES = {  # about 16 MB each, under the size limit: every one is scanned to its end
    "cell ids outside tags": "cell-id=>" * 1_800_000,
    "tags never closed": "<a" * 8_000_000,
    "one tag never closed": '<div class="jp-CodeCell" id="cell-id=' + "x" * 16_000_000,
    "comments never closed": "<!--" * 4_000_000,
    "nested tags": "<div>" * 3_200_000,
    "cells without input": '<div class="jp-CodeCell" id="cell-id=c"><div class="x">' * 300_000,
    "one huge code cell": '<div class="jp-CodeCell" id="cell-id=c"><div class="input_area"><pre>'
                          + '<span class="n">x</span>' * 700_000 + "</pre></div></div>",
}


@pytest.mark.parametrize("shape", HOSTILE_SHAPES)
def test_the_scan_takes_time_in_proportion_to_the_page(shape):
    page = HOSTILE_SHAPES[shape]
    assert 15 * 2**20 < len(page.encode()) <= MAX_HTML_BYTES
    started = time.process_time()
    scanned = scan_page(page)
    assert time.process_time() - started < 20, "a quadratic scan takes hours here; a linear one about a second"
    if shape == "one huge code cell":
        assert scanned.cells[0].code == "x" * 700_000
    if shape == "cells without input":
        assert len(scanned.cells) == 5000 and all(c.code is None for c in scanned.cells)


# -- Hand-edited, hostile and broken pages: each gets its status, none raises ----------------------------------------

def templates_of(course):
    return {name: nbformat.read(course / "source" / "toy" / f"{name}.ipynb", as_version=4)
            for name in ("toy", "toy_extra")}


@pytest.fixture(scope="module")
def pages(course):
    """{route: page bytes} of the tricky notebook, and the notebook file export-html was given."""
    nb = tricky_notebook(course)
    folder = course / "work" / "hostile"
    return {route: page_of(nb, route, folder) for route in ROUTES}, (folder / "toy.ipynb").read_text("utf-8")


EMBED = re.compile(rb'(<script type="application/x-ipynb\+json"[^>]*data-sha256=")([0-9a-f]+)(">)(.*?)(</script>)',
                   re.DOTALL)


def with_embedded(page: bytes, text: str) -> bytes:
    """The page with its embedded notebook replaced by `text` and a matching digest (a forger's page)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest().encode()
    return EMBED.sub(lambda m: m.group(1) + digest + m.group(3) + text.encode("utf-8") + m.group(5), page)


def kinds(handin):
    return [p.kind for p in handin.problems]


def test_hand_edited_page_is_graded_from_its_embedded_notebook_and_flagged(course, pages):
    by_route, exact = pages
    edited = by_route["export-html"].replace(b'<span class="mf">1.0</span>', b'<span class="mf">2.0</span>', 1)
    assert edited != by_route["export-html"]
    handin = read_html_handin(edited, "toy", templates_of(course))
    assert handin.gradable and handin.notebook_text == exact and kinds(handin) == ["html_edited"]
    assert "needs review" in handin.problems[0].text and grade_id  # the cell named by its id:
    sigmoid_id = next(c.get("id") for c in nbformat.reads(exact, 4).cells if grade_id(c) == "sigmoid")
    assert handin.problems[0].detail == sigmoid_id


def run_marker(tmp_path):
    return tmp_path / "page-script-ran"


@pytest.mark.parametrize("case", ["truncated_in_styles", "truncated_in_embedded", "not_utf8", "fifty_mb", "deep_nesting",
                                  "embedded_not_json", "embedded_not_a_notebook", "embedded_v3", "two_embedded", "script", "foreign_ids", "other_notebook",
                                  "no_input", "pdf", "cells_missing", "empty", "binary"])
def test_hostile_and_broken_pages(course, pages, case, tmp_path):
    by_route, exact = pages
    page, lab = by_route["export-html"], by_route["lab"]
    marker = run_marker(tmp_path)
    expected_not_gradable = {
        "truncated_in_styles": "html_unreadable", "not_utf8": "html_unreadable", "fifty_mb": "html_unreadable",
        "foreign_ids": "html_wrong_assignment", "other_notebook": "html_wrong_assignment", "no_input": "html_no_input",
        "pdf": "html_unreadable", "cells_missing": "html_cells_missing", "empty": "html_unreadable",
        "binary": "html_unreadable"}
    start = page.index(b'<script type="application/x-ipynb+json"')
    data = {
        "truncated_in_styles": lab[:len(lab) // 3],
        "truncated_in_embedded": page[:start + 300],
        "not_utf8": lab.decode("utf-8").encode("shift_jis", errors="replace"),
        "fifty_mb": lab.replace(b"</body>", b"<p>" + b"x" * (50 * 2**20) + b"</p></body>"),
        "deep_nesting": lab.replace(b"<body", b"<div>" * 200_000 + b"<body", 1),
        "embedded_not_json": with_embedded(page, "{not json </script> <script>"),
        "embedded_not_a_notebook": with_embedded(page, '{"cells": {}, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'),
        "embedded_v3": with_embedded(page, nbformat.writes(nbformat.v3.new_notebook(worksheets=[
            nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell("x = 1")])]), version=3)),
        "two_embedded": page.replace(b"</body>", EMBED.search(page).group(0) + b"</body>"),
        "script": lab.replace(b"</body>", f'<script>fetch("x");</script><script type="text/python">'
                                           f'open({str(marker)!r}, "w")</script>'
                                           f'<img src=x onerror="alert(1)"></body>'.encode()),
        "foreign_ids": re.sub(rb'id="cell-id=[^"]*"', lambda m: b'id="cell-id=' + str(id(m)).encode() + b'"', lab),
        "other_notebook": page_of(nbformat.read(course / "source" / "toy" / "toy_extra.ipynb", 4), "lab", tmp_path),
        "no_input": HTMLExporter(template_name="lab", exclude_input=True).from_notebook_node(
            nbformat.reads(exact, 4))[0].encode(),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "cells_missing": page_of(sim.without_cell(nbformat.reads(exact, 4), "sigmoid_grad"), "classic", tmp_path),
        "empty": b"",
        "binary": bytes(range(256)) * 100,
    }[case]
    handin = read_html_handin(data, "toy", templates_of(course))
    assert not marker.exists()
    if case in expected_not_gradable:
        assert not handin.gradable and expected_not_gradable[case] in kinds(handin), kinds(handin)
        assert handin.problems[-1].japanese and handin.problems[-1].text
    elif case in ("truncated_in_embedded", "embedded_not_json", "embedded_not_a_notebook", "two_embedded"):
        assert handin.gradable and kinds(handin) == ["html_embedded_ignored", "html_rebuilt"]
        assert case != "embedded_not_a_notebook" or "not a valid notebook" in handin.problems[0].detail
    elif case == "embedded_v3":  # nbformat reads an older format (converted): its one cell is no cell of the toy's
        assert not handin.gradable and kinds(handin) == ["html_wrong_assignment"], kinds(handin)
    else:
        assert handin.gradable and kinds(handin) == ["html_rebuilt"], kinds(handin)
        assert "open(" not in handin.notebook_text and "fetch" not in handin.notebook_text
    if case == "cells_missing":
        assert handin.problems[-1].detail == "sigmoid_grad"


# -- collect: HTML in an LMS download ---------------------------------------------------------------------------------

import io  # noqa: E402
import shutil  # noqa: E402
import zipfile  # noqa: E402

from backprop_course.collect import collect  # noqa: E402
from backprop_course.course import Course  # noqa: E402
from backprop_course.course.handin import read_handin  # noqa: E402
from backprop_course.course.problems import NOT_GRADABLE, REVIEW  # noqa: E402


def test_collect_places_html_hand_ins_and_keeps_the_pages(course, pages, tmp_path):
    by_route, exact = pages
    no_input = HTMLExporter(template_name="classic", exclude_input=True).from_notebook_node(nbformat.reads(exact, 4))
    edited = by_route["export-html"].replace(b'<span class="mf">1.0</span>', b'<span class="mf">3.0</span>', 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("s2600001_toy.html", by_route["export-html"])
        zf.writestr("山田 花子_s2600002_assignsubmission_file_/toy (1).html", by_route["lab"])
        zf.writestr("s2600003_toy.htm", by_route["classic"])
        zf.writestr("s2600004_toy.html", no_input[0])
        zf.writestr(zipfile.ZipInfo("s2600005_toy.ipynb", date_time=(2020, 1, 1, 0, 0, 0)), exact)
        zf.writestr("s2600005_toy.html", by_route["lab"])  # newer, but the .ipynb wins
        zf.writestr("s2600006_toy.html", edited.replace(b"s2600001", b"s2600006"))  # its own id on the page
    delivery = tmp_path / "download.zip"
    delivery.write_bytes(buffer.getvalue())
    toy = Course.at(course)
    report = collect(toy, delivery)
    folder = lambda s: toy.folder("submitted") / s / "toy"
    kinds_of = lambda s: [p.kind for p in read_handin(folder(s), "toy")]
    assert (folder("s2600001") / "toy.ipynb").read_text("utf-8") == exact and kinds_of("s2600001") == []
    for student in ("s2600002", "s2600003"):
        rebuilt = nbformat.read(folder(student) / "toy.ipynb", 4)
        assert [c.source for c in rebuilt.cells if c.cell_type == "code"] == \
               [c.source for c in nbformat.reads(exact, 4).cells if c.cell_type == "code"]
        assert kinds_of(student) == ["html_rebuilt"] and (folder(student) / "toy.html").is_file()
    assert not (folder("s2600004") / "toy.ipynb").exists() and kinds_of("s2600004") == ["html_no_input"]
    assert (folder("s2600004") / "toy.html").read_bytes() == no_input[0].encode()  # the page as handed in
    assert (folder("s2600005") / "toy.ipynb").read_text("utf-8") == exact and kinds_of("s2600005") == []
    assert not (folder("s2600005") / "toy.html").exists()
    assert [p.severity for p in read_handin(folder("s2600006"), "toy")] == [REVIEW]
    assert read_handin(folder("s2600004"), "toy")[0].severity == NOT_GRADABLE
    placed = {found.split("/")[-1]: where for found, where in report.placed}
    assert "NOT GRADABLE" in placed["s2600004_toy.html"] and "nbconvert classic" in placed["s2600003_toy.htm"]
    reasons = {found.split("/")[-1]: reason for found, reason in report.skipped}
    assert "s2600005_toy.ipynb" in reasons["s2600005_toy.html"] and "HTML" in reasons["s2600005_toy.html"]


def test_pages_read_by_a_pool_of_workers_give_what_collect_gives_alone(course, pages, tmp_path, monkeypatch):
    from backprop_course.collect import page_pool
    by_route, exact = pages
    no_input = HTMLExporter(template_name="lab", exclude_input=True).from_notebook_node(nbformat.reads(exact, 4))[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for number in range(12):  # export-html (with the uploader's id), lab, classic, no input, ...
            student, page = f"s26000{number + 10}", [*by_route.values(), no_input.encode()][number % 4]
            zf.writestr(f"{student}_toy{'_extra' if number == 5 else ''}.html", page.replace(b"s2600001",
                                                                                             student.encode()))
        zf.writestr("s2600030_toy.html", by_route["lab"].replace(b"</body>", b"<p>student id: s2600031</p></body>"))
        zf.writestr("s2600032_toy.ipynb", exact)
    delivery = tmp_path / "download.zip"
    delivery.write_bytes(buffer.getvalue())
    monkeypatch.setattr(page_pool, "usable_cores", lambda: 2)  # a pool even on one core
    outcomes = []
    for way, pool_from in (("alone", 10**6), ("pool", 1)):
        monkeypatch.setattr(page_pool, "POOL_FROM", pool_from)
        here = Course.at(shutil.copytree(course, tmp_path / way, ignore=shutil.ignore_patterns("submitted")))
        with page_pool.PageReader(here, 13, "s[0-9]{7}") as reader:
            assert (reader._pool is not None) == (way == "pool")
        report = collect(here, delivery)
        submitted = here.folder("submitted")
        files = {str(f.relative_to(submitted)): f.read_bytes() for f in sorted(submitted.rglob("*")) if f.is_file()}
        outcomes.append((report, files))
    assert outcomes[0] == outcomes[1]
    report, files = outcomes[0]
    assert len(report.placed) == 13 and [r.claims for r in report.rejected] == [("s2600031",)]
    assert sum("NOT GRADABLE" in where for _, where in report.placed) == 4  # no input (3), toy_extra's page (1)


# -- Round trip on report11: the score per test cell from each HTML route equals the .ipynb's -------------------------

from tests.mutants.catalogue import REPO, load, run_path  # noqa: E402

ROUND_TRIP_MUTANTS = ["sigmoid_on_regression_output", "no_hidden_activation", "loss_without_half",
                      "loss_flat_target", "gradient_flat_target", "half_convention_mismatch"]


def graded_form(nb, source):
    """What autograde grades: the student's cells with the locked cells (tests) from the source notebook."""
    tests = {grade_id(c): c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("locked")}
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in nb.cells:
        if grade_id(cell) in tests:
            cell.source = tests[grade_id(cell)]
    return nb


def scores(nb, source, folder, name):
    path = folder / name / "report11.ipynb"  # the grader knows the notebook by its name
    path.parent.mkdir(parents=True)
    nbformat.write(graded_form(nb, source), path)
    return {cell: result["passed"] for cell, result in run_path(path, {})["reference"].items()}


@pytest.mark.slow
def test_report11_scores_per_test_cell_are_the_same_from_every_route(tmp_path):
    from backprop_course.collect.html_handin import release_templates
    source = nbformat.read(REPO / "source" / "report11" / "report11.ipynb", as_version=4)
    release = nbformat.read(REPO / "release" / "report11" / "report11.ipynb", as_version=4)
    templates = release_templates(Course.at(REPO))
    mutants = {m.name: m for m in load().mutants}
    students = {"reference": sim.model_solution(release, source)}
    for name in ROUND_TRIP_MUTANTS:
        m = mutants[name]
        nb = students["reference"]
        cell = next(c for c in nb.cells if grade_id(c) == m.cell)
        assert m.old in cell.source, name
        students[name] = sim.with_source(nb, m.cell, cell.source.replace(m.old, m.new))
    lost = {}
    for name, nb in students.items():
        expected = scores(nb, source, tmp_path, f"{name}-ipynb")
        lost[name] = sorted(cell for cell, passed in expected.items() if not passed)
        for route in ROUTES:
            folder = REPO / "build" / "test-handin" / name / route  # export-html needs the course nearby
            handin = read_html_handin(page_of(nb, route, folder, "report11"), "report11", templates)
            assert handin.gradable, (name, route, [str(p) for p in handin.problems])
            rebuilt = nbformat.reads(handin.notebook_text, as_version=4)
            assert scores(rebuilt, source, tmp_path, f"{name}-{route}") == expected, (name, route)
    print("\nround trip (cells that lost points, same on .ipynb, export-html, nbconvert lab, nbconvert classic):")
    for name, cells in lost.items():
        print(f"  {name:<30} {', '.join(cells) or '-'}")
    assert lost["reference"] == [] and all(lost[name] for name in ROUND_TRIP_MUTANTS)
