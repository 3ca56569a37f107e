"""Training a GAN: Algorithm 1 of Goodfellow et al. (2014), one D step then one G step.

``train_gan`` takes the networks, the data and keyword settings; the settings
are checked once and travel as one ``GANTrainConfig`` to the loop.
``density_snapshot_1d`` records a 1-D GAN's densities for the replay widget.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from ... import validation as V
from ...training import Diverged, torch_threads
from .losses import discriminator_loss, generator_loss, info_loss

__all__ = ["GANTrainConfig", "train_gan", "density_snapshot_1d"]

Snapshot = Callable[[int, nn.Module, nn.Module], object]


@dataclass(frozen=True)
class GANTrainConfig:
    """Every setting of ``train_gan``, checked once on construction (see ``train_gan``)."""

    steps: int
    batch_size: int = 64
    lr: float = 2e-4
    lr_d: float | None = None
    betas: tuple[float, float] = (0.5, 0.999)
    non_saturating: bool = True
    info_weight: float = 1.0
    seed: int = 0
    snapshot_every: int | None = None
    snapshot: Snapshot | None = None
    progress: bool = True
    desc: str = "GAN"
    threads: int | None = 1

    def __post_init__(self):
        w = "train_gan"
        V.positive_int(w, "steps", self.steps)
        V.positive_int(w, "batch_size", self.batch_size)
        V.positive(w, "lr", self.lr)
        if self.lr_d is not None:
            V.positive(w, "lr_d", self.lr_d)
        betas, expected = self.betas, "a pair (beta1, beta2) of numbers in [0, 1)"
        if not isinstance(betas, (tuple, list)):
            V.fail(w, "betas", expected, V.type_name(betas), TypeError)
        if len(betas) != 2:
            V.fail(w, "betas", expected, f"{len(betas)} numbers: {tuple(betas)!r}")
        for b in betas:
            V.number(w, "betas", b, minimum=0.0, maximum=1.0, open_max=True, expected=expected)
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))
        V.flag(w, "non_saturating", self.non_saturating)
        V.number(w, "info_weight", self.info_weight, minimum=0.0)
        V.integer(w, "seed", self.seed, minimum=0)
        if self.snapshot_every is not None:
            V.positive_int(w, "snapshot_every", self.snapshot_every)
        if self.snapshot is not None:
            V.function(w, "snapshot", self.snapshot, "snapshot(step, generator, discriminator)")
        V.flag(w, "progress", self.progress)
        V.text(w, "desc", self.desc)
        if self.threads is not None:
            V.positive_int(w, "threads", self.threads)


def _check_data(data, batch_size: int, n_dims: int | None):
    """A (N, d) tensor of finite values with N >= batch_size, or a sampler(n, generator)."""
    if callable(data) and not isinstance(data, torch.Tensor):
        return data
    width = "d" if n_dims is None else str(n_dims)
    expected = f"a (N, {width}) tensor of finite values with N >= batch_size={batch_size}, or a sampler(n, generator)"
    if not isinstance(data, torch.Tensor):
        V.fail("train_gan", "data", expected, V.type_name(data), TypeError)
    if data.dim() != 2 or (n_dims is not None and data.shape[1] != n_dims) or len(data) < batch_size:
        V.fail("train_gan", "data", expected, f"shape {tuple(data.shape)}")
    return V.batch("train_gan", data, data.shape[1], values="real", name="data")


def _data_stream(data, batch_size: int, generator: torch.Generator):
    """Endless minibatches: shuffled epochs of a tensor, or calls to a sampler."""
    if isinstance(data, torch.Tensor):
        while True:
            order = torch.randperm(len(data), generator=generator)
            for start in range(0, len(data) - batch_size + 1, batch_size):
                yield data[order[start : start + batch_size]]
    else:
        while True:
            yield data(batch_size, generator)


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    data: torch.Tensor | Callable[[int, torch.Generator], torch.Tensor],
    *,
    steps: int,
    batch_size: int = 64,
    lr: float = 2e-4,
    lr_d: float | None = None,
    betas: tuple[float, float] = (0.5, 0.999),
    non_saturating: bool = True,
    info_weight: float = 1.0,
    seed: int = 0,
    snapshot_every: int | None = None,
    snapshot: Snapshot | None = None,
    progress: bool = True,
    desc: str = "GAN",
    threads: int | None = 1,
) -> dict:
    """Alternate one discriminator step and one generator step, ``steps`` times (Algorithm 1).

    Adam with ``betas`` updates G with ``lr`` and D with ``lr_d`` (default: ``lr``).
    ``data`` is a (N, d) tensor (read in shuffled epochs) or a sampler
    ``data(n, generator) -> (n, d)``. All randomness (minibatches, z, codes) comes
    from a ``torch.Generator`` seeded with ``seed``, so a run is reproducible.
    With an InfoGAN generator (``n_code > 0``) the discriminator must have a code
    head, and ``info_weight * info_loss`` is added to both players' losses.

    Stacked runs (``n_runs = R`` on both networks) train R independent GANs at
    once; each run draws its own minibatch, and the losses are averaged over runs
    (Adam's updates are invariant to that 1/R scale, up to its epsilon).

    With ``snapshot_every = k`` the loop calls ``snapshot(step, G, D)`` at step 0
    and every k steps (default: deep copies of both state dicts) and keeps the
    results in ``history["snapshots"]`` as (step, value) pairs.

    ``threads`` sets torch's intra-op threads for the duration of training (the
    previous setting is restored; None leaves it alone). One thread makes the
    sums, hence the results, independent of the machine's core count, and the
    small operations of these networks gain little from more threads while a
    busy machine makes threads wait for each other (ten times slower, measured
    on a loaded 2-core machine).

    Returns a history: per-step ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake``
    (mean D on the minibatch), ``info_loss`` when used, ``seconds`` (wall time).
    """
    config = GANTrainConfig(steps, batch_size, lr, lr_d, betas, non_saturating, info_weight, seed,
                            snapshot_every, snapshot, progress, desc, threads)
    for name, net in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(net, nn.Module):
            V.fail("train_gan", name, "an nn.Module (e.g. gan.MLPGenerator / gan.MLPDiscriminator)", V.type_name(net), TypeError)
    n_code = getattr(generator, "n_code", 0)
    if n_code and getattr(discriminator, "q_head", None) is None:
        V.fail("train_gan", "discriminator", "a code head (n_code > 0), since the generator has an InfoGAN code",
               "one without a code head")
    n_runs = getattr(generator, "n_runs", None)
    if n_runs != getattr(discriminator, "n_runs", None):
        V.fail("train_gan", "generator+discriminator", "networks that stack the same number of runs",
               f"n_runs={n_runs} and {getattr(discriminator, 'n_runs', None)}")
    pack = getattr(discriminator, "pack", 1)
    if config.batch_size % pack:
        V.fail("train_gan", "batch_size", f"a multiple of the discriminator's pack={pack}", repr(config.batch_size))
    data = _check_data(data, config.batch_size, getattr(discriminator, "n_in", None))
    with torch_threads(config.threads):
        return _train_gan_loop(generator, discriminator, data, config, n_code, n_runs)


def _default_snapshot(step, g, d):
    """Deep copies of both players' weights."""
    return {"generator": copy.deepcopy(g.state_dict()), "discriminator": copy.deepcopy(d.state_dict())}


