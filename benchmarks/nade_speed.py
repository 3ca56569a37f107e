"""Training throughput of NADE implementations (log_prob + backward + Adam step).

Compares, at batch 100 on binarized MNIST-sized data (784 pixels):

* ``loop_recompute``: a Python loop over pixels that computes each h_i from
  W[:, <i] x_<i from scratch, O(H D^2) per example (the definition);
* ``loop_recurrence``: a Python loop over pixels that updates
  a_i = a_{i-1} + W[:, i-1] x_{i-1}, O(H D) but 784 small steps;
* ``autograd_cumsum``: the straightforward vectorization, a (B, D, H) tensor
  of W[:, j] x_j, ``cumsum`` over pixels, autograd for the backward pass;
* ``course_utils``: ``course_utils.models.nade.NADE`` (hand-written backward,
  position-major buffer reused between steps).

It also profiles the course_utils step by operator and measures the machine's
memory bandwidth, to say what limits it. Writes
``benchmarks/results/nade_speed.json`` and prints the ratios.

    python benchmarks/nade_speed.py                 # all threads torch uses
    python benchmarks/nade_speed.py --threads 1 --hidden 500 100
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from course_utils.data import load_mnist
from course_utils.models.nade import NADE

RESULTS = Path(__file__).resolve().parent / "results"


class LoopRecompute(torch.nn.Module):
    """h_i = sigmoid(c + W[:, :i] x[:, :i]) recomputed for every i (no weight sharing trick)."""

    def __init__(self, ref: NADE):
        super().__init__()
        for k in "WcVb":
            setattr(self, k, torch.nn.Parameter(getattr(ref, k).detach().clone()))

    def log_prob(self, x):
        logits = []
        for i in range(x.shape[1]):
            h = torch.sigmoid(self.c + x[:, :i] @ self.W[:, :i].t())
            logits.append(h @ self.V[i] + self.b[i])
        logits = torch.stack(logits, 1)
        return (x * logits - F.softplus(logits)).sum(1)


class LoopRecurrence(LoopRecompute):
    """a_i = a_{i-1} + W[:, i-1] x_{i-1} in a Python loop over pixels."""

    def log_prob(self, x):
        a = self.c.expand(x.shape[0], -1)
        logits = []
        for i in range(x.shape[1]):
            logits.append(torch.sigmoid(a) @ self.V[i] + self.b[i])
            a = a + x[:, i, None] * self.W[:, i]
        logits = torch.stack(logits, 1)
        return (x * logits - F.softplus(logits)).sum(1)


class AutogradCumsum(LoopRecompute):
    """The straightforward vectorization: a (B, D, H) tensor, cumsum, autograd."""

    def log_prob(self, x):
        steps = x[:, :, None] * self.W.t()[None]  # (B, D, H): W[:, j] x_j
        a = self.c + F.pad(steps.cumsum(1)[:, :-1], (0, 0, 1, 0))  # shift: sum over j < i
        logits = (torch.sigmoid(a) * self.V).sum(-1) + self.b
        return (x * logits - F.softplus(logits)).sum(1)


def training_step(model, xb: torch.Tensor):
    """One measured unit of work: log_prob + backward + Adam step on the batch ``xb``."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        loss = -model.log_prob(xb).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def throughput(model, x, batch_size: int, steps: int, repeats: int) -> dict:
    """Images per second of log_prob + backward + Adam step (best of ``repeats``)."""
    step = training_step(model, x[:batch_size])
    step()
    step()  # warm up
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        best_wall = min(best_wall, (time.perf_counter() - t0) / steps)
        best_cpu = min(best_cpu, (time.process_time() - c0) / steps)
    return {"ms_per_step_wall": round(best_wall * 1e3, 2), "ms_per_step_cpu": round(best_cpu * 1e3, 2),
            "images_per_s": round(batch_size / best_wall, 1)}


