"""The static site: pages, course map, offline assets, search index and live slider frames.

The whole site is built once per session (``course_site`` in conftest.py); the
browser test (tests/browser/test_site_offline.py) loads the same build.
"""

from __future__ import annotations

import functools
import io
import json
import re
import sys

import ipywidgets as widgets
import nbformat
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_site  # noqa: E402
import site_page  # noqa: E402
import site_widgets  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KOREAN = sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))
MAX_SITE_MIB = 50


@functools.lru_cache(maxsize=None)
def _soup(path):
    """A built page, parsed once per test process: the tests only read it (parsing takes 0.1-0.5 s a page)."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pages(out):
    return [out / f"{p.stem}.html" for p in NOTEBOOKS]


def _korean_pages(out):
    return [out / f"{p.stem}.ko.html" for p in KOREAN]


def test_every_notebook_has_a_page_and_the_index_gives_time_and_objectives(course_site):
    out, entries = course_site
    english = [p for p in out.glob("*.html") if not p.name.endswith(".ko.html") and p.name != "index.html"]
    assert sorted(p.stem for p in english) == [p.stem for p in NOTEBOOKS]
    index = _soup(out / "index.html")
    rows = index.select(".course-table tbody tr")
    assert [r.a["href"] for r in rows] == [f"{p.stem}.html" for p in NOTEBOOKS]
    for row, entry in zip(rows, entries):
        assert isinstance(entry["minutes"], int) and entry["minutes"] > 0
        assert row.select_one("td.minutes").get_text() == f"{entry['minutes']} min"
        assert len(entry["objectives"]) >= 3, f"{entry['file']}: learning objectives not found"
        assert len(row.select("details li")) == len(entry["objectives"])


def test_sidebar_lists_every_notebook_in_order_and_prev_next_chain(course_site):
    out, entries = course_site
    order = [f"{p.stem}.html" for p in NOTEBOOKS]
    for i, page in enumerate(_pages(out)):
        soup = _soup(page)
        assert [a["href"] for a in soup.select(".course-map a")] == order
        assert soup.select_one(".course-map li.current a")["href"] == page.name
        pager = soup.select_one(".course-pager")
        assert pager.select_one("a.prev")["href"] == (order[i - 1] if i else "index.html")
        assert pager.select_one("a.next")["href"] == (order[i + 1] if i + 1 < len(order) else "index.html")
        assert soup.select_one(".course-search input[type=search]")


def test_every_asset_is_local_and_present(course_site):
    out, _ = course_site
    for page in [out / "index.html", *_pages(out)]:
        soup = _soup(page)
        refs = [s["src"] for s in soup.select("script[src]")] + [l["href"] for l in soup.select("link[href]")]
        refs += [i["src"] for i in soup.select("img[src]") if not i["src"].startswith("data:")]
        for ref in refs:
            assert not re.match(r"(https?:)?//", ref), f"{page.name} loads {ref} from another host"
            assert (out / ref.split("?")[0]).is_file(), f"{page.name} needs {ref}, missing from the site"
        assert "cdn" not in " ".join(s.get("src", "") for s in soup.select("script")).lower()
    css = " ".join(p.read_text(encoding="utf-8") for p in (out / "_static").glob("**/*.css"))
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), "a style sheet loads from another host"


def test_widgets_are_drawn_from_saved_state_and_every_slider_is_live(course_site):
    out, entries = course_site
    for path, page, entry in zip(NOTEBOOKS, _pages(out), entries):
        nb = nbformat.read(path, as_version=4)
        models = site_widgets.saved_state(nb)
        views = [o["data"][site_widgets.WIDGET_VIEW]["model_id"] for c in nb.cells for o in c.get("outputs", [])
                 if site_widgets.WIDGET_VIEW in o.get("data", {})]
        slider_views = [v for v in views if site_widgets.slider_signature(models, v)]
        html = page.read_text(encoding="utf-8")
        assert site_widgets.WIDGET_VIEW not in html and site_widgets.WIDGET_STATE not in html
        soup = _soup(page)
        assert len(soup.select(".course-widget")) == len(views), page.name
        assert entry["unmatched"] == [], f"{page.name}: sliders without a builder in widget_latency.py"
        assert len(soup.select(".live-widget")) == len(slider_views) == entry["live"], page.name


def _frames(widget):
    table = json.loads(widget["data-frames"])
    flat = table["frames"] if table["mode"] == "grid" else [f for row in table["frames"] for f in row]
    return table, flat


def test_frames_exist_at_the_widget_size_and_change_with_each_slider(course_site):
    out, _ = course_site
    for path, page in zip(NOTEBOOKS, _pages(out)):
        models = site_widgets.saved_state(nbformat.read(path, as_version=4))
        saved_sizes = {Image.open(io.BytesIO(m["state"]["value"])).size
                       for m in models.values() if m["model_name"] == "ImageModel"}
        for widget in _soup(page).select(".live-widget"):
            table, flat = _frames(widget)
            for name in set(flat):
                assert (out / name).is_file(), f"{page.name}: missing frame {name}"
            # A frame is what the widget's render function draws, so its size is the widget's own; a title's
            # length or a commit hash can change a tight bounding box by a few pixels.
            defaults = [s["default"] for s in table["sliders"]]
            first = table["frames"][defaults[0] * site_widgets.GRID + defaults[1]] if table["mode"] == "grid" \
                else table["frames"][0][defaults[0]]
            size = Image.open(out / first).size
            assert any(abs(size[0] - w) <= 0.1 * w and abs(size[1] - h) <= 0.1 * h for w, h in saved_sizes), \
                f"{page.name}: frames are {size}, the notebook's images {saved_sizes}"
            if table["mode"] == "grid":
                assert [len(s["values"]) for s in table["sliders"]] == [site_widgets.GRID] * 2
                assert len(flat) == site_widgets.GRID ** 2 and len(set(flat)) > site_widgets.GRID
            else:
                for slider, row in zip(table["sliders"], table["frames"]):
                    assert 2 <= len(row) == len(slider["values"]) <= site_widgets.MAX_VALUES
                    assert len(set(row)) > 1, f"{page.name}: slider {slider['label']} never changes the picture"


def test_search_index_finds_sections_by_anchor(course_site):
    out, _ = course_site
    text = (out / "_static" / "search-index.js").read_text(encoding="utf-8")
    records = json.loads(text.removeprefix("window.COURSE_SEARCH = ").rstrip().rstrip(";"))
    assert {r["page"] for r in records if r["lang"] == "en"} == {p.name for p in _pages(out)}
    assert {r["page"] for r in records if r["lang"] == "ko"} == {p.name for p in _korean_pages(out)}
    ids = {p.name: {t["id"] for t in _soup(p).select("[id]")} for p in _pages(out) + _korean_pages(out)}
    for r in records:
        assert not r["id"] or r["id"] in ids[r["page"]], f"search links to a missing anchor {r['page']}#{r['id']}"
    hits = {r["page"] for r in records if "reparameterization" in (r["title"] + r["text"]).lower()}
    assert "05_vae.html" in hits


def _sections_by_selectors(soup):
    """The search records of a page as CSS selectors define them on a parsed tree: an independent reading."""
    sections = [["", []]]
    for el in soup.select("main .jp-Cell .jp-RenderedMarkdown > *, main .jp-Cell .jp-InputArea pre"):
        if el.name in ("h1", "h2", "h3") and el.get("id"):
            sections.append([el["id"], []])
        sections[-1][1].append(el.get_text(" ", strip=True))
    return [(anchor, " ".join(" ".join(texts[1:] if anchor else texts).split())) for anchor, texts in sections
            if anchor or texts]


@pytest.mark.parametrize("name", ["05_vae.html", "05_vae.ko.html"])
def test_search_records_are_what_css_selectors_find_on_the_page(course_site, name):
    """``site_page.read_page`` reads a page in one pass over its tags; a tree's selectors must agree."""
    out, _ = course_site
    text = (out / "_static" / "search-index.js").read_text(encoding="utf-8")
    records = json.loads(text.removeprefix("window.COURSE_SEARCH = ").rstrip().rstrip(";"))
    found = [(r["id"], r["text"]) for r in records if r["page"] == name]
    expected = [(a, t) for a, t in _sections_by_selectors(_soup(out / name)) if a or t]
    assert len(found) > 10 and found == expected


