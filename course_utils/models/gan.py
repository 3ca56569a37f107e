"""Generative adversarial networks and the theory that explains them.

A GAN (Goodfellow et al., 2014) trains a generator G against a discriminator D
in the two-player game

    min_G max_D V(D, G) = E_{x~p_data}[log D(x)] + E_{z~p_z}[log(1 - D(G(z)))].   (1)

This module holds

* networks: ``MLPGenerator`` / ``MLPDiscriminator`` for 1-D and 2-D toy data
  (the discriminator can *pack* several samples, PacGAN, Lin et al. 2018; with
  ``n_runs`` several independent runs are stacked, ``StackedLinear``), and
  ``DCGenerator`` / ``DCDiscriminator`` for 28x28 digits (DCGAN, Radford et
  al. 2016); both kinds take an optional InfoGAN categorical code (Chen et al. 2016);
* the losses ``discriminator_loss``, ``generator_loss`` and ``info_loss``, on logits;
* ``train_gan``, the alternating loop, which can keep snapshots for replay, and
  ``train_toy_gan``, which builds and trains a toy GAN from a ``GANRecipe``;
* theory on a grid: ``optimal_discriminator`` (Prop. 1 of the 2014 paper),
  ``gan_value`` (eq. 1), ``optimal_gan_value`` (V(D*, G) in log space) and
  ``jsd`` (Theorem 1: V(D*, G) = -log 4 + 2 JSD);
* toy data: ``ring_of_gaussians`` and ``two_gaussians_1d``;
* the zoo hooks ``build_from_recipe`` / ``train_from_recipe`` for the DCGAN.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..training import torch_threads
from ._checks import check_positive_int

__all__ = [
    "MLPGenerator",
    "MLPDiscriminator",
    "StackedLinear",
    "DCGenerator",
    "DCDiscriminator",
    "DCGAN",
    "discriminator_loss",
    "generator_loss",
    "info_loss",
    "train_gan",
    "optimal_discriminator",
    "gan_value",
    "optimal_gan_value",
    "jsd",
    "ToyData",
    "ring_of_gaussians",
    "two_gaussians_1d",
    "build_toy_gan",
    "train_toy_gan",
    "density_snapshot_1d",
    "build_from_recipe",
    "train_from_recipe",
]


# ----------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------


def _check_logits(fn: str, name: str, logits) -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{fn}: {name} must be a torch.Tensor of discriminator logits; got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{fn}: {name} must be a floating-point tensor of logits (not probabilities); got dtype {logits.dtype}")
    if logits.numel() == 0:
        raise ValueError(f"{fn}: {name} is empty; expected at least one logit")


def _as_float64(fn: str, name: str, value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{fn}: {name} must be an array of numbers; got {type(value).__name__}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: {name} must be finite; got non-finite values")
    return arr


def _check_density_pair(fn: str, p, q, names=("p", "q")) -> tuple[np.ndarray, np.ndarray]:
    p, q = _as_float64(fn, names[0], p), _as_float64(fn, names[1], q)
    if p.shape != q.shape:
        raise ValueError(f"{fn}: {names[0]} and {names[1]} must have the same shape; got {p.shape} and {q.shape}")
    for name, arr in zip(names, (p, q)):
        if np.any(arr < 0):
            raise ValueError(f"{fn}: {name} must be a density (non-negative); got minimum {arr.min():.3g}")
    return p, q


@contextlib.contextmanager
def _init_rng(seed: int):
    """Seed torch's global RNG for parameter initialisation only.

    ``with _init_rng(seed): model = ...`` restores the caller's RNG state on exit,
    so building a model never changes what a notebook draws afterwards.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"GAN recipe: seed must be a non-negative int; got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


# ----------------------------------------------------------------------------
# Networks
# ----------------------------------------------------------------------------


