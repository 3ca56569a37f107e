"""Sliders of notebook 07: digits dissolving into noise, and noise turning into digits.

* ``forward_frames`` + ``diffusion_slider``: the forward process on a few
  digits, x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps with one fixed
  eps (Ho et al. 2020, eq. 4), for every t = 0..T.
* ``reverse_frames`` + ``diffusion_slider``: one run of ancestral sampling,
  every x_t from t = T down to 0, with the model's current guess
  x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps_theta) / sqrt(alpha_bar_t) below it.

All images are computed when the frames are built; ``render_diffusion`` (a
plain function: frames and a slider index in, PNG bytes out) only swaps image
data and a marker on a blitting figure (``base.BlitFigure``), and keeps each
PNG it drew in ``frames.pngs``, so a frame is drawn at most once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from .. import validation as V
from ..plotting import COLORS, tile
from .base import FIGURES, BlitFigure, slider_image

_DPI = 72


@dataclass
class DiffusionFrames:
    """Precomputed frames: ``ts[i]`` is the time of frame i, ``x[i]`` its images (n, 784) in [-1, 1],
    ``x0_hat[i]`` the model's guess of x_0 (reverse process) or None; ``alpha_bars`` has T + 1 entries."""

    ts: np.ndarray
    x: np.ndarray
    alpha_bars: np.ndarray
    x0_hat: np.ndarray | None = None
    direction: str = "forward"
    pngs: dict = field(default_factory=dict, repr=False)  #: frames drawn so far, by index

    @property
    def T(self) -> int:
        return len(self.alpha_bars) - 1


def _check_ddpm(fn: str, ddpm) -> None:
    if not (hasattr(ddpm, "alpha_bars") and hasattr(ddpm, "denoiser") and getattr(ddpm, "n_dims", None) == 784):
        V.fail(fn, "ddpm", "a DDPM on 784-pixel digits (course_utils.models.diffusion.DDPM)", V.type_name(ddpm),
               TypeError)


@torch.no_grad()
def forward_frames(ddpm, x0: torch.Tensor, seed: int = 0) -> DiffusionFrames:
    """x_t for t = 0..T of the digits ``x0`` ((n, 784) in [-1, 1]), all from one noise draw eps ~ N(0, I)."""
    _check_ddpm("forward_frames", ddpm)
    x0 = V.batch("forward_frames", x0, 784, values="real", name="x0", nonempty=True)
    if x0.min() < -1 or x0.max() > 1:
        V.fail("forward_frames", "x0", "digits scaled to [-1, 1] (2 x - 1 for pixels in [0, 1])",
               f"values in [{x0.min().item():.3g}, {x0.max().item():.3g}]")
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
    ab = ddpm.alpha_bars.double()
    xs = ab.sqrt()[:, None, None] * x0.double() + (1 - ab).sqrt()[:, None, None] * eps.double()
    return DiffusionFrames(np.arange(ddpm.T + 1), xs.float().numpy(), ab.numpy(), None, "forward")


@torch.no_grad()
def reverse_frames(ddpm, n: int = 6, seed: int = 0, clip: float | None = 1.0) -> DiffusionFrames:
    """One ancestral sampling run of ``n`` digits: x_T, ..., x_1, x_0 and the guesses x0_hat along the way."""
    _check_ddpm("reverse_frames", ddpm)
    n = V.positive_int("reverse_frames", "n", n)
    run = ddpm.trajectory(n, generator=torch.Generator().manual_seed(seed), clip=clip)  # {t: x_t}, t = T..0
    ts = np.array(sorted(run, reverse=True))
    xs, guesses = [], []
    for t in ts:
        xt = run[int(t)]
        if t > 0:
            tt = torch.full((n,), int(t), dtype=torch.long)
            guess = ddpm._predict_x0(xt, tt, ddpm.denoiser(xt, tt), clip)
        else:
            guess = xt
        xs.append(xt)
        guesses.append(guess)
    return DiffusionFrames(ts, torch.stack(xs).numpy(), ddpm.alpha_bars.double().numpy(),
                           torch.stack(guesses).numpy(), "reverse")


