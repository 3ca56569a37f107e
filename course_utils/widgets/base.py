"""The one pattern every slider of the course follows.

A plain ``render(**values) -> bytes`` function draws a PNG; ``slider_image``
wires sliders to it and swaps the bytes of one ``ipywidgets.Image`` in place,
so a move answers without building a new figure or output area.
"""

from __future__ import annotations

import html
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import validation as V
from ..i18n import tr
from ..plotting import rgb_to_png


class FigureCache:
    """The one cache of the widgets' persistent figures: at most ``maxsize``, least recently used dropped.

    ``get(key, build)`` returns the figure kept under ``key``, building it with
    ``build()`` on first use. With ``owner`` (an object the figure draws, e.g. a
    ``Replay1D``) the entry is keyed by that object's identity and dropped when
    the object is garbage collected.
    """

    def __init__(self, maxsize: int = 32):
        self.maxsize = V.positive_int("FigureCache", "maxsize", maxsize)
        self._items: OrderedDict = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any], owner: Any = None) -> Any:
        if owner is not None:
            key = (key, id(owner))
        entry = self._items.get(key)
        if entry is not None and (entry[1] is None or entry[1]() is owner):
            self._items.move_to_end(key)
            return entry[0]
        value = build()
        ref = None
        if owner is not None:
            ref = weakref.ref(owner, lambda _, k=key: self._items.pop(k, None))
        self._items[key] = (value, ref)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()


#: Every widget's figures, kept between slider moves.
FIGURES = FigureCache(32)


def slider_image(
    render: Callable[..., bytes],
    controls: dict[str, widgets.ValueWidget],
    *,
    width: int | None = None,
    caption: str | None = None,
    css_class: str | None = None,
    status: Callable[..., str] | None = None,
) -> widgets.VBox:
    """A box of ``controls`` above an image that shows ``render(**values)``.

    The returned box has ``.image`` (the Image widget), ``.controls`` (the dict),
    ``.update()`` (redraw now) and ``.frame()`` (the PNG a static page shows for the
    current values), so tests can move a slider and read the bytes. ``css_class``
    tags the box in the page, so a browser test can find it.

    ``status(**values) -> str``: a line of text that changes with every move (a
    title with numbers). Drawing text into the figure is the dearest part of a
    redraw (its glyphs are rasterized anew each time), so with ``status`` the
    widget shows it as an HTML line above the image and draws
    ``render(**values, title=False)``; ``.frame()`` still gives ``render(**values)``,
    the picture with its title.
    """
    for name, control in controls.items():
        if not hasattr(control, "value"):
            raise TypeError(f"slider_image: control {name!r} must be an ipywidgets value widget; got {control!r}")
        control.description = tr(control.description)

    def values() -> dict:
        return {k: c.value for k, c in controls.items()}

    draw = render if status is None else (lambda **v: render(**v, title=False))
    line = None
    if status is not None:
        line = widgets.HTML(_status_html(status(**values())))
        line.add_class("slider-status")  # tools/site_widgets.STATUS_CLASS: static pages draw it into the frames
    image = widgets.Image(format="png", value=draw(**values()))
    if width is not None:
        image.layout.width = f"{width}px"

    def update(change=None) -> None:
        image.value = draw(**values())
        if line is not None:
            line.value = _status_html(status(**values()))

    for control in controls.values():
        control.observe(update, names="value")
    children = [*controls.values(), *([line] if line is not None else []), image]
    if caption:
        children.insert(0, widgets.HTML(tr(caption)))
    box = widgets.VBox(children)
    if css_class:
        box.add_class(css_class)
    box.image, box.controls, box.update, box.status = image, controls, update, line
    box.frame = lambda: render(**values())
    return box


def _status_html(text: str) -> str:
    return f'<span style="font-size: 0.9em">{html.escape(text)}</span>'


class BlitFigure:
    """A figure whose static part is drawn once; ``render`` redraws only the moving artists.

    The ``moving`` artists are marked animated; everything else (axes, ticks, fixed
    curves) is drawn once and restored from a pixel buffer (blitting), so a slider
    move draws only what changed. ``render(limits, set_limits)`` redraws the whole
    figure, after calling ``set_limits()``, only when ``limits`` changes. Extra
    keyword arguments are kept as attributes (the artists a render function moves).
    """

    def __init__(self, fig: Figure, moving: list, **artists):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving = moving
        for artist in moving:
            artist.set_animated(True)
        self.__dict__.update(artists)
        self._limits = object()
        self._background = None

    def render(self, limits=None, set_limits: Callable[[], None] | None = None) -> bytes:
        if limits != self._limits or self._background is None:
            if set_limits is not None:
                set_limits()
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._limits = limits
        self.canvas.restore_region(self._background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        return rgb_to_png(np.asarray(self.canvas.buffer_rgba())[..., :3])
