"""Widgets on the static site: saved widget state drawn as plain HTML, sliders made live by precomputed frames.

A page has no kernel, so a widget output is rendered from the notebook's saved
widget state (boxes, HTML, images, progress bars) without any widget manager.
Each slider widget of the course is rebuilt from its builder in
``benchmarks/widget_latency.py`` and its plain ``render`` function is called over
the slider's values: at most ``MAX_VALUES`` per slider with the others at their
defaults, or a ``GRID`` x ``GRID`` grid for the 2-D latent explorer. The frames
are PNG files in ``frames/`` (named by content, so repeats are stored once);
``_static/course.js`` swaps them when a slider moves. The Korean pages reuse the
English frames where their widget draws the same pictures (``reuse_frames``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SLIDER_MODELS = {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel"}
MAX_VALUES = 41
GRID = 21
#: Widgets whose two sliders are explored jointly, on a GRID x GRID grid (by their CSS class).
GRID_CLASSES = {"latent-explorer"}
#: The CSS class of a slider's status line (``slider_image(status=...)``), left out of static pages.
STATUS_CLASS = "slider-status"
NOTE = ("On this page each slider moves on its own (the others go back to their defaults); "
        "in the notebook the sliders combine freely and take any value.")
ONE_NOTE = "The frames were drawn when this page was built; the notebook draws any value."
#: The notes under a live widget, per edition: (several sliders, one slider).
NOTES = {"en": (NOTE, ONE_NOTE),
         "ko": ("이 페이지에서는 슬라이더가 하나씩만 움직입니다(나머지는 기본값으로 돌아갑니다). "
                "노트북에서는 슬라이더를 자유롭게 조합하고 어떤 값이든 고를 수 있습니다.",
                "이 그림들은 페이지를 만들 때 그려 두었습니다. 노트북은 어떤 값이든 그립니다.")}


def saved_state(nb) -> dict:
    """model id -> {"model_name", "state"} from a notebook's saved widget state, image bytes decoded."""
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    models = {}
    for model_id, model in saved.items():
        state = dict(model["state"])
        for buffer in model.get("buffers", []):
            if buffer.get("encoding") == "base64" and buffer["path"] == ["value"]:
                state["value"] = base64.b64decode(buffer["data"])
        models[model_id] = {"model_name": model["model_name"], "state": state}
    return models


def _ref(value: str) -> str:
    return value.removeprefix("IPY_MODEL_")


def descendants(models: dict, model_id: str) -> list[str]:
    """``model_id`` and every model it shows, in display order (children depth-first)."""
    out = [model_id]
    for child in models.get(model_id, {}).get("state", {}).get("children", []):
        out += descendants(models, _ref(child))
    return out


def slider_signature(models: dict, model_id: str) -> list[tuple]:
    """(description, min, max) of every slider a saved widget shows, in order: what identifies it."""
    return [(s["description"], s["min"], s["max"]) for m in descendants(models, model_id)
            if models.get(m, {}).get("model_name") in SLIDER_MODELS for s in [models[m]["state"]]]


def _png_tag(data: bytes, width: str | None, css: str = "") -> str:
    style = f' style="width:{html.escape(width)}"' if width else ""
    return f'<img{css} alt="widget image"{style} src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def static_html(models: dict, model_id: str, live: dict | None = None) -> str:
    """HTML for one saved widget; ``live`` maps slider model ids and the image id to their live HTML."""
    live = live or {}
    if model_id in live:
        return live[model_id]
    model = models.get(model_id)
    if model is None:
        return ""
    name, state = model["model_name"], model["state"]
    layout = models.get(_ref(state.get("layout", "")), {}).get("state", {})
    if name in ("VBoxModel", "HBoxModel"):
        kind = "vbox" if name == "VBoxModel" else "hbox"
        classes = " ".join(["widget-" + kind, *state.get("_dom_classes", [])])
        inner = "".join(static_html(models, _ref(c), live) for c in state.get("children", []))
        return f'<div class="{html.escape(classes)}">{inner}</div>'
    if name in ("HTMLModel", "LabelModel"):
        if STATUS_CLASS in state.get("_dom_classes", []):
            return ""  # a slider's changing title: the frames have it drawn in
        value = state.get("value", "") if name == "HTMLModel" else html.escape(state.get("value", ""))
        return f'<div class="widget-html">{value}</div>'
    if name == "ImageModel":
        return _png_tag(state.get("value", b""), layout.get("width") or state.get("width") or None, ' class="widget-image"')
    if name in ("FloatProgressModel", "IntProgressModel"):
        return (f'<progress class="widget-progress" value="{state["value"]}" max="{state["max"]}">'
                f'{state["value"]}/{state["max"]}</progress>')
    if name in SLIDER_MODELS:
        return (f'<label class="widget-slider">{html.escape(state.get("description", ""))} '
                f'<input type="range" disabled> <output>{state.get("value")}</output></label>')
    if name == "PlayModel":
        return ""  # a play button without a kernel plays nothing; live widgets get their own
    return f'<div class="widget-html">[{html.escape(name)}: open the notebook to see it]</div>'


