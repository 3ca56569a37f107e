"""The yardstick the benchmarks share: reference units and a description of the machine.

``speed_ref.py`` (an unchanged copy of ``../shared/bench/speed_ref.py``) times a
fixed torch workload on one thread: one *reference unit*. Machines of one kind
differ by 2.5x or more, so every benchmark reports its times in seconds and in
units (seconds / the median unit measured right beside it, three runs before
and three after, each in a fresh process). Budgets are stated in units.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

SPEED_REF = Path(__file__).resolve().parent / "speed_ref.py"


def unit_runs(n: int = 3) -> list[float]:
    """Seconds of one reference unit, ``n`` times, each in a fresh Python process."""
    runs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, str(SPEED_REF)], capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip()))
    return runs


def machine() -> dict:
    """Cores, CPU capability torch uses (``ATEN_CPU_CAPABILITY`` honoured), torch and Python versions."""
    probe = "import torch; print(torch.backends.cpu.get_cpu_capability()); print(torch.__version__)"
    capability, torch_version = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                               check=True).stdout.split()
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    return {"cpus": os.cpu_count(), "cpu": cpu, "cpu_capability": capability,
            "aten_cpu_capability_env": os.environ.get("ATEN_CPU_CAPABILITY"), "torch": torch_version,
            "python": platform.python_version(), "platform": platform.platform()}


class Yardstick:
    """Collects the unit runs before and after a benchmark; converts seconds to units."""

    def __init__(self, n: int = 3):
        self.n = n
        self.before = unit_runs(n)
        self.after: list[float] = []

    def finish(self) -> None:
        self.after = unit_runs(self.n)

    @property
    def unit(self) -> float:
        """The median of every run so far, in seconds."""
        return statistics.median(self.before + self.after)

    def units(self, seconds: float) -> float:
        return round(seconds / self.unit, 4)

    def report(self) -> dict:
        return {"unit_seconds": round(self.unit, 4), "runs_before": self.before, "runs_after": self.after}


def describe(report: dict) -> str:
    """The machine and the unit of a benchmark's report, as the first line under a results file's title."""
    m, ref = report["machine"], report["reference"]
    forced = " (forced by ATEN_CPU_CAPABILITY)" if m.get("aten_cpu_capability_env") else ""
    runs = len(ref["runs_before"]) + len(ref["runs_after"])
    return (f"{m['cpus']} CPUs ({m['cpu']}), torch {m['torch']}, CPU capability {m['cpu_capability']}{forced}; "
            f"reference unit {ref['unit_seconds']:.3f} s (median of {runs} runs of `benchmarks/speed_ref.py`).")


def suffix() -> str:
    """``""`` natively, ``"-avx2"`` etc. when ``ATEN_CPU_CAPABILITY`` forces other kernels: results files differ."""
    forced = os.environ.get("ATEN_CPU_CAPABILITY", "").strip().lower()
    return f"-{forced}" if forced else ""