class _Generator(nn.Module):
    """Shared surface: ``n_latent``, ``n_code``, ``n_runs``, ``latent(n)``, ``sample(n)``.

    ``n_runs = None`` is an ordinary network on (batch, ...) tensors; an integer
    R stacks R independent networks that read and write (R, batch, ...) tensors.
    """

    n_latent: int
    n_code: int = 0
    n_runs: int | None = None

    def _lead(self, n: int) -> tuple[int, ...]:
        return (n,) if self.n_runs is None else (self.n_runs, n)

    def latent(self, n: int, generator: torch.Generator | None = None, code=None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Draw z ~ N(0, I) and, with an InfoGAN code, c ~ Uniform{0..n_code-1} (or the given code)."""
        check_positive_int(f"{type(self).__name__}.latent", "n", n)
        device = next(self.parameters()).device
        z = torch.randn(*self._lead(n), self.n_latent, generator=generator).to(device)
        if self.n_code == 0:
            if code is not None:
                raise ValueError(f"{type(self).__name__}.latent: this generator has no code (n_code=0); got code={code!r}")
            return z, None
        if code is None:
            c = torch.randint(self.n_code, self._lead(n), generator=generator)
        else:
            c = torch.as_tensor(code, dtype=torch.long).expand(*self._lead(n)).clone()
            if c.min() < 0 or c.max() >= self.n_code:
                raise ValueError(f"{type(self).__name__}.latent: code must be in 0..{self.n_code - 1}; got {code!r}")
        return z, c.to(device)

    def _inputs(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        name = f"{type(self).__name__}.forward"
        dims = 2 if self.n_runs is None else 3
        lead_ok = isinstance(z, torch.Tensor) and z.dim() == dims and (self.n_runs is None or z.shape[0] == self.n_runs)
        if not lead_ok or z.shape[-1] != self.n_latent:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            want = "(batch" if self.n_runs is None else f"({self.n_runs}, batch"
            raise ValueError(f"{name} expects z of shape {want}, {self.n_latent}); got {shape}")
        if self.n_code == 0:
            if c is not None:
                raise ValueError(f"{name}: this generator has no code (n_code=0), so c must be None")
            return z
        if not isinstance(c, torch.Tensor) or c.shape != z.shape[:-1]:
            raise ValueError(f"{name} expects a code c of shape {tuple(z.shape[:-1])} with values in 0..{self.n_code - 1}")
        return torch.cat([z, F.one_hot(c, self.n_code).to(z.dtype)], dim=-1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, code=None) -> torch.Tensor:
        """Draw ``n`` samples G(z, c) in evaluation mode (batch norm uses running statistics)."""
        was_training = self.training
        self.eval()
        z, c = self.latent(n, generator, code)
        x = self(z, c)
        self.train(was_training)
        return x


class StackedLinear(nn.Module):
    """R independent affine maps on R stacked batches: (R, B, n_in) -> (R, B, n_out).

    Each slice is initialised like ``nn.Linear`` (uniform in ±1/sqrt(n_in)). One
    batched matrix product trains R small networks for about the price of one.
    """

    def __init__(self, n_runs: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1.0 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_runs, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_runs, 1, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


def _linear(n_in: int, n_out: int, n_runs: int | None) -> nn.Module:
    return nn.Linear(n_in, n_out) if n_runs is None else StackedLinear(n_runs, n_in, n_out)


def _mlp(n_in: int, n_hidden: int, n_layers: int, n_out: int | None, activation: Callable[[], nn.Module], n_runs: int | None) -> nn.Sequential:
    """Hidden layers (linear + activation), then a linear output unless ``n_out`` is None."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(n_layers):
        layers += [_linear(width, n_hidden, n_runs), activation()]
        width = n_hidden
    if n_out is not None:
        layers.append(_linear(width, n_out, n_runs))
    return nn.Sequential(*layers)


def _check_runs(fn: str, n_runs) -> None:
    if n_runs is not None:
        check_positive_int(fn, "n_runs", n_runs)


class MLPGenerator(_Generator):
    """G: R^n_latent -> R^n_out, an MLP with ReLU hidden layers and a linear output.

    With ``n_runs = R`` it holds R independent generators (see ``StackedLinear``).
    """

    def __init__(
        self, n_latent: int = 2, n_out: int = 2, n_hidden: int = 128, n_layers: int = 2, n_code: int = 0, n_runs: int | None = None
    ):
        super().__init__()
        for name, value in (("n_latent", n_latent), ("n_out", n_out), ("n_hidden", n_hidden), ("n_layers", n_layers)):
            check_positive_int("MLPGenerator", name, value)
        if not isinstance(n_code, int) or n_code < 0:
            raise ValueError(f"MLPGenerator: n_code must be a non-negative int; got {n_code!r}")
        _check_runs("MLPGenerator", n_runs)
        self.n_latent, self.n_out, self.n_code, self.n_runs = n_latent, n_out, n_code, n_runs
        self.net = _mlp(n_latent + n_code, n_hidden, n_layers, n_out, nn.ReLU, n_runs)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self._inputs(z, c))