def test_the_korean_edition_has_its_pages_index_and_a_language_switch_on_every_page(course_site):
    """Each edition's page links to the other's; the Korean pages say lang="ko" (the browser then picks a Korean font)."""
    out, entries = course_site
    assert [p.stem for p in KOREAN] == [p.stem for p in NOTEBOOKS], "notebooks/ko/ lacks notebooks: run `python course.py ko`"
    assert (out / "index.ko.html").is_file()
    korean_entries = [e for e in entries if e["lang"] == "ko"]
    for page, other in [(out / "index.html", "index.ko.html"), (out / "index.ko.html", "index.html"),
                        *[(p, f"{p.stem}.ko.html") for p in _pages(out)], *[(p, f"{p.name[:-8]}.html") for p in _korean_pages(out)]]:
        soup = _soup(page)
        switch = soup.select_one("a.course-lang")
        assert switch is not None and switch["href"] == other and (out / other).is_file(), f"{page.name}: no switch to {other}"
        assert soup.html["lang"] == ("ko" if ".ko." in page.name else "en")
    for page, entry in zip(_korean_pages(out), korean_entries):
        soup = _soup(page)
        assert [a["href"] for a in soup.select(".course-map a")] == [f"{p.stem}.ko.html" for p in KOREAN]
        assert entry["minutes"] and len(entry["objectives"]) >= 3, f"{page.name}: objectives or study time not found"
        assert entry["unmatched"] == [], f"{page.name}: sliders not matched with their (Korean) builders"


