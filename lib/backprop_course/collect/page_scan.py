"""A Jupyter HTML page -> its cells (id, kind, code shown, text), its template and its embedded notebook blocks.

A targeted scan, not a parse of the whole page: a page of nbconvert's lab template is mostly CSS and highlighted
code, and collect only needs a few tags of it. Each step is one linear pass of compiled patterns and str.find:

1. script and style blocks and comments are cut out, ended as a browser ends them (at the first `</script`,
   `</style` or `-->`, else at the end of the page): what is inside them is never markup. The text of a
   `<script type="application/x-ipynb+json">` block is kept aside, as it is (export-html's embedded notebook).
2. the start tags with `id="cell-id=<id>"` split what is left into cell regions; a cell's kind is read from the
   classes of its tag (`jp-CodeCell` / `code_cell`, `jp-MarkdownCell` / `text_cell`).
3. in a code cell's region, the first input area (`jp-InputArea-editor` of the lab template, `input_area` of the
   classic one) leads to the next `<pre>` (none when an output area comes first, as with --no-input); the text of
   that `<pre>` up to `</pre>` is the highlighted code: tags dropped, character references decoded between tags,
   as html.parser gives the data.
4. a markdown cell's text is its region's text, without the ¶ of the heading anchors.

Nothing in the page is ever run. No pattern can run past the next `<` or `>` of a tag (nor backtrack further), so
the time and memory of a scan grow in proportion to the page (a 20 MB page, 200 000 nested tags).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..notebooks.htmlpage import NOTEBOOK_SCRIPT_TYPE

MAX_CELLS = 5000

RAW_START = re.compile(r"<(?:((?i:script|style))(?=[\s/>])|!--)")
RAW_END = {"script": re.compile(r"</script(?=[\s/>])", re.I), "style": re.compile(r"</style(?=[\s/>])", re.I)}
CELL_MARK = "cell-id="
MAX_TAG = 4096  # longer start tags are not read as cells (nbconvert's are under 100 characters)
START_TAG = re.compile(r"<[a-zA-Z]")
BODY_TAG = re.compile(r"<body(?=[\s/>])[^<>]*>", re.I)
INPUT_TAG = re.compile(r"<[a-zA-Z][^<>]*?(?:jp-InputArea-editor|input_area)[^<>]*>")
OUTPUT_TAG = re.compile(r"<[a-zA-Z][^<>]*?(?:jp-OutputArea|output_wrapper|jp-Cell-outputWrapper)[^<>]*>")
PRE_START = re.compile(r"<pre(?=[\s/>])[^<>]*>", re.I)
PRE_END = re.compile(r"</pre(?=[\s/>])", re.I)
ANY_TAG = re.compile(r"<(?:/?[a-zA-Z]|[!?])[^<>]*>")
CUT_REFERENCE = re.compile(r"&(?:#[xX]?[0-9a-fA-F]*|[^\t\n\f <&#;]*)<")  # html.unescape's reference, then `<`
TAG_NAME = re.compile(r"</?[^\s/>]*")
ATTRIBUTE = re.compile(r"""([^\s/>="'<]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")

INPUT_CLASSES = {"jp-InputArea-editor", "input_area"}
OUTPUT_CLASSES = {"jp-OutputArea", "output_wrapper", "jp-Cell-outputWrapper"}
CODE_CLASSES, MARKDOWN_CLASSES, CLASSIC_CLASSES = {"jp-CodeCell", "code_cell"}, \
    {"jp-MarkdownCell", "text_cell"}, {"code_cell", "text_cell"}


@dataclass
class PageCell:
    cell_id: str
    kind: str  # "code", "markdown" or "raw"
    code: str | None = None  # the code shown (None: no input area in the page)
    markup: str = field(default="", repr=False)  # a markdown cell's part of the page

    @property
    def text(self) -> list[str]:
        """The visible text pieces of a markdown cell (read when needed: only written answers need it)."""
        return [piece for piece in text_pieces(self.markup) if piece != "¶"]


@dataclass
class ScannedPage:
    cells: list[PageCell] = field(default_factory=list)
    embedded: list[tuple[dict, str]] = field(default_factory=list)  # (attributes, text as in the page)
    template: str = ""  # "lab", "classic" or "" (not recognised)


def attributes_of(tag: str) -> dict[str, str]:
    """The attributes of one start tag's text `<name ...>`: names lower-cased, values decoded; the last wins."""
    found = {}
    for name, double, single, bare in ATTRIBUTE.findall(tag, TAG_NAME.match(tag).end(), len(tag) - 1):
        value = double or single or bare
        found[name.lower()] = html.unescape(value) if "&" in value else value
    return found


def classes_of(tag: str) -> set[str]:
    return set(attributes_of(tag).get("class", "").split())


def _without_raw_text(page: str, embedded: list[tuple[dict, str]]) -> str:
    """The page with its script and style blocks and comments cut out; notebook blocks go to `embedded`."""
    kept, position = [], 0
    while (start := RAW_START.search(page, position)) is not None:
        kept.append(page[position:start.start()])
        element = (start.group(1) or "").lower()
        if not element:  # a comment
            end = page.find("-->", start.end())
            position = len(page) if end < 0 else end + 3
            continue
        tag_end = page.find(">", start.end())
        if tag_end < 0:
            return "".join(kept)
        closing = RAW_END[element].search(page, tag_end + 1)  # fast: the pattern starts with `</`, uncased
        text_end = len(page) if closing is None else closing.start()
        if element == "script":
            attributes = attributes_of(page[start.start():tag_end + 1])
            if attributes.get("type") == NOTEBOOK_SCRIPT_TYPE:
                embedded.append((attributes, page[tag_end + 1:text_end]))
        after = -1 if closing is None else page.find(">", closing.end())
        position = len(page) if after < 0 else after + 1
    kept.append(page[position:])
    return "".join(kept)


def text_pieces(markup: str) -> list[str]:
    """The text between the tags of `markup`, each piece with its character references decoded."""
    return [html.unescape(piece) for piece in ANY_TAG.split(markup) if piece]


def text_of(markup: str) -> str:
    """The text of `markup` as html.parser gives it: tags dropped, references decoded between two tags (so a
    reference cut by a tag, `&am<b>p;`, stays as it is). Decoded at once when no reference runs into a tag."""
    text = ANY_TAG.sub("", markup)
    if "&" not in text:
        return text
    if CUT_REFERENCE.search(markup) is None:
        return html.unescape(text)
    return "".join(map(html.unescape, ANY_TAG.split(markup)))


def code_from_highlight(shown: str) -> str:
    """A cell's source from nbconvert's highlighted text: Pygments ends it with one newline and shows an empty
    cell as a single space."""
    if shown in (" \n", " ", "\n", ""):
        return ""
    return shown[:-1] if shown.endswith("\n") else shown


def shown_code(markup: str, start: int, end: int) -> str | None:
    """The code in the cell region markup[start:end]: the `<pre>` after its first input area, or None."""
    for area in INPUT_TAG.finditer(markup, start, end):
        if classes_of(area.group()) & INPUT_CLASSES:
            break
    else:
        return None
    pre = PRE_START.search(markup, area.end(), end)
    if pre is None:
        return None
    for output in OUTPUT_TAG.finditer(markup, area.end(), pre.start()):
        if classes_of(output.group()) & OUTPUT_CLASSES:
            return None
    closing = PRE_END.search(markup, pre.end(), end)
    return code_from_highlight(text_of(markup[pre.end():end if closing is None else closing.start()]))


def _cell_tags(markup: str) -> list[tuple[int, int, str, set[str]]]:
    """(start, end, id, classes) of the start tags that open a cell: their id attribute is `cell-id=<id>`.

    Found from the text `cell-id=` (str.find) back to the tag's `<` and on to its `>`; each search starts where
    the one before ended, so the page is read about once however many `cell-id=` it holds."""
    found, searched_back, close = [], 0, -1
    mark = markup.find(CELL_MARK)
    while mark >= 0 and len(found) < MAX_CELLS:
        start = markup.rfind("<", max(searched_back, mark - MAX_TAG), mark)
        searched_back = mark
        if close < mark:
            close = markup.find(">", mark)
        if close < 0:
            break
        if start >= 0 and close - start <= MAX_TAG and START_TAG.match(markup, start) and \
                markup.find(">", start, mark) < 0:
            attributes = attributes_of(markup[start:close + 1])
            if attributes.get("id", "").startswith(CELL_MARK):
                found.append((start, close + 1, attributes["id"][len(CELL_MARK):],
                              set(attributes.get("class", "").split())))
        mark = markup.find(CELL_MARK, mark + 1)
    return found


def scan_page(page: str) -> ScannedPage:
    """What collect needs of a (decoded) page; never runs nor recurses into anything in it."""
    scanned = ScannedPage()
    markup = _without_raw_text(page, scanned.embedded)
    body = BODY_TAG.search(markup)
    if body is not None and "jp-Notebook" in classes_of(body.group()):
        scanned.template = "lab"
    tags = _cell_tags(markup)
    for index, (_, tag_end, cell_id, classes) in enumerate(tags):
        end = tags[index + 1][0] if index + 1 < len(tags) else len(markup)
        kind = "code" if classes & CODE_CLASSES else "markdown" if classes & MARKDOWN_CLASSES else "raw"
        if classes & CLASSIC_CLASSES and not scanned.template:
            scanned.template = "classic"
        cell = PageCell(cell_id, kind)
        if kind == "code":
            cell.code = shown_code(markup, tag_end, end)
        elif kind == "markdown":
            cell.markup = markup[tag_end:end]
        scanned.cells.append(cell)
    return scanned
