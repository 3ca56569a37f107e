"""Slider of notebook 04: watch an autoregressive model draw an image pixel by pixel.

``sampling_trace`` draws one image from an autoregressive model (the contract
``models.contract.Autoregressive``: ``sample`` and ``conditional_logits``, e.g.
NADE, PixelCNN, MarkovBernoulli) and records, for every pixel, the conditional
probability p(x_i = 1 | pixels drawn before it) that the sampler used. Because
the model is autoregressive, ``conditional_logits(x)`` on the finished image
returns exactly those conditionals, so the trace is one ``sample`` and one
``conditional_logits`` call.

``render_sampling_step(trace, step)`` is a plain function returning PNG bytes:
left, the image after ``step`` pixels (not yet drawn: pale, the pixel being
drawn now: red); right, the conditional probability of every pixel drawn so far;
the title gives the current pixel's p(x_i = 1 | x_<i). It keeps one blitting
figure per image shape (``base.BlitFigure``): titles, colour bar and frames are
drawn once, a move redraws only the two images, the marker and the title.
``sampling_slider`` wires an ``IntSlider`` (and a play button) to it with
``slider_image``, the title (``sampling_title``) shown as a line of HTML so that a
move rasterizes no text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from .. import validation as V
from ..plotting import COLORS
from .base import FIGURES, BlitFigure, slider_image
from ..i18n import tr

_DPI = 72
_UNDRAWN = np.array([0.86, 0.90, 0.96])  # pale blue: not drawn yet
_CURRENT = np.array([0.77, 0.31, 0.32])  # COLORS["highlight"]


@dataclass(frozen=True)
class SamplingTrace:
    """One image drawn in ``order``: ``x[j]`` the value of pixel j, ``p[j]`` the
    probability p(x_j = 1 | pixels before j in the order) it was drawn from."""

    x: np.ndarray  # (D,) in {0, 1}
    p: np.ndarray  # (D,) in [0, 1]
    order: np.ndarray  # (D,) a permutation of range(D)
    shape: tuple[int, int]

    def __post_init__(self):
        d = self.shape[0] * self.shape[1]
        for name in ("x", "p", "order"):
            if getattr(self, name).shape != (d,):
                raise ValueError(
                    f"SamplingTrace: {name} must have shape ({d},) for image shape {self.shape}; "
                    f"got {getattr(self, name).shape}"
                )
        if not np.array_equal(np.sort(self.order), np.arange(d)):
            raise ValueError(f"SamplingTrace: order must be a permutation of range({d})")


def sampling_trace(model: torch.nn.Module, generator: torch.Generator | None = None,
                   shape: tuple[int, int] = (28, 28)) -> SamplingTrace:
    """Draw one image from ``model`` and record the conditional used at every pixel.

    ``model`` needs ``sample(1, generator)`` and ``conditional_logits(x)``, the
    logits of p(x_j = 1 | earlier pixels) in pixel positions; its ``ordering``
    attribute (raster order if absent) gives the order in which pixels are drawn.
    """
    where = "sampling_trace"
    for attr in ("sample", "conditional_logits"):
        if not callable(getattr(model, attr, None)):
            V.fail(where, "model", "an autoregressive model with sample() and conditional_logits() (NADE, PixelCNN...)",
                   f"{V.type_name(model)} without {attr}()", TypeError)
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        V.fail(where, "shape", "an image shape (height, width)", repr(shape), TypeError)
    shape = tuple(V.positive_int(where, "shape", s) for s in shape)
    V.generator(where, generator)
    d = shape[0] * shape[1]
    n_dims = getattr(model, "n_dims", d)
    if n_dims != d:
        V.fail(where, "shape", f"an image shape with height * width = {n_dims} pixels (the model's n_dims)", repr(shape))
    with torch.no_grad():
        x = model.sample(1, generator=generator)
        if tuple(x.shape) != (1, d):
            V.fail(where, "model", f"a model whose sample(1) has shape (1, {d}) for image shape {shape}",
                   f"shape {tuple(x.shape)}")
        p = torch.sigmoid(model.conditional_logits(x))[0]
    order = getattr(model, "ordering", None)
    order = np.arange(d) if order is None else torch.as_tensor(order).cpu().numpy()
    return SamplingTrace(x[0].cpu().double().numpy(), p.cpu().double().numpy(), order.astype(np.int64), shape)


def _build(shape: tuple[int, int]) -> BlitFigure:
    h, w = shape
    fig = Figure(figsize=(5.6, 3.0), dpi=_DPI)
    ax_x, ax_p = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.02, right=0.90, bottom=0.03, top=0.80, wspace=0.08)
    image = ax_x.imshow(np.ones((h, w, 3)), interpolation="nearest")
    probs = ax_p.imshow(np.full((h, w), np.nan), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    (marker,) = ax_p.plot([], [], "s", ms=6, mfc="none", mec=COLORS["highlight"], mew=2)
    for ax in (ax_x, ax_p):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    ax_x.set_title("image so far", fontsize=10)
    ax_p.set_title(r"$p(x_i = 1 \mid x_{<i})$ used", fontsize=10)
    cax = fig.add_axes([0.915, 0.05, 0.02, 0.72])
    fig.colorbar(probs, cax=cax)
    title = fig.suptitle("", fontsize=10)
    return BlitFigure(fig, [image, probs, marker, title], image=image, probs=probs, marker=marker, title=title)


def sampling_frame(trace: SamplingTrace, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The two arrays drawn at ``step``: an (H, W, 3) RGB image (drawn pixels black or
    white, the current one red, the rest pale) and an (H, W) map of the conditionals
    of the pixels drawn so far (NaN elsewhere)."""
    d = len(trace.order)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step <= d:
        V.integer("sampling_frame", "step", step, minimum=0, maximum=d)
    drawn = trace.order[:step]
    rgb = np.tile(_UNDRAWN, (d, 1))
    rgb[drawn] = (1.0 - trace.x[drawn])[:, None]
    prob_map = np.full(d, np.nan)
    prob_map[drawn] = trace.p[drawn]
    if step < d:
        rgb[trace.order[step]] = _CURRENT
    h, w = trace.shape
    return rgb.reshape(h, w, 3), prob_map.reshape(h, w)