def test_no_cjk_web_font_ships(course_site):
    """Hangul comes from the reader's system fonts: the site carries no font file and no @font-face of its own for it."""
    out, _ = course_site
    fonts = [p for p in out.rglob("*") if p.suffix.lower() in {".otf", ".ttf", ".ttc", ".woff", ".woff2"}]
    assert not [p for p in fonts if re.search(r"cjk|noto|nanum|hangul|gothic|myeongjo|malgun", p.name, re.I)]
    css = (out / "_static" / "course.css").read_text(encoding="utf-8")
    assert "@font-face" not in css


def test_site_size_is_within_budget(course_site):
    out, _ = course_site
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
    assert size < MAX_SITE_MIB, f"the site is {size:.1f} MiB; the budget is {MAX_SITE_MIB} MiB"


# The frame mechanism on a widget whose render function is known exactly.

def _render(a, b):
    """A 2 x 1 PNG that encodes (a, b): which frame shows which values can be read back."""
    image = Image.new("RGB", (2, 1))
    image.putpixel((0, 0), (int(a) % 256, 0, 0))
    image.putpixel((1, 0), (0, int(round(b * 10)) % 256, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _read(path):
    image = Image.open(path)
    return image.getpixel((0, 0))[0], image.getpixel((1, 0))[1] / 10


def test_each_slider_moves_alone_with_the_others_at_their_defaults(tmp_path):
    from course_utils.widgets.base import slider_image

    box = slider_image(_render, {"a": widgets.IntSlider(value=7, min=0, max=100),
                                 "b": widgets.FloatSlider(value=0.3, min=0.0, max=2.0, step=0.1)})
    store = site_widgets.FrameStore(tmp_path)
    table = site_widgets.frames_of(box, store)
    (a_values, a_default), (b_values, b_default) = [site_widgets.slider_values(c) for c in box.controls.values()]
    assert len(a_values) == site_widgets.MAX_VALUES and a_values[a_default] == 7
    assert len(b_values) == 21 and b_values[b_default] == pytest.approx(0.3)
    for j, v in enumerate(a_values):
        assert _read(tmp_path / table["frames"][0][j]) == (v, 0.3)
    for j, v in enumerate(b_values):
        assert _read(tmp_path / table["frames"][1][j]) == (7, pytest.approx(round(v, 1)))
    assert [c.value for c in box.controls.values()] == [7, 0.3], "the build must leave the widget as it found it"


def test_frames_are_drawn_once_each_and_the_widget_still_redraws_afterwards(tmp_path):
    """frames_of holds off the widget's own redraw while it moves the sliders (box.frame() draws each frame)."""
    from course_utils.widgets.base import slider_image

    calls = []
    box = slider_image(lambda a, b: calls.append((a, b)) or _render(a, b),
                       {"a": widgets.IntSlider(value=7, min=0, max=100), "b": widgets.IntSlider(value=3, min=0, max=4)})
    calls.clear()
    table = site_widgets.frames_of(box, site_widgets.FrameStore(tmp_path))
    assert len(calls) == sum(len(row) for row in table["frames"]) + 1  # each frame, then the box at its values
    assert calls[-1] == (7, 3) and _read_bytes(box.image.value) == (7, 3)
    box.controls["b"].value = 1
    assert calls[-1] == (7, 1) and _read_bytes(box.image.value) == (7, 1)


def _read_bytes(png):
    return _read(io.BytesIO(png))


def test_the_latent_explorer_grid_covers_both_sliders_jointly(tmp_path):
    from course_utils.widgets.base import slider_image

    controls = {"a": widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.05),
                "b": widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.05)}
    box = slider_image(lambda a, b: _render(a * 10 + 100, b + 3), controls, css_class="latent-explorer")
    table = site_widgets.frames_of(box, site_widgets.FrameStore(tmp_path))
    assert table["mode"] == "grid" and len(table["frames"]) == site_widgets.GRID ** 2
    axis = [float(v) for v in table["sliders"][0]["values"]]
    for i in (0, 7, 20):
        for j in (0, 13, 20):
            got = _read(tmp_path / table["frames"][i * site_widgets.GRID + j])
            assert got == (int(axis[i] * 10 + 100), pytest.approx(round(axis[j] + 3, 1)))


