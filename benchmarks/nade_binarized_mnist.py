"""Reproduce NADE on Larochelle & Murray's binarized MNIST (50k / 10k / 10k).

Trains ``course_utils.models.nade.NADE`` (500 hidden units by default, raster
order) with Adam, evaluates the validation NLL after every epoch, keeps the
best model (early stopping: the learning rate is halved when the validation
NLL does not improve, training stops after ``--patience`` such epochs, after
``--max-epochs`` or when ``--max-minutes`` of training have passed, even
mid-epoch), and
reports its test NLL beside the 88.86 nats that Larochelle & Murray (2011)
report for NADE with 500 hidden units. Writes ``benchmarks/results/nade_binarized_mnist.json``.

    python benchmarks/nade_binarized_mnist.py --data-dir ../shared/data/binarized_mnist \\
        --device cuda --max-minutes 60

The data come through ``course_utils.data.load_binarized_mnist`` (SHA-256
verified); ``--download`` fetches them when missing.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from course_utils.data import BINARIZED_MNIST_SHA256, load_binarized_mnist
from course_utils.models.nade import NADE
from course_utils.training import batches, pick_device, seed_everything

PAPER_TEST_NLL = 88.86  # NADE, 500 hidden units, Larochelle & Murray (2011)
RESULTS = Path(__file__).resolve().parent / "results"


@torch.no_grad()
def mean_nll(model: NADE, x: torch.Tensor, batch_size: int = 1000) -> float:
    """Mean negative log-likelihood (nats per image) of ``x``."""
    model.eval()
    total = 0.0
    for start in range(0, len(x), batch_size):
        total += -model.log_prob(x[start:start + batch_size]).sum().item()
    return total / len(x)


def hardware(device: torch.device) -> dict:
    info = {"machine": platform.machine(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "device": str(device)}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    if hasattr(os, "getloadavg"):
        info["load_average_before"] = [round(v, 2) for v in os.getloadavg()]
    return info


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None,
                        help="folder with binarized_mnist_{train,valid,test}.amat[.gz]")
    parser.add_argument("--download", action="store_true", help="fetch missing files")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    parser.add_argument("--max-minutes", type=float, default=60.0,
                        help="stop training after this much wall time (checked after each batch)")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-epochs", type=int, default=500)
    parser.add_argument("--patience", type=int, default=5,
                        help="epochs without a better validation NLL before stopping")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on CPU")
    parser.add_argument("--out", type=Path, default=RESULTS / "nade_binarized_mnist.json")
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    seed_everything(args.seed)
    x_train = load_binarized_mnist("train", args.data_dir, download=args.download)
    x_valid = load_binarized_mnist("valid", args.data_dir, download=args.download)
    x_test = load_binarized_mnist("test", args.data_dir, download=args.download)
    x_train, x_valid, x_test = (t.to(device) for t in (x_train, x_valid, x_test))

    model = NADE(784, args.hidden).init_bias_from_data(x_train).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"epoch": [], "train_nll": [], "valid_nll": [], "lr": [], "seconds": []}
    best = {"valid_nll": float("inf"), "epoch": 0, "state": copy.deepcopy(model.state_dict())}
    stopped_because = "max_epochs"
    machine = hardware(device)  # load average before training
    start = time.perf_counter()
    cpu_start = time.process_time()
    budget = args.max_minutes * 60
    shuffle = torch.Generator().manual_seed(args.seed)
    epochs_done = 0.0
    for epoch in range(1, args.max_epochs + 1):
        model.train()
        total, seen = 0.0, 0
        for (batch,) in batches(x_train, args.batch_size, shuffle):
            loss = -model.log_prob(batch).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
            seen += len(batch)
            if time.perf_counter() - start > budget:
                stopped_because = "max_minutes"
                break
        epochs_done += seen / len(x_train)
        valid = mean_nll(model, x_valid)
        elapsed = time.perf_counter() - start
        history["epoch"].append(round(epochs_done, 3))
        history["train_nll"].append(round(total / seen, 4))
        history["valid_nll"].append(round(valid, 4))
        history["lr"].append(opt.param_groups[0]["lr"])
        history["seconds"].append(round(elapsed, 1))
        print(f"epoch {epochs_done:7.2f}  train {total / seen:8.3f}  valid {valid:8.3f}  "
              f"lr {opt.param_groups[0]['lr']:.2e}  {elapsed / 60:6.1f} min", flush=True)
        if valid < best["valid_nll"]:
            best = {"valid_nll": valid, "epoch": round(epochs_done, 3),
                    "state": copy.deepcopy(model.state_dict())}
        elif stopped_because != "max_minutes":
            for group in opt.param_groups:
                group["lr"] /= 2
            if epochs_done - best["epoch"] >= args.patience - 1e-9:
                stopped_because = "early_stopping"
                break
        if stopped_because == "max_minutes":
            break
    train_seconds = time.perf_counter() - start
    train_cpu_seconds = time.process_time() - cpu_start

    model.load_state_dict(best["state"])
    test = mean_nll(model, x_test)
    print(f"best epoch {best['epoch']}: valid {best['valid_nll']:.2f}, test {test:.2f} nats "
          f"(paper: {PAPER_TEST_NLL}); trained {train_seconds / 60:.1f} min, stopped: {stopped_because}")
    result = {
        "benchmark": "NADE on binarized MNIST (Larochelle & Murray 2011)",
        "data": {"name": "binarized MNIST (Larochelle & Murray 2011)",
                 "source": "course_utils.data.load_binarized_mnist (SHA-256 verified)",
                 "sha256": BINARIZED_MNIST_SHA256,
                 "sizes": {"train": len(x_train), "valid": len(x_valid), "test": len(x_test)}},
        "command": " ".join(["python", *sys.argv]),
        "hardware": machine,
        "torch": torch.__version__,
        "hyperparameters": {"n_hidden": args.hidden, "batch_size": args.batch_size, "lr": args.lr,
                            "optimizer": "Adam, lr halved when valid NLL does not improve",
                            "patience": args.patience, "max_epochs": args.max_epochs,
                            "max_minutes": args.max_minutes, "seed": args.seed,
                            "ordering": "raster"},
        "epochs": round(epochs_done, 3),
        "best_epoch": best["epoch"],
        "stopped_because": stopped_because,
        "wall_time_seconds": round(train_seconds, 1),
        "process_cpu_seconds": round(train_cpu_seconds, 1),
        "valid_nll": round(best["valid_nll"], 3),
        "test_nll": round(test, 3),
        "test_bits_per_dim": round(test / (784 * 0.6931471805599453), 4),
        "paper_test_nll": PAPER_TEST_NLL,
        "gap_to_paper_nats": round(test - PAPER_TEST_NLL, 3),
        "history": history,
    }
    if hasattr(os, "getloadavg"):
        result["hardware"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
