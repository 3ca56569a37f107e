"""Sliders of notebook 06: a 1-D GAN's training replayed, an InfoGAN code, a DCGAN's latent path.

* ``replay_1d``: a slider over training snapshots draws the data density, the
  generator's density, D(x) and the optimal D* = p_data / (p_data + p_g), with the
  Jensen-Shannon divergence so far (``render_replay``).
* ``code_explorer``: a slider over an InfoGAN code c shows where G(z, c) lands
  on 2-D data (``render_code``).
* ``latent_interpolation``: a slider t moves z from z0 to z1 and redraws a row
  of generated digits (``render_interpolation``).

Each ``render_*`` is a plain function of precomputed data and the slider value
that returns PNG bytes; figures persist between moves and only their artists'
data change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from ..models import gan
from ..plotting import COLORS, array_to_png, tile
from .base import BlitFigure, slider_image

_DPI = 72


def _check_index(fn: str, name: str, value, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}: {name} must be an int; got {type(value).__name__} {value!r}")
    if not 0 <= value < n:
        raise ValueError(f"{fn}: {name} must be in 0..{n - 1}; got {value}")
    return int(value)


# ----------------------------------------------------------------------------
# The 1-D training replay
# ----------------------------------------------------------------------------


@dataclass
class Replay1D:
    """Everything the replay draws, computed once from ``train_gan`` snapshots.

    ``p_g`` and ``d`` have one row per snapshot; ``jsd`` is JSD(p_data, p_g) in
    nats on the grid (p_g renormalized over the grid).
    """

    grid: np.ndarray
    p_data: np.ndarray
    steps: np.ndarray
    p_g: np.ndarray
    d: np.ndarray
    jsd: np.ndarray

    def __post_init__(self):
        self._canvas = None

    @classmethod
    def from_snapshots(cls, snapshots, grid, p_data) -> "Replay1D":
        """``snapshots``: ``history["snapshots"]`` of ``train_gan`` with ``gan.density_snapshot_1d``."""
        grid = np.asarray(grid, dtype=np.float64)
        p_data = np.asarray(p_data, dtype=np.float64)
        if grid.ndim != 1 or p_data.shape != grid.shape:
            raise ValueError(f"Replay1D: grid and p_data must be 1-D of the same length; got {grid.shape} and {p_data.shape}")
        if not snapshots or not all(isinstance(v, dict) and {"p_g", "d"} <= set(v) for _, v in snapshots):
            raise ValueError("Replay1D: snapshots must be (step, {'p_g', 'd'}) pairs from gan.density_snapshot_1d")
        dx = float(grid[1] - grid[0])
        steps = np.array([s for s, _ in snapshots])
        p_g = np.stack([np.asarray(v["p_g"], dtype=np.float64) for _, v in snapshots])
        d = np.stack([np.asarray(v["d"], dtype=np.float64) for _, v in snapshots])
        if p_g.shape[1] != len(grid) or d.shape[1] != len(grid):
            raise ValueError("Replay1D: the snapshots were taken on a different grid")
        data = p_data / (p_data.sum() * dx)
        jsd = np.array([gan.jsd(data, row / max(row.sum() * dx, 1e-300), dx=dx) for row in p_g])
        return cls(grid, p_data, steps, p_g, d, jsd)

    def d_star(self, index: int) -> np.ndarray:
        """D* on the grid for snapshot ``index`` (NaN where both densities are tiny)."""
        total = self.p_data + self.p_g[index]
        out = gan.optimal_discriminator(self.p_data, self.p_g[index])
        return np.where(total > 1e-3, out, np.nan)


def _replay_canvas(replay: Replay1D):
    fig = Figure(figsize=(8.4, 2.8), dpi=_DPI)
    ax, ax_j = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.87, wspace=0.25)
    top = float(max(replay.p_data.max() * 1.6, 1.05))
    ax.plot(replay.grid, replay.p_data, color=COLORS["data"], lw=2, label="$p_{data}$")
    (line_g,) = ax.plot(replay.grid, replay.p_g[0], color=COLORS["model"], lw=1.5, label="$p_g$")
    (line_d,) = ax.plot(replay.grid, replay.d[0], color=COLORS["other"], lw=2, label="$D(x)$")
    (line_star,) = ax.plot(replay.grid, replay.d_star(0), color=COLORS["other"], lw=1, ls="--", label="$D^*(x)$")
    ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    ax.set_ylim(0, top)
    ax.set_xlim(replay.grid[0], replay.grid[-1])
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    title = ax.set_title("")
    ax_j.plot(replay.steps, replay.jsd, color="grey", lw=1)
    (dot,) = ax_j.plot([replay.steps[0]], [replay.jsd[0]], "o", color=COLORS["highlight"])
    ax_j.axhline(np.log(2), color="grey", lw=0.6, ls=":")
    ax_j.set_ylim(0, 0.75)
    ax_j.set_xlabel("step")
    ax_j.set_title("JSD($p_{data}$, $p_g$), nats")
    return BlitFigure(fig, [line_g, line_d, line_star, dot, title]), (line_g, line_d, line_star, dot, title, top)


def render_replay(replay: Replay1D, index: int) -> bytes:
    """PNG of snapshot ``index``: densities, D(x), D*(x), and the JSD curve with a marker."""
    index = _check_index("render_replay", "index", index, len(replay.steps))
    if replay._canvas is None:
        replay._canvas = _replay_canvas(replay)
    blit, (line_g, line_d, line_star, dot, title, top) = replay._canvas
    line_g.set_ydata(np.minimum(replay.p_g[index], top * 0.98))
    line_d.set_ydata(replay.d[index])
    line_star.set_ydata(replay.d_star(index))
    dot.set_data([replay.steps[index]], [replay.jsd[index]])
    title.set_text(f"step {replay.steps[index]}:  JSD = {replay.jsd[index]:.3f} nats")
    return blit.render()


def replay_1d(replay: Replay1D) -> widgets.VBox:
    """A slider over the snapshots of a 1-D GAN's training."""
    slider = widgets.IntSlider(
        value=0, min=0, max=len(replay.steps) - 1, description="snapshot", continuous_update=True,
        layout=widgets.Layout(width="420px"),
    )
    box = slider_image(
        functools.partial(render_replay, replay),
        {"index": slider},
        caption="Move through training: blue = data, orange = generator, green = D(x), dashed = D*(x).",
    )
    box.add_class("gan-replay")
    return box


