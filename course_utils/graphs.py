"""Draw small directed graphical models (Bayesian networks) with plain matplotlib.

Nodes are random variables (circles; observed ones shaded), an arrow a → b
means b's distribution is conditioned on a, and a plate (a rectangle with a
count in its corner) means "everything inside is repeated that many times".

    draw_graph({"Y": (0, 1), "X": (0, 0)}, [("Y", "X")], observed={"X"})
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

__all__ = ["draw_graph"]


def draw_graph(
    nodes: Mapping[str, tuple[float, float]],
    edges: Iterable[tuple[str, str]] = (),
    *,
    labels: Mapping[str, str] | None = None,
    observed: Iterable[str] = (),
    plates: Sequence[tuple] = (),
    radius: float = 0.3,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a directed graphical model on ``ax`` (a new figure if None) and return ``ax``.

    ``nodes`` maps a name to its (x, y) centre; ``edges`` are (parent, child)
    pairs; ``labels`` maps names to text (LaTeX allowed, default the name);
    ``observed`` nodes are shaded; each plate is (names it encloses, count label)
    or (names, label, gap): the gap between contents and frame in units of ``radius``
    (default 0.5). A plate whose names include all of another's is drawn around it (nesting).
    """
    nodes = dict(nodes)
    labels = dict(labels or {})
    observed = set(observed)
    edges = list(edges)
    for name, where in nodes.items():
        if len(where) != 2:
            raise ValueError(f"draw_graph: node {name!r} needs an (x, y) position; got {where!r}")
    unknown = [n for e in edges for n in e if n not in nodes] + [n for n in observed if n not in nodes]
    for plate in plates:
        if not isinstance(plate, (tuple, list)) or len(plate) not in (2, 3):
            raise ValueError(f"draw_graph: a plate is (names, label) or (names, label, padding); got {plate!r}")
    unknown += [n for plate in plates for n in plate[0] if n not in nodes]
    if unknown:
        raise ValueError(f"draw_graph: edges, observed and plates may only name nodes {sorted(nodes)}; got {unknown[0]!r}")
    if radius <= 0:
        raise ValueError(f"draw_graph: radius must be positive; got {radius!r}")
    for parent, child in edges:
        if math.dist(nodes[parent], nodes[child]) <= 2 * radius:
            raise ValueError(f"draw_graph: nodes {parent!r} and {child!r} overlap; place them further apart")

    if ax is None:
        xs = [p[0] for p in nodes.values()]
        ys = [p[1] for p in nodes.values()]
        width = max(xs) - min(xs) + 4 * radius
        height = max(ys) - min(ys) + 4 * radius
        _, ax = plt.subplots(figsize=(max(1.5, 0.9 * width), max(1.2, 0.9 * height)))

    # Plates, innermost first: each encloses its nodes and any plate nested inside it, with room for the count.
    boxes: list[tuple[set, tuple[float, float, float, float]]] = []
    for members, count, *rest in sorted(plates, key=lambda plate: len(set(plate[0]))):
        members = set(members)
        gap = (rest[0] if rest else 0.5) * radius
        x0 = min(nodes[n][0] for n in members) - radius
        x1 = max(nodes[n][0] for n in members) + radius
        y0 = min(nodes[n][1] for n in members) - radius
        y1 = max(nodes[n][1] for n in members) + radius
        for inner, (a0, a1, b0, b1) in boxes:
            if inner < members:
                x0, x1, y0, y1 = min(x0, a0), max(x1, a1), min(y0, b0), max(y1, b1)
        box = (x0 - gap, x1 + gap + 0.1 + 0.11 * len(count), y0 - gap, y1 + gap)
        boxes.append((members, box))
        ax.add_patch(FancyBboxPatch((box[0], box[2]), box[1] - box[0], box[3] - box[2],
                                    boxstyle="round,pad=0,rounding_size=0.08", fill=False, lw=1.2, ec="0.3"))
        ax.text(box[1] - 0.06, box[2] + 0.05, count, ha="right", va="bottom", fontsize=9)

    for parent, child in edges:  # from rim to rim: shorten each arrow by the radius at both ends
        (xa, ya), (xb, yb) = nodes[parent], nodes[child]
        length = math.hypot(xb - xa, yb - ya)
        dx, dy = (xb - xa) / length * radius, (yb - ya) / length * radius
        ax.annotate("", xy=(xb - dx, yb - dy), xytext=(xa + dx, ya + dy), annotation_clip=False,
                    arrowprops=dict(arrowstyle="-|>", lw=1.3, color="0.15", mutation_scale=14, shrinkA=0, shrinkB=0))

    for name, (x, y) in nodes.items():
        ax.add_patch(Circle((x, y), radius, fc="0.82" if name in observed else "white", ec="0.15", lw=1.3, zorder=3))
        ax.text(x, y, labels.get(name, name), ha="center", va="center", fontsize=11, zorder=4)

    ax.set_aspect("equal")
    ax.set_axis_off()
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    left, right = min(xs) - radius, max(xs) + radius
    bottom, top = min(ys) - radius, max(ys) + radius
    for _, (x0, x1, y0, y1) in boxes:
        left, right, bottom, top = min(left, x0), max(right, x1), min(bottom, y0), max(top, y1)
    ax.set_xlim(left - 0.1, right + 0.1)
    ax.set_ylim(bottom - 0.1, top + 0.1)
    if title:
        ax.set_title(title)
    return ax
