"""Toy data for GANs: equal-weight Gaussian mixtures with a sampler and an exact density.

``ring_of_gaussians`` is the mode-collapse benchmark of VEEGAN (Srivastava et
al. 2017) and PacGAN (Lin et al. 2018); ``two_gaussians_1d`` is the data of the
replayed 1-D GAN of notebook 06.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ... import validation as V

__all__ = ["ToyData", "ring_of_gaussians", "two_gaussians_1d"]


@dataclass(frozen=True)
class ToyData:
    """A Gaussian mixture with equal weights: centres (K, d), one std, a sampler and a density."""

    centers: torch.Tensor
    std: float

    @property
    def n_dims(self) -> int:
        return int(self.centers.shape[1])

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` draws (n, d): pick a centre uniformly, add N(0, std² I) noise."""
        n = V.count("ToyData.sample", "n", n)
        V.generator("ToyData.sample", generator)
        k = torch.randint(len(self.centers), (n,), generator=generator)
        noise = torch.randn(n, self.centers.shape[1], generator=generator)
        return self.centers[k] + self.std * noise

    def __call__(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.sample(n, generator)

    def density(self, x) -> np.ndarray:
        """p_data(x) at points x of shape (..., d); for 1-D data also (...,) without the last axis.

        Pure maths: a NaN point gives a NaN density."""
        d = self.centers.shape[1]
        arr = V.array("ToyData.density", "x", x, finite=False, expected=f"points of shape (..., {d})")
        if d == 1 and (arr.ndim == 0 or arr.shape[-1] != 1):
            arr = arr[..., None]
        if arr.ndim == 0 or arr.shape[-1] != d:
            V.fail("ToyData.density", "x", f"points of shape (..., {d})", f"shape {arr.shape}")
        pts = arr.reshape(-1, d)
        centers = self.centers.double().numpy()
        sq = ((pts[:, None, :] - centers[None]) ** 2).sum(-1)
        norm = (2 * math.pi * self.std**2) ** (d / 2)
        return (np.exp(-sq / (2 * self.std**2)) / norm).mean(1).reshape(arr.shape[:-1])


def ring_of_gaussians(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> ToyData:
    """K Gaussians with equal weights on a circle (the VEEGAN / PacGAN benchmark)."""
    n_modes = V.positive_int("ring_of_gaussians", "n_modes", n_modes)
    radius = V.positive("ring_of_gaussians", "radius", radius)
    std = V.positive("ring_of_gaussians", "std", std)
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return ToyData(centers.float(), float(std))


def two_gaussians_1d(means: tuple[float, float] = (-2.0, 2.0), std: float = 0.5) -> ToyData:
    """An equal mixture of two 1-D Gaussians, the data of the replayed 1-D GAN."""
    expected = "a pair of finite numbers (the two means)"
    if not isinstance(means, (tuple, list, np.ndarray, torch.Tensor)):
        V.fail("two_gaussians_1d", "means", expected, V.type_name(means), TypeError)
    if len(means) != 2:
        V.fail("two_gaussians_1d", "means", expected, f"{len(means)} values")
    means = [V.number("two_gaussians_1d", "means", m, expected=expected) for m in means]
    std = V.positive("two_gaussians_1d", "std", std)
    return ToyData(torch.tensor([[m] for m in means]), float(std))
