"""Callback latency of every slider in the course, in milliseconds and reference units.

Builds each notebook's widgets as the notebook does (trained models come from
``course_utils.zoo``), then times, for every slider: the **first move** after
the widget is built and shown (a fresh widget per slider, so caches are cold),
and then 200 moves across its range: the observer runs the plain render
function and swaps the image bytes, exactly what a learner's move triggers in
the kernel. Reports the median and 95th percentile per slider against the
budgets in reference units (``reference.py``: three unit runs before, three
after); writes ``benchmarks/results/widget_latency.json`` and ``.md`` (``-avx2`` under
``ATEN_CPU_CAPABILITY=avx2``).

    python benchmarks/widget_latency.py [--moves 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from reference import Yardstick, describe, machine, suffix

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: Budgets in reference units (issue 13): p95 and median of a move, and the first move after display.
P95_BUDGET_UNITS, MEDIAN_BUDGET_UNITS, FIRST_MOVE_BUDGET_UNITS = 0.045, 0.025, 0.06


def _values(control, moves: int) -> list:
    """``moves`` values sweeping the control's range back and forth, each differing from the last."""
    lo, hi = control.min, control.max
    if isinstance(control.value, int):
        cycle = list(range(lo, hi + 1)) or [lo]
        cycle = cycle + cycle[-2:0:-1]
    else:  # the slider's own steps, as a drag produces them (at most 41)
        grid = np.linspace(lo, hi, min(41, int(round((hi - lo) / control.step)) + 1)).tolist()
        cycle = grid + grid[-2:0:-1]
    values, k = [], 0
    while len(values) < moves:
        v = cycle[k % len(cycle)]
        if not values or v != values[-1]:
            values.append(v)
        k += 1
    return values


def _move(control, value) -> float:
    """Milliseconds for one move of ``control`` to ``value`` (the observer runs inside the assignment)."""
    t0 = time.perf_counter()
    control.value = value
    return (time.perf_counter() - t0) * 1000


def sliders(box) -> list[str]:
    return [name for name, control in box.controls.items() if hasattr(control, "min")]


def first_move_ms(build, name: str) -> float:
    """The first move of slider ``name`` on a freshly built widget: one step from where it starts,
    what a learner's first nudge after display triggers."""
    control = build().controls[name]
    up = control.value + control.step
    return _move(control, up if up <= control.max else control.value - control.step)


def time_box(box, moves: int) -> dict[str, dict]:
    out = {}
    for name in sliders(box):
        control = box.controls[name]
        start_value = control.value
        times = sorted(_move(control, v) for v in _values(control, moves))
        control.value = start_value
        out[name] = {"median_ms": round(statistics.median(times), 2),
                     "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                     "moves": len(times)}
    return out


def widgets_of_the_course():
    """(notebook, widget name, builder) for every slider widget in the course."""
    from course_utils import recipes, zoo
    from course_utils.data import load_mnist
    from course_utils.models.diffusion import DDPM
    from course_utils.widgets import counting, diffusion, flows, gan, git, latent, probability, sampling, tensors
    from course_utils.zoo_entries import ring, two_gaussians

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
        _, history = zoo.trained("gan_1d", progress=False)
        grid = np.array(history["grid"])
        return gan.replay_1d(gan.Replay1D.from_snapshots(history["snapshots"], grid, two_gaussians().density(grid)))

    def gan_code():
        generator, _ = zoo.trained("gan_ring_info", progress=False)
        return gan.code_explorer(gan.CodeSamples.from_generator(generator, ring().centers, n=300, run=0))

    def dcgan_path():
        model, _ = zoo.trained("dcgan", progress=False)
        return gan.latent_interpolation(gan.LatentPath.random(model.generator, n_pairs=6, seed=3))

    def diffusion_forward():  # as notebook 07 builds it: the digit model's schedule, six test digits
        schedule = DDPM(torch.nn.Identity(), 784, recipes.DDPM_MNIST.T, recipes.DDPM_MNIST.schedule)
        return diffusion.diffusion_slider(diffusion.forward_frames(schedule, load_mnist("test")[0][:6] * 2 - 1, seed=0))

    def diffusion_reverse():
        model, _ = zoo.trained("ddpm_mnist", progress=False)
        return diffusion.diffusion_slider(diffusion.reverse_frames(model, n=6, seed=0))

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
        ("07", "change_of_variables (1-D flow)", lambda: flows.change_of_variables(k=0.8)),
        ("07", "diffusion_slider (forward process)", diffusion_forward),
        ("07", "diffusion_slider (reverse process)", diffusion_reverse),
        ("A1", "replay_slider (feature branch)", lambda: git.replay_slider(git.FEATURE_BRANCH_STORY)),
    ]


