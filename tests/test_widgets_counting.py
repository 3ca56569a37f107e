"""The parameter-count slider of notebook 03, driven without a browser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.counting import independent_params, joint_params, markov_params
from course_utils.widgets import counting
from course_utils.widgets.counting import N_IMAGES, counting_widget, log10_counts, render_counts

PNG = b"\x89PNG\r\n\x1a\n"


def test_curves_are_log10_of_the_exact_counts():
    curves = log10_counts(40, k=3, order=2)
    assert curves["n"].tolist() == list(range(1, 41))
    for n in (1, 2, 3, 17, 40):
        assert curves["joint"][n - 1] == pytest.approx(math.log10(joint_params(n, 3)))
        assert curves["markov"][n - 1] == pytest.approx(math.log10(markov_params(n, 3, 2)))
        assert curves["independent"][n - 1] == pytest.approx(math.log10(independent_params(n, 3)))
        assert curves["data"][n - 1] == pytest.approx(math.log10(N_IMAGES * n))


def test_curves_handle_counts_beyond_float_range():
    curves = log10_counts(784, k=256, order=3)
    assert np.isfinite(curves["joint"]).all()
    assert curves["joint"][-1] == pytest.approx(784 * math.log10(256), rel=1e-12)


def test_render_returns_png_that_depends_on_every_argument():
    base = render_counts(50, 2, 1)
    assert base.startswith(PNG)
    assert render_counts(50, 2, 1) == base  # same inputs, same picture
    for other in (render_counts(60, 2, 1), render_counts(50, 3, 1), render_counts(50, 2, 2)):
        assert other.startswith(PNG) and other != base


def test_blitted_picture_equals_a_fresh_full_draw():
    """Within one octave of n_max and k only the curves and the title are redrawn: nothing of the old picture may remain."""
    # A cached figure keeps the matplotlib style it was built with: start from none, as a notebook's kernel does
    # (another test in this process may have drawn it before course_utils.setup() applied the course style).
    counting.FIGURES.clear()
    for args in [(50, 2, 1), (50, 2, 7), (50, 2, 0), (120, 3, 2), (50, 2, 7), (60, 2, 7), (33, 2, 7), (33, 3, 7),
                 (33, 4, 1), (700, 200, 3), (513, 129, 3)]:
        blitted = render_counts(*args)
        counting.FIGURES.clear()  # forget the figure: the next call draws everything from scratch
        assert render_counts(*args) == blitted, args


@pytest.mark.parametrize("args", [(1, 2, 0), (784, 256, 16), (2, 2, 5)])
def test_render_extremes(args):
    assert render_counts(*args).startswith(PNG)


@pytest.mark.parametrize("bad", [dict(n_max=0), dict(k=1), dict(order=-1), dict(n_max=2.5)])
def test_bad_arguments(bad):
    with pytest.raises((ValueError, TypeError), match="log10_counts expects"):
        render_counts(**{"n_max": 10, "k": 2, "order": 1, **bad})


def test_moving_a_slider_redraws_the_image():
    box = counting_widget(n_max=30)
    before = bytes(box.image.value)
    assert before.startswith(PNG)
    box.controls["order"].value = 3
    after_order = bytes(box.image.value)
    assert after_order != before
    box.controls["n_max"].value = 200
    assert bytes(box.image.value) != after_order
    box.controls["k"].value = 4
    assert bytes(box.image.value) == render_counts(200, 4, 3, title=False) != render_counts(200, 4, 3)
    assert box.frame() == render_counts(200, 4, 3)  # what a static page shows: the title drawn in
    assert "n = 200, k = 4: joint" in box.status.value


def test_the_caption_carries_the_key_of_every_curve():
    caption = counting_widget(n_max=10).children[0].value
    for style in counting._STYLES.values():
        assert style["label"] in caption and style["color"] in caption
