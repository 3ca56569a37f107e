"""The GAN networks: MLPs for toy data, DCGAN convolutions for digits (sec. "networks" of ``gan``).

* ``MLPGenerator`` / ``MLPDiscriminator`` for 1-D and 2-D toy data; the
  discriminator can *pack* several samples (PacGAN, Lin et al. 2018), and with
  ``n_runs`` several independent runs are stacked (``StackedLinear``);
* ``DCGenerator`` / ``DCDiscriminator`` / ``DCGAN`` for 28x28 digits (Radford
  et al. 2016).

Generators and discriminators take an optional InfoGAN categorical code
(Chen et al. 2016). Every generator meets the model contract:
``sample(n, generator=None) -> (n, n_dims)`` (``(n_runs, n, n_dims)`` when stacked).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ... import validation as V

__all__ = ["StackedLinear", "MLPGenerator", "MLPDiscriminator", "DCGenerator", "DCDiscriminator", "DCGAN"]


def _real_batch(where: str, x, lead: tuple, n_last: int, like: torch.Tensor, name: str = "x",
                nonempty: bool = False, values: str = "real") -> torch.Tensor:
    """A tensor of shape ``lead + (n_last,)`` (None in ``lead``: any size) with finite (or [0, 1]) values, cast like ``like``."""
    want = "(" + ", ".join("batch" if s is None else str(s) for s in lead) + f", {n_last})"
    kind = "finite values" if values == "real" else "values in [0, 1]"
    expected = f"of shape {want} with {kind}"
    x = V.tensor(where, name, x, f"a torch.Tensor {expected}")
    if x.dim() != len(lead) + 1 or x.shape[-1] != n_last or any(s is not None and x.shape[i] != s for i, s in enumerate(lead)):
        V.fail(where, name, expected, f"shape {tuple(x.shape)}")
    if nonempty and x.numel() == 0:
        V.fail(where, name, f"at least one row, {expected}", f"shape {tuple(x.shape)}")
    if x.dtype != like.dtype or x.device != like.device:
        x = x.to(device=like.device, dtype=like.dtype)
    if x.numel():
        if values == "real" and not bool(torch.isfinite(x).all()):
            V.fail(where, name, expected, "NaN or inf")
        if values == "unit":
            lo, hi = torch.aminmax(x)
            if not (lo >= 0 and hi <= 1):
                if not bool(torch.isfinite(x).all()):
                    V.fail(where, name, expected, "NaN or inf")
                hint = " (pixels in 0..255? divide by 255 first)" if hi > 1.5 else ""
                V.fail(where, name, expected, f"values in [{lo.item():.3g}, {hi.item():.3g}]{hint}")
    return x


def _code(where: str, c, shape: tuple, n_code: int, name: str = "c") -> torch.Tensor:
    """Integer InfoGAN codes of the given shape, each in 0..n_code - 1."""
    expected = f"integer codes in 0..{n_code - 1} of shape {shape}"
    c = V.tensor(where, name, c, f"a torch.Tensor of {expected}")
    if c.is_floating_point() or c.dtype == torch.bool:
        V.fail(where, name, expected, f"dtype {c.dtype}", TypeError)
    if tuple(c.shape) != tuple(shape):
        V.fail(where, name, expected, f"shape {tuple(c.shape)}")
    if c.numel() and (int(c.min()) < 0 or int(c.max()) >= n_code):
        V.fail(where, name, expected, f"values in [{int(c.min())}, {int(c.max())}]")
    return c.long()


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
        where = f"{type(self).__name__}.latent"
        n = V.positive_int(where, "n", n)
        V.generator(where, generator)
        device = next(self.parameters()).device
        z = torch.randn(*self._lead(n), self.n_latent, generator=generator).to(device)
        if self.n_code == 0:
            if code is not None:
                V.fail(where, "code", "None (this generator has no InfoGAN code, n_code=0)", repr(code))
            return z, None
        if code is None:
            c = torch.randint(self.n_code, self._lead(n), generator=generator)
        else:
            if isinstance(code, (bool, str, bytes)) or not isinstance(code, (int, torch.Tensor)) and not hasattr(code, "__index__"):
                V.fail(where, "code", f"an int in 0..{self.n_code - 1} (or None)", f"{V.type_name(code)} {code!r}", TypeError)
            c = torch.as_tensor(code)
            if c.is_floating_point() or c.dtype == torch.bool or c.numel() != 1:
                V.fail(where, "code", f"an int in 0..{self.n_code - 1} (or None)", repr(code), TypeError)
            if not 0 <= int(c) < self.n_code:
                V.fail(where, "code", f"an int in 0..{self.n_code - 1} (or None)", repr(code))
            c = c.long().reshape(()).expand(*self._lead(n)).clone()
        return z, c.to(device)

    @property
    def n_dims(self) -> int:
        """Size of one sample (the model contract's n_dims)."""
        return self._n_dims

    def _inputs(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        where = f"{type(self).__name__}.forward"
        lead = (None,) if self.n_runs is None else (self.n_runs, None)
        z = _real_batch(where, z, lead, self.n_latent, next(self.parameters()), name="z")
        if self.n_code == 0:
            if c is not None:
                V.fail(where, "c", "None (this generator has no InfoGAN code, n_code=0)", V.type_name(c))
            return z
        c = _code(where, c, tuple(z.shape[:-1]), self.n_code).to(z.device)
        return torch.cat([z, F.one_hot(c, self.n_code).to(z.dtype)], dim=-1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, code=None) -> torch.Tensor:
        """Draw ``n`` samples G(z, c) in evaluation mode (batch norm uses running statistics):
        shape (n, n_dims), or (n_runs, n, n_dims) when stacked; ``sample(0)`` is empty."""
        where = f"{type(self).__name__}.sample"
        n = V.count(where, "n", n)
        V.generator(where, generator)
        if n == 0:
            weight = next(self.parameters())
            return weight.new_zeros(*self._lead(0), self.n_dims)
        was_training = self.training
        self.eval()
        try:
            z, c = self.latent(n, generator, code)
            return self(z, c)
        finally:
            self.train(was_training)


class StackedLinear(nn.Module):
    """R independent affine maps on R stacked batches: (R, B, n_in) -> (R, B, n_out).

    Each slice is initialised like ``nn.Linear`` (uniform in ±1/sqrt(n_in)). One
    batched matrix product trains R small networks for about the price of one.
    """

    def __init__(self, n_runs: int, n_in: int, n_out: int):
        super().__init__()
        n_runs, n_in, n_out = (V.positive_int("StackedLinear", k, v) for k, v in (("n_runs", n_runs), ("n_in", n_in), ("n_out", n_out)))
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


def _runs(where: str, n_runs) -> int | None:
    return None if n_runs is None else V.positive_int(where, "n_runs", n_runs)


class MLPGenerator(_Generator):
    """G: R^n_latent -> R^n_out, an MLP with ReLU hidden layers and a linear output.

    With ``n_runs = R`` it holds R independent generators (see ``StackedLinear``).
    """

    def __init__(
        self, n_latent: int = 2, n_out: int = 2, n_hidden: int = 128, n_layers: int = 2, n_code: int = 0, n_runs: int | None = None
    ):
        super().__init__()
        n_latent, n_out, n_hidden, n_layers = (
            V.positive_int("MLPGenerator", name, value)
            for name, value in (("n_latent", n_latent), ("n_out", n_out), ("n_hidden", n_hidden), ("n_layers", n_layers))
        )
        n_code = V.integer("MLPGenerator", "n_code", n_code, minimum=0)
        n_runs = _runs("MLPGenerator", n_runs)
        self.n_latent, self.n_out, self.n_code, self.n_runs = n_latent, n_out, n_code, n_runs
        self._n_dims = n_out
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
        n_in, n_hidden, n_layers, pack = (
            V.positive_int("MLPDiscriminator", name, value)
            for name, value in (("n_in", n_in), ("n_hidden", n_hidden), ("n_layers", n_layers), ("pack", pack))
        )
        n_runs = _runs("MLPDiscriminator", n_runs)
        n_code = V.integer("MLPDiscriminator", "n_code", n_code, minimum=0)
        negative_slope = V.number("MLPDiscriminator", "negative_slope", negative_slope, minimum=0.0)
        if n_code and pack > 1:
            V.fail("MLPDiscriminator", "pack", "1 with an InfoGAN code head (it reads one sample at a time)", f"pack={pack}")
        self.n_in, self.pack, self.n_runs, self.n_code = n_in, pack, n_runs, n_code
        self.body = _mlp(n_in * pack, n_hidden, n_layers, None, lambda: nn.LeakyReLU(negative_slope), n_runs)
        self.head = _linear(n_hidden, 1, n_runs)
        self.q_head = _linear(n_hidden, n_code, n_runs) if n_code else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer, one row per pack."""
        lead = (None,) if self.n_runs is None else (self.n_runs, None)
        x = _real_batch("MLPDiscriminator.forward", x, lead, self.n_in, self.head.weight)
        batch = x.shape[-2]
        if batch % self.pack:
            V.fail("MLPDiscriminator.forward", "x", f"a batch size that is a multiple of pack={self.pack}", f"{batch} rows")
        return self.body(x.reshape(*x.shape[:-2], batch // self.pack, self.pack * self.n_in))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of D, shape (batch / pack,) (or (R, batch / pack) for stacked runs)."""
        return self.head(self.features(x)).squeeze(-1)

    def forward_with_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of D, logits of Q(c | x)) from one pass through the body."""
        if self.q_head is None:
            raise ValueError("MLPDiscriminator.forward_with_code expects a discriminator with an InfoGAN code head "
                             "(n_code > 0); got one with no code head (n_code=0)")
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
        n_latent = V.positive_int("DCGenerator", "n_latent", n_latent)
        width = V.positive_int("DCGenerator", "width", width)
        n_code = V.integer("DCGenerator", "n_code", n_code, minimum=0)
        self.n_latent, self.n_code, self.width = n_latent, n_code, width
        self._n_dims = 784
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
        """Pre-sigmoid pixel values, shape (batch, 784)."""
        h = self.project(self._inputs(z, c)).view(len(z), 2 * self.width, 7, 7)
        return self.deconv(h).flatten(1)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        """G(z, c): digits of shape (batch, 784) with values in [0, 1]."""
        return torch.sigmoid(self.forward_logits(z, c))


class DCDiscriminator(nn.Module):
    """DCGAN discriminator: strided convolutions, leaky ReLU, batch norm.

    (1, 28, 28) -> conv to (w, 14, 14) -> conv to (2w, 7, 7) -> linear -> logit.
    With ``n_code > 0`` a second head Q(c | x) shares the convolutional body
    (InfoGAN's auxiliary distribution).
    """

    def __init__(self, width: int = 32, n_code: int = 0, negative_slope: float = 0.2):
        super().__init__()
        width = V.positive_int("DCDiscriminator", "width", width)
        n_code = V.integer("DCDiscriminator", "n_code", n_code, minimum=0)
        negative_slope = V.number("DCDiscriminator", "negative_slope", negative_slope, minimum=0.0)
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
        """The convolutional body's output for digits x (batch, 784) with values in [0, 1]."""
        x = _real_batch("DCDiscriminator.forward", x, (None,), 784, self.head.weight, nonempty=True, values="unit")
        return self.body((2 * x - 1).view(len(x), 1, 28, 28))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of D, shape (batch,)."""
        return self.head(self.features(x)).squeeze(1)

    def forward_with_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of D, logits of Q(c | x)) from one pass through the body."""
        if self.q_head is None:
            raise ValueError("DCDiscriminator.forward_with_code expects a discriminator with an InfoGAN code head "
                             "(n_code > 0); got one with no code head (n_code=0)")
        h = self.features(x)
        return self.head(h).squeeze(1), self.q_head(h)


class DCGAN(nn.Module):
    """A DCGAN (optionally InfoGAN) as one module: ``.generator`` and ``.discriminator``."""

    def __init__(self, n_latent: int = 64, width: int = 32, n_code: int = 0):
        super().__init__()
        self.generator = DCGenerator(n_latent, width, n_code)
        self.discriminator = DCDiscriminator(width, n_code)
        self.n_latent, self.n_code, self.n_dims = n_latent, n_code, 784

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, c)

    def sample(self, n: int, generator: torch.Generator | None = None, code=None) -> torch.Tensor:
        """``n`` generated digits of shape (n, 784), values in [0, 1]."""
        return self.generator.sample(n, generator, code)