def _train_gan_loop(generator, discriminator, data, config: GANTrainConfig, n_code: int, n_runs: int | None) -> dict:
    from tqdm.auto import tqdm

    steps, batch_size, lr, lr_d, betas = config.steps, config.batch_size, config.lr, config.lr_d, config.betas
    non_saturating, info_weight, seed = config.non_saturating, config.info_weight, config.seed
    snapshot_every, snapshot = config.snapshot_every, config.snapshot or _default_snapshot
    progress, desc = config.progress, config.desc
    rng = torch.Generator().manual_seed(seed)
    device = next(generator.parameters()).device
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr if lr_d is None else lr_d, betas=betas)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
    stream = _data_stream(data, batch_size, rng)
    keys = ["d_loss", "g_loss", "d_real", "d_fake"] + (["info_loss"] if n_code else [])
    history: dict = {k: [] for k in keys}
    if snapshot_every is not None:
        history["snapshots"] = []
    generator.train()
    discriminator.train()
    start = time.perf_counter()
    bar = tqdm(range(steps), desc=desc, disable=not progress, mininterval=0.5)
    for step in bar:
        if snapshot_every is not None and step % snapshot_every == 0:
            history["snapshots"].append((step, snapshot(step, generator, discriminator)))
        if n_runs is None:
            x_real = next(stream).to(device)
        else:  # one independent minibatch per stacked run
            x_real = torch.stack([next(stream) for _ in range(n_runs)]).to(device)
        z, c = generator.latent(batch_size, rng)

        # Discriminator step: maximize V, i.e. minimize -V (and L_I for Q).
        fake = generator(z, c)
        if n_code:
            real_logits = discriminator(x_real)
            fake_logits, code_logits = discriminator.forward_with_code(fake.detach())
            loss_i = info_loss(code_logits, c)
            loss_d = discriminator_loss(real_logits, fake_logits) + info_weight * loss_i
        else:
            real_logits = discriminator(x_real)
            fake_logits = discriminator(fake.detach())
            loss_d = discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

        # Generator step on the same z: fool the updated D (and keep c readable).
        if n_code:
            fake_logits_g, code_logits_g = discriminator.forward_with_code(fake)
            loss_g = generator_loss(fake_logits_g, non_saturating) + info_weight * info_loss(code_logits_g, c)
        else:
            fake_logits_g = discriminator(fake)
            loss_g = generator_loss(fake_logits_g, non_saturating)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        with torch.no_grad():
            d_value, g_value = loss_d.item(), loss_g.item()
            if not (math.isfinite(d_value) and math.isfinite(g_value)):
                raise Diverged(f"train_gan diverged at step {step + 1} of {steps}: the discriminator loss is {d_value}, "
                               f"the generator loss {g_value}. Lower lr (now {lr}) or check the data for NaN.")
            history["d_loss"].append(d_value)
            history["g_loss"].append(g_value)
            history["d_real"].append(torch.sigmoid(real_logits).mean().item())
            history["d_fake"].append(torch.sigmoid(fake_logits).mean().item())
            if n_code:
                history["info_loss"].append(loss_i.item())
        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.3f}", g=f"{loss_g.item():.3f}")
    if snapshot_every is not None:
        history["snapshots"].append((steps, snapshot(steps, generator, discriminator)))
    generator.eval()
    discriminator.eval()
    history["seconds"] = time.perf_counter() - start
    return history