# ----------------------------------------------------------------------------
# InfoGAN code on 2-D data
# ----------------------------------------------------------------------------


@dataclass
class CodeSamples:
    """Samples of G(z, c) for every code c (``samples[c]`` has shape (n, 2)) and the data's centres."""

    samples: np.ndarray
    centers: np.ndarray

    def __post_init__(self):
        self._canvas = None

    @classmethod
    def from_generator(cls, generator: gan.MLPGenerator, centers, n: int = 300, run: int = 0, seed: int = 0) -> "CodeSamples":
        """Draw ``n`` samples per code from an InfoGAN ``MLPGenerator`` (run ``run`` if stacked)."""
        if getattr(generator, "n_code", 0) < 1 or getattr(generator, "n_out", None) != 2:
            raise ValueError("CodeSamples.from_generator needs a 2-D MLPGenerator with an InfoGAN code (n_code > 0)")
        out = []
        for c in range(generator.n_code):
            x = generator.sample(n, torch.Generator().manual_seed(seed), code=c)
            out.append((x[run] if generator.n_runs is not None else x).numpy())
        return cls(np.stack(out), np.asarray(centers, dtype=np.float64))


def render_code(codes: CodeSamples, code: int) -> bytes:
    """PNG: all codes' samples in grey, code ``code`` highlighted, the data's centres as crosses."""
    code = _check_index("render_code", "code", code, len(codes.samples))
    if codes._canvas is None:
        fig = Figure(figsize=(3.4, 3.4), dpi=_DPI)
        ax = fig.subplots()
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.1, top=0.9)
        flat = codes.samples.reshape(-1, 2)
        ax.scatter(flat[:, 0], flat[:, 1], s=2, color="lightgrey")
        ax.scatter(codes.centers[:, 0], codes.centers[:, 1], marker="x", s=40, color="black", label="data modes")
        points = ax.scatter(codes.samples[0][:, 0], codes.samples[0][:, 1], s=4, color=COLORS["highlight"])
        lim = float(np.abs(codes.centers).max() * 1.4)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        title = ax.set_title("")
        codes._canvas = (BlitFigure(fig, [points, title]), points, title)
    blit, points, title = codes._canvas
    points.set_offsets(codes.samples[code])
    title.set_text(f"samples of G(z, c = {code})")
    return blit.render()