def _shown(x: np.ndarray) -> np.ndarray:
    return np.clip((x + 1) / 2, 0, 1)


def _canvas(frames: DiffusionFrames):
    rows = 1 if frames.x0_hat is None else 2
    n = frames.x.shape[1]
    fig = Figure(figsize=(8.8, 1.1 + 1.05 * rows), dpi=_DPI)
    ax_img, ax_ab = fig.subplots(1, 2, gridspec_kw={"width_ratios": [max(n, 3) * 0.42 * 2, 1.6]})
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.2 if rows == 2 else 0.27, top=0.84, wspace=0.12)
    first = tile(_shown(np.concatenate([frames.x[0], frames.x0_hat[0]]) if rows == 2 else frames.x[0]), ncols=n)
    image = ax_img.imshow(first, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax_img.set_axis_off()
    title = ax_img.set_title("", fontsize=10)
    t_all = np.arange(frames.T + 1)
    ax_ab.plot(t_all, np.sqrt(frames.alpha_bars), color=COLORS["data"], lw=1.5, label=r"$\sqrt{\bar\alpha_t}$ (signal)")
    ax_ab.plot(t_all, np.sqrt(1 - frames.alpha_bars), color=COLORS["model"], lw=1.5,
               label=r"$\sqrt{1-\bar\alpha_t}$ (noise)")
    (dots,) = ax_ab.plot([0, 0], [1, 0], "o", color=COLORS["highlight"], ms=5)
    ax_ab.set(xlim=(0, frames.T), ylim=(-0.03, 1.05), xlabel="t")
    ax_ab.legend(fontsize=7, loc="center right")
    return BlitFigure(fig, [image, dots, title], image=image, dots=dots, title=title)


def render_diffusion(frames: DiffusionFrames, index: int) -> bytes:
    """PNG of frame ``index``: the images at t = ``frames.ts[index]`` (and x0_hat below them), with the
    signal and noise coefficients sqrt(alpha_bar_t), sqrt(1 - alpha_bar_t) marked on their curves."""
    index = V.integer("render_diffusion", "index", index, minimum=0, maximum=len(frames.ts) - 1)
    if index in frames.pngs:
        return frames.pngs[index]
    blit = FIGURES.get("diffusion.frames", lambda: _canvas(frames), owner=frames)
    t = int(frames.ts[index])
    images = frames.x[index] if frames.x0_hat is None else np.concatenate([frames.x[index], frames.x0_hat[index]])
    blit.image.set_data(tile(_shown(images), ncols=frames.x.shape[1]))
    signal, noise = float(np.sqrt(frames.alpha_bars[t])), float(np.sqrt(1 - frames.alpha_bars[t]))
    blit.dots.set_data([t, t], [signal, noise])
    below = "" if frames.x0_hat is None else ";  below: the model's guess of x_0"
    blit.title.set_text(f"t = {t}:  x_t = {signal:.2f} x_0 + {noise:.2f} noise{below}")
    frames.pngs[index] = blit.render()
    return frames.pngs[index]


def diffusion_slider(frames: DiffusionFrames) -> widgets.VBox:
    """A slider over the frames: ``t`` (forward, 0..T) or ``step`` (reverse: step s shows t = T - s)."""
    if not isinstance(frames, DiffusionFrames):
        V.fail("diffusion_slider", "frames", "DiffusionFrames (forward_frames or reverse_frames)",
               V.type_name(frames), TypeError)
    forward = frames.direction == "forward"
    slider = widgets.IntSlider(value=0, min=0, max=len(frames.ts) - 1, description="t" if forward else "step",
                               continuous_update=True, layout=widgets.Layout(width="420px"))
    caption = ("Move t: the forward process mixes each digit with more and more Gaussian noise." if forward else
               "Move through sampling: step s denoises x_t at t = T - s; the bottom row is the model's guess of x_0.")
    box = slider_image(functools.partial(render_diffusion, frames), {"index": slider}, caption=caption)
    box.add_class("diffusion-forward" if forward else "diffusion-reverse")
    return box
