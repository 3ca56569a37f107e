"""Probability helpers for notebook 01: stable log-space arithmetic, MLE and Monte Carlo."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from . import validation as V


def _as_float_tensor(x, name: str, fn: str, *, ndim: int | None = None, nonempty: bool = False) -> torch.Tensor:
    """Anything array-like of real numbers as a floating-point tensor (ints become float64).

    Pure maths: NaN is let through (NaN in, NaN out) unless the caller checks it."""
    expected = "a tensor or array of real numbers" + ("" if ndim is None else f" with {ndim} dimension(s)")
    if not isinstance(x, torch.Tensor):
        if x is None or isinstance(x, (str, bytes, dict, set)):
            V.fail(fn, name, expected, V.type_name(x), TypeError)
        try:
            x = torch.as_tensor(np.asarray(x, dtype=np.float64))
        except (TypeError, ValueError, RuntimeError):
            V.fail(fn, name, expected, V.type_name(x), TypeError)
    if x.is_complex():
        V.fail(fn, name, expected, f"dtype {x.dtype}", TypeError)
    if not x.is_floating_point():
        x = x.double()
    if ndim is not None and x.dim() != ndim:
        V.fail(fn, name, expected, f"shape {tuple(x.shape)}")
    if nonempty and x.numel() == 0:
        V.fail(fn, name, "a non-empty " + expected.removeprefix("a "), f"shape {tuple(x.shape)}")
    return x


def _no_nan(fn: str, name: str, x: torch.Tensor, expected: str) -> None:
    if bool(torch.isnan(x).any()):
        V.fail(fn, name, expected, "NaN")


def logsumexp(a: torch.Tensor, dim: int = -1, keepdim: bool = False) -> torch.Tensor:
    """log Σ exp(a) along ``dim``, computed as m + log Σ exp(a − m) with m = max a.

    Subtracting the maximum keeps every exp(·) in (0, 1], so nothing overflows.
    """
    a = _as_float_tensor(a, "a", "logsumexp")
    dim = V.integer("logsumexp", "dim", dim, minimum=-max(a.dim(), 1), maximum=max(a.dim(), 1) - 1)
    if a.numel() == 0 and a.dim() > 0 and a.shape[dim] == 0:
        return torch.full(a.sum(dim=dim, keepdim=keepdim).shape, -math.inf, dtype=a.dtype)  # log of an empty sum
    m = a.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))  # all -inf rows stay -inf
    out = m + torch.log(torch.exp(a - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)


def log_softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """log softmax(z)_k = z_k − logsumexp(z)."""
    logits = _as_float_tensor(logits, "logits", "log_softmax")
    return logits - logsumexp(logits, dim=dim, keepdim=True)


def _check_targets(logits: torch.Tensor, target, fn: str) -> torch.Tensor:
    if logits.ndim != 2:
        V.fail(fn, "logits", "of shape (batch, classes)", f"shape {tuple(logits.shape)}")
    if logits.shape[0] == 0 or logits.shape[1] == 0:
        V.fail(fn, "logits", "of shape (batch, classes) with at least one example and one class", f"shape {tuple(logits.shape)}")
    if target is None or isinstance(target, (str, bytes)):
        V.fail(fn, "target", f"integer class indices of shape ({logits.shape[0]},)", V.type_name(target), TypeError)
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(np.asarray(target))
    return V.labels(fn, "target", target, logits.shape[0], logits.shape[1])


def naive_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy written as in study note 004: softmax by exp / sum, then log.

    Mathematically right, numerically fragile: exp(1000) overflows to inf.
    """
    logits = _as_float_tensor(logits, "logits", "naive_cross_entropy")
    target = _check_targets(logits, target, "naive_cross_entropy")
    probs = torch.exp(logits) / torch.sum(torch.exp(logits), dim=1, keepdim=True)
    return -torch.mean(torch.log(probs[torch.arange(len(target)), target]))


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of a softmax model, via log-sum-exp (stable)."""
    logits = _as_float_tensor(logits, "logits", "cross_entropy")
    target = _check_targets(logits, target, "cross_entropy")
    return -log_softmax(logits, dim=1)[torch.arange(len(target)), target].mean()


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean BCE from logits: softplus(z) − t·z, stable for any z (log σ(z) = −softplus(−z))."""
    logits = _as_float_tensor(logits, "logits", "binary_cross_entropy_with_logits")
    target = _as_float_tensor(target, "target", "binary_cross_entropy_with_logits")
    fn = "binary_cross_entropy_with_logits"
    if target.shape != logits.shape:
        V.fail(fn, "target", f"of the shape of logits {tuple(logits.shape)}", f"shape {tuple(target.shape)}")
    if logits.numel() == 0:
        V.fail(fn, "logits", "a non-empty tensor (the mean of no losses is undefined)", f"shape {tuple(logits.shape)}")
    if not bool(((target >= 0) & (target <= 1)).all()):
        V.fail(fn, "target", "values in [0, 1]", "NaN" if bool(target.isnan().any()) else
               f"values in [{target.min().item():.3g}, {target.max().item():.3g}]")
    return (torch.nn.functional.softplus(logits) - target * logits).mean()


