"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import torch

from paths import ROOT

matplotlib.use("Agg")
# One torch thread per test process, as the notebooks' setup() and the trainers use: `make test` runs a
# worker per core, and several threads per worker would only make them wait on each other.
torch.set_num_threads(1)

#: Scheduling under ``make test`` (``--dist loadscope``: a unit of work runs whole, in order, on one worker;
#: a test module, or a notebook's cells for nbval). Modules that share one expensive session fixture are
#: one unit, so a second worker never sits waiting for the first one's build, or starts its own server:
SHARED_UNITS = {"tests/test_site.py": "course-site", "tests/browser/test_site_offline.py": "course-site",
                "tests/browser/test_sliders.py": "jupyterlab", "tests/browser/test_korean_lab.py": "jupyterlab"}
#: and each case of these tests (one executes a whole notebook) is a unit of its own, for both workers to share.
OWN_UNITS = ("tests/test_student.py::test_executed_student_copy_reports_each_exercise_not_yet_done",)


def scheduling_unit(nodeid: str, default) -> str:
    """The unit of work a test belongs to: ``default(nodeid)`` (xdist's module or class) unless named above."""
    if nodeid.split("[")[0] in OWN_UNITS:
        return nodeid
    return SHARED_UNITS.get(nodeid.split("::")[0]) or default(nodeid)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the units above."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_unit(nodeid, super()._split_scope)

    return CourseScheduling(config, log)


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
