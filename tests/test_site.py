"""The static site: one page per notebook and an index whose links all resolve."""

from __future__ import annotations

import re
import sys

import pytest

from paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_site  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    entries = make_site.build(out)
    return out, entries


def test_every_notebook_has_a_page(site):
    out, entries = site
    assert sorted(p.stem for p in out.glob("*.html") if p.name != "index.html") == [p.stem for p in NOTEBOOKS]
    for page in out.glob("*.html"):
        assert "<html" in page.read_text(encoding="utf-8")[:2000].lower()


def test_every_index_link_resolves_and_times_are_given(site):
    out, entries = site
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) == len(NOTEBOOKS)
    for link in links:
        assert (out / link).exists(), f"index links to a missing page: {link}"
    assert all(isinstance(e["minutes"], int) and e["minutes"] > 0 for e in entries)
    assert index.count(" min</td>") == len(NOTEBOOKS)


def test_pages_keep_widget_state_where_notebooks_have_sliders(site):
    out, entries = site
    for entry in entries:
        if entry["widgets"]:
            page = (out / entry["file"]).read_text(encoding="utf-8")
            assert "application/vnd.jupyter.widget-state+json" in page, entry["file"]
