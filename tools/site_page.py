"""Each page of the course site, from notebook to HTML, read once (used by ``make_site.py``).

nbconvert's ``HTMLExporter.from_notebook_node`` renders the page, then parses all of it into a tree only
to add two things for accessibility (a placeholder ``alt`` on each image that has none, ``tabindex="0"``
on each input and output area), and prints the tree again: a fifth of the site's build. ``CourseExporter``
renders as it does; ``read_page`` makes the same two additions and collects the search index's text in
one pass over the page's tags (``PageReader``). tests/test_site.py compares the pages with nbconvert's own.
"""

from __future__ import annotations

from html.parser import HTMLParser
from itertools import accumulate

from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

#: The text nbconvert gives an image without one.
NO_ALT = "No description has been provided for this image"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class CourseExporter(HTMLExporter):
    """``HTMLExporter`` without its second pass over the page: ``read_page`` does that work."""

    def from_notebook_node(self, nb, resources=None, **kw):
        # The filters HTMLExporter.from_notebook_node registers before rendering (nbconvert 7.17).
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                       resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


class PageReader(HTMLParser):
    """One pass over a page's tags (a parsed tree took five times as long: 8.8 s against 1.8 s for the
    16 pages). It tracks what the open elements are (``.jp-Notebook``, ``main``, a ``.jp-Cell``, its
    ``.jp-RenderedMarkdown`` or ``.jp-InputArea``), and records

    - ``blocks``: (tag, id, strings) of each child of a cell's rendered Markdown and each ``pre`` of an
      input area, inside ``main``: what the search index reads;
    - ``additions``: (offset in the page, attribute) for each image without ``alt``, and each
      ``div.jp-Cell-inputWrapper`` or ``div.jp-OutputArea-output`` in ``.jp-Notebook`` without ``tabindex``.
    """

    KINDS = (("notebook", "jp-Notebook"), ("cell", "jp-Cell"), ("markdown", "jp-RenderedMarkdown"),
             ("input", "jp-InputArea"))
    FOCUSABLE = {"jp-Cell-inputWrapper", "jp-OutputArea-output"}

    def __init__(self, page_html: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0, *accumulate(len(line) + 1 for line in page_html.split("\n"))]  # as getpos() counts
        self.open: list[tuple[str, set]] = []  # (tag, what it is)
        self.blocks: list[tuple[str, str | None, list[str]]] = []
        self.additions: list[tuple[int, str]] = []

    def inside(self, kind: str) -> bool:
        return any(kind in kinds for _, kinds in self.open)

    def _end_of_start_tag(self) -> int:
        """Where the start tag being handled ends, before its ``>`` (or ``/>``)."""
        line, column = self.getpos()
        text = self.get_starttag_text()
        return self.line_starts[line - 1] + column + len(text) - (2 if text.endswith("/>") else 1)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        kinds = {kind for kind, cls in self.KINDS if cls in classes} | ({"main"} if tag == "main" else set())
        if tag == "img" and "alt" not in attrs:
            self.additions.append((self._end_of_start_tag(), f' alt="{NO_ALT}"'))
        if tag == "div" and classes & self.FOCUSABLE and "tabindex" not in attrs and self.inside("notebook"):
            self.additions.append((self._end_of_start_tag(), ' tabindex="0"'))
        parent = self.open[-1][1] if self.open else set()
        if not self.inside("block") and self.inside("main") and self.inside("cell") and (
                "markdown" in parent or (tag == "pre" and self.inside("input"))):
            kinds.add("block")
            self.blocks.append((tag, attrs.get("id"), []))
        if tag not in VOID:
            self.open.append((tag, kinds))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):  # close up to the innermost open element of this tag, if any
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        if self.inside("block") and data.strip() and self.open[-1][0] not in ("script", "style"):
            self.blocks[-1][2].append(data.strip())


def read_page(page_html: str) -> tuple[str, list[tuple[str, str | None, list[str]]]]:
    """The page with nbconvert's accessibility attributes added, and its text blocks (``PageReader``)."""
    reader = PageReader(page_html)
    reader.feed(page_html)
    reader.close()
    pieces, start = [], 0
    for offset, attribute in reader.additions:
        pieces += [page_html[start:offset], attribute]
        start = offset
    return "".join(pieces) + page_html[start:], reader.blocks


def search_sections(blocks: list, entry: dict) -> list[dict]:
    """One search record per heading of a page: its anchor, its title, the prose and code under it."""
    def section(anchor: str, title: str) -> dict:
        return {"page": entry["file"], "lang": entry["lang"], "notebook": entry["title"], "id": anchor, "title": title,
                "text": []}

    sections = [section("", entry["title"])]
    for tag, anchor, strings in blocks:
        text = " ".join(strings)
        if tag in ("h1", "h2", "h3") and anchor:
            sections.append(section(anchor, text.rstrip("¶").strip()))
        else:
            sections[-1]["text"].append(text)
    for s in sections:
        s["text"] = " ".join(" ".join(s["text"]).split())
    return [s for s in sections if s["text"] or s["id"]]
