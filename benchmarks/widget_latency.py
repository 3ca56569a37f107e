"""Callback latency of every slider in the course.

Builds each notebook's widgets as the notebook does (trained models come from
``course_utils.zoo``, trained once and cached), then moves every slider of
every widget 200 times across its range and times each move: the observer runs
the plain render function and swaps the image bytes, exactly what a learner's
move triggers in the kernel. Reports the median and 95th percentile per slider
against the 50 ms target; writes ``benchmarks/results/widget_latency.json``.

    python benchmarks/widget_latency.py [--moves 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_MS = 50.0


def _values(control, moves: int) -> list:
    """``moves`` values sweeping the control's range back and forth, each differing from the last."""
    lo, hi = control.min, control.max
    if isinstance(control.value, int):
        cycle = list(range(lo, hi + 1)) or [lo]
        cycle = cycle + cycle[-2:0:-1]
    else:
        grid = np.linspace(lo, hi, 41).tolist()
        cycle = grid + grid[-2:0:-1]
    values, k = [], 0
    while len(values) < moves:
        v = cycle[k % len(cycle)]
        if not values or v != values[-1]:
            values.append(v)
        k += 1
    return values


def time_box(box, moves: int) -> dict[str, dict]:
    out = {}
    for name, control in box.controls.items():
        if not hasattr(control, "min"):
            continue
        start_value = control.value
        times = []
        for v in _values(control, moves):
            t0 = time.perf_counter()
            control.value = v
            times.append((time.perf_counter() - t0) * 1000)
        control.value = start_value
        times.sort()
        out[name] = {"median_ms": round(statistics.median(times), 2),
                     "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                     "moves": len(times)}
    return out


def widgets_of_the_course():
    """(notebook, widget name, builder) for every slider widget in the course."""
    from course_utils import recipes, zoo
    from course_utils.data import load_mnist
    from course_utils.models import gan as gan_models
    from course_utils.widgets import counting, gan, git, latent, probability, sampling, tensors

    def nade_sampling():
        model, _ = zoo.trained("nade", progress=False)
        return sampling.sampling_slider(sampling.sampling_trace(model, torch.Generator().manual_seed(0)), play=False)

    def vae_explorer():
        model, _ = zoo.trained("vae_2d", progress=False)
        x, y = load_mnist("test")
        with torch.no_grad():
            mu, _ = model.encode(x)
        return latent.latent_explorer(model, codes=mu, labels=y)

    def gan_replay():  # as notebook 06 builds it
        data_1d = gan_models.two_gaussians_1d(means=(-2.0, 2.0), std=0.5)
        grid = np.linspace(-5, 5, 201)
        _, _, history = gan_models.train_toy_gan(recipes.GAN_1D, data_1d, snapshot_every=50,
                                                 snapshot=gan_models.density_snapshot_1d(grid), progress=False)
        return gan.replay_1d(gan.Replay1D.from_snapshots(history["snapshots"], grid, data_1d.density(grid)))

    def gan_code():
        ring = gan_models.ring_of_gaussians(n_modes=8, radius=2.0, std=0.02)
        generator, _, _ = gan_models.train_toy_gan(recipes.GAN_RING_INFO, ring, progress=False)
        return gan.code_explorer(gan.CodeSamples.from_generator(generator, ring.centers, n=300, run=0))

    def dcgan_path():
        model, _ = zoo.trained("dcgan", progress=False)
        return gan.latent_interpolation(gan.LatentPath.random(model.generator, n_pairs=6, seed=3))

    return [
        ("01", "likelihood_slider", probability.likelihood_slider),
        ("01", "law_of_large_numbers_slider", probability.law_of_large_numbers_slider),
        ("01", "clt_slider", probability.clt_slider),
        ("02", "stride_explorer", tensors.stride_explorer),
        ("03", "counting_widget", counting.counting_widget),
        ("04", "sampling_slider (NADE)", nade_sampling),
        ("05", "latent_explorer (2-D VAE)", vae_explorer),
        ("06", "replay_1d (1-D GAN training)", gan_replay),
        ("06", "code_explorer (InfoGAN on the ring)", gan_code),
        ("06", "latent_interpolation (DCGAN)", dcgan_path),
        ("A1", "replay_slider (feature branch)", lambda: git.replay_slider(git.FEATURE_BRANCH_STORY)),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows = []
    for notebook, name, build in widgets_of_the_course():
        box = build()
        for control, stats in time_box(box, args.moves).items():
            row = {"notebook": notebook, "widget": name, "slider": control, **stats,
                   "meets_target": stats["p95_ms"] < TARGET_MS}
            rows.append(row)
            print(f"{notebook:3} {name:34} {control:12} median {stats['median_ms']:7.2f} ms   "
                  f"p95 {stats['p95_ms']:7.2f} ms  {'ok' if row['meets_target'] else 'SLOW'}", flush=True)
    report = {
        "command": f"python benchmarks/widget_latency.py --moves {args.moves}",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__},
        "date": datetime.now().isoformat(timespec="seconds"),
        "target_ms": TARGET_MS,
        "sliders": rows,
        "all_meet_target": all(r["meets_target"] for r in rows),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "widget_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{sum(r['meets_target'] for r in rows)}/{len(rows)} sliders under {TARGET_MS:.0f} ms at the 95th percentile")


if __name__ == "__main__":
    main()
