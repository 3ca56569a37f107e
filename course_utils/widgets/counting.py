"""Notebook 03's slider: how many parameters each model of n pixels needs, over n.

``render_counts(n_max, k, order)`` draws log10 of the exact counts from
``course_utils.counting`` (full joint = chain rule, AR-``order`` Markov,
independent) for n = 1..n_max, next to the number of values 4,000 training
images of n pixels hold. It reuses one blitting figure: moving the Markov order
redraws only the curves and the title (blitting). The axes change only when
n_max or k crosses a power of two (the x-axis ends at the next power of two of
n_max, the y-axis fits the largest k of its octave), so most moves of any
slider redraw no axis. ``counting_widget()`` wires three sliders to it.
"""

from __future__ import annotations

import math
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..counting import independent_params, joint_params, markov_params
from ..plotting import COLORS
from .. import validation as V
from .base import FIGURES, BlitFigure, slider_image
from ..i18n import N_, tr

__all__ = ["N_IMAGES", "log10_counts", "counts_title", "render_counts", "counting_widget"]

#: Training images in ``load_mnist()``; the data curve is N_IMAGES · n observed values.
N_IMAGES = 4_000

_CURVES = ("joint", "markov", "independent", "data")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value: float, _pos=None) -> str:
    """Tick label 10ⁿ in plain Unicode (mathtext would cost a parse per redraw)."""
    return "10" + str(int(round(value))).translate(_SUPERSCRIPT)


def _short(count: int) -> str:
    """An exact count with thousands separators, or ≈10^x.x when it has more than 9 digits."""
    return f"{count:,}" if count < 10**9 else f"≈ 10^{math.log10(count):.1f}"


def log10_counts(n_max: int, k: int = 2, order: int = 1) -> dict[str, np.ndarray]:
    """log10 of the exact parameter counts for n = 1..n_max (Python ints, then ``math.log10``).

    Keys: "n", "joint" (also the chain rule), "markov", "independent", "data"
    (N_IMAGES · n values observed). A count of 0 (one value per pixel, no
    parameters) maps to -inf.
    """
    n_max, k, order = (V.integer("log10_counts", name, value, minimum=low)
                       for name, value, low in (("n_max", n_max, 1), ("k", k, 2), ("order", order, 0)))
    curves = _curves(k, order, max(n_max, 784))
    return {name: values[:n_max] for name, values in curves.items()}


@lru_cache(maxsize=64)
def _curves(k: int, order: int, n_max: int) -> dict[str, np.ndarray]:
    def log10(count: int) -> float:
        return math.log10(count) if count > 0 else -math.inf

    ns = np.arange(1, n_max + 1)
    curves = {
        "n": ns,
        "joint": np.array([log10(joint_params(n, k)) for n in range(1, n_max + 1)]),
        "markov": np.array([log10(markov_params(n, k, order)) for n in range(1, n_max + 1)]),
        "independent": np.array([log10(independent_params(n, k)) for n in range(1, n_max + 1)]),
        "data": np.log10(N_IMAGES * ns.astype(float)),
    }
    for values in curves.values():
        values.flags.writeable = False  # cached: callers get read-only views
    return curves


#: Line styles; their key is drawn in the widget's HTML caption rather than as a matplotlib
#: legend, whose layout would cost about 12 ms on every redraw that changes the axes.
_STYLES = {
    "joint": dict(color=COLORS["highlight"], lw=2, label=N_("full joint = chain rule")),
    "markov": dict(color=COLORS["model"], lw=2, label=N_("Markov of order m (m in the title)")),
    "independent": dict(color=COLORS["data"], lw=2, label=N_("independent")),
    "data": dict(color="#666666", lw=1.2, ls="--", label=f"values in {N_IMAGES:,} images"),
}


def _key_html() -> str:
    """The legend as HTML: a coloured stroke and the label of each curve."""
    entries = [
        f'<span style="color:{style["color"]}">{"╍╍" if style.get("ls") else "━━"}</span>&nbsp;'
        + (tr("values in {n_images} images").format(n_images=f"{N_IMAGES:,}") if name == "data" else tr(style["label"]))
        for name, style in _STYLES.items()
    ]
    return " &nbsp; ".join(entries)


def _figure() -> BlitFigure:
    """One persistent figure with one line per curve (built on first use); the curves and the title move."""
    return FIGURES.get(("counting",), _build)


def _build() -> BlitFigure:
    fig = Figure(figsize=(6.4, 3.4), dpi=72)
    ax = fig.add_subplot()
    lines = {name: ax.plot([], [], **_STYLES[name])[0] for name in _CURVES}
    ax.set_xlabel("n (number of pixels)")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.set_ylabel("free parameters (log scale)")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.grid(True, alpha=0.3)
    title = ax.set_title("", fontsize=10)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.15, top=0.88)
    return BlitFigure(fig, [*lines.values(), title], ax=ax, lines=lines, title=title)


def _finite(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)


def _octave_end(value: int, cap: int | None = None) -> int:
    """The smallest power of two >= value (at most ``cap``): the zoom level of the axes."""
    end = 1 << max(0, int(value) - 1).bit_length()
    return min(end, cap) if cap is not None else end


def counts_title(n_max: int = 784, k: int = 2, order: int = 1) -> str:
    """The plot's title: the three exact counts at n = n_max."""
    n, k, order = int(n_max), int(k), int(order)
    return (f"n = {n:,}, k = {k}: joint {_short(joint_params(n, k))}, "
            f"AR-{order} {_short(markov_params(n, k, order))}, independent {_short(independent_params(n, k))}")


def render_counts(n_max: int = 784, k: int = 2, order: int = 1, title: bool = True) -> bytes:
    """PNG of the parameter counts for n = 1..n_max pixels with k values each (``title``: draw ``counts_title``)."""
    curves = log10_counts(n_max, k, order)
    figure = _figure()
    n, k, order = int(n_max), int(k), int(order)
    x_end, k_end = _octave_end(n, cap=784), max(4, _octave_end(k))  # k = 2, 3, 4 share one zoom

    def set_limits() -> None:
        # The joint count is the largest curve, so the y-axis fits it at (x_end, k_end); the data
        # curve, the smaller one at k = 2, fits too.
        top = max(math.log10(joint_params(x_end, k_end)), math.log10(N_IMAGES * x_end))
        figure.ax.set_xlim(0.5, max(x_end, 2) + 0.5)
        figure.ax.set_ylim(-0.2, max(1.0, top) * 1.05 + 0.2)

    for name in _CURVES:
        figure.lines[name].set_data(curves["n"], _finite(curves[name]))
    figure.title.set_text(counts_title(n, k, order) if title else "")
    return figure.render(limits=(x_end, k_end), set_limits=set_limits)


def counting_widget(n_max: int = 784, k: int = 2, order: int = 1) -> widgets.VBox:
    """Sliders for n_max, k and the Markov order over the count plot."""
    controls = {
        "n_max": widgets.IntSlider(value=n_max, min=1, max=784, description="pixels n"),
        "k": widgets.IntSlider(value=k, min=2, max=256, description="values k"),
        "order": widgets.IntSlider(value=order, min=0, max=16, description="order"),
    }
    return slider_image(render_counts, controls, status=counts_title,
                        caption=tr("Free parameters of a distribution over n pixels (log scale)") + "<br>" + _key_html())