class MLPDiscriminator(nn.Module):
    """D: R^n_in -> logit, an MLP with leaky-ReLU hidden layers (``body``) and a linear ``head``.

    With ``pack = m > 1`` (PacGAN, Lin et al. 2018) the discriminator judges m
    samples at once: a batch of shape (B, n_in) is read as B/m packs of shape
    (m * n_in), and one logit comes out per pack. Packing lets D see the
    *diversity* of a set of samples, which penalizes a collapsed generator.
    With ``n_code > 0`` a second head Q(c | x) reads the same body (InfoGAN).
    With ``n_runs = R`` it holds R independent discriminators on (R, B, n_in).
    """

    def __init__(
        self,
        n_in: int = 2,
        n_hidden: int = 128,
        n_layers: int = 2,
        pack: int = 1,
        negative_slope: float = 0.2,
        n_runs: int | None = None,
        n_code: int = 0,
    ):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_hidden", n_hidden), ("n_layers", n_layers), ("pack", pack)):
            check_positive_int("MLPDiscriminator", name, value)
        _check_runs("MLPDiscriminator", n_runs)
        if not isinstance(n_code, int) or n_code < 0:
            raise ValueError(f"MLPDiscriminator: n_code must be a non-negative int; got {n_code!r}")
        if n_code and pack > 1:
            raise ValueError("MLPDiscriminator: an InfoGAN code head reads one sample at a time, so it needs pack=1")
        self.n_in, self.pack, self.n_runs, self.n_code = n_in, pack, n_runs, n_code
        self.body = _mlp(n_in * pack, n_hidden, n_layers, None, lambda: nn.LeakyReLU(negative_slope), n_runs)
        self.head = _linear(n_hidden, 1, n_runs)
        self.q_head = _linear(n_hidden, n_code, n_runs) if n_code else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer, one row per pack."""
        dims = 2 if self.n_runs is None else 3
        ok = isinstance(x, torch.Tensor) and x.dim() == dims and x.shape[-1] == self.n_in
        if not ok or (self.n_runs is not None and x.shape[0] != self.n_runs):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            want = "(batch" if self.n_runs is None else f"({self.n_runs}, batch"
            raise ValueError(f"MLPDiscriminator.forward expects x of shape {want}, {self.n_in}); got {shape}")
        batch = x.shape[-2]
        if batch % self.pack:
            raise ValueError(
                f"MLPDiscriminator.forward: with pack={self.pack} the batch size must be a multiple of "
                f"{self.pack}; got {batch}"
            )
        return self.body(x.reshape(*x.shape[:-2], batch // self.pack, self.pack * self.n_in))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of D, shape (batch / pack,) (or (R, batch / pack) for stacked runs)."""
        return self.head(self.features(x)).squeeze(-1)

    def forward_with_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of D, logits of Q(c | x)) from one pass through the body."""
        if self.q_head is None:
            raise ValueError("MLPDiscriminator.forward_with_code: this discriminator has no code head (n_code=0)")
        h = self.features(x)
        return self.head(h).squeeze(-1), self.q_head(h)


class DCGenerator(_Generator):
    """DCGAN generator for 28x28 images (Radford et al., 2016).

    z (and an optional one-hot InfoGAN code) -> linear -> (2w, 7, 7) -> transposed
    conv to (w, 14, 14) -> transposed conv to (1, 28, 28) -> sigmoid. Batch norm
    and ReLU between layers; the output is flattened to (batch, 784) in [0, 1].
    """

    def __init__(self, n_latent: int = 64, width: int = 32, n_code: int = 0):
        super().__init__()
        check_positive_int("DCGenerator", "n_latent", n_latent)
        check_positive_int("DCGenerator", "width", width)
        if not isinstance(n_code, int) or n_code < 0:
            raise ValueError(f"DCGenerator: n_code must be a non-negative int; got {n_code!r}")
        self.n_latent, self.n_code, self.width = n_latent, n_code, width
        self.project = nn.Sequential(
            nn.Linear(n_latent + n_code, 2 * width * 7 * 7, bias=False),
            nn.BatchNorm1d(2 * width * 7 * 7),
            nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 7 -> 14
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 14 -> 28
        )

    def forward_logits(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(self._inputs(z, c)).view(len(z), 2 * self.width, 7, 7)
        return self.deconv(h).flatten(1)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return torch.sigmoid(self.forward_logits(z, c))


class DCDiscriminator(nn.Module):
    """DCGAN discriminator: strided convolutions, leaky ReLU, batch norm.

    (1, 28, 28) -> conv to (w, 14, 14) -> conv to (2w, 7, 7) -> linear -> logit.
    With ``n_code > 0`` a second head Q(c | x) shares the convolutional body
    (InfoGAN's auxiliary distribution).
    """

    def __init__(self, width: int = 32, n_code: int = 0, negative_slope: float = 0.2):
        super().__init__()
        check_positive_int("DCDiscriminator", "width", width)
        if not isinstance(n_code, int) or n_code < 0:
            raise ValueError(f"DCDiscriminator: n_code must be a non-negative int; got {n_code!r}")
        self.n_code, self.width = n_code, width
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(negative_slope),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # 14 -> 7
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(negative_slope),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * width * 7 * 7, 1)
        self.q_head = nn.Linear(2 * width * 7 * 7, n_code) if n_code else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != 784:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"DCDiscriminator expects x of shape (batch, 784) with values in [0, 1]; got {shape}")
        return self.body((2 * x - 1).view(len(x), 1, 28, 28))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of D, shape (batch,)."""
        return self.head(self.features(x)).squeeze(1)

    def forward_with_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of D, logits of Q(c | x)) from one pass through the body."""
        if self.q_head is None:
            raise ValueError("DCDiscriminator.forward_with_code: this discriminator has no code head (n_code=0)")
        h = self.features(x)
        return self.head(h).squeeze(1), self.q_head(h)


class DCGAN(nn.Module):
    """A DCGAN (optionally InfoGAN) as one module: ``.generator`` and ``.discriminator``."""

    def __init__(self, n_latent: int = 64, width: int = 32, n_code: int = 0):
        super().__init__()
        self.generator = DCGenerator(n_latent, width, n_code)
        self.discriminator = DCDiscriminator(width, n_code)
        self.n_latent, self.n_code = n_latent, n_code

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, c)

    def sample(self, n: int, generator: torch.Generator | None = None, code=None) -> torch.Tensor:
        """``n`` generated digits of shape (n, 784), values in [0, 1]."""
        return self.generator.sample(n, generator, code)


# ----------------------------------------------------------------------------
# Losses (on logits, numerically stable)
# ----------------------------------------------------------------------------


def discriminator_loss(d_real_logits: torch.Tensor, d_fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G) estimated on a minibatch: -mean log D(x) - mean log(1 - D(G(z))).

    With D = sigmoid(logit), -log D = softplus(-logit) and -log(1 - D) =
    softplus(logit), which never overflow.
    """
    _check_logits("discriminator_loss", "d_real_logits", d_real_logits)
    _check_logits("discriminator_loss", "d_fake_logits", d_fake_logits)
    return F.softplus(-d_real_logits).mean() + F.softplus(d_fake_logits).mean()


