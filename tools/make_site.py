"""Build the course's static site: every notebook as a page, an index, offline search, live sliders.

Pages come from nbconvert with the course's template (``tools/site/course``,
JupyterLab's look) and share one sidebar with every notebook in order,
previous / next links and a search box. Nothing is loaded from another host:
MathJax (from the ``jupyter-server-mathjax`` package), JupyterLab's style sheets
(from nbconvert) and the course's own script are copied into ``_static/``.
Widgets are drawn from the notebooks' saved state without a widget manager, and
every slider of the course moves through frames rendered at build time
(``site_widgets``). tools/SITE.md explains the choice of generator.

Both editions: each English notebook is ``<stem>.html`` and its Korean edition
(``notebooks/ko/<stem>.ipynb``, built by ``tools/i18n.py``) is ``<stem>.ko.html``,
with ``index.html`` / ``index.ko.html``; every page links to the other edition's
page. Hangul comes from the reader's own system fonts: no CJK web font ships.

    python tools/make_site.py [--out site]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
import time
from importlib import resources
from pathlib import Path

import nbformat
from course_utils import i18n
from nbconvert import HTMLExporter
from nbconvert.filters.markdown import markdown2html

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_widgets  # noqa: E402
from site_page import CourseExporter, read_page, search_sections  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools" / "site"
COURSE_TITLE = "Foundations of deep generative models"
#: The words of the site's own pages, per edition; and how each edition's title cell states objectives and time.
LABELS = {
    "en": {"title": COURSE_TITLE, "search": "Search the course", "home": "Course map", "min": "min",
           "objectives": "learning objectives", "columns": ("notebook", "why it matters", "study time"),
           "switch": "한국어", "suffix": "", "objectives_marker": r"\*\*Learning objectives\*\*",
           "time": r"Study time:\**\s*about (\d+) minutes",
           "intro": ("An interactive course in {n} notebooks, about {total} minutes of study in all. Study them in\n"
                     "order; each page is the notebook as executed, and its sliders move (through pictures drawn when the site was\n"
                     "built). To run and change the code, get the course and run <code>python course.py lab</code> (or\n"
                     "<code>make lab</code>): the notebook combines sliders freely.")},
    "ko": {"title": "심층 생성 모델의 기초", "search": "강좌 검색", "home": "강좌 지도", "min": "분",
           "objectives": "학습 목표", "columns": ("노트북", "왜 중요한가", "학습 시간"),
           "switch": "English", "suffix": ".ko", "objectives_marker": r"\*\*학습 목표\*\*",
           "time": r"(?:학습|공부) 시간\**\s*:?\**\s*약\s*(\d+)\s*분",
           "intro": ("노트북 {n}개, 모두 합쳐 약 {total}분 분량의 인터랙티브 강좌입니다. 순서대로 공부하세요. 각 페이지는\n"
                     "실행된 노트북 그대로이고, 슬라이더도 움직입니다(사이트를 만들 때 그려 둔 그림으로). 코드를 실행하고\n"
                     "바꿔 보려면 강좌를 받아 <code>python course.py lab</code>(또는 <code>make lab</code>)을 실행하세요.\n"
                     "노트북에서는 슬라이더를 자유롭게 조합할 수 있습니다.")},
}
MATHJAX = ('<script src="_static/mathjax-config.js"></script>\n'
           '<script src="_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"></script>')


def describe(nb: nbformat.NotebookNode, path: Path, lang: str = "en") -> dict:
    """Title, first paragraph, learning objectives and study time from a notebook's opening cell.

    Where a Korean title cell words them otherwise, the objectives are its first bullet list
    (and ``build`` takes the study time from the English edition).
    """
    words = LABELS[lang]
    text = nb.cells[0].source
    title = re.search(r"^# (.+)$", text, re.M)
    minutes = re.search(words["time"], text)
    paragraphs = [p.strip() for p in text.split("\n\n")[1:]
                  if p.strip() and not p.lstrip().startswith(("*", "|", "-", "#"))]
    objectives = re.search(words["objectives_marker"] + r"\s*\n+((?:[-*] .*\n?(?:[ \t]+.*\n?)*)+)", text)
    if objectives is None and lang != "en":
        objectives = re.search(r"^((?:[-*] .*\n?(?:[ \t]+.*\n?)*)+)", text, re.M)
    items = re.split(r"^[-*] ", objectives.group(1), flags=re.M)[1:] if objectives else []
    return {
        "file": path.stem + words["suffix"] + ".html",
        "stem": path.stem,
        "lang": lang,
        "title": title.group(1).strip() if title else path.stem,
        "summary": paragraphs[0] if paragraphs else "",
        "objectives": [" ".join(item.split()) for item in items],
        "minutes": int(minutes.group(1)) if minutes else None,
        "widgets": bool(site_widgets.saved_state(nb)),
    }


def index_file(lang: str) -> str:
    return f"index{LABELS[lang]['suffix']}.html"


def language_switch(lang: str, other: str | None) -> str:
    """A link to the same page in the other edition (none when that edition lacks the page)."""
    if other is None:
        return ""
    to = "ko" if lang == "en" else "en"
    return (f'<a class="course-lang" href="{other}" hreflang="{to}" lang="{to}">{LABELS[lang]["switch"]}</a>')


def sidebar(entries: list[dict], current: str | None, lang: str = "en", other: str | None = None) -> str:
    words = LABELS[lang]
    items = "".join(
        f'<li class="{"current" if e["file"] == current else ""}"><a href="{e["file"]}">'
        f'{html.escape(e["title"])}</a> <span class="minutes">{e["minutes"] or "?"} {words["min"]}</span></li>'
        for e in entries)
    return (f'<nav class="course-sidebar" aria-label="course">{language_switch(lang, other)}'
            f'<a class="course-home" href="{index_file(lang)}">'
            f'{words["title"]}</a><div class="course-search"><input type="search" placeholder="{words["search"]}" '
            f'aria-label="{words["search"]}"><ol class="search-results"></ol></div><ol class="course-map">{items}</ol></nav>')


def pager(entries: list[dict], i: int, lang: str = "en") -> str:
    home = {"file": index_file(lang), "title": LABELS[lang]["home"]}
    before = entries[i - 1] if i > 0 else home
    after = entries[i + 1] if i + 1 < len(entries) else home
    prev = f'<a class="prev" href="{before["file"]}">&larr; {html.escape(before["title"])}</a>'
    nxt = f'<a class="next" href="{after["file"]}">{html.escape(after["title"])} &rarr;</a>'
    return f'<nav class="course-pager">{prev}{nxt}</nav>'


def index_page(entries: list[dict], lang: str = "en", other: str | None = None) -> str:
    words = LABELS[lang]
    rows = "\n".join(
        f'<tr><td><a href="{e["file"]}">{html.escape(e["title"])}</a></td>'
        f'<td>{markdown2html(e["summary"])}<details><summary>{words["objectives"]}</summary><ul>'
        + "".join(f"<li>{markdown2html(o)}</li>" for o in e["objectives"])
        + f'</ul></details></td><td class="minutes">{e["minutes"] or "?"} {words["min"]}</td></tr>'
        for e in entries)
    total = sum(e["minutes"] or 0 for e in entries)
    head = "".join(f"<th>{c}</th>" for c in words["columns"])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{words["title"]}</title>
<link rel="stylesheet" href="_static/course.css">
{MATHJAX}
</head><body class="course-page course-index">
{sidebar(entries, None, lang, other)}
<main>
<h1>{words["title"]}</h1>
<p>{words["intro"].format(n=len(entries), total=total)}</p>
<table class="course-table"><thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody></table>
</main>
<script src="_static/search-index.js"></script>
<script src="_static/course.js"></script>
</body></html>
"""


