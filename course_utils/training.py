"""Training utilities: reproducible seeds, device choice and a small fit loop."""

from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import numpy as np
import torch


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a ``torch.Generator`` seeded alike."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed_everything: seed must be a non-negative int; got {seed!r}")
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
    """Return ``preferred`` if given, else cuda, then mps, then cpu, whichever exists."""
    if preferred is not None:
        device = torch.device(preferred)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"pick_device: {preferred!r} was asked for, but CUDA is not available")
        return device
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
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"torch_threads: n must be a positive int or None; got {n!r}")
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
    ``seconds`` (wall time at the end of each epoch).
    """
    from tqdm.auto import tqdm

    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int; got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int; got {batch_size!r}")
    opt = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train_loss": [], "seconds": []}
    if x_valid is not None:
        history["valid_loss"] = []
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=desc, disable=not progress)
    for _ in bar:
        model.train()
        total, count = 0.0, 0
        for (batch,) in batches(x_train, batch_size, generator):
            loss = loss_fn(model, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
            count += len(batch)
        history["train_loss"].append(total / count)
        postfix = {"train": f"{total / count:.3f}"}
        if x_valid is not None:
            model.eval()
            with torch.no_grad():
                valid = loss_fn(model, x_valid).item()
            history["valid_loss"].append(valid)
            postfix["valid"] = f"{valid:.3f}"
        history["seconds"].append(time.perf_counter() - start)
        bar.set_postfix(postfix)
    model.eval()
    return history
