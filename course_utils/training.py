"""Training utilities: reproducible seeds, device choice and a small fit loop."""

from __future__ import annotations

import math
import os
import random
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from . import validation as V


class Diverged(FloatingPointError):
    """Training stopped because a loss became NaN or infinite (the message names the epoch or step)."""


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a ``torch.Generator`` seeded alike."""
    seed = V.integer("seed_everything", "seed", seed, minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    return torch.Generator().manual_seed(seed)


@contextmanager
def init_rng(seed: int) -> Iterator[torch.Generator]:
    """Seed Python, NumPy and torch for the block, then restore the caller's random state.

    ``with init_rng(recipe.seed) as generator: model, history = train(...)`` makes a
    training run reproducible (the same weights every time) without moving the
    random numbers a notebook draws afterwards, whether or not the block ran.
    Yields a ``torch.Generator`` seeded alike, for shuffling.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"init_rng expects seed to be a non-negative int; got {seed!r}")
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        try:
            yield torch.Generator().manual_seed(seed)
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def pick_device(preferred: str | None = None) -> torch.device:
    """Return ``preferred`` if given (it must exist here), else cuda, then mps, then cpu, whichever exists."""
    if preferred is not None:
        return V.device("pick_device", preferred, "preferred")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block on ``n`` torch intra-op threads, then restore the setting.

    The course's trainers use one thread: small models gain nothing from more, a
    busy machine makes threads wait on each other, and results then do not depend
    on the machine's core count. ``None`` leaves the setting alone.
    """
    if n is not None:
        n = V.positive_int("torch_threads", "n", n)
    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def batches(
    x: torch.Tensor, batch_size: int, generator: torch.Generator | None = None, *extra: torch.Tensor
) -> Iterable[tuple[torch.Tensor, ...]]:
    """Yield shuffled minibatches of ``x`` (and of tensors in ``extra`` alike)."""
    x = V.tensor("batches", "x", x, "a torch.Tensor of examples, one per row")
    if x.dim() == 0:
        V.fail("batches", "x", "a torch.Tensor of examples, one per row", "a 0-d tensor")
    batch_size = V.positive_int("batches", "batch_size", batch_size)
    V.generator("batches", generator)
    for i, t in enumerate(extra):
        t = V.tensor("batches", "extra", t, f"tensors with {len(x)} rows like x")
        if t.dim() == 0 or len(t) != len(x):
            V.fail("batches", "extra", f"tensors with {len(x)} rows like x", f"shape {tuple(t.shape)} (extra[{i}])")
    return _batches(x, batch_size, generator, extra)


def _batches(x, batch_size, generator, extra):
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        yield (x[idx], *(t[idx] for t in extra))


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor],
    x_train: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 100,
    lr: float = 1e-3,
    optimizer: torch.optim.Optimizer | None = None,
    x_valid: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    progress: bool = True,
    desc: str = "training",
) -> dict[str, list[float]]:
    """Minimize ``loss_fn(model, batch)`` (a scalar) with Adam over minibatches.

    Returns the history: ``train_loss`` (mean over each epoch), ``valid_loss``
    (when ``x_valid`` is given, evaluated without gradients after each epoch) and
    ``seconds`` (wall time at the end of each epoch). A loss that becomes NaN or
    infinite stops training with ``Diverged``, naming the epoch.
    """
    from tqdm.auto import tqdm

    if not isinstance(model, torch.nn.Module):
        V.fail("fit", "model", "a torch.nn.Module", V.type_name(model), TypeError)
    V.function("fit", "loss_fn", loss_fn, "loss_fn(model, batch) -> scalar tensor")
    x_train = _data("fit", "x_train", x_train)
    if x_valid is not None:
        x_valid = _data("fit", "x_valid", x_valid)
    epochs = V.positive_int("fit", "epochs", epochs)
    batch_size = V.positive_int("fit", "batch_size", batch_size)
    lr = V.positive("fit", "lr", lr)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        V.fail("fit", "optimizer", "a torch.optim.Optimizer or None", V.type_name(optimizer), TypeError)
    V.generator("fit", generator)
    opt = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train_loss": [], "seconds": []}
    if x_valid is not None:
        history["valid_loss"] = []
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=desc, disable=not progress)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for (batch,) in _batches(x_train, batch_size, generator, ()):
            loss = loss_fn(model, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = loss.item()
            if not math.isfinite(value):
                raise Diverged(
                    f"fit stopped in epoch {epoch + 1} of {epochs}: the training loss became {value} "
                    f"(after {count} examples of this epoch). Check x_train for NaN, or lower lr (now {lr})."
                )
            total += value * len(batch)
            count += len(batch)
        history["train_loss"].append(total / count)
        postfix = {"train": f"{total / count:.3f}"}
        if x_valid is not None:
            model.eval()
            with torch.no_grad():
                valid = loss_fn(model, x_valid).item()
            if not math.isfinite(valid):
                raise Diverged(f"fit stopped after epoch {epoch + 1} of {epochs}: the validation loss is {valid}. "
                               "Check x_valid for NaN.")
            history["valid_loss"].append(valid)
            postfix["valid"] = f"{valid:.3f}"
        history["seconds"].append(time.perf_counter() - start)
        bar.set_postfix(postfix)
    model.eval()
    return history


def _data(where: str, name: str, x) -> torch.Tensor:
    """A non-empty tensor of examples, one per row, with finite values."""
    expected = "a non-empty torch.Tensor of examples (one per row) with finite values"
    x = V.tensor(where, name, x, expected)
    if x.dim() == 0 or len(x) == 0:
        V.fail(where, name, expected, f"shape {tuple(x.shape)}")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        V.fail(where, name, expected, "NaN or inf")
    return x
