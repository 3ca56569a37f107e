"""The course's model leaderboard on the shipped MNIST sample, over several seeds.

Every model is trained from its recipe in ``course_utils.recipes`` (with the
recipe's seed replaced by 0, 1, 2, ...), evaluated on the 1,000 test digits of
``load_mnist()``, and its samples are scored with the course's classifier-based
score (``course_utils.evaluation.sample_score``) on the course's one classifier
(``zoo.trained("classifier")``, the one notebooks 05 and 06 load):

* explicit models: test NLL in nats and bits/dim (independent, Markov of the
  recipe's order, NADE; for the VAEs the ELBO and the importance-weighted
  estimate with k = 1000, both bounds on the NLL);
* every model, the DCGAN included: class coverage, mean confidence and the
  Fréchet distance of 1,000 samples to the test digits;
* parameter count and training seconds.

Writes ``benchmarks/results/model_table.{json,md}`` with mean ± std over seeds.

    python benchmarks/model_table.py [--seeds 3] [--iw-k 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import torch

from course_utils import recipes, zoo
from course_utils.data import load_mnist
from course_utils.evaluation import bits_per_dim, sample_score
from course_utils.models import gan, nade, vae
from course_utils.models.baselines import IndependentBernoulli, MarkovBernoulli
from reference import Yardstick, describe, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
N_SAMPLES = 1000
PUBLISHED = "../shared/data/README.md (Larochelle & Murray 2011; Burda et al. 2016)"


def _n_params(model: torch.nn.Module) -> int:
    if hasattr(model, "num_parameters"):
        return int(model.num_parameters())
    return sum(p.numel() for p in model.parameters())


def _score(classifier, samples: torch.Tensor, reference: torch.Tensor) -> dict:
    s = sample_score(classifier, samples.clamp(0, 1), reference)
    return {"class_coverage": s["class_coverage"], "mean_confidence": s["mean_confidence"], "frechet": s["frechet"]}


def run_seed(seed: int, iw_k: int) -> dict[str, dict]:
    x_train, _ = load_mnist("train")
    x_test, _ = load_mnist("test")
    gen = torch.Generator().manual_seed(seed)
    classifier, _ = zoo.trained("classifier", progress=False)
    rows: dict[str, dict] = {}

    def explicit(name, model, seconds, nll, samples, **extra):
        rows[name] = {"nll": nll, "bits_per_dim": bits_per_dim(nll), "params": _n_params(model),
                      "train_seconds": seconds, **_score(classifier, samples, x_test), **extra}
        print(f"  seed {seed} {name:22} NLL {nll:7.2f}  {seconds:6.1f} s", flush=True)

    base = recipes.BASELINES
    for name, model in (("independent", IndependentBernoulli(784)),
                        (f"markov (order {base.markov_order})", MarkovBernoulli(784, order=base.markov_order))):
        start = time.perf_counter()
        model.fit(x_train, alpha=base.alpha)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            explicit(name, model, seconds, -model.log_prob(x_test).mean().item(), model.sample(N_SAMPLES, gen))

    model, history = nade.train_from_recipe(replace(recipes.NADE, seed=seed), progress=False)
    with torch.no_grad():
        explicit("NADE", model, history["seconds"], -model.log_prob(x_test).mean().item(), model.sample(N_SAMPLES, gen))

    for name, recipe in (("VAE 2-D", recipes.VAE_2D), ("VAE 20-D", recipes.VAE_20D)):
        model, history = vae.train_from_recipe(replace(recipe, seed=seed), progress=False)
        with torch.no_grad():
            elbo = model.elbo(x_test, generator=gen).mean().item()
            iw = model.log_prob_iw(x_test, k=iw_k, generator=gen).mean().item()
            samples = model.sample(N_SAMPLES, gen)
        seconds = history["seconds"] if isinstance(history["seconds"], (int, float)) else history["seconds"][-1]
        explicit(name, model, seconds, -iw, samples, nll_elbo=-elbo, nll_kind=f"IW k={iw_k} (ELBO also given)")

    model, history = gan.train_from_recipe(replace(recipes.DCGAN, seed=seed), progress=False)
    with torch.no_grad():
        samples = model.sample(N_SAMPLES, gen)
    seconds = history["seconds"] if isinstance(history["seconds"], (int, float)) else history["seconds"][-1]
    rows["DCGAN"] = {"nll": None, "bits_per_dim": None, "params": _n_params(model), "train_seconds": seconds,
                     **_score(classifier, samples, x_test)}
    print(f"  seed {seed} {'DCGAN':22} (implicit)       {seconds:6.1f} s", flush=True)
    return rows


def summarize(per_seed: list[dict[str, dict]]) -> dict[str, dict]:
    table = {}
    for name in per_seed[0]:
        table[name] = {}
        for key, value in per_seed[0][name].items():
            values = [run[name][key] for run in per_seed]
            if isinstance(value, (int, float)) and value is not None and not isinstance(value, bool):
                table[name][key] = {"mean": statistics.fmean(values),
                                    "std": statistics.stdev(values) if len(values) > 1 else 0.0}
            else:
                table[name][key] = value
    return table


def _pm(cell, fmt="{:.1f}") -> str:
    if cell is None:
        return "—"
    return f"{fmt.format(cell['mean'])} ± {fmt.format(cell['std'])}"


def markdown(report: dict) -> str:
    lines = [
        f"# Model table: the course's MNIST sample (4,000 train / 1,000 test), {report['seeds']} seeds",
        "",
        f"{describe(report)} {report['machine']['torch_threads']} torch threads; the whole table took "
        f"{report['wall_seconds']:.0f} s = {report['wall_units']:.0f} units.",
        "",
        "NLL in nats per image (lower is better); for the VAEs the importance-weighted estimate "
        f"with k = {report['iw_k']} (an upper bound on the NLL), the ELBO bound beside it. "
        "Sample scores come from the course's digit classifier (`zoo.trained(\"classifier\")`) on "
        f"{N_SAMPLES} samples: classes covered (of 10), mean confidence, Fréchet distance to the test digits.",
        "",
        "| model | test NLL (nats) | bits/dim | −ELBO (nats) | classes | confidence | Fréchet | parameters | train s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in report["table"].items():
        lines.append(
            f"| {name} | {_pm(row['nll'])} | {_pm(row['bits_per_dim'], '{:.3f}')} | {_pm(row.get('nll_elbo'))} "
            f"| {_pm(row['class_coverage'])} | {_pm(row['mean_confidence'], '{:.2f}')} | {_pm(row['frechet'], '{:.2f}')} "
            f"| {int(row['params']['mean']):,} | {_pm(row['train_seconds'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--iw-k", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    yardstick = Yardstick()
    start = time.perf_counter()
    per_seed = []
    for seed in range(args.seeds):
        print(f"seed {seed}", flush=True)
        per_seed.append(run_seed(seed, args.iw_k))
    wall = time.perf_counter() - start
    yardstick.finish()
    report = {
        "data": "course_utils.data.load_mnist (4,000 train / 1,000 test, binarized at 0.5)",
        "command": f"python benchmarks/model_table.py --seeds {args.seeds} --iw-k {args.iw_k}",
        "machine": {**machine(), "torch_threads": torch.get_num_threads()},
        "reference": yardstick.report(),
        "date": datetime.now().isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 1),
        "wall_units": yardstick.units(wall),
        "seeds": args.seeds,
        "iw_k": args.iw_k,
        "published_reference": PUBLISHED,
        "table": summarize(per_seed),
        "per_seed": per_seed,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "model_table.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "model_table.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
