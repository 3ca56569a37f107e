"""Storage, strides and views, made visible.

A tensor is a window onto a flat, one-dimensional *storage*. Element
``t[i_0, ..., i_{d-1}]`` reads storage cell

    offset + i_0 * stride_0 + ... + i_{d-1} * stride_{d-1}

(the strided layout of the PyTorch docs, "Tensor Views" and
``torch.Tensor.stride``). ``layout`` computes that map independently of
PyTorch's own indexing, ``show_layout`` draws it, and ``show_gather`` draws
which source cells ``torch.gather`` picks.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

from . import validation as V
from .plotting import COLORS, storage_colour

#: Largest storage / number of elements ``show_layout`` agrees to draw.
MAX_CELLS = 48


@dataclass(frozen=True)
class TensorLayout:
    """Where a tensor's elements live in its storage.

    ``storage`` holds every cell of the underlying storage (as NumPy values),
    ``index[i, j, ...]`` is the storage cell that element ``[i, j, ...]`` reads.
    """

    shape: tuple[int, ...]
    stride: tuple[int, ...]
    offset: int
    contiguous: bool
    storage: np.ndarray
    index: np.ndarray

    def values(self) -> np.ndarray:
        """The tensor's elements, read from the storage through ``index``."""
        return self.storage[self.index]


def _check_tensor(fn: str, t, name: str = "t") -> torch.Tensor:
    t = V.tensor(fn, name, t, "a real-valued torch.Tensor")
    if t.layout != torch.strided:
        V.fail(fn, name, "a strided (dense) tensor", f"layout {t.layout}")
    return t


def storage_values(t: torch.Tensor) -> np.ndarray:
    """Every cell of ``t``'s storage, in storage order, as a NumPy array."""
    t = _check_tensor("storage_values", t).detach()
    n = t.untyped_storage().nbytes() // t.element_size()
    # A 1-D, stride-1 view that starts at cell 0 sees the whole storage.
    return t.as_strided((n,), (1,), 0).cpu().numpy().copy()


def storage_index(shape, stride, offset: int = 0) -> np.ndarray:
    """Storage cell read by each element: ``offset + sum_k i_k * stride_k``.

    Returns an integer array of the given ``shape``.
    """
    shape = _ints("storage_index", "shape", shape)
    stride = _ints("storage_index", "stride", stride)
    offset = V.integer("storage_index", "offset", offset, minimum=0)
    if len(shape) != len(stride):
        V.fail("storage_index", "stride", f"one stride per dimension of shape {shape}", f"stride {stride}")
    index = np.full(shape, int(offset), dtype=np.int64)
    for k, (size, step) in enumerate(zip(shape, stride)):
        along = np.arange(size, dtype=np.int64) * step
        index = index + along.reshape([size if j == k else 1 for j in range(len(shape))])
    return index


def _ints(fn: str, name: str, values) -> tuple[int, ...]:
    """A sequence of ints >= 0 (a shape or strides)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        V.fail(fn, name, "a sequence of ints >= 0", V.type_name(values), TypeError)
    return tuple(V.integer(fn, name, v, minimum=0) for v in values)


def layout(t: torch.Tensor) -> TensorLayout:
    """The storage, shape, strides, offset and element-to-cell map of ``t``."""
    t = _check_tensor("layout", t)
    storage = storage_values(t)
    index = storage_index(t.shape, t.stride(), t.storage_offset())
    if index.size and index.max() >= len(storage):
        V.fail("layout", "t", f"a view inside its storage of {len(storage)} cells", f"one that reads cell {index.max()}")
    return TensorLayout(
        shape=tuple(t.shape),
        stride=tuple(t.stride()),
        offset=int(t.storage_offset()),
        contiguous=bool(t.is_contiguous()),
        storage=storage,
        index=index,
    )


def format_value(v) -> str:
    """A short label for one element: ints as ints, floats with 3 significant digits."""
    if isinstance(v, (bool, np.bool_)):
        return "T" if v else "F"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.3g}"


def _cell_colour(k: int) -> tuple:
    """Storage cell k's colour (``plotting.storage_colour``, shared with the stride explorer), in 0..1."""
    return tuple(c / 255 for c in storage_colour(k))


def _cell_points(ax: plt.Axes, xspan: float, yspan: float) -> float:
    """Side of one data unit in points once ``ax`` is drawn with an equal aspect."""
    bbox = ax.get_position()
    w_in, h_in = bbox.width * ax.figure.get_figwidth(), bbox.height * ax.figure.get_figheight()
    return 72.0 * min(w_in / xspan, h_in / yspan)


