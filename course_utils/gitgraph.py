"""Commit graphs as plain data, and their drawings (appendix A1).

``Graph`` / ``Commit`` hold what ``GitSandbox.graph()`` reads from a repository;
``commit_layout`` places each commit on a (generation, lane) grid,
``graph_frame`` finds one frame that fits several graphs, ``draw_commit_graph``
draws one graph, ``draw_panels`` draws several side by side on one frame and
``play`` runs commands in a sandbox and draws the graph after each.
(``graphs.draw_graph`` draws Bayesian networks, another idea.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from . import validation as V

__all__ = ["Commit", "Graph", "read_graph", "commit_layout", "graph_frame", "draw_commit_graph", "draw_panels", "same_shape", "play"]


@dataclass(frozen=True)
class Commit:
    """One commit: its full hash, its parents (first parent first) and subject line.

    ``reachable`` is False for a commit that no branch, remote-tracking branch
    or HEAD leads to any more, and that only the reflog remembers.
    """

    hash: str
    parents: tuple[str, ...]
    subject: str
    reachable: bool = True

    @property
    def short(self) -> str:
        return self.hash[:7]


@dataclass(frozen=True)
class Graph:
    """The commit graph of one repository, as plain data.

    ``commits`` maps hash -> Commit with parents before children (topological
    order, oldest first); ``branches`` maps local branch -> hash, ``remotes``
    maps remote-tracking branch (``origin/main``) -> hash. ``head`` is the commit
    HEAD points at (None on a branch with no commit yet) and ``head_branch`` the
    branch HEAD is attached to (None when HEAD is detached).
    """

    commits: dict[str, Commit]
    branches: dict[str, str]
    remotes: dict[str, str]
    head: str | None
    head_branch: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def detached(self) -> bool:
        """True when HEAD points straight at a commit rather than at a branch."""
        return self.head_branch is None

    def find(self, subject: str) -> str:
        """The hash of the one commit whose subject line is ``subject``."""
        found = [c.hash for c in self.commits.values() if c.subject == subject]
        if len(found) != 1:
            subjects = [c.subject for c in self.commits.values()]
            raise KeyError(f"Graph.find: expected exactly one commit with subject {subject!r}; "
                           f"found {len(found)} among {subjects}")
        return found[0]

    def ancestors(self, commit: str) -> set[str]:
        """All commits reachable from ``commit`` (a hash), itself included."""
        if commit not in self.commits:
            raise KeyError(f"Graph.ancestors: {commit!r} is not a commit of this graph")
        seen, todo = set(), [commit]
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.add(h)
                todo.extend(p for p in self.commits[h].parents if p in self.commits)
        return seen

    def history(self, commit: str) -> list[str]:
        """Subjects of ``commit`` and its ancestors, oldest first (like ``git log --reverse``)."""
        keep = self.ancestors(commit)
        return [c.subject for h, c in self.commits.items() if h in keep]

    def is_linear(self) -> bool:
        """True when no reachable commit is a merge (has two or more parents)."""
        return all(len(c.parents) <= 1 for c in self.commits.values() if c.reachable)

    def labels(self) -> dict[str, list[str]]:
        """Hash -> the names pointing at it, as ``git log --decorate`` writes them."""
        out: dict[str, list[str]] = {}
        if self.head is not None:
            out[self.head] = ["HEAD" if self.detached else f"HEAD -> {self.head_branch}"]
        for name, h in self.branches.items():
            if name != self.head_branch:
                out.setdefault(h, []).append(name)
        for name, h in self.remotes.items():
            out.setdefault(h, []).append(name)
        for name, h in self.tags.items():
            out.setdefault(h, []).append(f"tag: {name}")
        return out

    def __str__(self) -> str:
        """Newest first, one commit per line: short hash, parents, names, subject."""
        labels = self.labels()
        lines = []
        if self.head is None:
            lines.append(f"(no commits yet; HEAD -> {self.head_branch})")
        for c in reversed(list(self.commits.values())):
            names = f" ({', '.join(labels[c.hash])})" if c.hash in labels else ""
            parents = " ".join(p[:7] for p in c.parents) or "-"
            mark = "" if c.reachable else "  [only in the reflog]"
            lines.append(f"{c.short} <- {parents:<15}{names} {c.subject}{mark}")
        return "\n".join(lines)


def read_graph(git: Callable[..., "subprocess.CompletedProcess"], *, reflog: bool = False) -> Graph:
    """The Graph of one repository, read with ``git(*args) -> CompletedProcess`` (stdout as bytes).

    With ``reflog=True`` commits only the reflog remembers are included, marked ``reachable=False``.
    """
    branches, remotes, tags = {}, {}, {}
    refs = git("for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)%00%(*objectname)",
               "refs/heads", "refs/remotes", "refs/tags")
    for line in refs.stdout.decode().splitlines():
        ref, obj, symref, peeled = line.split("\0")
        if symref:  # origin/HEAD is a pointer to a pointer, not a branch
            continue
        if ref.startswith("refs/heads/"):
            branches[ref[len("refs/heads/"):]] = obj
        elif ref.startswith("refs/remotes/"):
            remotes[ref[len("refs/remotes/"):]] = obj
        else:
            tags[ref[len("refs/tags/"):]] = peeled or obj
    symbolic = git("symbolic-ref", "-q", "HEAD")
    head_ref = symbolic.stdout.decode().strip() if symbolic.returncode == 0 else None
    head_branch = head_ref[len("refs/heads/"):] if head_ref and head_ref.startswith("refs/heads/") else None
    resolved = git("rev-parse", "-q", "--verify", "HEAD^{commit}")
    head = resolved.stdout.decode().strip() if resolved.returncode == 0 else None

    tips = sorted({*branches.values(), *remotes.values(), *tags.values(), *([head] if head else [])})
    commits: dict[str, Commit] = {}
    if tips:
        reachable = set(git("rev-list", *tips).stdout.decode().split())
        extra = ["--reflog"] if reflog else []
        log = git("log", "--topo-order", "--reverse", "--format=%H%x00%P%x00%s", *extra, *tips)
        for line in log.stdout.decode("utf-8", "replace").splitlines():
            h, parents, subject = line.split("\0", 2)
            commits[h] = Commit(h, tuple(parents.split()), subject, h in reachable)
    return Graph(commits, branches, remotes, head, head_branch, tags)


DX, DY = 1.5, 1.45  # data units between columns and between lanes
INCHES_PER_UNIT = 0.7  # so a 16-character subject fits between two columns
LABEL_STEP = 0.27  # data units between stacked labels
SUBJECT_CHARS = 16
LANE_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860", "#da8bc3")
HEAD_COLOR = "#c44e52"
GHOST_COLOR = "#b0b0b0"


def commit_layout(graph: Graph) -> dict[str, tuple[int, int]]:
    """Hash -> (column, lane) for drawing.

    The column is the commit's generation (1 + the longest path back to a root),
    so commits made in parallel on two branches stand side by side. Lanes follow
    first-parent chains: ``main`` gets lane 0, then the other branches, the
    remote-tracking branches, a detached HEAD, and last the reflog-only commits.
    """
    column: dict[str, int] = {}
    for h, c in graph.commits.items():  # parents come first
        column[h] = 1 + max((column[p] for p in c.parents if p in column), default=-1)
    others = sorted(b for b in graph.branches if b != "main")
    tips = [graph.branches[b] for b in (["main"] if "main" in graph.branches else []) + others]
    tips += [graph.remotes[r] for r in sorted(graph.remotes)]
    tips += [graph.head] if graph.head else []
    tips += [h for h in reversed(graph.commits) if graph.commits[h].reachable]
    tips += [h for h in reversed(graph.commits) if not graph.commits[h].reachable]
    lane: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()  # (column, lane) spots in use
    next_lane = 0
    for tip in tips:
        chain, h = [], tip
        while h in graph.commits and h not in lane:
            chain.append(h)
            h = graph.commits[h].parents[0] if graph.commits[h].parents else None
        if not chain:
            continue
        chosen = next_lane
        if h in lane and not graph.commits[tip].reachable:
            # a reflog-only chain carries on its parent's lane when that stretch is free,
            # so an undone commit sits where it was, greyed out
            span = range(column[h] + 1, column[chain[0]] + 1)
            if all((x, lane[h]) not in taken for x in span):
                chosen = lane[h]
        for c in chain:
            lane[c] = chosen
            taken.add((column[c], chosen))
        next_lane += chosen == next_lane
    return {h: (column[h], lane[h]) for h in graph.commits}


def graph_frame(graphs: Sequence[Graph]) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """(xlim, ylim, (width, height) in inches) that fit every graph of ``graphs``.

    Drawing several graphs on one frame keeps a commit in the same place from
    panel to panel (and from step to step of the replay slider).
    """
    ncols = nlanes = nlabels = 1
    for graph in graphs:
        pos = commit_layout(graph).values()
        ncols = max(ncols, 1 + max((x for x, _ in pos), default=0))
        nlanes = max(nlanes, 1 + max((y for _, y in pos), default=0))
        nlabels = max(nlabels, max((len(v) for v in graph.labels().values()), default=1))
    xlim = (-0.85 * DX, (ncols - 1) * DX + 0.85 * DX)
    ylim = (-0.8, (nlanes - 1) * DY + 0.4 + LABEL_STEP * nlabels)
    size = ((xlim[1] - xlim[0]) * INCHES_PER_UNIT, (ylim[1] - ylim[0]) * INCHES_PER_UNIT)
    return xlim, ylim, size


def draw_commit_graph(graph: Graph, ax=None, *, title: str | None = None,
               xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None):
    """Draw the commit graph: one dot per commit (short hash and subject under it),
    parent -> child edges, and branch, remote-tracking and HEAD labels above.

    Commits only in the reflog are hollow and grey. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(graph, Graph):
        V.fail("draw_commit_graph", "graph", "a Graph from GitSandbox.graph()", V.type_name(graph), TypeError)
    pos = commit_layout(graph)
    auto_xlim, auto_ylim, size = graph_frame([graph])
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    ax.set_axis_off()
    xy = {h: (x * DX, y * DY) for h, (x, y) in pos.items()}

    for h, c in graph.commits.items():
        x1, y1 = xy[h]
        for k, p in enumerate(c.parents):
            if p not in xy:
                continue
            x0, y0 = xy[p]
            if y0 == y1:
                xs, ys = [x0, x1], [y0, y1]
            elif k == 0:  # a branch leaves its parent: rise at once, then run along the lane
                xs, ys = [x0, x0 + 0.5 * DX, x1], [y0, y1, y1]
            else:  # a merged branch: run along its lane, then come down into the merge
                xs, ys = [x0, x1 - 0.5 * DX, x1], [y0, y0, y1]
            ghost = not (c.reachable and graph.commits[p].reachable)
            ax.plot(xs, ys, color=GHOST_COLOR if ghost else "#555555", lw=1.4,
                    ls="--" if ghost else "-", zorder=1)
    labels = graph.labels()
    for h, c in graph.commits.items():
        x, y = xy[h]
        color = LANE_COLORS[pos[h][1] % len(LANE_COLORS)]
        if c.reachable:
            ax.scatter([x], [y], s=240, color=color, edgecolor="white", lw=1.5, zorder=3)
        else:
            ax.scatter([x], [y], s=240, facecolor="white", edgecolor=GHOST_COLOR, lw=1.5, ls="--", zorder=3)
        subject = c.subject if len(c.subject) <= SUBJECT_CHARS else c.subject[: SUBJECT_CHARS - 1] + "…"
        ax.text(x, y - 0.27, f"{c.short}\n{subject}", ha="center", va="top", fontsize=7,
                color="#333333" if c.reachable else GHOST_COLOR, family="monospace", zorder=4)
        for k, name in enumerate(labels.get(h, [])):
            is_head = name.startswith("HEAD")
            is_remote = name in graph.remotes
            ax.text(
                x, y + 0.3 + LABEL_STEP * k, name, ha="center", va="bottom", fontsize=7.5,
                fontweight="bold" if not is_remote else "normal", style="italic" if is_remote else "normal",
                color="white" if is_head else ("#555555" if is_remote else color), zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", lw=0.8,
                          fc=HEAD_COLOR if is_head else "white", ec=HEAD_COLOR if is_head else GHOST_COLOR),
            )
    if graph.head is None:
        ax.text(0, 0, f"HEAD -> {graph.head_branch}\n(no commits yet)", ha="center", va="center",
                fontsize=8, color=HEAD_COLOR)
    ax.set_xlim(xlim if xlim is not None else auto_xlim)
    ax.set_ylim(ylim if ylim is not None else auto_ylim)
    if title:
        ax.set_title(title, fontsize=9, family="monospace")
    return ax