# --- maximum likelihood in closed form -------------------------------------------------


def bernoulli_log_likelihood(x: torch.Tensor, p: float | torch.Tensor) -> torch.Tensor:
    """Σ_i log p(x_i | p) = k log p + (n − k) log(1 − p) for binary x."""
    fn = "bernoulli_log_likelihood"
    x = _binary_values(fn, x)
    p = _as_float_tensor(p, "p", fn)
    if not bool(((p >= 0) & (p <= 1)).all()):
        V.fail(fn, "p", "a probability (or tensor of them) in [0, 1]",
               repr(p.item()) if p.numel() == 1 else f"values in [{p.min().item():.3g}, {p.max().item():.3g}]")
    k, n = x.sum(), x.numel()
    return torch.xlogy(k, p) + torch.xlogy(n - k, 1 - p)


def bernoulli_mle(x: torch.Tensor) -> float:
    """The Bernoulli MLE: the share of ones, k / n."""
    x = _binary_values("bernoulli_mle", x, nonempty=True)
    return float(x.mean())


def _binary_values(fn: str, x, nonempty: bool = False) -> torch.Tensor:
    x = _as_float_tensor(x, "x", fn, nonempty=nonempty)
    if not bool(((x == 0) | (x == 1)).all()):
        bad = x[(x != 0) & (x != 1)][0].item()
        V.fail(fn, "x", "outcomes in {0, 1}", f"other values, e.g. {bad!r}")
    return x


def gaussian_log_likelihood(x: torch.Tensor, mu, sigma) -> torch.Tensor:
    """Σ_i log N(x_i | μ, σ²)."""
    fn = "gaussian_log_likelihood"
    x = _as_float_tensor(x, "x", fn)
    mu, sigma = _as_float_tensor(mu, "mu", fn), _as_float_tensor(sigma, "sigma", fn)
    if not bool((sigma > 0).all()) or not bool(torch.isfinite(sigma).all()):
        V.fail(fn, "sigma", "a positive finite standard deviation", repr(sigma.item()) if sigma.numel() == 1 else "values <= 0, NaN or inf")
    return (-0.5 * ((x - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)).sum()


def gaussian_mle(x: torch.Tensor) -> tuple[float, float]:
    """The Gaussian MLE (μ̂, σ̂): the sample mean and the *biased* (1/n) standard deviation."""
    x = _as_float_tensor(x, "x", "gaussian_mle", nonempty=True)
    mu = x.mean()
    return float(mu), float(((x - mu) ** 2).mean().sqrt())


def categorical_mle(counts: torch.Tensor) -> torch.Tensor:
    """The categorical MLE: p̂_k = n_k / n."""
    counts = _as_float_tensor(counts, "counts", "categorical_mle", nonempty=True)
    if not bool(((counts >= 0) & torch.isfinite(counts)).all()) or counts.sum() <= 0:
        V.fail("categorical_mle", "counts", "finite counts >= 0 with a positive total",
               "NaN or inf" if not bool(torch.isfinite(counts).all()) else f"values in [{counts.min().item():g}, {counts.max().item():g}] summing to {counts.sum().item():g}")
    return counts / counts.sum()


# --- Monte Carlo ------------------------------------------------------------------------


def monte_carlo_mean(
    f: Callable[[torch.Tensor], torch.Tensor],
    sampler: Callable[[int, torch.Generator], torch.Tensor],
    n: int,
    generator: torch.Generator | None = None,
) -> tuple[float, float]:
    """Estimate E[f(X)] by the mean of f over ``n`` independent draws.

    Returns (estimate, standard error = sample std / √n).
    """
    V.function("monte_carlo_mean", "f", f, "f(samples)")
    V.function("monte_carlo_mean", "sampler", sampler, "sampler(n, generator)")
    n = V.integer("monte_carlo_mean", "n", n, minimum=2)
    V.generator("monte_carlo_mean", generator)
    values = f(sampler(n, generator)).double()
    return float(values.mean()), float(values.std() / math.sqrt(n))


def running_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean of the first k values, for k = 1..n (the law of large numbers, drawn)."""
    values = _as_float_tensor(values, "values", "running_mean", ndim=1)
    return values.cumsum(0) / torch.arange(1, len(values) + 1, dtype=values.dtype)
