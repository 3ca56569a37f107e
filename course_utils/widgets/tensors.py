"""Notebook 02's stride explorer: choose a shape, strides and an offset over 12 cells.

``render_strides`` is the plain callback (tests call it directly). It builds
``torch.arange(12).as_strided(...)``, reads its map with
``course_utils.tensors.layout`` and draws it with Pillow, which redraws in a
few milliseconds (a matplotlib figure with ~60 labels takes ~150 ms). When the
window would read past the storage it says which cell is out of range.
"""

from __future__ import annotations

import io
from functools import lru_cache

import ipywidgets as widgets
import torch
from PIL import Image, ImageDraw, ImageFont

from .. import validation as V
from ..plotting import storage_colour
from ..tensors import layout
from .base import slider_image

#: The storage every view in the explorer looks at.
STORAGE_SIZE = 12
#: Largest rows / cols the explorer offers.
MAX_SIDE = 4

_CELL, _WIDTH, _HEIGHT = 40, 600, 330
_STORAGE_Y = 255
_GRID_TOP = 62
_RED = (196, 78, 82)


@lru_cache(maxsize=None)
def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # a scalable font, Pillow >= 10.1
    except TypeError:  # older Pillow: the fixed bitmap font
        return ImageFont.load_default()


_colour = storage_colour  # the one palette, shared with tensors.show_layout


def strided_view(rows: int, cols: int, row_stride: int, col_stride: int, offset: int) -> torch.Tensor:
    """``torch.arange(12).as_strided((rows, cols), (row_stride, col_stride), offset)``.

    Raises ValueError naming the last cell read when the view would leave the storage.
    """
    for name, value, low in (
        ("rows", rows, 1),
        ("cols", cols, 1),
        ("row_stride", row_stride, 0),
        ("col_stride", col_stride, 0),
        ("offset", offset, 0),
    ):
        V.integer("strided_view", name, value, minimum=low)
    last = offset + (rows - 1) * row_stride + (cols - 1) * col_stride
    if last >= STORAGE_SIZE:
        raise ValueError(
            f"element [{rows - 1}, {cols - 1}] would read cell "
            f"{offset} + {rows - 1}*{row_stride} + {cols - 1}*{col_stride} = {last}; "
            f"the storage has cells 0..{STORAGE_SIZE - 1}"
        )
    return torch.arange(STORAGE_SIZE).as_strided((rows, cols), (row_stride, col_stride), offset)


def _centred(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill=(0, 0, 0)) -> None:
    draw.text(xy, text, fill=fill, font=_font(size), anchor="mm")


def render_strides(rows: int, cols: int, row_stride: int, col_stride: int, offset: int) -> bytes:
    """PNG of the view of ``arange(12)`` with this shape, strides and offset.

    Top: the view, each element coloured like the storage cell it reads and
    labelled ``s[k]``, joined to that cell by a line. Bottom: the 12 cells.
    """
    for name, value in (("rows", rows), ("cols", cols), ("row_stride", row_stride), ("col_stride", col_stride),
                        ("offset", offset)):
        V.integer("render_strides", name, value, minimum=0)
    for name, value in (("rows", rows), ("cols", cols)):
        V.integer("render_strides", name, value, minimum=1, maximum=MAX_SIDE)
    image = Image.new("RGB", (_WIDTH, _HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    x_storage = (_WIDTH - STORAGE_SIZE * _CELL) // 2
    try:
        view = strided_view(rows, cols, row_stride, col_stride, offset)
    except ValueError as err:
        info, message = None, str(err)
    else:
        info, message = layout(view), None
    read = set() if info is None else set(info.index.ravel().tolist())

    if info is None:
        _centred(draw, (_WIDTH / 2, 18), "out of bounds: as_strided would fail", 14, _RED)
        _centred(draw, (_WIDTH / 2, 40), message, 12, _RED)
    else:
        _centred(
            draw,
            (_WIDTH / 2, 18),
            f"arange(12).as_strided(({rows}, {cols}), ({row_stride}, {col_stride}), {offset})",
            14,
        )
        _centred(draw, (_WIDTH / 2, 38), f"stride {info.stride}   offset {info.offset}   contiguous {info.contiguous}", 12)
        x_grid = (_WIDTH - cols * _CELL) // 2
        for i in range(rows):
            for j in range(cols):
                k = int(info.index[i, j])
                x, y = x_grid + j * _CELL, _GRID_TOP + i * _CELL
                draw.line(
                    [(x + _CELL / 2, y + _CELL), (x_storage + k * _CELL + _CELL / 2, _STORAGE_Y)],
                    fill=(150, 150, 150),
                    width=1,
                )
        for i in range(rows):
            for j in range(cols):
                k = int(info.index[i, j])
                x, y = x_grid + j * _CELL, _GRID_TOP + i * _CELL
                draw.rectangle([x, y, x + _CELL, y + _CELL], fill=_colour(k), outline=(50, 50, 50))
                _centred(draw, (x + _CELL / 2, y + 15), str(int(info.storage[k])), 14)
                _centred(draw, (x + _CELL / 2, y + 31), f"s[{k}]", 10, (60, 60, 60))
        _centred(draw, (x_grid - 34, _GRID_TOP + rows * _CELL / 2), "view", 12)

    for k in range(STORAGE_SIZE):
        x = x_storage + k * _CELL
        fill = _colour(k) if k in read else (255, 255, 255)
        draw.rectangle([x, _STORAGE_Y, x + _CELL, _STORAGE_Y + _CELL], fill=fill, outline=(50, 50, 50))
        _centred(draw, (x + _CELL / 2, _STORAGE_Y + _CELL / 2), str(k), 14)
    _centred(draw, (x_storage - 34, _STORAGE_Y + _CELL / 2), "storage", 12)
    _centred(draw, (_WIDTH / 2, _STORAGE_Y + _CELL + 14), "cell k of the storage holds the number k", 11, (110, 110, 110))

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def stride_explorer() -> widgets.VBox:
    """Sliders for shape, strides and offset over a 12-cell storage, above the drawing."""
    style = {"description_width": "80px"}
    controls = {
        "rows": widgets.IntSlider(value=3, min=1, max=MAX_SIDE, description="rows", style=style),
        "cols": widgets.IntSlider(value=4, min=1, max=MAX_SIDE, description="cols", style=style),
        "row_stride": widgets.IntSlider(value=4, min=0, max=6, description="row stride", style=style),
        "col_stride": widgets.IntSlider(value=1, min=0, max=4, description="col stride", style=style),
        "offset": widgets.IntSlider(value=0, min=0, max=STORAGE_SIZE - 1, description="offset", style=style),
    }
    return slider_image(
        render_strides,
        controls,
        width=_WIDTH,
        caption="Element [i, j] of the view reads storage cell offset + i·row_stride + j·col_stride.",
    )
