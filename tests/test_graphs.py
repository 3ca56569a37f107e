"""The small graphical-model drawer used by notebook 03."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.text import Annotation

from course_utils.graphs import draw_graph


def test_draws_one_circle_per_node_one_arrow_per_edge_and_the_plates():
    nodes = {"pi": (0, 1), "y": (1, 1), "x": (1, 0)}
    ax = draw_graph(nodes, [("pi", "y"), ("y", "x")], observed={"x"}, plates=[(["y", "x"], "N")])
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 3
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 1
    assert len([t for t in ax.texts if isinstance(t, Annotation)]) == 2
    shaded = [c for c in circles if c.get_facecolor()[0] < 0.99]
    assert len(shaded) == 1 and np.allclose(shaded[0].center, (1, 0))
    assert "N" in [t.get_text() for t in ax.texts]
    plt.close(ax.figure)


def test_arrows_stop_at_the_rims():
    ax = draw_graph({"a": (0, 0), "b": (2, 0)}, [("a", "b")], radius=0.3)
    (arrow,) = [t for t in ax.texts if isinstance(t, Annotation)]
    assert np.allclose(arrow.xy, (1.7, 0)) and np.allclose(arrow.xyann, (0.3, 0))
    plt.close(ax.figure)


def test_draws_on_a_given_axis():
    fig, ax = plt.subplots()
    assert draw_graph({"a": (0, 0)}, ax=ax) is ax
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(nodes={"a": (0, 0)}, edges=[("a", "b")]), "'b'"),
        (dict(nodes={"a": (0, 0)}, observed={"z"}), "'z'"),
        (dict(nodes={"a": (0, 0), "b": (0.2, 0)}, edges=[("a", "b")]), "overlap"),
        (dict(nodes={"a": (0, 0, 1)}), r"\(x, y\)"),
        (dict(nodes={"a": (0, 0)}, plates=[("a",)]), "plate"),
        (dict(nodes={"a": (0, 0)}, radius=0), "radius"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_graph(**kwargs)
    plt.close("all")


def test_nested_plates_enclose_the_inner_plate_and_every_member():
    nodes = {"y": (0, 1), "x": (0, 0)}
    ax = draw_graph(nodes, [("y", "x")], plates=[(["y", "x"], "N"), (["x"], "784")], radius=0.3)
    boxes = sorted((p for p in ax.patches if isinstance(p, FancyBboxPatch)), key=lambda p: p.get_width())
    inner, outer = [(p.get_x(), p.get_x() + p.get_width(), p.get_y(), p.get_y() + p.get_height()) for p in boxes]
    assert outer[0] < inner[0] and outer[1] > inner[1] and outer[2] < inner[2] and outer[3] > inner[3]
    assert inner[0] < -0.3 and inner[1] > 0.3 and inner[2] < -0.3 and inner[3] < 0.7  # x inside, y outside
    assert outer[3] > 1.3
    left, right = ax.get_xlim()
    assert left <= outer[0] and right >= outer[1]
    plt.close(ax.figure)
