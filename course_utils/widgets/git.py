"""Appendix A1's widget: a step slider that replays one git scenario's commit graphs.

``record_states`` runs a scenario once in a fresh ``GitSandbox`` and keeps the
graph after every step; ``render_state`` draws one of those graphs to PNG bytes
(a plain function, tested without a browser); ``replay_slider`` wires a step
slider to it with ``slider_image``. Moving the slider re-runs nothing: the
states are plain data, and every frame is drawn once when the widget is built
(a dozen frames, about 20 ms each), so each move only swaps precomputed bytes.
"""

from __future__ import annotations

import io
from typing import Callable, Sequence, Union

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..gitsandbox import GitSandbox, Graph, draw_graph, frame
from .base import slider_image

#: A step is a git command run as "me", a (who, command) pair, or a function of the
#: sandbox that does something (write a file, commit...) and returns a label for it.
Step = Union[str, tuple[str, str], Callable[[GitSandbox], str]]

#: A small pull-request story: branch, two commits, main moves on, a --no-ff merge,
#: the merge undone with reset and brought back through the reflog.
FEATURE_BRANCH_STORY: tuple[Step, ...] = (
    'git commit --allow-empty -m "A: project skeleton"',
    'git commit --allow-empty -m "B: README"',
    "git checkout -b feature/login",
    'git commit --allow-empty -m "C: login form"',
    'git commit --allow-empty -m "D: check password"',
    "git checkout main",
    'git commit --allow-empty -m "E: fix typo"',
    'git merge --no-ff feature/login -m "Merge feature/login"',
    "git reset --hard HEAD~1",
    "git reset --hard HEAD@{1}",
    "git branch -d feature/login",
)


def _apply(sb: GitSandbox, step: Step) -> str:
    if isinstance(step, str):
        sb.run(step)
        return f"me$ {step}"
    if isinstance(step, tuple) and len(step) == 2 and all(isinstance(s, str) for s in step):
        who, command = step
        sb.run(command, who=who)
        return f"{who}$ {command}"
    if callable(step):
        label = step(sb)
        if not isinstance(label, str):
            raise TypeError(f"record_states: a function step must return a label str; {step!r} returned {label!r}")
        return label
    raise TypeError(f"record_states: each step must be a git command str, a (who, command) pair "
                    f"or a function of the sandbox; got {step!r}")


def record_states(steps: Sequence[Step], *, remote: bool = True, teammate: bool = False,
                  who: str = "me") -> list[tuple[str, Graph]]:
    """Run ``steps`` in a fresh sandbox; return ``[(label, graph), ...]``, starting with the empty repository.

    Graphs are taken with ``reflog=True`` so that commits a ``reset`` leaves behind stay visible (grey).
    """
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or not steps:
        raise TypeError(f"record_states: steps must be a non-empty list of steps; got {steps!r}")
    with GitSandbox(remote=remote, teammate=teammate) as sb:
        states = [("start: an empty repository", sb.graph(who=who, reflog=True))]
        for step in steps:
            label = _apply(sb, step)
            states.append((label, sb.graph(who=who, reflog=True)))
    return states


def render_state(states: Sequence[tuple[str, Graph]], step: int) -> bytes:
    """PNG bytes of the graph after ``step`` steps (0 = before the first), titled with the command."""
    if not isinstance(step, int) or isinstance(step, bool):
        raise TypeError(f"render_state: step must be an int; got {step!r}")
    if not 0 <= step < len(states):
        raise ValueError(f"render_state: step must be in 0..{len(states) - 1}; got {step}")
    label, graph = states[step]
    xlim, ylim, (width, height) = frame([graph for _, graph in states])
    fig = Figure(figsize=(max(width, 5.0), height + 0.4), dpi=80)  # not pyplot's: nothing leaks into the notebook
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, height / (height + 0.4)))
    draw_graph(graph, ax=ax, xlim=xlim, ylim=ylim)
    fig.suptitle(f"step {step}/{len(states) - 1}   {label}", fontsize=10, family="monospace")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches=None)  # a fixed frame: no tight cropping
    return buf.getvalue()


def replay_slider(steps_or_states: Sequence, *, caption: str | None = None, **sandbox) -> widgets.VBox:
    """A step slider over a scenario: pass the steps (run now) or states from ``record_states``."""
    if steps_or_states and isinstance(steps_or_states[0], tuple) and len(steps_or_states[0]) == 2 \
            and isinstance(steps_or_states[0][1], Graph):
        states = list(steps_or_states)
    else:
        states = record_states(steps_or_states, **sandbox)
    frames = [render_state(states, step) for step in range(len(states))]

    def render(step: int) -> bytes:
        return frames[step]

    slider = widgets.IntSlider(value=0, min=0, max=len(states) - 1, description="step",
                               continuous_update=True)
    box = slider_image(render, {"step": slider}, caption=caption)
    box.states = states
    return box
