"""The live-retrain path, model by model: training time in seconds and reference units, and quality.

A learner who sets ``course_utils.setup(live=True)`` trains every model of a
notebook in front of them. This trains each model of the zoo from its recipe
(``zoo.train``, exactly what live mode runs), times it, and scores the result
on the course's test data with the figure its notebook asserts:

* exact models: test NLL in nats (NADE, PixelCNN: per digit; RealNADE: per moons point);
* VAEs: the importance-weighted estimate -L_k (k = 100) and -ELBO, nats per digit;
* the classifier: test accuracy; the autoencoder: test squared error;
* the DCGAN: the Fréchet distance of 1,000 samples on the course's classifier;
* the ring GANs: modes captured (of 8) and high-quality share, mean over the 5 stacked runs.

The models issue 13 sets a quality target for (``TARGETS``) train ``--seeds``
times (default 3): the recipe's own seed first, which is exactly the live path,
then the next seeds; the report gives every seed, the mean and the verdict
against the target. The others train once. ``--shipped`` scores the shipped
weights instead of training (no times). Writes
``benchmarks/results/live_training.json`` (``-avx2`` etc. under ``ATEN_CPU_CAPABILITY``).

    python benchmarks/live_training.py [--seeds 3] [--shipped] [names ...]
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

RESULTS = Path(__file__).resolve().parent / "results"
#: Issue 13's quality targets: model -> (figure, "<=" or ">=", bound); a bound ("shipped", margin) is the
#: shipped weights' figure plus that margin.
TARGETS = {
    "nade": ("test_nll_nats", "<=", 95.0),
    "pixelcnn": ("test_nll_nats", "<=", ("shipped", 2.0)),
    "vae_20d": ("neg_iw_k100_nats", "<=", 95.0),
    "vae_2d": ("neg_iw_k100_nats", "<=", 150.0),
    "classifier": ("test_accuracy", ">=", 0.95),
    "dcgan": ("frechet", "<=", 80.0),
    "realnade_moons": ("test_nll_nats", "<=", ("shipped", 0.05)),
    "gan_ring": ("modes_captured_mean", "<=", 3.0),
    "gan_ring_packed": ("modes_captured_mean", ">=", 6.0),
    "gan_ring_info": ("modes_captured_mean", ">=", 7.0),
}


def quality(name: str, model, history: dict) -> dict:
    """The figure notebook assertions rest on, for one trained model."""
    from course_utils import zoo
    from course_utils.data import load_mnist
    from course_utils.evaluation import mode_coverage, sample_score
    from course_utils.zoo_entries import ring

    draw = lambda seed: torch.Generator().manual_seed(seed)  # noqa: E731
    with torch.no_grad():
        if name in ("nade", "pixelcnn", "realnade_moons"):
            return {"test_nll_nats": round(history["test_nll"], 3)}
        if name == "classifier":
            return {"test_accuracy": round(history["test_accuracy"], 4)}
        if name == "autoencoder":
            x_test, _ = load_mnist("test")
            return {"test_squared_error": round((model(x_test) - x_test).pow(2).sum(1).mean().item(), 2)}
        if name.startswith("vae"):
            x_test, _ = load_mnist("test", binarize=model.likelihood == "bernoulli")
            elbo = model.elbo(x_test, n_samples=10, generator=draw(0)).mean().item()
            iw = model.log_prob_iw(x_test, k=100, generator=draw(100)).mean().item()
            return {"neg_elbo_nats": round(-elbo, 2), "neg_iw_k100_nats": round(-iw, 2)}
        if name == "dcgan":
            classifier, _ = zoo.trained("classifier", progress=False)
            x_test, _ = load_mnist("test")
            score = sample_score(classifier, model.sample(1000, draw(1)), x_test)
            return {"frechet": round(score["frechet"], 2), "class_coverage": score["class_coverage"]}
        if name.startswith("gan_ring"):
            data = ring()
            runs = [mode_coverage(s, data.centers, data.std) for s in model.sample(2500, draw(1))]
            return {"modes_captured_mean": float(np.mean([r["modes_captured"] for r in runs])),
                    "high_quality_mean": round(float(np.mean([r["high_quality"] for r in runs])), 4)}
        if name == "gan_1d":
            return {}
    return {}


def bound(name: str) -> float:
    """The target's bound for ``name``; a relative one is the shipped weights' figure plus its margin."""
    from course_utils import zoo

    figure, _, limit = TARGETS[name]
    if isinstance(limit, tuple):
        model, history = zoo.trained(name, progress=False)
        return round(quality(name, model, history)[figure] + limit[1], 3)
    return limit


def verdict(name: str, runs: list[dict]) -> dict:
    """Mean and spread of the target's figure over the seeds, and whether the mean meets the target."""
    figure, sense, _ = TARGETS[name]
    values = [run[figure] for run in runs]
    mean = statistics.fmean(values)
    limit = bound(name)
    met = mean <= limit if sense == "<=" else mean >= limit
    return {"figure": figure, "target": f"{sense} {limit}", "mean": round(mean, 4),
            "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0, "met": met}


def main(argv: list[str] | None = None) -> None:
    from course_utils import zoo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seeds", type=int, default=3, help="training runs of each model with a quality target")
    parser.add_argument("--shipped", action="store_true", help="score the shipped weights; train nothing")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1; got {args.seeds}")
    registry = zoo.registry()
    names = args.names or list(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {sorted(registry)}")
    yardstick = Yardstick()
    rows = []
    for name in names:
        runs = []
        if args.shipped:
            model, history = zoo.trained(name, progress=False)
            runs.append({"seed": None, "train_seconds": None, **quality(name, model, history)})
        else:
            recipe = registry[name].get_recipe()
            for offset in range(args.seeds if name in TARGETS else 1):
                seed = recipe.seed + offset
                start = time.perf_counter()
                model, history = zoo.train(name, recipe=recipe.replace(seed=seed), progress=False)
                seconds = round(time.perf_counter() - start, 2)
                runs.append({"seed": seed, "train_seconds": seconds, **quality(name, model, history)})
                print(json.dumps({"model": name, **runs[-1]}), flush=True)
        row = {"model": name, "runs": runs}
        if name in TARGETS:
            row["target"] = verdict(name, runs)
            print(json.dumps({"model": name, **row["target"]}), flush=True)
        rows.append(row)
    yardstick.finish()
    for row in rows:
        for run in row["runs"]:
            if run["train_seconds"] is not None:
                run["train_units"] = yardstick.units(run["train_seconds"])
    report = {"command": "python benchmarks/live_training.py" + (" --shipped" if args.shipped else "")
                         + (f" --seeds {args.seeds}" if not args.shipped else "")
                         + "".join(f" {n}" for n in args.names),
              "machine": machine(), "date": datetime.now().isoformat(timespec="seconds"),
              "reference": yardstick.report(), "models": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"live_training{'-shipped' if args.shipped else ''}{suffix()}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    out.with_suffix(".md").write_text(table)
    print(table)
    print(f"unit {yardstick.unit:.3f} s; wrote {out}")


def markdown(report: dict) -> str:
    """One row per model: the live-retrain time of the course's recipe, the quality figures, the target."""
    lines = ["# Live retraining", "", describe(report), "",
             f"`{report['command']}`, {report['date']}. Each model trains on one thread (`zoo.train`, "
             "what `setup(live=True)` runs); the first seed is the course's recipe.", "",
             "| model | live-retrain s | units | quality (each seed) | target (mean of seeds) |",
             "|---|---:|---:|---|---|"]
    for row in report["models"]:
        first = row["runs"][0]
        figures = "; ".join(", ".join(f"{k} {v}" for k, v in run.items()
                                       if k not in ("seed", "train_seconds", "train_units")) or "—"
                            for run in row["runs"])
        target = row.get("target")
        verdict_text = (f"{target['figure']} {target['mean']} ± {target['std']} {target['target']}: "
                        f"{'met' if target['met'] else '**not met**'}") if target else "—"
        seconds = "—" if first["train_seconds"] is None else f"{first['train_seconds']:.1f}"
        units = "—" if first.get("train_units") is None else f"{first['train_units']:.1f}"
        lines.append(f"| {row['model']} | {seconds} | {units} | {figures} | {verdict_text} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