def test_slider_values_stay_in_range_and_keep_the_default():
    for control in (widgets.IntSlider(value=3, min=1, max=4), widgets.IntSlider(value=784, min=1, max=784),
                    widgets.FloatLogSlider(value=10.0, min=0, max=3.7, step=0.05),
                    widgets.FloatSlider(value=0.5, min=0.02, max=0.98, step=0.01)):
        values, default = site_widgets.slider_values(control)
        assert len(values) <= site_widgets.MAX_VALUES and values == sorted(values)
        assert values[default] == pytest.approx(control.value)
        lo, hi = (control.base ** control.min, control.base ** control.max) if hasattr(control, "base") else (control.min, control.max)
        assert values[0] == pytest.approx(lo) and values[-1] == pytest.approx(hi)
    assert site_widgets.slider_values(widgets.IntSlider(value=3, min=1, max=4))[0] == [1, 2, 3, 4]


def test_search_sections_reads_headings_prose_and_code_inside_main_only():
    page = ("<nav><div class='jp-Cell'><div class='jp-RenderedMarkdown'><p>sidebar</p></div></div></nav><main>"
            "<div class='jp-Cell'><div class='jp-RenderedMarkdown'><h2 id='a-b'>A &amp; B<a class='anchor-link'>¶</a></h2>"
            "<p>first<br>line <em>two</em></p><ul><li>item</li></ul><script>var x = 1;</script></div></div>"
            "<div class='jp-Cell'><div class='jp-InputArea'><div><pre>x = 1\n<span>y</span> = 2</pre></div></div>"
            "<div class='jp-OutputArea'><pre>output</pre></div></div></main>")
    records = site_page.search_sections(site_page.read_page(page)[1], {"file": "p.html", "lang": "en", "title": "P"})
    assert [(r["id"], r["title"], r["text"]) for r in records] == [("a-b", "A & B", "first line two item x = 1 y = 2")]


def test_a_page_is_nbconvert_s_own_once_parsed():
    """CourseExporter and read_page give the page HTMLExporter gives (alt texts, tabindex), as a tree prints it."""
    nb = nbformat.read(ROOT / "notebooks" / "04_nade.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", {"text/html": '<img src="a.png"><img src="b.png" alt="b"/><img src="c.png"/><div class="jp-OutputArea-output">t</div>'})]))
    chrome = {"sidebar": "<nav></nav>", "pager": "", "mathjax": make_site.MATHJAX}
    options = {"template_name": "course", "extra_template_basedirs": [str(make_site.TEMPLATES)]}
    theirs, _ = make_site.HTMLExporter(**options).from_notebook_node(nb, resources={"course": chrome})
    ours, _ = site_page.CourseExporter(**options).from_notebook_node(nb, resources={"course": chrome})
    ours, _ = site_page.read_page(ours)
    uuid = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")  # each render names its widget outputs anew
    assert ours.count(site_page.NO_ALT) >= 3 and ours.count('tabindex="0"') > 50
    assert uuid.sub("id", str(BeautifulSoup(ours, "html.parser"))) == uuid.sub("id", theirs)


