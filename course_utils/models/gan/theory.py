"""GAN theory on a grid (Goodfellow et al. 2014, Proposition 1 and Theorem 1).

* ``optimal_discriminator``: D*(x) = p_data(x) / (p_data(x) + p_g(x));
* ``gan_value``: V(D, G) of eq. 1 in x-space;
* ``jsd``: the Jensen-Shannon divergence, with V(D*, G) = -log 4 + 2 JSD(p_data || p_g).

Densities are anything array-like of non-negative finite numbers on a common grid.
"""

from __future__ import annotations

import math

import numpy as np

from ... import validation as V

__all__ = ["optimal_discriminator", "gan_value", "jsd"]


def _density_pair(fn: str, p, q, names=("p", "q")) -> tuple[np.ndarray, np.ndarray]:
    p = V.array(fn, names[0], p, nonnegative=True, expected="a density on a grid (an array of numbers)")
    q = V.array(fn, names[1], q, nonnegative=True, expected="a density on a grid (an array of numbers)")
    if p.shape != q.shape:
        V.fail(fn, names[1], f"an array of the shape of {names[0]} {p.shape}", f"shape {q.shape}")
    return p, q


def _dx(fn: str, dx) -> float:
    return V.positive(fn, "dx", dx)


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) for densities on a common grid.

    Where both densities are 0, D does not change V, and 1/2 is returned.
    """
    p, q = _density_pair("optimal_discriminator", p_data, p_g, ("p_data", "p_g"))
    total = p + q
    return np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.5)


def gan_value(d, p_data, p_g, dx: float | None = None) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 - D) dx on a grid (eq. 1 in x-space).

    ``d`` holds D(x) on the grid, in [0, 1]. With ``dx=None`` the inputs are
    discrete distributions (sums replace integrals); terms with zero weight count 0.
    """
    p, q = _density_pair("gan_value", p_data, p_g, ("p_data", "p_g"))
    d = V.array("gan_value", "d", d, expected="D(x) on the grid (an array of probabilities in [0, 1])")
    if d.shape != p.shape:
        V.fail("gan_value", "d", f"an array of the shape of p_data {p.shape}", f"shape {d.shape}")
    if np.any((d < 0) | (d > 1)):
        V.fail("gan_value", "d", "probabilities D(x) in [0, 1]", f"values in [{d.min():.3g}, {d.max():.3g}]")
    scale = 1.0 if dx is None else _dx("gan_value", dx)
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
    p, q = _density_pair("optimal_gan_value", p_data, p_g, ("p_data", "p_g"))
    scale = 1.0 if dx is None else _dx("optimal_gan_value", dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_total = np.log(p + q)
        real = np.where(p > 0, p * (np.log(p) - log_total), 0.0)
        fake = np.where(q > 0, q * (np.log(q) - log_total), 0.0)
    return float((real.sum() + fake.sum()) * scale)


def jsd(p, q, dx: float | None = None) -> float:
    """Jensen-Shannon divergence in nats: KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2.

    ``p`` and ``q`` are discrete distributions (``dx=None``, each must sum to 1)
    or densities on a grid of spacing ``dx`` (each must integrate to 1 within
    1e-3). The result lies in [0, log 2].
    """
    p, q = _density_pair("jsd", p, q)
    scale = 1.0 if dx is None else _dx("jsd", dx)
    for name, arr in (("p", p), ("q", q)):
        mass = arr.sum() * scale
        if abs(mass - 1.0) > 1e-3:
            what = "that sums to 1" if dx is None else "that integrates (sum * dx) to 1"
            V.fail("jsd", name, f"a distribution {what}", f"{mass:.6g}")
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * (np.log(p) - np.log(m)), 0.0).sum() * scale
        kl_q = np.where(q > 0, q * (np.log(q) - np.log(m)), 0.0).sum() * scale
    return float(min(max(0.5 * (kl_p + kl_q), 0.0), math.log(2)))
