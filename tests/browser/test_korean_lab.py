"""The Korean edition in a real JupyterLab: run a notebook, move a slider, see Hangul rendered and a verdict in Korean.

Hangul must render with a real Hangul font (Debian's fonts-noto-cjk, which .ci/run
installs where it is missing), not with boxes: ``document.fonts.check`` asks for
the font, and Chromium's own report of the platform fonts that drew a Korean
text node (DevTools ``CSS.getPlatformFontsForNode``) must name a font that has
the glyphs. Figures stay English (tests/test_korean.py checks that their pixels
do not change with the language), so no glyph can be missing there.

This is also the browser test of notebook 01's likelihood slider in both editions: the Korean
notebook's code is the English one's but for ``lang="ko"`` (tests/test_korean.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from test_sliders import _move_slider_and_compare, _run_through

pytestmark = pytest.mark.browser

NOTEBOOK = "ko/01_probability_and_mle.ipynb"
HANGUL_FONTS = ("Noto Sans CJK KR", "Noto Serif CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic",
                "Apple SD Gothic Neo")
# The verdict lines of course_utils/locale/ko.po: passed, not quite, not yet done.
KOREAN_VERDICT = r"(✅ .+: 정답입니다\.|❌ .+: 아직 틀렸습니다|⏳ .+: 아직 풀지 않았습니다)"

VERDICTS = """() => [...document.querySelectorAll('.jp-OutputArea-output pre')]
    .map(p => p.innerText).filter(t => /^[✅❌⏳]/m.test(t))"""
FONTS_CHECK = """(families) => families.filter(f => document.fonts.check(`16px "${f}"`, '가능도'))"""


@pytest.fixture
def korean_lab(lab_server):
    base, token, root = lab_server
    source = Path(__file__).resolve().parents[2] / "notebooks" / NOTEBOOK
    if not source.exists():
        pytest.fail(f"notebooks/{NOTEBOOK} is missing: run `python course.py ko`")
    (root / "ko").mkdir(exist_ok=True)
    shutil.copy(source, root / NOTEBOOK)
    return base, token


def _platform_fonts(page, selector):
    """The fonts Chromium used for the first node matching ``selector``: [(family, glyph count)]."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
    assert node["nodeId"], f"no element {selector}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    return [(f["familyName"], f["glyphCount"]) for f in fonts]


def test_korean_notebook_runs_slides_and_speaks_korean(korean_lab, browser, artifacts):
    base, token = korean_lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
    page = context.new_page()
    name = NOTEBOOK.replace("/", "-")
    try:
        _run_through(page, base, token, NOTEBOOK, artifacts, "likelihood_slider(")
        _move_slider_and_compare(page, "likelihood-explorer", name, artifacts)
        # A checker's verdict, in Korean.
        verdicts = page.evaluate(VERDICTS)
        assert verdicts, f"{NOTEBOOK}: no checker verdict in the outputs"
        assert all(re.search(KOREAN_VERDICT, v) for v in verdicts), f"verdicts not in Korean: {verdicts[:3]}"
        # Hangul renders with a Hangul font: the font is available, and it is what drew the verdict's text.
        available = page.evaluate(FONTS_CHECK, list(HANGUL_FONTS))
        assert available, f"no Hangul font available to the page (install fonts-noto-cjk); tried {HANGUL_FONTS}"
        page.evaluate("""() => { const pre = [...document.querySelectorAll('.jp-OutputArea-output pre')]
            .find(p => /[가-힣]/.test(p.innerText)); pre.id = 'korean-verdict'; }""")
        used = _platform_fonts(page, "#korean-verdict")
        hangul = [(family, glyphs) for family, glyphs in used if glyphs and any(
            word in family for word in ("CJK", "KR", "Nanum", "Gothic", "Hangul", "Malgun"))]
        assert hangul, f"Korean text was drawn with {used}: no Hangul font (boxes?)"
    finally:
        page.screenshot(path=str(artifacts / f"{name}-final.png"))
        context.close()
