"""Move-to-image latency of the latent-space explorer (notebook 05).

Moves a slider of ``latent_explorer`` many times and times each move from the
new ``.value`` to the new PNG bytes in ``box.image.value`` (the decode, the
marker on the latent map and the PNG encoding; the browser's own drawing is
not included). Target: under 50 ms per move. The model has the architecture of
``recipes.VAE_2D`` (untrained unless ``--trained``: the weights do not change the
cost) and the map shows 1,000 test codes.

    python benchmarks/latent_latency.py [--moves 200] [--trained] [--threads N]

Writes ``benchmarks/results/latent_latency.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from course_utils import recipes, zoo
from course_utils.data import load_mnist
from course_utils.models import vae
from course_utils.widgets.latent import latent_explorer, render_latent

RESULTS = Path(__file__).resolve().parent / "results" / "latent_latency.json"


def time_moves(box, name: str, values: list[float]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds from setting the slider to the new image bytes."""
    slider = box.controls[name]
    wall, cpu = [], []
    for v in values:
        before = box.image.value
        start, start_cpu = time.perf_counter(), time.process_time()
        slider.value = v
        after = box.image.value
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert after is not before
    return wall, cpu


def summary(times: tuple[list[float], list[float]]) -> dict:
    ordered, cpu = sorted(times[0]), times[1]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "mean_cpu_ms": round(statistics.fmean(cpu), 2),  # process CPU time: less sensitive to other load
        "moves": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--trained", action="store_true", help="use zoo.trained('vae_2d') (trains it if not cached)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = zoo.trained("vae_2d", progress=False)[0] if args.trained else vae.build_from_recipe(recipes.VAE_2D).eval()
    x_test, y_test = load_mnist("test")
    with torch.no_grad():
        codes = model.encode(x_test)[0]
    values = [(-2.5 + 5.0 * ((i * 37) % 101) / 100) for i in range(args.moves)]  # scattered, never repeating twice

    results = {}
    start = time.perf_counter()
    render_latent(model, torch.zeros(2))
    results["first_render_ms"] = round((time.perf_counter() - start) * 1000, 2)
    start = time.perf_counter()
    box = latent_explorer(model, codes=codes, labels=y_test)
    results["build_with_map_ms"] = round((time.perf_counter() - start) * 1000, 2)
    results["move_with_map"] = summary(time_moves(box, "z0", values))
    box_plain = latent_explorer(model)
    results["move_without_map"] = summary(time_moves(box_plain, "z1", values))

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    # wall-clock times include waiting for the CPU when the machine is busy: see load_average_at_end
    record = {
        "benchmark": "latent explorer move-to-image latency",
        "target_ms": 50,
        "meets_target": results["move_with_map"]["p95_ms"] < 50,
        "results": results,
        "model": {"recipe": "VAE_2D", **recipes.VAE_2D.as_dict(), "trained": args.trained},
        "command": "python " + " ".join(sys.argv),
        "hardware": {
            "machine": platform.machine(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average_at_end": [round(v, 2) for v in load] if load else None,
        },
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record["results"], indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