def slider_values(control) -> tuple[list[float], int]:
    """At most MAX_VALUES values across a slider's range, its default among them; and the default's index."""
    log = type(control).__name__ == "FloatLogSlider"
    lo, hi = control.min, control.max
    default = math.log(control.value, control.base) if log else control.value
    if isinstance(control.value, int):
        grid = list(range(lo, hi + 1, control.step or 1))
        if len(grid) > MAX_VALUES:
            grid = sorted({int(round(v)) for v in np.linspace(lo, hi, MAX_VALUES)})
    else:
        count = int(round((hi - lo) / control.step)) + 1 if control.step else MAX_VALUES
        grid = [float(v) for v in np.linspace(lo, hi, min(count, MAX_VALUES))]
    nearest = min(range(len(grid)), key=lambda i: abs(grid[i] - default))
    grid[nearest] = default
    values = [control.base ** v for v in grid] if log else grid
    return values, nearest


def _label(control, value) -> str:
    if isinstance(control.value, int):
        return str(int(value))
    fmt = getattr(control, "readout_format", ".2f") or ".2f"
    return format(value, fmt)


class FrameStore:
    """PNG frames written once each into ``out/frames``, named by their content."""

    def __init__(self, out: Path):
        self.folder = out / "frames"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    @staticmethod
    def name(png: bytes) -> str:
        """The frame's name in a page's table, from its content."""
        return f"frames/{hashlib.sha256(png).hexdigest()[:16]}.png"

    def add(self, png: bytes) -> str:
        name = self.name(png)
        path = self.folder.parent / name
        if not path.exists():
            path.write_bytes(png)
        self.count += 1
        return name


def _frame(box) -> bytes:
    """The picture a static page shows for the box's current values (its title drawn in, see slider_image)."""
    return box.frame() if hasattr(box, "frame") else box.image.value


def slider_controls(box) -> list:
    """The sliders of a built widget, in order (its other controls, a play button say, left out)."""
    return [c for c in box.controls.values() if hasattr(c, "min")]


def _grid_axes(controls) -> list[list[float]]:
    """The GRID values of each slider of a widget explored on a grid."""
    return [np.linspace(c.min, c.max, GRID).tolist() for c in controls]


def _without_redraws(draw_frames):
    """``draw_frames(box, ...)`` with the box's own redraw on each slider move held off.

    A static page's frame is ``box.frame()``, which draws the picture anew (``slider_image``), so the image
    the widget redrew as each slider moved was thrown away: half the frames' time (the latent explorer's
    441 frames: 905 renders). The box is redrawn once afterwards, at the values it is left with. A box
    without ``frame`` shows its frames in its image: its redraws stay.
    """
    @functools.wraps(draw_frames)
    def drawn(box, *args):
        update = getattr(box, "update", None)
        if not hasattr(box, "frame") or update is None:
            return draw_frames(box, *args)
        held = []
        for control in box.controls.values():
            try:
                control.unobserve(update, names="value")
                held.append(control)
            except ValueError:  # not redrawn by this control
                pass
        try:
            return draw_frames(box, *args)
        finally:
            for control in held:
                control.observe(update, names="value")
            update()
    return drawn


@_without_redraws
def frames_of(box, store: FrameStore) -> dict:
    """Render a built widget over its sliders' values; return the table course.js plays."""
    controls = slider_controls(box)
    start = [c.value for c in controls]
    values = [slider_values(c) for c in controls]
    sliders = [{"label": c.description, "values": [_label(c, v) for v in vs], "default": d}
               for c, (vs, d) in zip(controls, values)]
    grid = bool(GRID_CLASSES & set(box._dom_classes)) and len(controls) == 2
    if grid:
        axes = _grid_axes(controls)
        for s, axis in zip(sliders, axes):
            s["values"] = [_label(controls[0], v) for v in axis]
            s["default"] = min(range(GRID), key=lambda i, s=s: abs(axis[i]))
        frames = []
        for a in axes[0]:
            for b in axes[1]:
                controls[0].value, controls[1].value = a, b
                frames.append(store.add(_frame(box)))
    else:
        frames = []
        for i, (control, (vs, _)) in enumerate(zip(controls, values)):
            row = []
            for v in vs:
                control.value = v
                row.append(store.add(_frame(box)))
            control.value = start[i]
            frames.append(row)
    for control, value in zip(controls, start):
        control.value = value
    width = box.image.layout.width
    return {"mode": "grid" if grid else "each", "sliders": sliders, "frames": frames, "width": width}


