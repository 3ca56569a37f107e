"""The one pattern every slider of the course follows.

A plain ``render(**values) -> bytes`` function draws a PNG; ``slider_image``
wires sliders to it and swaps the bytes of one ``ipywidgets.Image`` in place,
so a move answers without building a new figure or output area.
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets


def slider_image(
    render: Callable[..., bytes],
    controls: dict[str, widgets.ValueWidget],
    *,
    width: int | None = None,
    caption: str | None = None,
    css_class: str | None = None,
) -> widgets.VBox:
    """A box of ``controls`` above an image that shows ``render(**values)``.

    The returned box has ``.image`` (the Image widget), ``.controls`` (the dict)
    and ``.update()`` (redraw now), so tests can move a slider and read the bytes.
    ``css_class`` tags the box in the page, so a browser test can find it.
    """
    for name, control in controls.items():
        if not hasattr(control, "value"):
            raise TypeError(f"slider_image: control {name!r} must be an ipywidgets value widget; got {control!r}")
    image = widgets.Image(format="png", value=render(**{k: c.value for k, c in controls.items()}))
    if width is not None:
        image.layout.width = f"{width}px"

    def update(change=None) -> None:
        image.value = render(**{k: c.value for k, c in controls.items()})

    for control in controls.values():
        control.observe(update, names="value")
    children = [*controls.values(), image]
    if caption:
        children.insert(0, widgets.HTML(caption))
    box = widgets.VBox(children)
    if css_class:
        box.add_class(css_class)
    box.image, box.controls, box.update = image, controls, update
    return box