def generator_loss(d_fake_logits: torch.Tensor, non_saturating: bool = True) -> torch.Tensor:
    """The generator's loss on D's logits for fake samples.

    * ``non_saturating=True`` (Goodfellow et al. 2014, sec. 3): -mean log D(G(z))
      = mean softplus(-logit). Its gradient stays large while D rejects fakes.
    * ``non_saturating=False`` (the minimax game itself): mean log(1 - D(G(z)))
      = -mean softplus(logit). Its gradient vanishes as D(G(z)) -> 0.
    """
    _check_logits("generator_loss", "d_fake_logits", d_fake_logits)
    if not isinstance(non_saturating, bool):
        raise TypeError(f"generator_loss: non_saturating must be True or False; got {non_saturating!r}")
    if non_saturating:
        return F.softplus(-d_fake_logits).mean()
    return -F.softplus(d_fake_logits).mean()


def info_loss(code_logits: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    """InfoGAN's cross-entropy for a categorical code: -E log Q(c | G(z, c)) = H(c) - L_I.

    L_I = E log Q(c | G(z, c)) + H(c) is the variational lower bound on the mutual
    information I(c; G(z, c)) (Chen et al. 2016, eq. 5); minimizing this loss raises it.
    """
    _check_logits("info_loss", "code_logits", code_logits)
    if code_logits.dim() < 2 or not isinstance(code, torch.Tensor) or code.shape != code_logits.shape[:-1]:
        raise ValueError(
            f"info_loss expects code_logits of shape (..., n_code) and code of shape (...); "
            f"got {tuple(code_logits.shape)} and {tuple(code.shape) if isinstance(code, torch.Tensor) else code!r}"
        )
    return F.cross_entropy(code_logits.reshape(-1, code_logits.shape[-1]), code.reshape(-1))


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


def _data_stream(data, batch_size: int, generator: torch.Generator):
    """Endless minibatches: shuffled epochs of a tensor, or calls to a sampler."""
    if isinstance(data, torch.Tensor):
        if data.dim() != 2 or len(data) < batch_size:
            raise ValueError(
                f"train_gan: data must be a (N, d) tensor with N >= batch_size={batch_size}; got shape {tuple(data.shape)}"
            )
        while True:
            order = torch.randperm(len(data), generator=generator)
            for start in range(0, len(data) - batch_size + 1, batch_size):
                yield data[order[start : start + batch_size]]
    elif callable(data):
        while True:
            yield data(batch_size, generator)
    else:
        raise TypeError(
            f"train_gan: data must be a tensor of examples or a callable sampler(n, generator); got {type(data).__name__}"
        )


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
    snapshot: Callable[[int, nn.Module, nn.Module], object] | None = None,
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
    check_positive_int("train_gan", "steps", steps)
    check_positive_int("train_gan", "batch_size", batch_size)
    if snapshot_every is not None:
        check_positive_int("train_gan", "snapshot_every", snapshot_every)
    n_code = getattr(generator, "n_code", 0)
    if n_code and getattr(discriminator, "q_head", None) is None:
        raise ValueError("train_gan: the generator has an InfoGAN code, so the discriminator needs a code head (n_code > 0)")
    n_runs = getattr(generator, "n_runs", None)
    if n_runs != getattr(discriminator, "n_runs", None):
        raise ValueError(
            f"train_gan: generator and discriminator must stack the same number of runs; "
            f"got n_runs={n_runs} and {getattr(discriminator, 'n_runs', None)}"
        )
    pack = getattr(discriminator, "pack", 1)
    if batch_size % pack:
        raise ValueError(f"train_gan: batch_size={batch_size} must be a multiple of the discriminator's pack={pack}")
    if snapshot is None:
        def snapshot(step, g, d):  # noqa: E306 - the default keeps both players' weights
            return {"generator": copy.deepcopy(g.state_dict()), "discriminator": copy.deepcopy(d.state_dict())}

    if threads is not None:
        check_positive_int("train_gan", "threads", threads)
    with torch_threads(threads):
        return _train_gan_loop(
            generator, discriminator, data, steps, batch_size, lr, lr_d, betas, non_saturating,
            info_weight, seed, snapshot_every, snapshot, progress, desc, n_code, n_runs,
        )


def _train_gan_loop(
    generator, discriminator, data, steps, batch_size, lr, lr_d, betas, non_saturating,
    info_weight, seed, snapshot_every, snapshot, progress, desc, n_code, n_runs,
) -> dict:
    from tqdm.auto import tqdm

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
            history["d_loss"].append(loss_d.item())
            history["g_loss"].append(loss_g.item())
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


# ----------------------------------------------------------------------------
# Theory on a grid (Goodfellow et al. 2014, Prop. 1 and Theorem 1)
# ----------------------------------------------------------------------------


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) for densities on a common grid.

    Where both densities are 0, D does not change V, and 1/2 is returned.
    """
    p, q = _check_density_pair("optimal_discriminator", p_data, p_g, ("p_data", "p_g"))
    total = p + q
    return np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.5)


def gan_value(d, p_data, p_g, dx: float | None = None) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 - D) dx on a grid (eq. 1 in x-space).

    ``d`` holds D(x) on the grid, in [0, 1]. With ``dx=None`` the inputs are
    discrete distributions (sums replace integrals); terms with zero weight count 0.
    """
    p, q = _check_density_pair("gan_value", p_data, p_g, ("p_data", "p_g"))
    d = _as_float64("gan_value", "d", d)
    if d.shape != p.shape:
        raise ValueError(f"gan_value: d must have the shape of p_data {p.shape}; got {d.shape}")
    if np.any((d < 0) | (d > 1)):
        raise ValueError("gan_value: d holds probabilities D(x), so it must lie in [0, 1]")
    scale = 1.0 if dx is None else _check_dx("gan_value", dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        real = np.where(p > 0, p * np.log(d), 0.0)
        fake = np.where(q > 0, q * np.log1p(-d), 0.0)
    return float((real.sum() + fake.sum()) * scale)


def optimal_gan_value(p_data, p_g, dx: float | None = None) -> float:
    """V(D*_G, G) = ∫ p_data log D* + p_g log(1 - D*) dx on a grid, computed in log space.

    With D* = p_data / (p_data + p_g) (Goodfellow et al. 2014, Prop. 1),
    log D* = log p_data - log(p_data + p_g) and log(1 - D*) = log p_g - log(p_data + p_g).
    D* itself is never formed: where p_g << p_data it rounds to exactly 1, and
    ``gan_value(optimal_discriminator(...))`` then meets p_g * log(0) = -inf,
    although that term is tiny and finite. Terms with zero weight count 0;
    ``dx=None`` means discrete distributions (sums replace integrals).
    """
    p, q = _check_density_pair("optimal_gan_value", p_data, p_g, ("p_data", "p_g"))
    scale = 1.0 if dx is None else _check_dx("optimal_gan_value", dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_total = np.log(p + q)
        real = np.where(p > 0, p * (np.log(p) - log_total), 0.0)
        fake = np.where(q > 0, q * (np.log(q) - log_total), 0.0)
    return float((real.sum() + fake.sum()) * scale)


def _check_dx(fn: str, dx) -> float:
    if isinstance(dx, bool) or not isinstance(dx, (int, float)) or not dx > 0 or not math.isfinite(dx):
        raise ValueError(f"{fn}: dx must be a positive grid spacing; got {dx!r}")
    return float(dx)


def jsd(p, q, dx: float | None = None) -> float:
    """Jensen-Shannon divergence in nats: KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2.

    ``p`` and ``q`` are discrete distributions (``dx=None``, each must sum to 1)
    or densities on a grid of spacing ``dx`` (each must integrate to 1 within
    1e-3). The result lies in [0, log 2].
    """
    p, q = _check_density_pair("jsd", p, q)
    scale = 1.0 if dx is None else _check_dx("jsd", dx)
    for name, arr in (("p", p), ("q", q)):
        mass = arr.sum() * scale
        if abs(mass - 1.0) > 1e-3:
            what = "sum" if dx is None else "integrate (sum * dx)"
            raise ValueError(f"jsd: {name} must {what} to 1; got {mass:.6g}")
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * (np.log(p) - np.log(m)), 0.0).sum() * scale
        kl_q = np.where(q > 0, q * (np.log(q) - np.log(m)), 0.0).sum() * scale
    return float(min(max(0.5 * (kl_p + kl_q), 0.0), math.log(2)))


# ----------------------------------------------------------------------------
# Toy data
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ToyData:
    """A Gaussian mixture with equal weights: centres (K, d), one std, a sampler and a density."""

    centers: torch.Tensor
    std: float

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_positive_int("ToyData.sample", "n", n)
        k = torch.randint(len(self.centers), (n,), generator=generator)
        noise = torch.randn(n, self.centers.shape[1], generator=generator)
        return self.centers[k] + self.std * noise

    def __call__(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.sample(n, generator)

    def density(self, x) -> np.ndarray:
        """p_data(x) at points x of shape (..., d); for 1-D data also (...,) without the last axis."""
        arr = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=np.float64)
        d = self.centers.shape[1]
        if d == 1 and (arr.ndim == 0 or arr.shape[-1] != 1):
            arr = arr[..., None]
        if arr.ndim == 0 or arr.shape[-1] != d:
            raise ValueError(f"ToyData.density expects points of shape (..., {d}); got {arr.shape}")
        pts = arr.reshape(-1, d)
        centers = self.centers.double().numpy()
        sq = ((pts[:, None, :] - centers[None]) ** 2).sum(-1)
        norm = (2 * math.pi * self.std**2) ** (d / 2)
        return (np.exp(-sq / (2 * self.std**2)) / norm).mean(1).reshape(arr.shape[:-1])


def ring_of_gaussians(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> ToyData:
    """K Gaussians with equal weights on a circle (the VEEGAN / PacGAN benchmark)."""
    check_positive_int("ring_of_gaussians", "n_modes", n_modes)
    if not radius > 0 or not std > 0:
        raise ValueError(f"ring_of_gaussians: radius and std must be positive; got {radius!r}, {std!r}")
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return ToyData(centers.float(), float(std))


def two_gaussians_1d(means: tuple[float, float] = (-2.0, 2.0), std: float = 0.5) -> ToyData:
    """An equal mixture of two 1-D Gaussians, the data of the replayed 1-D GAN."""
    if not std > 0:
        raise ValueError(f"two_gaussians_1d: std must be positive; got {std!r}")
    return ToyData(torch.tensor([[float(m)] for m in means]), float(std))


def build_toy_gan(recipe, n_dims: int, n_runs: int | None = None) -> tuple[MLPGenerator, MLPDiscriminator]:
    """An MLP generator and discriminator from a ``GANRecipe``, initialised with ``recipe.seed``.

    The generator is built first, so two recipes that differ only in the
    discriminator (e.g. ``pack``) start from the same generator weights.
    With ``n_runs = R`` both networks stack R independent runs.
    """
    check_positive_int("build_toy_gan", "n_dims", n_dims)
    with _init_rng(recipe.seed):
        g = MLPGenerator(recipe.n_latent, n_dims, recipe.n_hidden, recipe.n_layers, recipe.n_code, n_runs)
        d = MLPDiscriminator(n_dims, recipe.n_hidden, recipe.n_layers, pack=recipe.pack, n_runs=n_runs, n_code=recipe.n_code)
    return g, d


def train_toy_gan(
    recipe,
    data: ToyData,
    *,
    snapshot_every: int | None = None,
    snapshot: Callable | None = None,
    progress: bool = True,
    desc: str = "GAN",
) -> tuple[MLPGenerator, MLPDiscriminator, dict]:
    """Build (``build_toy_gan``) and train (``train_gan``) a toy GAN on ``data`` from a ``GANRecipe``.

    With ``recipe.n_runs > 1`` the runs are stacked and trained side by side.
    Returns ``(generator, discriminator, history)``.
    """
    if not isinstance(data, ToyData):
        raise TypeError(f"train_toy_gan: data must be a ToyData (e.g. ring_of_gaussians()); got {type(data).__name__}")
    n_runs = recipe.n_runs if recipe.n_runs > 1 else None
    g, d = build_toy_gan(recipe, data.centers.shape[1], n_runs=n_runs)
    history = train_gan(
        g, d, data, steps=recipe.steps, batch_size=recipe.batch_size, lr=recipe.lr, lr_d=recipe.lr_d,
        betas=(recipe.beta1, 0.999), info_weight=recipe.info_weight, seed=recipe.seed,
        snapshot_every=snapshot_every, snapshot=snapshot, progress=progress, desc=desc,
    )
    return g, d, history


def density_snapshot_1d(grid, n_samples: int = 20_000, seed: int = 0):
    """A ``snapshot`` function for ``train_gan`` on 1-D data.

    It records, on ``grid`` (equally spaced), the generator's density
    (a histogram of ``n_samples`` draws from the same z every time, so the replay
    is smooth) and D(x). Values are float32 NumPy arrays: {"p_g", "d"}.
    """
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or len(grid) < 3 or not np.all(np.diff(grid) > 0):
        raise ValueError("density_snapshot_1d: grid must be an increasing 1-D array of at least 3 points")
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


# ----------------------------------------------------------------------------
# Zoo hooks (course_utils.zoo): the DCGAN of notebook 06
# ----------------------------------------------------------------------------


def build_from_recipe(recipe) -> DCGAN:
    """An untrained DCGAN with the recipe's architecture (initialised with ``recipe.seed``)."""
    with _init_rng(recipe.seed):
        return DCGAN(recipe.n_latent, recipe.n_hidden, recipe.n_code)


def train_from_recipe(recipe, progress: bool = True) -> tuple[DCGAN, dict]:
    """Train the DCGAN on ``load_mnist()`` (4,000 binarized digits) for ``recipe.steps`` steps."""
    from ..data import load_mnist

    x, _ = load_mnist("train")
    model = build_from_recipe(recipe)
    history = train_gan(
        model.generator,
        model.discriminator,
        x,
        steps=recipe.steps,
        batch_size=recipe.batch_size,
        lr=recipe.lr,
        lr_d=recipe.lr_d,
        betas=(recipe.beta1, 0.999),
        info_weight=recipe.info_weight,
        seed=recipe.seed,
        progress=progress,
        desc="DCGAN",
    )
    model.eval()
    return model, history