def _probes(table: dict) -> list[tuple[list[int], str]]:
    """Positions (one value index per slider) that ``reuse_frames`` redraws, with the frame ``table`` has there."""
    defaults = [s["default"] for s in table["sliders"]]
    if table["mode"] == "grid":
        last = GRID - 1
        return [([a, b], table["frames"][a * GRID + b]) for a, b in [defaults, [0, 0], [0, last], [last, 0], [last, last]]]
    probes = []
    for k, row in enumerate(table["frames"]):
        for i in (defaults[k], 0, len(row) - 1):
            probes.append(([*defaults[:k], i, *defaults[k + 1:]], row[i]))
    return probes


@_without_redraws
def reuse_frames(box, table: dict, store: FrameStore) -> dict | None:
    """``table`` (the same widget, built in the other edition) with this box's slider labels, or None.

    The frames are reused only where the box draws, pixel for pixel, the frame ``table`` has at its default,
    at both ends of each slider (at the grid's corners) and there: a frame with words of the page's language
    in it is drawn anew by ``frames_of``.
    """
    controls = slider_controls(box)
    if len(controls) != len(table["sliders"]):
        return None
    start = [c.value for c in controls]
    axes = _grid_axes(controls) if table["mode"] == "grid" else [slider_values(c)[0] for c in controls]
    if [len(a) for a in axes] != [len(s["values"]) for s in table["sliders"]]:
        return None
    same = True
    for position, name in _probes(table):
        for control, axis, i in zip(controls, axes, position):
            control.value = axis[i]
        same = store.name(_frame(box)) == name  # a probe is compared, not stored: it is no frame of the page
        if not same:
            break
    for control, value in zip(controls, start):
        control.value = value
    if not same:
        return None
    sliders = [dict(s, label=c.description) for s, c in zip(table["sliders"], controls)]
    return dict(table, sliders=sliders, width=box.image.layout.width)


def live_html(models: dict, model_id: str, table: dict, lang: str = "en") -> str:
    """The saved widget with its sliders and image replaced by live ones driven by ``table``."""
    ids = descendants(models, model_id)
    slider_ids = [m for m in ids if models.get(m, {}).get("model_name") in SLIDER_MODELS]
    image_ids = [m for m in ids if models.get(m, {}).get("model_name") == "ImageModel"]
    live = {}
    for k, (slider_id, slider) in enumerate(zip(slider_ids, table["sliders"])):
        n = len(slider["values"]) - 1
        live[slider_id] = (
            f'<label class="live-slider">{html.escape(slider["label"])} '
            f'<input type="range" min="0" max="{n}" step="1" value="{slider["default"]}" data-slider="{k}" '
            f'aria-label="{html.escape(slider["label"])}"> <output>{html.escape(slider["values"][slider["default"]])}</output></label>')
    if table["mode"] == "grid":
        first = table["frames"][table["sliders"][0]["default"] * GRID + table["sliders"][1]["default"]]
    else:
        first = table["frames"][0][table["sliders"][0]["default"]]
    style = f' style="width:{html.escape(table["width"])}"' if table["width"] else ""
    live[image_ids[0]] = f'<img class="live-image" alt="widget image"{style} src="{first}">'
    has_play = any(models.get(m, {}).get("model_name") == "PlayModel" for m in ids)
    play = '<button type="button" class="live-play">&#9654; play</button>' if has_play else ""
    note = f'<p class="live-note">{NOTES[lang][0] if len(slider_ids) > 1 else NOTES[lang][1]}</p>'
    data = html.escape(json.dumps(table), quote=True)
    return (f'<div class="live-widget" data-frames="{data}">{play}'
            f'{static_html(models, model_id, live)}{note}</div>')


def course_builders(prefix: str):
    """The widget builders of notebook ``prefix`` ("01", "A1", ...) listed by benchmarks/widget_latency.py."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import widget_latency
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return [(name, build) for notebook, name, build in widget_latency.widgets_of_the_course() if notebook == prefix]


def start_where_saved(box, models: dict, model_id: str) -> None:
    """Set the built widget's sliders to the values saved in the notebook, so the page starts where it did."""
    saved = [models[m]["state"]["value"] for m in descendants(models, model_id)
             if models.get(m, {}).get("model_name") in SLIDER_MODELS]
    for control, value in zip(slider_controls(box), saved):
        control.value = value


def box_signature(box) -> list[tuple]:
    return [(c.description, c.min, c.max) for c in slider_controls(box)]