def copy_assets(out: Path) -> None:
    """Copy every script, style sheet and font the pages use into ``out/_static`` from installed packages."""
    static = out / "_static"
    mathjax = resources.files("jupyter_server_mathjax") / "static"
    shutil.copytree(str(mathjax), static / "mathjax", dirs_exist_ok=True)
    lab = next(Path(p) / "static" for p in HTMLExporter(template_name="lab").template_paths
               if (Path(p) / "static" / "index.css").exists())
    (static / "lab").mkdir(parents=True, exist_ok=True)
    for name in ("index.css", "theme-light.css"):
        shutil.copy(lab / name, static / "lab" / name)
    for name in ("course.css", "course.js", "mathjax-config.js"):
        shutil.copy(TEMPLATES / name, static / name)


def live_widgets(nb, path: Path, store: site_widgets.FrameStore | None, builders_cache: dict, log, lang: str = "en",
                 tables: dict | None = None) -> dict:
    """Replace every widget output by static or live HTML; return counts of each kind.

    Widgets are rebuilt in the page's language (their slider labels are what matches them to the saved ones).
    ``tables``: frame tables already drawn, by (notebook, builder, slider values), shared by the two editions.
    """
    tables = {} if tables is None else tables
    models = site_widgets.saved_state(nb)
    prefix = path.stem.split("_")[0]
    counts = {"live": 0, "static": 0, "frames": 0, "reused": 0, "unmatched": []}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(site_widgets.WIDGET_VIEW)
            if not view:
                continue
            model_id = view["model_id"]
            signature = site_widgets.slider_signature(models, model_id)
            rendered = site_widgets.static_html(models, model_id)
            if signature and store is not None:
                if (lang, prefix) not in builders_cache:
                    builders_cache[lang, prefix] = [[name, build, None] for name, build in site_widgets.course_builders(prefix)]
                for slot in builders_cache[lang, prefix]:
                    if slot[2] is None:
                        t0 = time.perf_counter()
                        box = slot[1]()
                        slot[2] = (box, site_widgets.box_signature(box))
                        log(f"  built {slot[0]} in {time.perf_counter() - t0:.1f} s")
                    box, box_sig = slot[2]
                    if box_sig == signature:
                        site_widgets.start_where_saved(box, models, model_id)
                        before = store.count
                        # The other edition's frames, where this widget draws the same pictures (no words in them).
                        key = (prefix, slot[0], tuple(c.value for c in site_widgets.slider_controls(box)))
                        table = tables.get(key) and site_widgets.reuse_frames(box, tables[key], store)
                        if table:
                            counts["reused"] += 1
                        else:
                            table = tables[key] = site_widgets.frames_of(box, store)
                        rendered = site_widgets.live_html(models, model_id, table, lang)
                        counts["live"] += 1
                        counts["frames"] += store.count - before
                        break
                else:
                    counts["unmatched"].append(signature)
            counts["static"] += not signature
            output["data"] = {"text/html": f'<div class="course-widget">{rendered}</div>'}
    nb.metadata.pop("widgets", None)
    return counts


