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

``--shipped`` scores the shipped weights instead of training (no times).
Writes ``benchmarks/results/live_training.json`` (``-avx2`` etc. under ``ATEN_CPU_CAPABILITY``).

    python benchmarks/live_training.py [--shipped] [names ...]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from reference import Yardstick, machine, suffix

RESULTS = Path(__file__).resolve().parent / "results"


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


def main(argv: list[str] | None = None) -> None:
    from course_utils import zoo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--shipped", action="store_true", help="score the shipped weights; train nothing")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = args.names or list(zoo.registry())
    yardstick = Yardstick()
    rows = []
    for name in names:
        if args.shipped:
            model, history = zoo.trained(name, progress=False)
            seconds = None
        else:
            start = time.perf_counter()
            model, history = zoo.train(name, progress=False)
            seconds = round(time.perf_counter() - start, 2)
        row = {"model": name, "train_seconds": seconds, **quality(name, model, history)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    yardstick.finish()
    for row in rows:
        if row["train_seconds"] is not None:
            row["train_units"] = yardstick.units(row["train_seconds"])
    report = {"command": "python benchmarks/live_training.py" + (" --shipped" if args.shipped else "")
                         + "".join(f" {n}" for n in args.names),
              "machine": machine(), "date": datetime.now().isoformat(timespec="seconds"),
              "reference": yardstick.report(), "models": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"live_training{'-shipped' if args.shipped else ''}{suffix()}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"unit {yardstick.unit:.3f} s; wrote {out}")


if __name__ == "__main__":
    main()