def sampling_title(trace: SamplingTrace, step: int) -> str:
    """What ``step`` does: the pixel drawn, the conditional it was drawn from and the value drawn."""
    d, w = len(trace.order), trace.shape[1]
    if step >= d:
        return f"done: all {d} pixels drawn"
    j = int(trace.order[step])
    r, c = divmod(j, w)
    return f"step {step + 1}/{d}: pixel (row {r}, col {c}), p(x_i = 1 | x_<i) = {trace.p[j]:.2f} -> drew {int(trace.x[j])}"


def render_sampling_step(trace: SamplingTrace, step: int, title: bool = True) -> bytes:
    """PNG of the sampler after ``step`` of the D pixels (0 = nothing drawn, D = done); ``title``: draw ``sampling_title``."""
    if not isinstance(trace, SamplingTrace):
        V.fail("render_sampling_step", "trace", "a SamplingTrace (from sampling_trace)", V.type_name(trace), TypeError)
    rgb, prob_map = sampling_frame(trace, step)
    canvas = FIGURES.get(("sampling", trace.shape), lambda: _build(trace.shape))
    canvas.image.set_data(rgb)
    canvas.probs.set_data(prob_map)
    d, w = len(trace.order), trace.shape[1]
    if step < d:
        j = int(trace.order[step])
        r, c = divmod(j, w)
        canvas.marker.set_data([c], [r])
    else:
        canvas.marker.set_data([], [])
    canvas.title.set_text(sampling_title(trace, step) if title else "")
    return canvas.render()


def sampling_slider(trace: SamplingTrace, step: int = 0, play: bool = True) -> widgets.VBox:
    """An IntSlider over the steps of ``trace`` above ``render_sampling_step``'s image,
    with a play button that advances the slider (``play=False`` leaves it out)."""
    d = len(trace.order)
    slider = widgets.IntSlider(value=step, min=0, max=d, step=1, description="pixels drawn",
                               continuous_update=True, style={"description_width": "initial"},
                               layout=widgets.Layout(width="420px"))
    box = slider_image(functools.partial(render_sampling_step, trace), {"step": slider},
                       status=functools.partial(sampling_title, trace),
                       caption="Move the slider (or press play) to watch the image being drawn in the model's order.")
    if play:
        player = widgets.Play(value=step, min=0, max=d, step=4, interval=60, description=tr("play"))
        widgets.jslink((player, "value"), (slider, "value"))
        box.children = [box.children[0], widgets.HBox([player, slider]), *box.children[2:]]
        box.player = player
    return box