def _blocks(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(blocks, rows, cols): how a 0-3 dimensional tensor is laid out on the page."""
    if len(shape) == 0:
        return 1, 1, 1
    if len(shape) == 1:
        return 1, 1, shape[0]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    return shape[0], shape[1], shape[2]


def show_layout(
    t: torch.Tensor,
    ax: plt.Axes | None = None,
    title: str | None = None,
    arrows: bool | None = None,
) -> plt.Axes:
    """Draw ``t`` above its storage: shape, strides, offset, and which cell each element reads.

    The bottom row is the storage (cell number above, value inside); cells that
    no element reads stay white. Each element of ``t`` (top) is coloured like
    the storage cell it reads and labelled ``s[k]``. With ``arrows`` (default:
    when ``t`` has at most 16 elements) a line joins each element to its cell.
    Tensors of 0 to 3 dimensions with at most ``MAX_CELLS`` storage cells.
    Returns the Axes; ``ax.layout`` holds the ``TensorLayout`` drawn.
    """
    t = _check_tensor("show_layout", t)
    if t.dim() > 3:
        V.fail("show_layout", "t", "a tensor of 0 to 3 dimensions", f"shape {tuple(t.shape)}")
    info = layout(t)
    if len(info.storage) > MAX_CELLS or t.numel() > MAX_CELLS:
        V.fail("show_layout", "t", f"a small tensor (at most {MAX_CELLS} storage cells and elements)",
               f"{len(info.storage)} storage cells and {t.numel()} elements")
    if arrows is None:
        arrows = t.numel() <= 16
    n_blocks, rows, cols = _blocks(info.shape)
    gap = 1.0
    grid_width = n_blocks * cols + (n_blocks - 1) * gap
    width = max(len(info.storage), grid_width)
    storage_y, grid_bottom = 0.0, 2.0
    if ax is None:
        _, ax = plt.subplots(figsize=(min(0.45 * width + 1.2, 10), 0.45 * (rows + 4) + 0.4))
    xlim = (-2.2, width + 0.2)
    ylim = (storage_y - 0.6, grid_bottom + rows + (0.8 if len(info.shape) == 3 else 0.3))
    # Fonts follow the size of a cell, so that small panels stay legible.
    cell_pt = _cell_points(ax, xlim[1] - xlim[0], ylim[1] - ylim[0])
    big, small = min(9.0, 0.42 * cell_pt), min(7.0, 0.3 * cell_pt)

    read = set(info.index.ravel().tolist())
    for k, value in enumerate(info.storage):
        face = _cell_colour(k) if k in read else "white"
        ax.add_patch(Rectangle((k, storage_y), 1, 1, facecolor=face, edgecolor="0.3", lw=0.8))
        ax.text(k + 0.5, storage_y + 0.5, format_value(value), ha="center", va="center", fontsize=big)
        ax.text(k + 0.5, storage_y - 0.25, str(k), ha="center", va="center", fontsize=small, color="0.4")
    ax.text(-0.3, storage_y + 0.5, "storage", ha="right", va="center", fontsize=8)

    # Centre the tensor's grid over the storage row.
    x0 = (width - grid_width) / 2
    values = info.values()
    flat_index = info.index.reshape(n_blocks, rows, cols)
    flat_values = values.reshape(n_blocks, rows, cols)
    for b in range(n_blocks):
        bx = x0 + b * (cols + gap)
        if len(info.shape) == 3:
            ax.text(bx + cols / 2, grid_bottom + rows + 0.25, f"[{b}]", ha="center", va="bottom", fontsize=big)
        for i in range(rows):
            for j in range(cols):
                k = int(flat_index[b, i, j])
                x, y = bx + j, grid_bottom + rows - 1 - i
                ax.add_patch(Rectangle((x, y), 1, 1, facecolor=_cell_colour(k), edgecolor="0.2", lw=0.8))
                ax.text(x + 0.5, y + 0.62, format_value(flat_values[b, i, j]), ha="center", va="center", fontsize=big)
                ax.text(x + 0.5, y + 0.25, f"s[{k}]", ha="center", va="center", fontsize=small, color="0.25")
                if arrows:
                    ax.plot([x + 0.5, k + 0.5], [y, storage_y + 1], color="0.45", lw=0.6, alpha=0.7, zorder=0.5)
    ax.text(x0 - 0.3, grid_bottom + rows / 2, "tensor", ha="right", va="center", fontsize=8)

    summary = (
        f"shape {info.shape}   stride {info.stride}   offset {info.offset}   "
        f"contiguous {info.contiguous}"
    )
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.layout = info
    return ax


def gather_sources(index: torch.Tensor, dim: int) -> np.ndarray:
    """Source coordinates read by ``torch.gather(src, dim, index)`` for 2-D ``index``.

    ``out[i][j] = src[index[i][j]][j]`` when ``dim == 0`` and
    ``src[i][index[i][j]]`` when ``dim == 1`` (the ``torch.gather`` docs).
    Returns an int array of shape ``index.shape + (2,)`` of (row, col) pairs.
    """
    index = V.tensor("gather_sources", "index", index, "a 2-D int64 index tensor")
    if index.dtype != torch.int64:
        V.fail("gather_sources", "index", "a 2-D int64 index tensor", f"dtype {index.dtype}", TypeError)
    if index.dim() != 2:
        V.fail("gather_sources", "index", "a 2-D int64 index tensor", f"shape {tuple(index.shape)}")
    dim = V.integer("gather_sources", "dim", dim, minimum=-2, maximum=1)
    dim = dim % 2
    idx = index.cpu().numpy()
    rows, cols = np.indices(idx.shape)
    return np.stack([idx, cols] if dim == 0 else [rows, idx], axis=-1)


def show_gather(src: torch.Tensor, index: torch.Tensor, dim: int, ax: plt.Axes | None = None) -> plt.Axes:
    """Draw ``src`` with the cells ``torch.gather(src, dim, index)`` picks, and the result.

    Picked cells get a thick outline; each output cell names the source cell it
    copied. Returns the Axes; ``ax.sources`` holds ``gather_sources(index, dim)``.
    """
    src = _check_tensor("show_gather", src, "src")
    if src.dim() != 2:
        V.fail("show_gather", "src", "a 2-D tensor", f"shape {tuple(src.shape)}")
    sources = gather_sources(index, dim)
    size = src.shape[dim % 2]
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= size):
        V.fail("show_gather", "index", f"values in 0..{size - 1} (the size of src along dim {dim})",
               f"values in [{int(index.min())}, {int(index.max())}]")
    if index.shape[1 - dim % 2] > src.shape[1 - dim % 2]:
        V.fail("show_gather", "index", f"at most src's size {src.shape[1 - dim % 2]} along the other dimension",
               f"shape {tuple(index.shape)}")
    out = torch.gather(src, dim, index).detach().cpu().numpy()
    values = src.detach().cpu().numpy()
    r, c = values.shape
    orow, ocol = out.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * (c + ocol + 3) + 0.5, 0.5 * max(r, orow) + 0.9))
    top = max(r, orow)
    picked = {tuple(p) for p in sources.reshape(-1, 2).tolist()}
    for i in range(r):
        for j in range(c):
            hit = (i, j) in picked
            ax.add_patch(
                Rectangle(
                    (j, top - 1 - i), 1, 1,
                    facecolor=COLORS["highlight"] if hit else "white",
                    alpha=0.35 if hit else 1.0,
                    edgecolor="0.3", lw=0.8,
                )
            )
            if hit:
                ax.add_patch(Rectangle((j, top - 1 - i), 1, 1, fill=False, edgecolor=COLORS["highlight"], lw=2.2))
            ax.text(j + 0.5, top - 0.5 - i, format_value(values[i, j]), ha="center", va="center", fontsize=8)
    x0 = c + 2
    for i in range(orow):
        for j in range(ocol):
            si, sj = sources[i, j]
            ax.add_patch(Rectangle((x0 + j, top - 1 - i), 1, 1, facecolor="white", edgecolor="0.3", lw=0.8))
            ax.text(x0 + j + 0.5, top - 0.38 - i, format_value(out[i, j]), ha="center", va="center", fontsize=8)
            ax.text(x0 + j + 0.5, top - 0.78 - i, f"[{si},{sj}]", ha="center", va="center", fontsize=5.5, color="0.35")
    ax.annotate("", xy=(x0 - 0.2, top / 2), xytext=(c + 0.2, top / 2), arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.text(c / 2, top + 0.3, "src", ha="center", va="bottom", fontsize=9)
    ax.text(x0 + ocol / 2, top + 0.3, f"gather(src, dim={dim}, index)", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.2, x0 + ocol + 0.2)
    ax.set_ylim(-0.2, top + 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.sources = sources
    return ax