def density_snapshot_1d(grid, n_samples: int = 20_000, seed: int = 0):
    """A ``snapshot`` function for ``train_gan`` on 1-D data.

    It records, on ``grid`` (equally spaced), the generator's density
    (a histogram of ``n_samples`` draws from the same z every time, so the replay
    is smooth) and D(x). Values are float32 NumPy arrays: {"p_g", "d"}.
    """
    expected = "an increasing, equally spaced 1-D array of at least 3 finite points"
    grid = V.array("density_snapshot_1d", "grid", grid, ndim=1, expected=expected)
    if len(grid) < 3:
        V.fail("density_snapshot_1d", "grid", expected, f"{len(grid)} points")
    steps = np.diff(grid)
    if not np.all(steps > 0) or not np.allclose(steps, steps[0], rtol=1e-6):
        V.fail("density_snapshot_1d", "grid", expected, "a grid that is not increasing evenly")
    n_samples = V.positive_int("density_snapshot_1d", "n_samples", n_samples)
    seed = V.integer("density_snapshot_1d", "seed", seed, minimum=0)
    dx = grid[1] - grid[0]
    edges = np.concatenate([grid - dx / 2, [grid[-1] + dx / 2]])
    z_seed = seed

    @torch.no_grad()
    def snapshot(step: int, g: nn.Module, d: nn.Module) -> dict:
        was_g, was_d = g.training, d.training
        g.eval(), d.eval()
        z, c = g.latent(n_samples, torch.Generator().manual_seed(z_seed))
        x = g(z, c).squeeze(1).double().numpy()
        counts, _ = np.histogram(x, bins=edges)
        p_g = counts / (n_samples * dx)
        d_grid = torch.sigmoid(d(torch.as_tensor(grid, dtype=torch.float32)[:, None])).numpy()
        g.train(was_g), d.train(was_d)
        return {"p_g": p_g.astype(np.float32), "d": d_grid.astype(np.float32)}

    return snapshot
