"""Give saved tqdm progress bars their final text, so committed notebooks do not show bars frozen at 0%.

A `tqdm.auto` bar in a notebook is an ipywidget. Its saved output carries a plain-text
fallback (what GitHub, nbviewer or a notebook without widget state shows), and that
text is captured once, when the bar is first displayed: "0%| | 0/100". The widget's
final state (100%, the elapsed time) is saved in the notebook's metadata. This tool
rewrites each bar's fallback text from that final state:

    python tools/finish_progress_bars.py notebooks/*.ipynb

`make outputs` runs it after executing the notebooks. Only outputs of tqdm bars
(an HBox of label, FloatProgress and HTML) change; every other byte stays.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def bar_text(model_id: str, states: dict) -> str | None:
    """The final text of the tqdm bar whose HBox is ``model_id``, or None if it is not a tqdm bar."""
    box = states.get(model_id)
    if not box or box.get("model_name") != "HBoxModel":
        return None
    children = [states.get(ref.removeprefix("IPY_MODEL_"), {}) for ref in box["state"].get("children", [])]
    names = [child.get("model_name") for child in children]
    if names != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, progress, right = (child["state"] for child in children)
    total, done = float(progress.get("max", 0) or 0), float(progress.get("value", 0) or 0)
    filled = round(10 * done / total) if total > 0 else 0
    text = f"{left.get('value', '')}|{'█' * filled}{' ' * (10 - filled)}|{right.get('value', '')}"
    return html.unescape(text).replace("\u2007", " ")


def finish(path: Path) -> int:
    """Rewrite the bars of one notebook in place; returns how many changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    states = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    changed = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data or "text/plain" not in data:
                continue
            text = bar_text(data[WIDGET_VIEW].get("model_id", ""), states)
            if text is not None and "".join(data["text/plain"]) != text:
                data["text/plain"] = [text]
                changed += 1
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tools/finish_progress_bars.py NOTEBOOK.ipynb ...")
    for name in sys.argv[1:]:
        print(f"{name}: {finish(Path(name))} progress bars finished")
