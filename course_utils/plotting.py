"""One plotting style for the whole course, image grids and PNG encoding."""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch

from . import validation as V

COURSE_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 90,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "image.cmap": "gray_r",
    "savefig.bbox": "tight",
}

#: Colours reused across notebooks: data, model, a second model, highlights.
COLORS = {"data": "#4c72b0", "model": "#dd8452", "other": "#55a868", "highlight": "#c44e52"}


@lru_cache(maxsize=None)
def storage_colour(k: int) -> tuple[int, int, int]:
    """The colour of storage cell ``k`` (RGB, 0..255), the one palette of every stride picture
    (``tensors.show_layout`` and notebook 02's stride explorer): tab20, lightened (0.8 c + 0.2)."""
    r, g, b, _ = matplotlib.colormaps["tab20"](int(k) % 20)
    return tuple(int(255 * (0.8 * c + 0.2)) for c in (r, g, b))


def use_course_style() -> None:
    """Apply the course's matplotlib style (called once by ``course_utils.setup``)."""
    matplotlib.rcParams.update(COURSE_STYLE)


def _to_images(x: torch.Tensor | np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    if not (isinstance(image_shape, (tuple, list)) and len(image_shape) == 2):
        V.fail("image_grid", "image_shape", "a pair (height, width)", repr(image_shape), TypeError)
    h, w = (V.positive_int("image_grid", "image_shape", s) for s in image_shape)
    arr = V.array("image_grid", "x", x, finite=False, expected=f"images of shape (N, {h}, {w}) or (N, {h * w})")
    if arr.size == 0:
        V.fail("image_grid", "x", f"at least one image of shape ({h}, {w}) or ({h * w},)", f"shape {arr.shape}")
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim == 2:
        if arr.shape[1] != h * w:
            V.fail("image_grid", "x", f"rows of {h * w} pixels for image_shape {tuple(image_shape)}", f"shape {arr.shape}")
        arr = arr.reshape(-1, h, w)
    if arr.ndim != 3 or arr.shape[1:] != (h, w):
        V.fail("image_grid", "x", f"images of shape (N, {h}, {w}) or (N, {h * w})", f"shape {arr.shape}")
    return arr


def tile(x: torch.Tensor | np.ndarray, ncols: int = 10, image_shape=(28, 28), pad: int = 1) -> np.ndarray:
    """Tile N images into one 2-D array, ``ncols`` per row, with ``pad`` blank pixels."""
    ncols = V.positive_int("tile", "ncols", ncols)
    pad = V.integer("tile", "pad", pad, minimum=0)
    images = _to_images(x, image_shape)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    h, w = image_shape
    canvas = np.zeros((nrows * (h + pad) + pad, ncols * (w + pad) + pad), dtype=np.float32)
    for k, img in enumerate(images):
        r, c = divmod(k, ncols)
        canvas[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img
    return canvas


def image_grid(
    x: torch.Tensor | np.ndarray,
    ncols: int = 10,
    image_shape=(28, 28),
    title: str | None = None,
    ax: plt.Axes | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> plt.Axes:
    """Draw images (N, H*W) or (N, H, W) as one grid on ``ax`` (a new figure if None)."""
    canvas = tile(x, ncols, image_shape)
    if ax is None:
        nrows = canvas.shape[0] / canvas.shape[1] * ncols
        _, ax = plt.subplots(figsize=(min(1.0 * ncols, 10), max(1.2, 1.0 * nrows)))
    ax.imshow(canvas, cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def array_to_png(image: np.ndarray, scale: int = 4, vmin: float = 0.0, vmax: float = 1.0) -> bytes:
    """Encode a 2-D array as greyscale PNG bytes (dark ink on white), upscaled ``scale``x.

    Fast enough for slider callbacks: no figure is built.
    """
    arr = V.array("array_to_png", "image", image, ndim=2, finite=False, expected="a 2-D array").astype(np.float32)
    scale = V.positive_int("array_to_png", "scale", scale)
    arr = np.clip((arr - vmin) / max(vmax - vmin, 1e-12), 0.0, 1.0)
    arr = np.kron(1.0 - arr, np.ones((scale, scale), dtype=np.float32))
    buf = io.BytesIO()
    plt.imsave(buf, arr, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buf.getvalue()


def rgb_to_png(rgb: np.ndarray, compress_level: int = 3) -> bytes:
    """Encode an (H, W, 3) uint8 array as PNG bytes with Pillow (no figure involved).

    A low ``compress_level`` trades a few bytes for speed in slider callbacks.
    """
    import PIL.Image

    expected = "an (H, W, 3) uint8 array"
    if not isinstance(rgb, np.ndarray):
        V.fail("rgb_to_png", "rgb", expected, V.type_name(rgb), TypeError)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        V.fail("rgb_to_png", "rgb", expected, f"shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        V.fail("rgb_to_png", "rgb", expected, f"dtype {rgb.dtype}", TypeError)
    buf = io.BytesIO()
    PIL.Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="png", compress_level=compress_level)
    return buf.getvalue()


def figure_to_png(fig: plt.Figure) -> bytes:
    """Render a matplotlib figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
