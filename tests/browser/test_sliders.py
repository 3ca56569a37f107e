"""A learner's view: open a notebook in JupyterLab, run it, move a slider, see the image change."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

RUN_TIMEOUT_S = 600


KERNEL_READY = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    return panel.sessionContext.session.kernel.status;
}"""
RUN_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
    return {
        status: panel.sessionContext.session.kernel.status,
        pending: cells.filter(c => c.model.executionCount === null || c.promptNode.textContent.includes('*')).length,
    };
}"""


def _run_all(page, base, token, notebook, artifacts):
    """Open ``notebook`` in JupyterLab, run all cells, wait until every one has run."""
    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
    page.evaluate(KERNEL_READY)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    page.wait_for_timeout(3000)
    while True:
        state = page.evaluate(RUN_STATE)
        if state["status"] == "idle" and state["pending"] == 0:
            break
        if time.monotonic() > deadline:
            page.screenshot(path=str(artifacts / f"{notebook}-timeout.png"))
            pytest.fail(f"{notebook} did not finish running within {RUN_TIMEOUT_S} s in the browser: {state}")
        page.wait_for_timeout(1000)
    tracebacks = [e for e in page.query_selector_all(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")
                  if "Traceback" in (e.text_content() or "")]
    assert not tracebacks, f"{notebook}: a cell failed in the browser: {tracebacks[0].text_content()[:500]}"


def _move_slider_and_compare(page, css_class, notebook, artifacts, presses=5):
    box = page.locator(f".{css_class}").first
    box.scroll_into_view_if_needed(timeout=30_000)
    image = box.locator("img").first
    image.wait_for(state="visible", timeout=30_000)
    before = image.screenshot(path=str(artifacts / f"{notebook}-{css_class}-before.png"))
    handle = box.locator(".noUi-handle, .slider-handle, input[type='range']").first
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1500)
    after = image.screenshot(path=str(artifacts / f"{notebook}-{css_class}-after.png"))
    page.screenshot(path=str(artifacts / f"{notebook}-page.png"), full_page=False)
    assert before != after, f"{notebook}: moving the slider of .{css_class} did not change its image"


@pytest.mark.parametrize(
    "notebook, css_class",
    [("05_vae.ipynb", "latent-explorer"), ("01_probability_and_mle.ipynb", "likelihood-explorer")],
)
def test_slider_redraws_image(lab_server, browser, artifacts, notebook, css_class):
    base, token, _ = lab_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        _run_all(page, base, token, notebook, artifacts)
        _move_slider_and_compare(page, css_class, notebook, artifacts)
    finally:
        page.screenshot(path=str(artifacts / f"{notebook}-final.png"))
        context.close()
