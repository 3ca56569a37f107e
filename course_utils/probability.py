"""Probability helpers for notebook 01: stable log-space arithmetic, MLE and Monte Carlo."""

from __future__ import annotations

import math
from typing import Callable

import torch


def _as_float_tensor(x, name: str, fn: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{fn}: {name} must be a tensor or array of numbers; got {type(x).__name__}") from err
    if not x.is_floating_point():
        x = x.double()
    return x


def logsumexp(a: torch.Tensor, dim: int = -1, keepdim: bool = False) -> torch.Tensor:
    """log Σ exp(a) along ``dim``, computed as m + log Σ exp(a − m) with m = max a.

    Subtracting the maximum keeps every exp(·) in (0, 1], so nothing overflows.
    """
    a = _as_float_tensor(a, "a", "logsumexp")
    m = a.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))  # all -inf rows stay -inf
    out = m + torch.log(torch.exp(a - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)


def log_softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """log softmax(z)_k = z_k − logsumexp(z)."""
    logits = _as_float_tensor(logits, "logits", "log_softmax")
    return logits - logsumexp(logits, dim=dim, keepdim=True)


def _check_targets(logits: torch.Tensor, target: torch.Tensor, fn: str) -> torch.Tensor:
    if logits.ndim != 2:
        raise ValueError(f"{fn}: logits must have shape (batch, classes); got {tuple(logits.shape)}")
    if logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(f"{fn}: logits must hold at least one example and one class; got {tuple(logits.shape)}")
    target = torch.as_tensor(target)
    if target.shape != logits.shape[:1] or target.dtype not in (torch.int64, torch.int32):
        raise ValueError(
            f"{fn}: target must be integer class indices of shape ({logits.shape[0]},); "
            f"got dtype {target.dtype} and shape {tuple(target.shape)}"
        )
    if target.min() < 0 or target.max() >= logits.shape[1]:
        raise ValueError(f"{fn}: target values must lie in [0, {logits.shape[1] - 1}]")
    return target.long()


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
    if target.shape != logits.shape:
        raise ValueError(
            "binary_cross_entropy_with_logits: target must have the shape of logits "
            f"{tuple(logits.shape)}; got {tuple(target.shape)}"
        )
    if torch.any((target < 0) | (target > 1)):
        raise ValueError("binary_cross_entropy_with_logits: target values must lie in [0, 1]")
    return (torch.nn.functional.softplus(logits) - target * logits).mean()


# --- maximum likelihood in closed form -------------------------------------------------


def bernoulli_log_likelihood(x: torch.Tensor, p: float | torch.Tensor) -> torch.Tensor:
    """Σ_i log p(x_i | p) = k log p + (n − k) log(1 − p) for binary x."""
    x = _as_float_tensor(x, "x", "bernoulli_log_likelihood")
    if not torch.all((x == 0) | (x == 1)):
        raise ValueError("bernoulli_log_likelihood: x must hold only 0s and 1s")
    p = torch.as_tensor(p, dtype=torch.float64)
    if torch.any((p < 0) | (p > 1)):
        raise ValueError(f"bernoulli_log_likelihood: p must lie in [0, 1]; got {p}")
    k, n = x.sum(), x.numel()
    return torch.xlogy(k, p) + torch.xlogy(n - k, 1 - p)


def bernoulli_mle(x: torch.Tensor) -> float:
    """The Bernoulli MLE: the share of ones, k / n."""
    x = _as_float_tensor(x, "x", "bernoulli_mle")
    if x.numel() == 0:
        raise ValueError("bernoulli_mle: x is empty")
    return float(x.mean())


def gaussian_log_likelihood(x: torch.Tensor, mu, sigma) -> torch.Tensor:
    """Σ_i log N(x_i | μ, σ²)."""
    x = _as_float_tensor(x, "x", "gaussian_log_likelihood")
    mu, sigma = torch.as_tensor(mu, dtype=torch.float64), torch.as_tensor(sigma, dtype=torch.float64)
    if torch.any(sigma <= 0):
        raise ValueError(f"gaussian_log_likelihood: sigma must be positive; got {sigma}")
    return (-0.5 * ((x - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)).sum()


def gaussian_mle(x: torch.Tensor) -> tuple[float, float]:
    """The Gaussian MLE (μ̂, σ̂): the sample mean and the *biased* (1/n) standard deviation."""
    x = _as_float_tensor(x, "x", "gaussian_mle")
    if x.numel() < 1:
        raise ValueError("gaussian_mle: x is empty")
    mu = x.mean()
    return float(mu), float(((x - mu) ** 2).mean().sqrt())


def categorical_mle(counts: torch.Tensor) -> torch.Tensor:
    """The categorical MLE: p̂_k = n_k / n."""
    counts = _as_float_tensor(counts, "counts", "categorical_mle")
    if torch.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("categorical_mle: counts must be non-negative with a positive total")
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
    if not callable(f) or not callable(sampler):
        raise TypeError("monte_carlo_mean: f and sampler must be callables, f(samples) and sampler(n, generator)")
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"monte_carlo_mean: n must be an int >= 2; got {n!r}")
    values = f(sampler(n, generator)).double()
    return float(values.mean()), float(values.std() / math.sqrt(n))


def running_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean of the first k values, for k = 1..n (the law of large numbers, drawn)."""
    values = _as_float_tensor(values, "values", "running_mean")
    return values.cumsum(0) / torch.arange(1, len(values) + 1, dtype=values.dtype)
