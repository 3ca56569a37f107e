"""A normalizing flow of affine couplings (RealNVP, Dinh, Sohl-Dickstein & Bengio, 2017).

A flow is an invertible map z = f(x) onto a standard normal base, so by the
change of variables (Rezende & Mohamed 2015, eq. 1)

    log p(x) = log N(f(x); 0, I) + log |det df/dx|      (nats).

``f`` is a stack of affine coupling layers (Dinh et al. 2017, eqs. 4-6). Each
keeps the coordinates with mask b = 1 and moves the others:

    y = b * x + (1 - b) * (x * exp(s(b * x)) + t(b * x)),

so its Jacobian is triangular and log |det| = sum_i (1 - b_i) s_i(b * x). The
masks alternate, so every coordinate is moved by every second layer. The
inverse is just as cheap: x = b * y + (1 - b) * (y - t(b * y)) * exp(-s(b * y)).

Directions: ``forward`` is data -> base (x -> z, used by ``log_prob``);
``inverse`` is base -> data (z -> x, used by ``sample``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .. import validation as V

__all__ = ["AffineCoupling", "RealNVP", "build_from_recipe", "train_from_recipe"]


class AffineCoupling(nn.Module):
    """One affine coupling layer with a fixed binary ``mask`` (1: kept, 0: moved).

    ``s`` and ``t`` come from one MLP of the kept coordinates; ``s`` is passed
    through ``scale * tanh`` so that exp(s) stays in a safe range at the start
    of training. ``scale`` (per coordinate) and the MLP's last layer start at 0,
    so every layer starts as the identity.
    """

    def __init__(self, mask: torch.Tensor, n_hidden: int):
        super().__init__()
        n_dims = mask.numel()
        self.register_buffer("mask", mask.float().reshape(1, n_dims))
        self.net = nn.Sequential(nn.Linear(n_dims, n_hidden), nn.SiLU(), nn.Linear(n_hidden, n_hidden), nn.SiLU(),
                                 nn.Linear(n_hidden, 2 * n_dims))
        self.scale = nn.Parameter(torch.zeros(1, n_dims))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def _s_t(self, kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(kept).chunk(2, dim=1)
        moved = 1 - self.mask
        return moved * self.scale * torch.tanh(s), moved * t

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (batch, D) -> (y (batch, D), log |det dy/dx| (batch,) in nats)."""
        s, t = self._s_t(self.mask * x)
        return x * torch.exp(s) + t, s.sum(1)

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y (batch, D) -> (x (batch, D), log |det dx/dy| (batch,)); the kept part of y equals that of x."""
        s, t = self._s_t(self.mask * y)
        return (y - t) * torch.exp(-s), -s.sum(1)


class RealNVP(nn.Module):
    """A RealNVP flow on R^n_dims: ``n_layers`` affine couplings with alternating masks over a N(0, I) base.

    ``log_prob(x)`` (batch,) in nats; ``sample(n)`` (n, n_dims); ``forward`` and
    ``inverse`` return the mapped points and their log-determinants.
    """

    def __init__(self, n_dims: int = 2, n_layers: int = 8, n_hidden: int = 64):
        super().__init__()
        n_dims = V.positive_int("RealNVP", "n_dims", n_dims)
        n_layers = V.positive_int("RealNVP", "n_layers", n_layers)
        n_hidden = V.positive_int("RealNVP", "n_hidden", n_hidden)
        if n_dims < 2:
            V.fail("RealNVP", "n_dims", "an int >= 2 (a coupling splits the coordinates)", repr(n_dims))
        self.n_dims = n_dims
        half = (torch.arange(n_dims) % 2).float()
        self.layers = nn.ModuleList(AffineCoupling(half if k % 2 else 1 - half, n_hidden) for k in range(n_layers))

    def _points(self, x, where: str, name: str = "x") -> torch.Tensor:
        """A (batch, n_dims) batch of finite reals, cast to the parameters' dtype (``V.batch``)."""
        return V.batch(where, x, self.n_dims, values="real", like=self.layers[0].scale, name=name)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data -> base: z = f(x) (batch, D) and log |det df/dx| (batch,), the sum over layers."""
        x = self._points(x, "RealNVP.forward")
        log_det = x.new_zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Base -> data: x = f^{-1}(z) (batch, D) and log |det df^{-1}/dz| (batch,)."""
        z = self._points(z, "RealNVP.inverse", "z")
        log_det = z.new_zeros(z.shape[0])
        for layer in reversed(self.layers):
            z, ld = layer.inverse(z)
            log_det = log_det + ld
        return z, log_det

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = log N(f(x); 0, I) + log |det df/dx|, shape (batch,), nats."""
        z, log_det = self(self._points(x, "RealNVP.log_prob"))
        base = -0.5 * (z**2).sum(1) - 0.5 * self.n_dims * math.log(2 * math.pi)
        return base + log_det

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n points x = f^{-1}(z), z ~ N(0, I): shape (n, n_dims)."""
        n = V.count("RealNVP.sample", "n", n)
        V.generator("RealNVP.sample", generator)
        p = next(self.parameters())
        z = torch.randn(n, self.n_dims, generator=generator).to(p)
        return self.inverse(z)[0]


def build_from_recipe(recipe) -> RealNVP:
    """An untrained flow with the architecture of ``recipe`` (``recipes.FLOW_MOONS``)."""
    return RealNVP(n_dims=2, n_layers=recipe.n_layers, n_hidden=recipe.n_hidden)


def train_from_recipe(recipe, progress: bool = True) -> tuple[RealNVP, dict]:
    """Maximum likelihood on ``two_moons()``'s training half; ``test_nll`` on the other half (nats per point).

    The fit is ``zoo_entries.fit_moons``, the same as RealNADE's in notebook 04.
    """
    from ..zoo_entries import fit_moons

    return fit_moons(build_from_recipe(recipe), recipe, progress, "RealNVP")
