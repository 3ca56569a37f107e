"""Time the whole course as a learner's first pass meets it, in seconds and reference units.

Executes every notebook in order, each in a fresh kernel (nbclient), with an
empty trained-model cache: the default path loads the shipped weights, as a
learner's first pass does (``--live`` trains every model instead, the
live-retrain path). Records each notebook's and each cell's wall time and the
kernel's peak resident memory. The reference unit (``reference.py``) is
measured three times before and three times after; every time is also given in
units, against the budgets below. Writes ``benchmarks/results/course_timing.json``
and ``.md`` (``course_timing-avx2.*`` under ``ATEN_CPU_CAPABILITY=avx2``, ``-live`` with ``--live``).

    python benchmarks/course_timing.py [--live] [notebooks/04_nade.ipynb ...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from reference import Yardstick, describe, machine, suffix

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: Budgets in reference units (issue 13): the whole course, one notebook (07), one cell.
COURSE_BUDGET_UNITS = 160
NOTEBOOK_07_BUDGET_UNITS = 40
CELL_BUDGET_UNITS = 13
PEAK_RSS_CELL = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def _seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def time_notebook(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_RSS_CELL))
    client = NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    peak_kb = int(nb.cells[-1].outputs[0]["text"].strip())
    cells = [
        {"index": k, "seconds": round(_seconds(c), 3), "first_line": c.source.strip().splitlines()[0][:80]}
        for k, c in enumerate(nb.cells[:-1])
        if c.cell_type == "code" and c.source.strip()
    ]
    return {"notebook": path.name, "wall_seconds": round(wall, 2), "peak_rss_mb": round(peak_kb / 1024, 1),
            "cells": cells}


def markdown(report: dict, n: int = 10) -> str:
    m, unit = report["machine"], report["reference"]["unit_seconds"]
    total_units = report["total_seconds"] / unit
    lines = [
        f"# Course timing ({'live-retrain path' if report['live'] else 'default path, shipped weights'})",
        "",
        describe(report),
        "",
        f"Whole course: **{report['total_seconds']:.1f} s = {total_units:.0f} units** "
        f"(budget {COURSE_BUDGET_UNITS} units). Slowest cell: {report['slowest_cell_units']:.1f} units "
        f"(budget {CELL_BUDGET_UNITS}).",
        "",
        "| notebook | wall time (s) | units | peak memory (MB) |",
        "|---|---:|---:|---:|",
        *[f"| {nb['notebook']} | {nb['wall_seconds']:.1f} | {nb['wall_seconds'] / unit:.1f} | {nb['peak_rss_mb']:.0f} |"
          for nb in report["notebooks"]],
        "",
        f"## The {n} slowest cells",
        "",
        "| notebook | cell | seconds | units | first line |",
        "|---|---:|---:|---:|---|",
    ]
    cells = [(nb["notebook"], c) for nb in report["notebooks"] for c in nb["cells"]]
    for name, c in sorted(cells, key=lambda t: -t[1]["seconds"])[:n]:
        lines.append(f"| {name} | {c['index']} | {c['seconds']:.2f} | {c['seconds'] / unit:.2f} | "
                     f"`{c['first_line'].replace('|', '/')}` |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--live", action="store_true", help="train every model live (COURSE_UTILS_LIVE=1)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    yardstick = Yardstick()
    print(f"reference unit before: {yardstick.before}", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COURSE_UTILS_CACHE"] = cache  # a first pass: nothing cached yet
        if args.live:
            os.environ["COURSE_UTILS_LIVE"] = "1"
        results = []
        for path in paths:
            result = time_notebook(path)
            print(f"{result['notebook']:36} {result['wall_seconds']:7.1f} s  peak {result['peak_rss_mb']:6.0f} MB", flush=True)
            results.append(result)
    yardstick.finish()
    unit = yardstick.unit
    for result in results:
        result["wall_units"] = yardstick.units(result["wall_seconds"])
        for cell in result["cells"]:
            cell["units"] = yardstick.units(cell["seconds"])
    total = round(sum(r["wall_seconds"] for r in results), 2)
    slowest = max((c for r in results for c in r["cells"]), key=lambda c: c["seconds"])
    report = {
        "machine": machine(),
        "date": datetime.now().isoformat(timespec="seconds"),
        "command": "python benchmarks/course_timing.py" + (" --live" if args.live else "")
                   + "".join(f" {p}" for p in args.notebooks),
        "live": args.live,
        "reference": yardstick.report(),
        "total_seconds": total,
        "total_units": yardstick.units(total),
        "slowest_cell_units": slowest["units"],
        "budgets_units": {"course": COURSE_BUDGET_UNITS, "notebook_07": NOTEBOOK_07_BUDGET_UNITS,
                          "cell": CELL_BUDGET_UNITS},
        "within_budgets": {"course": total / unit <= COURSE_BUDGET_UNITS,
                           "cells": slowest["units"] <= CELL_BUDGET_UNITS},
        "notebooks": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "course_timing" + suffix() + ("-live" if args.live else "")
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(report))
    print(f"total {total:.1f} s = {total / unit:.1f} units (budget {COURSE_BUDGET_UNITS}); slowest cell "
          f"{slowest['units']:.1f} units (budget {CELL_BUDGET_UNITS}); unit {unit:.3f} s; wrote {args.out}/{stem}.{{json,md}}")


if __name__ == "__main__":
    main()
