"""A learner's view: open a notebook in JupyterLab, run it down to a slider, move it, see the image change.

Each test runs the notebook from the top through the cell that shows the slider (JupyterLab's "run all
above" on the cell after it), not the cells below: those have no part in what the browser checks, and
nbval runs every cell of every notebook already.

Notebook 01's likelihood slider is run and moved here once, in the Korean edition (test_korean_lab.py):
its code cells are the English notebook's but for ``lang="ko"`` (tests/test_korean.py), so running the
English copy as well would repeat the same cells and the same slider (about 8 s).
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

RUN_TIMEOUT_S = 600
POLL_MS = 200  # how often the run's progress and a slider's picture are looked at


# The notebook's panel, found by path (JupyterLab may restore other tabs).
PANEL = """(path) => [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path)"""
KERNEL_READY = f"""async (path) => {{
    const panel = ({PANEL})(path);
    await panel.context.ready;
    await panel.sessionContext.ready;
}}"""
KERNEL_IDLE = f"""(path) => {{
    const panel = ({PANEL})(path);
    return !!(panel && panel.sessionContext.session && panel.sessionContext.session.kernel
              && panel.sessionContext.session.kernel.status === 'idle');
}}"""
# Runs the cells from the top through the first code cell whose source holds ``through`` (all cells when
# it is empty); returns the index of that last cell, or -1 when no cell holds it.
RUN_THROUGH = f"""async ([path, through]) => {{
    const panel = ({PANEL})(path);
    const cells = panel.content.model.cells;
    let last = cells.length - 1;
    if (through) {{
        last = -1;
        for (let i = 0; i < cells.length && last < 0; i++) {{
            const cell = cells.get(i);
            if (cell.type === 'code' && cell.sharedModel.getSource().includes(through)) last = i;
        }}
        if (last < 0) return -1;
    }}
    window.jupyterapp.shell.activateById(panel.id);
    // Cleared before this returns: every cell counts as pending until it has run again (no early "done").
    await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
    if (last === cells.length - 1) {{
        window.jupyterapp.commands.execute('notebook:run-all-cells');
    }} else {{
        panel.content.activeCellIndex = last + 1;
        window.jupyterapp.commands.execute('notebook:run-all-above');
    }}
    return last;
}}"""
RUN_STATE = f"""([path, last]) => {{
    const panel = ({PANEL})(path);
    const cells = panel.content.model.cells;
    let pending = 0, errors = [];
    for (let i = 0; i <= last; i++) {{
        const cell = cells.get(i);
        if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
        if (cell.executionCount === null) pending++;
        for (let j = 0; j < cell.outputs.length; j++) {{
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
        }}
    }}
    const session = panel.sessionContext.session;
    return {{status: session && session.kernel ? session.kernel.status : 'unknown', pending, errors}};
}}"""


def _run_through(page, base, token, notebook, artifacts, through=""):
    """Open ``notebook`` in a fresh JupyterLab workspace and run it from the top through the first code
    cell whose source holds ``through`` (every cell when empty); wait until each of those has run."""
    workspace = notebook.split(".")[0].replace("/", "-")  # ko/01_x.ipynb -> ko-01_x
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={token}")
    page.wait_for_function(f"() => window.jupyterapp && !!({PANEL})({notebook!r})", timeout=120_000)
    page.evaluate(KERNEL_READY, notebook)
    page.wait_for_function(KERNEL_IDLE, arg=notebook, timeout=120_000)
    last = page.evaluate(RUN_THROUGH, [notebook, through])
    assert last >= 0, f"{notebook}: no code cell holds {through!r}"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state = page.evaluate(RUN_STATE, [notebook, last])
        assert not state["errors"], f"{notebook}: a cell failed in the browser: {state['errors'][0]}"
        if state["status"] == "idle" and state["pending"] == 0:
            break
        if time.monotonic() > deadline:
            page.screenshot(path=str(artifacts / f"{notebook}-timeout.png"))
            pytest.fail(f"{notebook} did not finish running within {RUN_TIMEOUT_S} s in the browser: {state}")
        page.wait_for_timeout(POLL_MS)


def _wait_for_new_picture(page, image, before_src, quiet_ms=600, timeout_s=15):
    """Wait until ``image`` shows a picture other than ``before_src`` and keeps it for ``quiet_ms`` (the last
    key press's); give up after ``timeout_s`` without a change (then the comparison of pictures fails)."""
    src, since, deadline = before_src, time.monotonic(), time.monotonic() + 2 * timeout_s
    while time.monotonic() - since < timeout_s and time.monotonic() < deadline:
        page.wait_for_timeout(POLL_MS)
        now = image.get_attribute("src")
        if now != src:
            src, since = now, time.monotonic()
        elif src != before_src and time.monotonic() - since >= quiet_ms / 1000:
            return


def _move_slider_and_compare(page, css_class, notebook, artifacts, presses=5):
    box = page.locator(f".{css_class}").first
    box.scroll_into_view_if_needed(timeout=30_000)
    image = box.locator("img").first
    image.wait_for(state="visible", timeout=30_000)
    before_src = image.get_attribute("src")
    before = image.screenshot(path=str(artifacts / f"{notebook}-{css_class}-before.png"))
    handle = box.locator(".noUi-handle, .slider-handle, input[type='range']").first
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    _wait_for_new_picture(page, image, before_src)
    after = image.screenshot(path=str(artifacts / f"{notebook}-{css_class}-after.png"))
    page.screenshot(path=str(artifacts / f"{notebook}-page.png"), full_page=False)
    assert before != after, f"{notebook}: moving the slider of .{css_class} did not change its image"


@pytest.mark.parametrize(
    "notebook, css_class, through",
    [("05_vae.ipynb", "latent-explorer", "latent_explorer("),
     ("07_flows_and_diffusion.ipynb", "flow-change-of-variables", "change_of_variables(")],
)
def test_slider_redraws_image(lab_server, browser, artifacts, notebook, css_class, through):
    base, token, _ = lab_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        _run_through(page, base, token, notebook, artifacts, through)
        _move_slider_and_compare(page, css_class, notebook, artifacts)
    finally:
        page.screenshot(path=str(artifacts / f"{notebook}-final.png"))
        context.close()
