"""How ``make test`` shares the suite between its xdist workers (used by ``conftest.py``).

``--dist loadscope``: a unit of work runs whole, in order, on one worker; by default a test module, or a
notebook's cells for nbval. The long units are handed out first (``start_rank``), so that the short ones fill
the end and both workers finish together (xdist's own order, by number of tests, put the site's build and
browser test, over a minute of work in 22 tests, behind 1,610 quick ones).
"""

from __future__ import annotations

#: Modules that share one expensive session fixture are one unit, so a second worker never sits waiting
#: for the first one's build, or starts a server of its own:
SHARED_UNITS = {"tests/test_site.py": "course-site", "tests/browser/test_site_offline.py": "course-site",
                "tests/browser/test_sliders.py": "jupyterlab", "tests/browser/test_korean_lab.py": "jupyterlab"}
#: and each case of these tests (one executes a whole notebook) is a unit of its own, for both workers to share.
OWN_UNITS = ("tests/test_student.py::test_executed_student_copy_reports_each_exercise_not_yet_done",)


def scheduling_unit(nodeid: str, default) -> str:
    """The unit of work a test belongs to: ``default(nodeid)`` (xdist's module or class) unless named above."""
    if nodeid.split("[")[0] in OWN_UNITS:
        return nodeid
    return SHARED_UNITS.get(nodeid.split("::")[0]) or default(nodeid)


def start_rank(unit: str) -> int:
    """When a unit is handed out: 0 the shared builds and servers, 1 a whole notebook's run, 2 the rest."""
    if unit in SHARED_UNITS.values():
        return 0
    if unit.split("[")[0] in OWN_UNITS or unit.endswith(".ipynb"):
        return 1
    return 2