def memory_bandwidth_gb_s(n_floats: int = 1 << 25) -> float:
    """Copy bandwidth (read + write) of one large float32 tensor, GB/s (best of 5)."""
    a, b = torch.rand(n_floats), torch.empty(n_floats)
    b.copy_(a)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        b.copy_(a)
        best = min(best, time.perf_counter() - t0)
    return 2 * 4 * n_floats / best / 1e9


def profile_course_utils(model: NADE, x: torch.Tensor, batch_size: int) -> list[dict]:
    """Share of the step's CPU time per operator (top 8)."""
    from torch.profiler import ProfilerActivity, profile

    step = training_step(model, x[:batch_size])
    step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            step()
    events = [e for e in prof.key_averages()]
    total = sum(e.self_cpu_time_total for e in events)
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]
    return [{"op": e.key, "share": round(e.self_cpu_time_total / total, 3),
             "ms_per_step": round(e.self_cpu_time_total / 3 / 1e3, 2)} for e in top]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 100])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-recompute", action="store_true",
                        help="skip the O(H D^2) loop (the slowest)")
    parser.add_argument("--out", type=Path, default=RESULTS / "nade_speed.json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, _ = load_mnist("train")
    load_before = os.getloadavg()
    bandwidth = memory_bandwidth_gb_s()
    runs = []
    for hidden in args.hidden:
        ref = NADE(784, hidden).init_bias_from_data(x)
        impls = {"loop_recompute": LoopRecompute(ref), "loop_recurrence": LoopRecurrence(ref),
                 "autograd_cumsum": AutogradCumsum(ref), "course_utils": ref}
        if args.skip_recompute:
            del impls["loop_recompute"]
        with torch.no_grad():  # all four compute the same numbers
            expected = ref.log_prob(x[:10])
            for name, model in impls.items():
                torch.testing.assert_close(model.log_prob(x[:10]), expected, rtol=1e-4, atol=1e-3)
        row = {"n_hidden": hidden}
        for name, model in impls.items():
            steps = 1 if name == "loop_recompute" else args.steps
            row[name] = throughput(model, x, args.batch_size, steps, args.repeats)
            print(f"H={hidden:4d} {name:16s} {row[name]['images_per_s']:9.1f} images/s "
                  f"({row[name]['ms_per_step_wall']:.1f} ms/step wall, "
                  f"{row[name]['ms_per_step_cpu']:.1f} ms CPU)", flush=True)
        # Ratios of wall time and of process CPU time (the latter is steadier on a
        # shared machine, where wall time depends on what else runs).
        for kind, key in (("wall", "ms_per_step_wall"), ("cpu", "ms_per_step_cpu")):
            base = row["course_utils"][key]
            row[f"speedup_of_course_utils_{kind}"] = {
                name: round(row[name][key] / base, 2) for name in impls if name != "course_utils"}
            print(f"H={hidden:4d} course_utils is ({kind} time) " + ", ".join(
                f"{v}x faster than {k}" for k, v in row[f"speedup_of_course_utils_{kind}"].items()),
                flush=True)
        # What bounds it: bytes of the (D, B, H) float32 buffer per step.
        buffer_gb = 784 * args.batch_size * hidden * 4 / 1e9
        row["buffer_gb"] = round(buffer_gb, 4)
        row["ms_per_buffer_pass_at_copy_bandwidth"] = round(2 * buffer_gb / bandwidth * 1e3, 2)
        # CPU time of one step, in read+write passes over that buffer at copy bandwidth.
        row["buffer_passes_per_step_equivalent"] = round(
            row["course_utils"]["ms_per_step_cpu"] / row["ms_per_buffer_pass_at_copy_bandwidth"], 1)
        row["profile_course_utils"] = profile_course_utils(NADE(784, hidden), x, args.batch_size)
        runs.append(row)
    result = {
        "benchmark": "NADE training throughput: log_prob + backward + Adam step",
        "batch_size": args.batch_size,
        "n_dims": 784,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "hardware": {"machine": platform.machine(), "processor": platform.processor() or None,
                     "cpu_count": os.cpu_count(), "cpu_model": _cpu_model()},
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "copy_bandwidth_gb_s": round(bandwidth, 1),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return result


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


if __name__ == "__main__":
    main()