def code_explorer(codes: CodeSamples) -> widgets.VBox:
    """A slider over the InfoGAN code c."""
    slider = widgets.IntSlider(value=0, min=0, max=len(codes.samples) - 1, description="code c")
    box = slider_image(functools.partial(render_code, codes), {"code": slider}, caption="Each code value c picks a region of the data.")
    box.add_class("gan-code-explorer")
    return box


# ----------------------------------------------------------------------------
# A DCGAN's latent path
# ----------------------------------------------------------------------------


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between rows of z0 and z1 (White 2016): it keeps
    the norm that Gaussian z's have, where the straight line passes near 0."""
    if z0.shape != z1.shape or z0.dim() != 2:
        raise ValueError(f"slerp: z0 and z1 must be (n, d) tensors of one shape; got {tuple(z0.shape)} and {tuple(z1.shape)}")
    a, b = _unit(z0), _unit(z1)
    omega = torch.arccos((a * b).sum(1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * z0 + (torch.sin(t * omega) / so) * z1


def _unit(z: torch.Tensor) -> torch.Tensor:
    return z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)


@dataclass
class LatentPath:
    """A generator and pairs of endpoints (z0, z1) to interpolate between."""

    generator: torch.nn.Module
    z0: torch.Tensor
    z1: torch.Tensor

    @classmethod
    def random(cls, generator, n_pairs: int = 6, seed: int = 0) -> "LatentPath":
        rng = torch.Generator().manual_seed(seed)
        z0 = torch.randn(n_pairs, generator.n_latent, generator=rng)
        z1 = torch.randn(n_pairs, generator.n_latent, generator=rng)
        return cls(generator, z0, z1)


@torch.no_grad()
def render_interpolation(path: LatentPath, t: float) -> bytes:
    """PNG of one row: G(slerp(z0, z1, t)) for each pair, t in [0, 1]."""
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
        raise ValueError(f"render_interpolation: t must be a number in [0, 1]; got {t!r}")
    path.generator.eval()
    z = slerp(path.z0, path.z1, float(t))
    code = torch.zeros(len(z), dtype=torch.long) if getattr(path.generator, "n_code", 0) else None
    x = path.generator(z, code)
    return array_to_png(tile(x, ncols=len(z)), scale=3)


def latent_interpolation(path: LatentPath, steps: int = 20) -> widgets.VBox:
    """A slider t in [0, 1] (``steps`` steps) that walks each z0 to its z1.

    The ``steps + 1`` frames are drawn when the widget is built (a few ms each),
    so a move only swaps bytes; ``box.frames[k]`` is the PNG at t = k / steps.
    """
    frames = [render_interpolation(path, k / steps) for k in range(steps + 1)]

    def render(t: float) -> bytes:
        k = round(t * steps)
        return frames[k] if abs(t * steps - k) < 1e-6 else render_interpolation(path, t)

    slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=1 / steps, description="t")
    box = slider_image(
        render, {"t": slider},
        caption="Each column walks from one random z to another (spherical interpolation).",
    )
    box.frames = frames
    box.add_class("gan-latent-interpolation")
    return box
