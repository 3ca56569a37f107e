"""Time the whole course as a learner's first pass meets it.

Executes every notebook in order, each in a fresh kernel (nbclient), with an
empty trained-model cache (so notebook 04 trains NADE and later notebooks reuse
it, as on a first pass). Records each notebook's and each cell's wall time and
the kernel's peak resident memory, and writes
``benchmarks/results/course_timing.json`` and ``course_timing.md``.

    python benchmarks/course_timing.py [notebooks/04_nade.ipynb ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
GOAL_SECONDS = 300
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
    lines = [
        f"# Course timing ({report['machine']['cpus']} CPUs, torch {report['machine']['torch']})",
        "",
        f"Whole course: **{report['total_seconds']:.1f} s** (goal: under {GOAL_SECONDS} s).",
        "",
        "| notebook | wall time (s) | peak memory (MB) |",
        "|---|---:|---:|",
        *[f"| {nb['notebook']} | {nb['wall_seconds']:.1f} | {nb['peak_rss_mb']:.0f} |" for nb in report["notebooks"]],
        "",
        f"## The {n} slowest cells",
        "",
        "| notebook | cell | seconds | first line |",
        "|---|---:|---:|---|",
    ]
    cells = [(nb["notebook"], c) for nb in report["notebooks"] for c in nb["cells"]]
    for name, c in sorted(cells, key=lambda t: -t[1]["seconds"])[:n]:
        lines.append(f"| {name} | {c['index']} | {c['seconds']:.2f} | `{c['first_line'].replace('|', '/')}` |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    import torch

    with tempfile.TemporaryDirectory() as cache:
        os.environ["COURSE_UTILS_CACHE"] = cache  # a first pass: nothing trained yet
        results = []
        for path in paths:
            result = time_notebook(path)
            print(f"{result['notebook']:36} {result['wall_seconds']:7.1f} s  peak {result['peak_rss_mb']:6.0f} MB", flush=True)
            results.append(result)
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "torch": torch.__version__, "torch_threads": torch.get_num_threads()},
        "date": datetime.now().isoformat(timespec="seconds"),
        "command": "python benchmarks/course_timing.py " + " ".join(str(p) for p in args.notebooks),
        "total_seconds": round(sum(r["wall_seconds"] for r in results), 2),
        "goal_seconds": GOAL_SECONDS,
        "notebooks": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "course_timing.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "course_timing.md").write_text(markdown(report))
    print(f"total {report['total_seconds']:.1f} s (goal {GOAL_SECONDS} s); wrote {args.out}/course_timing.{{json,md}}")


if __name__ == "__main__":
    main()