def markdown(report: dict) -> str:
    """One row per slider: median, p95 and first move in ms and units, against the budgets."""
    b, rows = report["budgets_units"], report["sliders"]
    lines = ["# Slider latency", "", describe(report), "",
             f"`{report['command']}`, {report['date']}: the kernel-side callback of a move. Budgets: median "
             f"≤ {b['median']}, p95 ≤ {b['p95']}, first move ≤ {b['first_move']} units; "
             f"**{sum(r['within_budgets'] for r in rows)} of {len(rows)} sliders within them.**", "",
             "| notebook | widget | slider | median ms (units) | p95 ms (units) | first move ms (units) | within |",
             "|---|---|---|---:|---:|---:|---|"]
    for r in rows:
        cell = lambda key: f"{r[key + '_ms']:.1f} ({r[key + '_units']:.4f})"  # noqa: E731
        lines.append(f"| {r['notebook']} | {r['widget']} | {r['slider']} | {cell('median')} | {cell('p95')} "
                     f"| {cell('first_move')} | {'yes' if r['within_budgets'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import course_utils

    course_utils.setup(seed=0)  # as every notebook's setup cell: one torch thread, the course style
    yardstick = Yardstick()
    rows = []
    for notebook, name, build in widgets_of_the_course():
        box = build()
        first = {slider: first_move_ms(build, slider) for slider in sliders(box)}
        for control, stats in time_box(box, args.moves).items():
            rows.append({"notebook": notebook, "widget": name, "slider": control, **stats,
                         "first_move_ms": round(first[control], 2)})
            print(f"{notebook:3} {name:34} {control:12} median {stats['median_ms']:7.2f} ms   "
                  f"p95 {stats['p95_ms']:7.2f} ms   first {first[control]:7.2f} ms", flush=True)
    yardstick.finish()
    for row in rows:
        for key in ("median", "p95", "first_move"):
            row[f"{key}_units"] = yardstick.units(row[f"{key}_ms"] / 1000)
        row["within_budgets"] = (row["median_units"] <= MEDIAN_BUDGET_UNITS and row["p95_units"] <= P95_BUDGET_UNITS
                                 and row["first_move_units"] <= FIRST_MOVE_BUDGET_UNITS)
    report = {
        "command": f"python benchmarks/widget_latency.py --moves {args.moves}",
        "machine": machine(),
        "date": datetime.now().isoformat(timespec="seconds"),
        "reference": yardstick.report(),
        "budgets_units": {"median": MEDIAN_BUDGET_UNITS, "p95": P95_BUDGET_UNITS, "first_move": FIRST_MOVE_BUDGET_UNITS},
        "sliders": rows,
        "all_within_budgets": all(r["within_budgets"] for r in rows),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"widget_latency{suffix()}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(report))
    print(f"unit {yardstick.unit:.3f} s; {sum(r['within_budgets'] for r in rows)}/{len(rows)} sliders within budgets "
          f"(median <= {MEDIAN_BUDGET_UNITS}, p95 <= {P95_BUDGET_UNITS}, first move <= {FIRST_MOVE_BUDGET_UNITS} units); "
          f"wrote {out}")


if __name__ == "__main__":
    main()
