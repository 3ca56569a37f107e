"""Build the course's static site: every executed notebook as HTML, and an index.

Notebooks are converted as committed (they are saved executed, with their
widget state, by ``make outputs``), so sliders render on the pages. The index
page gives the course map with each notebook's study-time estimate.

    python tools/make_site.py [--out site]
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown import markdown2html

ROOT = Path(__file__).resolve().parent.parent
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def describe(nb: nbformat.NotebookNode, path: Path) -> dict:
    """Title, first paragraph and study time from a notebook's opening cell."""
    text = nb.cells[0].source
    title = re.search(r"^# (.+)$", text, re.M)
    minutes = re.search(r"Study time:\**\s*about (\d+) minutes", text)
    paragraphs = [p.strip() for p in text.split("\n\n")[1:] if p.strip() and not p.lstrip().startswith(("*", "|", "-", "#"))]
    return {
        "file": path.stem + ".html",
        "title": title.group(1).strip() if title else path.stem,
        "summary": paragraphs[0] if paragraphs else "",
        "minutes": int(minutes.group(1)) if minutes else None,
        "widgets": bool(nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state")),
    }


def index_page(entries: list[dict]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{e["file"]}">{html.escape(e["title"])}</a></td>'
        f"<td>{markdown2html(e['summary'])}</td><td>{e['minutes'] or '?'} min</td></tr>"
        for e in entries
    )
    total = sum(e["minutes"] or 0 for e in entries)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Foundations of deep generative models</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
table{{border-collapse:collapse}}td p{{margin:0}}td,th{{border-bottom:1px solid #ddd;padding:.5rem;vertical-align:top;text-align:left}}</style>
</head><body>
<h1>Foundations of deep generative models</h1>
<p>An interactive course in {len(entries)} notebooks, about {total} minutes of study in all.
Study them in order; each page is the notebook as executed, sliders included.
To run and change them, clone the course and run <code>make lab</code>.</p>
<table><thead><tr><th>notebook</th><th>why it matters</th><th>study time</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def build(out: Path, notebooks: list[Path] | None = None) -> list[dict]:
    """Write one HTML page per notebook and ``index.html`` into ``out``."""
    paths = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    entries = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        entries.append(describe(nb, path))
    (out / "index.html").write_text(index_page(entries), encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    args = parser.parse_args(argv)
    for entry in build(args.out):
        print(f"{entry['file']:36} {entry['minutes'] or '?':>4} min  widgets saved: {entry['widgets']}")
    print(f"wrote {args.out / 'index.html'}")


if __name__ == "__main__":
    main()
