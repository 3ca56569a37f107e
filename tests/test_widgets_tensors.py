"""The stride explorer: its callback is a plain function; sliders redraw the image."""

import io

import pytest
import torch
from PIL import Image

from course_utils.widgets.tensors import STORAGE_SIZE, render_strides, stride_explorer, strided_view


def _pixels(png: bytes):
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_render_strides_returns_a_png_that_depends_on_the_strides():
    contiguous = render_strides(3, 4, 4, 1, 0)
    transposed = render_strides(4, 3, 1, 4, 0)
    assert contiguous[:8] == b"\x89PNG\r\n\x1a\n"
    assert _pixels(contiguous).size == _pixels(transposed).size
    assert _pixels(contiguous).tobytes() != _pixels(transposed).tobytes()
    # Same arguments, same picture.
    assert render_strides(3, 4, 4, 1, 0) == contiguous


def test_render_strides_out_of_bounds_draws_a_message_instead_of_raising():
    png = render_strides(4, 4, 4, 4, 4)
    assert _pixels(png).size == _pixels(render_strides(3, 4, 4, 1, 0)).size


def test_strided_view_matches_as_strided_and_reports_the_cell_out_of_range():
    v = strided_view(3, 2, 4, 2, 0)
    assert v.tolist() == [[0, 2], [4, 6], [8, 10]]
    assert v.stride() == (4, 2)
    assert strided_view(2, 2, 0, 1, 5).tolist() == [[5, 6], [5, 6]]
    with pytest.raises(ValueError, match=r"would read cell 4 \+ 3\*4 \+ 3\*4 = 28"):
        strided_view(4, 4, 4, 4, 4)
    with pytest.raises(ValueError, match="strided_view expects rows a positive int; got 0"):
        strided_view(0, 2, 1, 1, 0)
    # The last legal cell is STORAGE_SIZE - 1.
    assert strided_view(1, 1, 0, 0, STORAGE_SIZE - 1).item() == STORAGE_SIZE - 1


def test_moving_a_slider_changes_the_image():
    box = stride_explorer()
    before = box.image.value
    box.controls["col_stride"].value = 2
    assert box.image.value != before
    after_stride = box.image.value
    box.controls["offset"].value = 1
    assert box.image.value != after_stride
    # Every slider position draws something (no exception escapes the callback).
    for rows in range(1, 5):
        box.controls["rows"].value = rows
        assert box.image.value[:4] == b"\x89PNG"


def test_slider_ranges_cover_the_notebook_examples():
    box = stride_explorer()
    c = box.controls
    assert c["row_stride"].min == 0 and c["col_stride"].min == 0  # expand: stride 0
    assert c["offset"].max == STORAGE_SIZE - 1
    assert isinstance(strided_view(c["rows"].value, c["cols"].value, c["row_stride"].value,
                                   c["col_stride"].value, c["offset"].value), torch.Tensor)
