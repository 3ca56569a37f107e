"""Slider of notebook 07, section 1: the change of variables in one dimension.

A monotone map z = f_k(x) = x - k tanh(x) (increasing for every k < 1, since
f_k'(x) = 1 - k sech^2(x) >= 1 - k > 0) sends data x to a standard normal z,
so the density it gives the data is (Rezende & Mohamed 2015, eq. 1)

    p_x(x) = N(f_k(x); 0, 1) * |f_k'(x)|.

``k > 0`` squeezes the middle (f' < 1 there: the data density loses mass at 0
and grows two bumps), ``k < 0`` stretches it (a sharp peak). ``render_change``
draws the map and both densities for one k; ``change_of_variables`` wires a
slider to it.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .. import validation as V
from ..plotting import COLORS
from .base import FIGURES, BlitFigure, slider_image

_DPI = 72
#: The slider's range of k (f_k stays increasing for k < 1).
K_MIN, K_MAX, K_STEP = -1.5, 0.9, 0.05
GRID = np.linspace(-4.0, 4.0, 801)
_WIDE = np.linspace(-12.0, 12.0, 4801)  # for the integral in the title: the tails beyond |x| = 4 count


def _k(fn: str, k) -> float:
    return V.number(fn, "k", k, minimum=-10.0, maximum=0.999)


def bend(x, k: float) -> tuple[np.ndarray, np.ndarray]:
    """z = f_k(x) = x - k tanh(x) and its derivative f_k'(x) = 1 - k (1 - tanh(x)^2), each shaped like x."""
    k = _k("bend", k)
    x = V.array("bend", "x", x, expected="an array of real numbers")
    th = np.tanh(x)
    return x - k * th, 1.0 - k * (1.0 - th**2)


def bend_inverse(z, k: float, iterations: int = 60) -> np.ndarray:
    """x = f_k^{-1}(z) by bisection (f_k is increasing; |x - z| <= |k|, so [z - |k|, z + |k|] brackets x)."""
    k = _k("bend_inverse", k)
    z = V.array("bend_inverse", "z", z, expected="an array of real numbers")
    lo, hi = z - abs(k) - 1e-12, z + abs(k) + 1e-12
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = bend(mid, k)[0] < z
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def density(x, k: float) -> np.ndarray:
    """p_x(x) = N(f_k(x); 0, 1) |f_k'(x)|, the density that the flow z = f_k(x) gives the data."""
    z, dz = bend(x, k)
    return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) * np.abs(dz)


def _canvas():
    fig = Figure(figsize=(8.4, 2.9), dpi=_DPI)
    ax_map, ax_p = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.86, wspace=0.22)
    ax_map.plot(GRID, GRID, color="grey", lw=0.8, ls=":", label="identity")
    (line_map,) = ax_map.plot(GRID, GRID, color=COLORS["model"], lw=2, label="$z = f_k(x)$")
    (line_slope,) = ax_map.plot(GRID, np.ones_like(GRID), color=COLORS["other"], lw=1.2, label="$f_k'(x)$")
    ax_map.set(xlim=(GRID[0], GRID[-1]), ylim=(-4, 4), xlabel="x")
    ax_map.legend(loc="upper left", fontsize=8)
    ax_map.set_title("the map (data -> base)")
    normal = np.exp(-0.5 * GRID**2) / np.sqrt(2 * np.pi)
    ax_p.plot(GRID, normal, color=COLORS["data"], lw=1, ls="--", label="base $N(x; 0, 1)$")
    (line_p,) = ax_p.plot(GRID, normal, color=COLORS["model"], lw=2, label="$p_x(x)$")
    ax_p.set(xlim=(GRID[0], GRID[-1]), ylim=(0, 1.3), xlabel="x")
    ax_p.legend(loc="upper right", fontsize=8)
    title = ax_p.set_title("")
    return BlitFigure(fig, [line_map, line_slope, line_p, title], line_map=line_map, line_slope=line_slope,
                      line_p=line_p, title=title)


def render_change(k: float) -> bytes:
    """PNG for one k: the map f_k and its slope (left), p_x beside the base density (right), with the integral of p_x.

    Each k's picture is drawn once and kept (a slider has at most a few dozen values)."""
    k = V.number("render_change", "k", k, minimum=K_MIN - 1e-9, maximum=K_MAX + 1e-9)
    return _draw(round(k, 6))


@functools.lru_cache(maxsize=128)
def _draw(k: float) -> bytes:
    blit = FIGURES.get("flows.change", _canvas)
    z, dz = bend(GRID, k)
    p = density(GRID, k)
    blit.line_map.set_ydata(z)
    blit.line_slope.set_ydata(dz)
    blit.line_p.set_ydata(p)
    mass = float(density(_WIDE, k).sum() * (_WIDE[1] - _WIDE[0]))
    blit.title.set_text(f"k = {k:+.2f}:  p_x(0) = {p[len(GRID) // 2]:.3f},  integral = {mass:.3f}")
    return blit.render()


def change_of_variables(k: float = 0.0) -> widgets.VBox:
    """A slider over k for z = f_k(x) = x - k tanh(x)."""
    slider = widgets.FloatSlider(value=k, min=K_MIN, max=K_MAX, step=K_STEP, description="k",
                                 readout_format=".2f", layout=widgets.Layout(width="420px"))
    box = slider_image(render_change, {"k": slider},
                       caption="Move k: where the map is flat (f' < 1) the data density loses mass; where it is steep, "
                               "it gains.")
    box.add_class("flow-change-of-variables")
    return box