def test_describe_reads_objectives_and_time():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 09 · Title\n\nWhy it matters.\n\n**Learning objectives**\n\n- one $x$\n  continued\n- two\n\n"
        "**Study time:** about 45 minutes.")])
    entry = make_site.describe(nb, ROOT / "notebooks" / "09_x.ipynb")
    assert entry["title"] == "09 · Title" and entry["summary"] == "Why it matters."
    assert entry["objectives"] == ["one $x$ continued", "two"] and entry["minutes"] == 45


def test_a_status_line_is_drawn_into_the_frames_and_left_out_of_the_page(tmp_path):
    """slider_image(status=...) shows a changing title as HTML in the notebook; a static page has no kernel
    to update it, so its frames are render(**values) with the title and the saved line is dropped."""
    from course_utils.widgets.base import slider_image

    def render(a, title=True):
        return _render(a, 1.0 if title else 0.0)

    box = slider_image(render, {"a": widgets.IntSlider(value=3, min=0, max=5)}, status=lambda a: f"a is {a}")
    assert _read_bytes(box.image.value) == (3, 0.0) and "a is 3" in box.status.value
    table = site_widgets.frames_of(box, site_widgets.FrameStore(tmp_path))
    assert [_read(tmp_path / f) for f in table["frames"][0]] == [(a, 1.0) for a in range(6)]
    models = {"s": {"model_name": "HTMLModel", "state": {"value": box.status.value, "_dom_classes": ["slider-status"]}},
              "h": {"model_name": "HTMLModel", "state": {"value": "a caption"}}}
    assert site_widgets.static_html(models, "s") == ""
    assert "a caption" in site_widgets.static_html(models, "h")


def _read_bytes(png):
    return _read(io.BytesIO(png))


@pytest.mark.parametrize("differs_at", [None, 0, 3, 5])
def test_the_other_edition_reuses_frames_only_where_its_widget_draws_the_same(tmp_path, differs_at):
    """A Korean page reuses the English frames when its widget draws the same pictures at the probes (default,
    both ends); a frame with a word of its language in it, at the default or an end, makes it draw its own."""
    from course_utils.widgets.base import slider_image

    store = site_widgets.FrameStore(tmp_path)
    english = slider_image(lambda a: _render(a, 0.0), {"a": widgets.IntSlider(value=3, min=0, max=5, description="a")})
    table = site_widgets.frames_of(english, store)
    korean = slider_image(lambda a: _render(a, 1.0 if a == differs_at else 0.0),
                          {"a": widgets.IntSlider(value=3, min=0, max=5, description="가")})
    count, files = store.count, sorted(store.folder.iterdir())
    reused = site_widgets.reuse_frames(korean, table, store)
    assert (store.count, sorted(store.folder.iterdir())) == (count, files), "a probe is compared, not stored"
    assert korean.controls["a"].value == 3, "the probes leave the widget as they found it"
    if differs_at is None:
        assert reused["frames"] == table["frames"] and [s["label"] for s in reused["sliders"]] == ["가"]
        assert table["sliders"][0]["label"] == "a", "the first edition's table is left as it was"
    else:
        assert reused is None


def test_code_that_looks_like_html_is_shown_as_text(tmp_path):
    """Code cells skip bleach (tools/SITE.md): Pygments alone must escape them."""
    source = 'page = "</pre></div><script>alert(1)</script><img src=x onerror=alert(2)>"  # & < >'
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 09 · Title"), nbformat.v4.new_code_cell(source)])
    path = tmp_path / "09_x.ipynb"
    nbformat.write(nb, path)
    make_site.build(tmp_path / "site", notebooks=[path], korean=[], live=False, log=lambda line: None)
    soup = _soup(tmp_path / "site" / "09_x.html")
    assert not soup.select("main script, main img"), "code became markup"
    assert soup.select_one("main .jp-InputArea pre").get_text() == source + "\n"
