"""The git appendix must leave the checkout around notebooks/ alone (used by conftest.py and test_gitsandbox.py).

Notebook A1 runs git only inside its sandboxes. nbval already runs each edition of it
from the top, in notebooks/ or notebooks/ko/, inside the course's own checkout.
``guard_appendix_runs`` therefore records that checkout's state before a run's first
cell, and makes the last cell fail if the state changed. A separate run of the
notebook for this alone would add a fourth execution of the appendix.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

APPENDIX = "A1_git_workflow.ipynb"


def enclosing_state(repo: Path) -> dict[str, str]:
    """HEAD, config and every ref of a checkout that others may be editing right now.

    The working tree and index are left out on purpose: people work in it concurrently.
    """
    git = Path(subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=repo,
                              capture_output=True, text=True, check=True).stdout.strip())
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname) %(objectname)"], cwd=repo,
                          capture_output=True, text=True, check=True).stdout
    head = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, capture_output=True, text=True)
    return {
        "HEAD": (git / "HEAD").read_text(),
        "HEAD commit": head.stdout,
        "config": (git / "config").read_text(),
        "refs": refs,
        "packed-refs": (git / "packed-refs").read_text() if (git / "packed-refs").exists() else "",
    }


def inside_a_checkout(folder: Path) -> bool:
    return subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=folder,
                          capture_output=True, text=True).returncode == 0


def guard_appendix_runs(items) -> int:
    """Wrap the first and last nbval cell of each collected edition of the appendix (see the module's docstring);
    return how many runs are guarded. Nothing is guarded outside a git checkout; with some cells deselected
    the guard spans the selected ones."""
    runs: dict[Path, list] = {}
    for item in items:
        if item.path.name == APPENDIX and type(item).__name__ == "IPyNbCell":
            runs.setdefault(item.path, []).append(item)
    guarded = 0
    for path, cells in runs.items():
        if not inside_a_checkout(path.parent):
            continue
        first, last, before = cells[0], cells[-1], {}

        def record(run=first.runtest, folder=path.parent):
            before["state"] = enclosing_state(folder)
            run()

        def compare(run=last.runtest, folder=path.parent, name=path.relative_to(path.parents[1]).as_posix()):
            run()
            if "state" in before:
                after = enclosing_state(folder)
                changed = sorted(k for k in after if after[k] != before["state"][k])
                assert not changed, f"running {name} changed the enclosing checkout's {', '.join(changed)}"

        first.runtest, last.runtest = record, compare
        guarded += 1
    return guarded
