"""The latent-space explorer of notebook 05: sliders move z, the decoded digit redraws.

``render_latent(model, z)`` is the plain function behind it: decode one z and
return PNG bytes (optionally beside a map of the latent space with a marker at
z). The map is drawn once with matplotlib into an RGB array (``latent_map``);
each move then only decodes one z, paints a marker into a copy of the array and
encodes the PNG, so a move costs a few milliseconds (see
``benchmarks/latent_latency.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import ipywidgets as widgets
import numpy as np
import torch

from .. import validation as V
from ..plotting import rgb_to_png
from .base import slider_image
from ..i18n import tr

#: colours of the digits 0-9 on the latent map (matplotlib's tab10)
DIGIT_COLORS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]
MARKER_RGB = (0, 0, 0)


@dataclass
class LatentMap:
    """A scatter of codes rendered once: ``image`` (H, W, 3) uint8 spanning
    [-extent, extent]² in latent dimensions ``dims``."""

    image: np.ndarray
    extent: float
    dims: tuple[int, int]

    def to_pixel(self, z0: float, z1: float) -> tuple[int, int]:
        """(row, column) of the latent point (z0, z1) on ``image``."""
        h, w = self.image.shape[:2]
        col = (z0 + self.extent) / (2 * self.extent) * (w - 1)
        row = (self.extent - z1) / (2 * self.extent) * (h - 1)
        return int(round(row)), int(round(col))


def latent_map(
    codes: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray | None = None,
    *,
    dims: tuple[int, int] = (0, 1),
    extent: float = 3.0,
    size: int = 224,
) -> LatentMap:
    """Draw codes (N, n_latent) in dimensions ``dims`` as a ``size``-pixel square map,
    coloured by ``labels`` (digits 0-9) with each digit written at its median code."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    expected = f"of shape (N, n_latent) with n_latent > {max(dims)}"
    codes = V.array("latent_map", "codes", codes, ndim=2, expected="an array " + expected)
    if codes.shape[1] <= max(dims):
        V.fail("latent_map", "codes", expected, f"shape {codes.shape}")
    extent = V.positive("latent_map", "extent", extent)
    size = V.positive_int("latent_map", "size", size)
    xy = codes[:, list(dims)]
    fig = plt.Figure(figsize=(size / 100, size / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    if labels is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=3, c="0.5", alpha=0.5, lw=0)
    else:
        labels = V.array("latent_map", "labels", labels, expected=f"integer labels of shape ({len(codes)},)").astype(int)
        if labels.shape != (len(codes),):
            V.fail("latent_map", "labels", f"integer labels of shape ({len(codes)},)", f"shape {labels.shape}")
        ax.scatter(xy[:, 0], xy[:, 1], s=3, c=[DIGIT_COLORS[k % 10] for k in labels], alpha=0.6, lw=0)
        for k in np.unique(labels):
            cx, cy = np.median(xy[labels == k], axis=0)
            if abs(cx) < extent and abs(cy) < extent:
                ax.text(cx, cy, str(k), fontsize=11, weight="bold", ha="center", va="center",
                        color=DIGIT_COLORS[k % 10], bbox=dict(boxstyle="circle,pad=0.1", fc="white", ec="none", alpha=0.7))
    ax.set_axis_off()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    return LatentMap(image=image, extent=float(extent), dims=tuple(dims))


def _decode_image(model, z: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        decode = model.decode_mean if hasattr(model, "decode_mean") else model.decode
        pixels = decode(z.unsqueeze(0))[0]
    side = int(round(pixels.numel() ** 0.5))
    return pixels.reshape(side, side).clamp(0, 1).cpu().numpy()


def _as_z(model, z) -> torch.Tensor:
    n_latent = getattr(model, "n_latent", None)
    if not isinstance(n_latent, int):
        V.fail("render_latent", "model", "a model with an n_latent attribute and a decoder", V.type_name(model), TypeError)
    expected = f"of shape ({n_latent},) for this model, with finite values"
    if not isinstance(z, torch.Tensor):
        z = torch.as_tensor(V.array("render_latent", "z", z, expected="an array " + expected, finite=False), dtype=torch.float32)
    if z.is_complex():
        V.fail("render_latent", "z", expected, f"dtype {z.dtype}", TypeError)
    z = z.float()
    if z.shape != (n_latent,):
        V.fail("render_latent", "z", expected, f"shape {tuple(z.shape)}")
    if not torch.isfinite(z).all():
        V.fail("render_latent", "z", expected, "NaN or inf")
    device = next(model.parameters()).device
    return z.to(device)


def _paint_marker(image: np.ndarray, row: int, col: int, radius: int = 7, half_width: int = 1) -> None:
    """Paint a cross centred at (row, col) in place; parts outside the image are dropped."""
    h, w = image.shape[:2]

    def span(centre: int, half: int, size: int) -> slice:
        return slice(min(max(centre - half, 0), size), min(max(centre + half + 1, 0), size))

    image[span(row, radius, h), span(col, half_width, w)] = MARKER_RGB
    image[span(row, half_width, h), span(col, radius, w)] = MARKER_RGB


def render_latent_array(model, z, *, latent_map: LatentMap | None = None, scale: int | None = None) -> np.ndarray:
    """The RGB uint8 array that ``render_latent`` encodes: the decoded image of z,
    upscaled ``scale``× (dark ink on white), to the right of ``latent_map`` with a
    cross at z."""
    z = _as_z(model, z)
    digit = _decode_image(model, z)
    if scale is None:
        scale = max(1, latent_map.image.shape[0] // digit.shape[0]) if latent_map is not None else 4
    grey = np.kron((1.0 - digit) * 255, np.ones((scale, scale), dtype=np.float32)).astype(np.uint8)
    digit_rgb = np.repeat(grey[..., None], 3, axis=2)
    if latent_map is None:
        return digit_rgb
    canvas = latent_map.image.copy()
    d0, d1 = latent_map.dims
    _paint_marker(canvas, *latent_map.to_pixel(float(z[d0]), float(z[d1])))
    h = max(canvas.shape[0], digit_rgb.shape[0])
    gap = 8
    out = np.full((h, canvas.shape[1] + gap + digit_rgb.shape[1], 3), 255, dtype=np.uint8)
    out[: canvas.shape[0], : canvas.shape[1]] = canvas
    out[: digit_rgb.shape[0], canvas.shape[1] + gap :] = digit_rgb
    return out


def render_latent(model, z, *, latent_map: LatentMap | None = None, scale: int | None = None) -> bytes:
    """PNG bytes of the image that ``model`` decodes from ``z`` (shape (n_latent,)).

    ``model`` needs ``n_latent`` and ``decode_mean`` (or ``decode`` returning
    pixels in [0, 1]); with ``latent_map`` the map is drawn to the left with a
    cross at z.
    """
    return rgb_to_png(render_latent_array(model, z, latent_map=latent_map, scale=scale), compress_level=1)


def latent_explorer(
    model,
    *,
    codes: torch.Tensor | np.ndarray | None = None,
    labels: torch.Tensor | np.ndarray | None = None,
    dims: Sequence[int] | None = None,
    z_range: float = 3.0,
    step: float = 0.05,
    base: Sequence[float] | torch.Tensor | None = None,
    scale: int | None = None,
) -> widgets.VBox:
    """Sliders for up to 4 latent coordinates and the decoded image, redrawn in place.

    ``dims`` picks the coordinates that get a slider (default: the first
    min(4, n_latent)); the others stay at ``base`` (default 0, the prior's mean).
    With ``codes`` (N, n_latent) (and ``labels``) the map of the first two
    slider dimensions is shown with a cross at the current z.
    """
    n_latent = getattr(model, "n_latent", None)
    if not isinstance(n_latent, int):
        V.fail("latent_explorer", "model", "a model with an int n_latent attribute", V.type_name(model), TypeError)
    expected = f"1 to 4 distinct dims in [0, {n_latent})"
    if dims is None:
        dims = list(range(min(4, n_latent)))
    else:
        if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
            V.fail("latent_explorer", "dims", expected, V.type_name(dims), TypeError)
        dims = [V.integer("latent_explorer", "dims", d, minimum=0, maximum=n_latent - 1) for d in dims]
    if not 1 <= len(dims) <= 4 or len(set(dims)) != len(dims):
        V.fail("latent_explorer", "dims", expected, repr(dims))
    z_range = V.positive("latent_explorer", "z_range", z_range)
    step = V.positive("latent_explorer", "step", step)
    if base is None:
        base_z = torch.zeros(n_latent)
    else:
        base_z = torch.as_tensor(V.array("latent_explorer", "base", base), dtype=torch.float32).clone()
    if base_z.shape != (n_latent,):
        V.fail("latent_explorer", "base", f"of shape ({n_latent},)", f"shape {tuple(base_z.shape)}")
    the_map = None
    if codes is not None and len(dims) >= 2:
        the_map = latent_map(codes, labels, dims=(dims[0], dims[1]), extent=z_range)
    controls = {
        f"z{d}": widgets.FloatSlider(
            value=float(base_z[d]), min=-z_range, max=z_range, step=step, description=f"z[{d}]",
            continuous_update=True, readout_format=".2f",
        )
        for d in dims
    }

    def render(**values: float) -> bytes:
        z = base_z.clone()
        for d in dims:
            z[d] = values[f"z{d}"]
        return render_latent(model, z, latent_map=the_map, scale=scale)

    caption = tr("Move a slider: the decoder draws p(x | z) for the new z (the cross marks z on the map of test codes)."
                 if the_map is not None else "Move a slider: the decoder draws p(x | z) for the new z.")
    return slider_image(render, controls, caption=caption, css_class="latent-explorer")