def same_shape(a: Graph, b: Graph) -> bool:
    """True when two graphs have the same subjects, parent structure, branches and HEAD,
    whatever the hashes (commits are matched by subject)."""

    def shape(g: Graph):
        subj = {h: c.subject for h, c in g.commits.items()}
        return (
            sorted((c.subject, tuple(subj.get(p, p) for p in c.parents)) for c in g.commits.values() if c.reachable),
            {b: subj[h] for b, h in g.branches.items()},
            {r: subj[h] for r, h in g.remotes.items()},
            subj.get(g.head) if g.head else None,
            g.head_branch,
        )

    return shape(a) == shape(b)


def play(sb, *commands: str, who: str = "me", reflog: bool = False, check: bool = True,
         max_width: float = 12.0):
    """Run ``commands`` one by one, print each (``who$ command``) with git's output,
    and draw the graph after each one, side by side on a shared scale.

    With ``check=False`` a failing command (a rejected push, a conflict) is shown
    and the story goes on. Returns the graphs after each command, so a cell can
    check them (end the cell with ``;`` or assign the result to keep it quiet).
    """
    if not commands:
        V.fail("play", "commands", "at least one git command (give at least one)", "none")
    panels = []
    for command in commands:
        print(f"{who}$ {command}")
        output = sb.run(command, who=who, check=check)
        if output:
            print(output)
        panels.append((command, sb.graph(who=who, reflog=reflog)))
    draw_panels([(f"{who}$ {command}", graph) for command, graph in panels], max_width=max_width)
    return [g for _, g in panels]


def draw_panels(panels: Sequence[tuple[str, Graph]], *, max_width: float = 12.0) -> None:
    """Draw ``(title, graph)`` pairs side by side on one shared frame (rows wrap at
    ``max_width`` inches), so the same commit sits in the same spot in every panel."""
    import matplotlib.pyplot as plt

    if not panels or not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Graph) for p in panels):
        V.fail("draw_panels", "panels", "a non-empty list of (title, Graph) pairs", V._show(panels), TypeError)
    xlim, ylim, (panel_w, panel_h) = graph_frame([g for _, g in panels])
    panel_h += 0.3  # room for the title
    per_row = max(1, min(len(panels), int(max_width // panel_w)))
    nrows = -(-len(panels) // per_row)
    _, axes = plt.subplots(nrows, per_row, figsize=(panel_w * per_row, panel_h * nrows), squeeze=False,
                           layout="constrained")
    fit = max(12, int(panel_w / 0.08))  # characters of a 9-point monospace title that fit a panel
    for ax, (title, graph) in zip(axes.flat, panels):
        draw_commit_graph(graph, ax=ax, xlim=xlim, ylim=ylim, title=title if len(title) <= fit else title[: fit - 1] + "…")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    plt.show()
