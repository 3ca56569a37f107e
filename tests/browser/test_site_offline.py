"""The static site in headless Chromium with every other host blocked: it must need nothing from the network.

The site (built once per session, see tests/conftest.py) is served from a
loopback port. Every request to another host is aborted and recorded; a page
fails on any failed request or error response, on a ``$`` left in prose after
MathJax ran (outside code, pre and scripts), or on a widget output left empty.
Then a slider is dragged with the mouse and the picture must change, and the
search box must find a section on another page.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Text nodes with a '$' outside code, pre, scripts and MathJax's own output: TeX that MathJax did not typeset.
UNRENDERED_DOLLARS = """() => {
    const skip = new Set(['CODE', 'PRE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'KBD', 'SAMP']);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.nodeValue.includes('$')) continue;
        let el = node.parentElement, hidden = false;
        while (el && !hidden) { hidden = skip.has(el.tagName) || el.classList.contains('MathJax_Preview'); el = el.parentElement; }
        if (!hidden) found.push(node.nodeValue.trim().slice(0, 80));
    }
    return found;
}"""
EMPTY_WIDGETS = """() => [...document.querySelectorAll('.course-widget')].filter(w => {
    const images = [...w.querySelectorAll('img')];
    const drawn = images.length ? images.every(i => i.complete && i.naturalWidth > 0) : true;
    return !drawn || (!images.length && !w.innerText.trim() && !w.querySelector('progress'));
}).map(w => w.outerHTML.slice(0, 120))"""
MATHJAX_DONE = """() => new Promise(done => {
    if (!window.MathJax || !window.MathJax.Hub) return done(false);
    window.MathJax.Hub.Queue(() => done(true));
})"""


@pytest.fixture(scope="module")
def served_site(course_site):
    out, entries = course_site

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", entries
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def offline_page(browser):
    """A page whose requests to any non-loopback host are aborted; yields (page, problems)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    problems = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith("data:") or host in LOCAL_HOSTS:
            r.continue_()
        else:
            problems.append(f"blocked request to another host: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    # A request the page itself cancels (a frame replaced mid-drag, a page left) is no failure; blocked
    # requests and error responses are recorded above and below.
    page.on("requestfailed", lambda r: r.url != "about:blank" and "ERR_ABORTED" not in (r.failure or "")
            and problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.in_flight = set()  # requests sent and not yet answered (see wait_until_quiet)
    page.on("request", lambda r: page.in_flight.add(r))
    page.on("requestfinished", lambda r: page.in_flight.discard(r))
    page.on("requestfailed", lambda r: page.in_flight.discard(r))
    try:
        yield page, problems
    finally:
        context.close()


def wait_until_quiet(page, timeout_s=30):
    """Wait until every request the page sent has been answered (or has failed): as Playwright's
    "networkidle" but without its fixed half-second of silence per page."""
    deadline = time.monotonic() + timeout_s
    while page.in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert not page.in_flight, f"requests still unanswered after {timeout_s} s: {[r.url for r in page.in_flight][:5]}"


def test_every_page_renders_offline(served_site, offline_page, artifacts):
    base, entries = served_site
    page, problems = offline_page
    for name in ["index.html"] + [e["file"] for e in entries]:
        page.goto(f"{base}/{name}", wait_until="load")
        assert page.evaluate(MATHJAX_DONE), f"{name}: MathJax did not load"
        wait_until_quiet(page)
        assert not problems, f"{name}: {problems[:5]}"
        dollars = page.evaluate(UNRENDERED_DOLLARS)
        assert not dollars, f"{name}: TeX left unrendered: {dollars[:5]}"
        empty = page.evaluate(EMPTY_WIDGETS)
        assert not empty, f"{name}: empty widget outputs: {empty[:3]}"
        if name == "index.html":
            assert page.locator("mjx-container, .MathJax, .MathJax_Display").count() > 0
        if name == "05_vae.html":
            page.screenshot(path=str(artifacts / "site-05_vae.png"))


def test_dragging_a_slider_changes_the_picture(served_site, offline_page, artifacts):
    base, _ = served_site
    page, problems = offline_page
    page.goto(f"{base}/05_vae.html", wait_until="load")
    widget = page.locator(".live-widget").first
    widget.scroll_into_view_if_needed()
    image = widget.locator("img.live-image")
    slider = widget.locator("input[type=range]").first
    before_src, before = image.get_attribute("src"), image.screenshot(path=str(artifacts / "site-slider-before.png"))
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    after = image.screenshot(path=str(artifacts / "site-slider-after.png"))
    assert image.get_attribute("src") != before_src, "dragging the slider did not change the frame"
    assert after != before, "the picture looks the same after the drag"
    assert widget.locator("output").first.inner_text() != "0.00"
    assert not problems, problems[:5]


def test_search_finds_a_section_on_another_page(served_site, offline_page):
    base, _ = served_site
    page, problems = offline_page
    page.goto(f"{base}/01_probability_and_mle.html", wait_until="load")
    page.fill(".course-search input", "reparameterization trick")
    results = page.locator(".search-results li a")
    results.first.wait_for(timeout=5000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(h.startswith("05_vae.html") for h in hrefs), hrefs
    results.first.click()
    page.wait_for_load_state("load")
    assert "05_vae.html" in page.url
    assert not problems, problems[:5]