def build(out: Path, notebooks: list[Path] | None = None, log=print, live: bool = True,
          korean: list[Path] | None = None) -> list[dict]:
    """Write one page per notebook of each edition, the two indexes, the search index and every asset into ``out``.

    ``notebooks`` / ``korean``: the English and Korean notebooks (default: ``notebooks/*.ipynb`` and
    ``notebooks/ko/*.ipynb``). ``live=False`` skips the frames (sliders are drawn still, as saved): a quick
    preview of the pages. Returns the English entries, then the Korean ones.
    """
    start = time.perf_counter()
    paths = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    korean = sorted((ROOT / "notebooks" / "ko").glob("*.ipynb")) if korean is None else korean
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "frames", ignore_errors=True)  # frames of an earlier build would linger unused
    for stale in out.glob("*.html"):
        stale.unlink()
    copy_assets(out)
    store = site_widgets.FrameStore(out) if live else None
    exporter = CourseExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)])
    editions = {lang: ([nbformat.read(p, as_version=4) for p in ps], ps) for lang, ps in (("en", paths), ("ko", korean))}
    entries = {lang: [describe(nb, p, lang) for nb, p in zip(nbs, ps)] for lang, (nbs, ps) in editions.items()}
    english_minutes = {e["stem"]: e["minutes"] for e in entries["en"]}
    for e in entries["ko"]:
        e["minutes"] = e["minutes"] or english_minutes.get(e["stem"])
    files = {lang: {e["stem"]: e["file"] for e in es} for lang, es in entries.items()}
    records, builders_cache, tables = [], {}, {}
    for lang, (nbs, ps) in editions.items():
        other_lang = "ko" if lang == "en" else "en"
        with i18n.using(lang):
            for i, (nb, path, entry) in enumerate(zip(nbs, ps, entries[lang])):
                entry.update(live_widgets(nb, path, store, builders_cache, log, lang, tables))
                other = files[other_lang].get(entry["stem"])
                chrome = {"sidebar": sidebar(entries[lang], entry["file"], lang, other), "pager": pager(entries[lang], i, lang),
                          "mathjax": MATHJAX}
                exporter.language_code = lang  # <html lang="ko">: the browser picks a Korean font for Hangul
                body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": entry["title"]}, "course": chrome})
                body, blocks = read_page(body)
                (out / entry["file"]).write_text(body, encoding="utf-8")
                records += search_sections(blocks, entry)
                log(f"{entry['file']:36} {entry['minutes'] or '?':>4} min  live sliders {entry['live']}  "
                    f"frames {entry['frames']}, {entry['reused']} sliders' from the other edition  other widgets {entry['static']}"
                    + (f"  NOT LIVE: {entry['unmatched']}" if entry["unmatched"] else ""))
        if ps:
            other = index_file(other_lang) if editions[other_lang][1] else None
            (out / index_file(lang)).write_text(index_page(entries[lang], lang, other), encoding="utf-8")
    (out / "_static" / "search-index.js").write_text(
        "window.COURSE_SEARCH = " + json.dumps(records, ensure_ascii=False) + ";\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    log(f"wrote {out / 'index.html'}: {size / 2**20:.1f} MiB, {len(list((out / 'frames').glob('*.png')))} frame files, "
        f"{time.perf_counter() - start:.0f} s")
    return entries["en"] + entries["ko"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    parser.add_argument("--still", action="store_true", help="no frames: sliders drawn as saved (a quick preview)")
    args = parser.parse_args(argv)
    entries = build(args.out, live=not args.still)
    missing = [(e["file"], e["unmatched"]) for e in entries if e.get("unmatched")]
    if missing:
        raise SystemExit(f"sliders without a builder in benchmarks/widget_latency.py: {missing}")


if __name__ == "__main__":
    main()
