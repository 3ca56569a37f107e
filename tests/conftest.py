"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import torch

from enclosing_git import guard_appendix_runs
from paths import ROOT
from scheduling import scheduling_unit, start_rank

matplotlib.use("Agg")
# One torch thread per test process, as the notebooks' setup() and the trainers use: `make test` runs a
# worker per core, and several threads per worker would only make them wait on each other.
torch.set_num_threads(1)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the units and the order of ``scheduling.py``."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_unit(nodeid, super()._split_scope)

        def _assign_work_unit(self, node) -> None:
            # The first unit of the lowest rank goes next (xdist hands out the queue's first).
            self.workqueue.move_to_end(min(self.workqueue, key=start_rank), last=False)
            super()._assign_work_unit(node)

    return CourseScheduling(config, log)


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected
def pytest_collection_modifyitems(items):
    """nbval's runs of the git appendix fail if they change the enclosing checkout (tests/enclosing_git.py)."""
    guard_appendix_runs(items)


@pytest.fixture(scope="session")
def _test_model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def _isolated_model_cache(_test_model_cache, monkeypatch):
    """Tests never read or write the learner's trained-model cache; they share one of their own."""
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(_test_model_cache))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def course_site(tmp_path_factory, _test_model_cache):
    """The whole static site with live frames, built once per run (tests/test_site.py, the browser test).

    Under pytest-xdist each worker has its own session, so the first worker to get here builds into a
    folder all workers share, under a file lock, and the others read its entries. Trained models come
    from the tests' own model cache, like every other test's.
    """
    import json
    import os
    import sys

    from filelock import FileLock

    sys.path.insert(0, str(ROOT / "tools"))
    import make_site

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out, done = shared / "course-site", shared / "course-site.json"
    with FileLock(str(shared / "course-site.lock")):
        if not done.exists():
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("COURSE_UTILS_CACHE", str(_test_model_cache))
                entries = make_site.build(out, log=lambda line: None)
            done.write_text(json.dumps(entries))
    return out, json.loads(done.read_text())
