"""A Gaussian mixture model fitted by expectation-maximization (Dempster et al. 1977).

The simplest latent-variable model: a discrete latent z ∈ {1..K} picks a
component, then x | z = k ~ N(mu_k, Sigma_k):

    p(x) = Σ_k pi_k N(x; mu_k, Sigma_k).

EM alternates the E-step, the responsibilities r_nk = p(z_n = k | x_n), with
the M-step, the weighted maximum-likelihood estimates of pi, mu and Sigma
(Bishop 2006, section 9.2.2). Each iteration never lowers the log-likelihood.
The updates follow ``sklearn.mixture.GaussianMixture(covariance_type="full")``,
including its ``reg_covar`` added to each covariance's diagonal, so that the
two agree from the same starting point; computations are in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch


@dataclass
class GMM:
    """Mixture parameters: ``weights`` (K,), ``means`` (K, D), ``covariances`` (K, D, D)."""

    weights: torch.Tensor
    means: torch.Tensor
    covariances: torch.Tensor
    log_likelihood: list[float] = field(default_factory=list)  # mean per point, after each EM step

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x_n) for each row of x, shape (N,)."""
        return gmm_log_prob(x, self.weights, self.means, self.covariances)

    def responsibilities(self, x: torch.Tensor) -> torch.Tensor:
        """p(z_n = k | x_n), shape (N, K)."""
        return e_step(x, self.weights, self.means, self.covariances)

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Ancestral sampling: z ~ Categorical(pi), then x ~ N(mu_z, Sigma_z). Returns (x, z)."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"GMM.sample expects n to be a positive int; got {n!r}")
        z = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(self.covariances)
        eps = torch.randn((n, self.means.shape[1]), generator=generator, dtype=self.means.dtype)
        x = self.means[z] + (chol[z] @ eps.unsqueeze(-1)).squeeze(-1)
        return x, z


def _check_x(fn: str, x) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{fn} expects x to be a torch.Tensor of shape (N, D); got {type(x).__name__}")
    if x.dim() != 2 or len(x) == 0:
        raise ValueError(f"{fn} expects x of shape (N, D) with N >= 1; got shape {tuple(x.shape)}")
    if not torch.isfinite(x.double()).all():
        raise ValueError(f"{fn} expects finite x; got NaN or inf")
    return x.double()


def _check_params(fn: str, x, weights, means, covariances) -> tuple[torch.Tensor, ...]:
    x = _check_x(fn, x)
    k, d = means.shape if means.dim() == 2 else (None, None)
    if k is None or weights.shape != (k,) or covariances.shape != (k, d, d) or d != x.shape[1]:
        raise ValueError(
            f"{fn} expects weights (K,), means (K, D), covariances (K, D, D) with D = {x.shape[1]}; got "
            f"{tuple(weights.shape)}, {tuple(means.shape)}, {tuple(covariances.shape)}"
        )
    return x, weights.double(), means.double(), covariances.double()


def component_log_densities(x, means, covariances) -> torch.Tensor:
    """log N(x_n; mu_k, Sigma_k), shape (N, K), through a Cholesky factor of each Sigma_k."""
    chol = torch.linalg.cholesky(covariances)  # (K, D, D)
    diff = (x.unsqueeze(0) - means.unsqueeze(1)).unsqueeze(-1)  # (K, N, D, 1)
    solved = torch.linalg.solve_triangular(chol.unsqueeze(1), diff, upper=False).squeeze(-1)
    mahalanobis = solved.pow(2).sum(-1)  # (K, N)
    log_det = 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)  # (K,)
    d = x.shape[1]
    return (-0.5 * (d * math.log(2 * math.pi) + log_det.unsqueeze(1) + mahalanobis)).T


def gmm_log_prob(x, weights, means, covariances) -> torch.Tensor:
    """log p(x_n) = logsumexp_k (log pi_k + log N(x_n; mu_k, Sigma_k)), shape (N,)."""
    x, weights, means, covariances = _check_params("gmm_log_prob", x, weights, means, covariances)
    return torch.logsumexp(torch.log(weights) + component_log_densities(x, means, covariances), dim=1)


def e_step(x, weights, means, covariances) -> torch.Tensor:
    """Responsibilities r_nk = pi_k N(x_n; mu_k, Sigma_k) / Σ_j pi_j N(x_n; mu_j, Sigma_j), shape (N, K)."""
    x, weights, means, covariances = _check_params("e_step", x, weights, means, covariances)
    joint = torch.log(weights) + component_log_densities(x, means, covariances)
    return torch.softmax(joint, dim=1)


def m_step(x, resp, reg_covar: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Weighted MLE: N_k = Σ_n r_nk, pi_k = N_k / N, mu_k = Σ_n r_nk x_n / N_k,
    Sigma_k = Σ_n r_nk (x_n − mu_k)(x_n − mu_k)ᵀ / N_k + reg_covar · I."""
    x = _check_x("m_step", x)
    if not isinstance(resp, torch.Tensor) or resp.dim() != 2 or len(resp) != len(x):
        raise ValueError(
            f"m_step expects resp of shape (N, K) with N = {len(x)}; got "
            f"{tuple(resp.shape) if isinstance(resp, torch.Tensor) else type(resp).__name__}"
        )
    resp = resp.double()
    nk = resp.sum(0) + 10 * torch.finfo(torch.float64).eps
    means = resp.T @ x / nk.unsqueeze(1)
    diff = x.unsqueeze(0) - means.unsqueeze(1)  # (K, N, D)
    covariances = torch.einsum("kn,kni,knj->kij", resp.T, diff, diff) / nk.view(-1, 1, 1)
    covariances = covariances + reg_covar * torch.eye(x.shape[1], dtype=torch.float64)
    return nk / len(x), means, covariances


def fit_gmm(
    x: torch.Tensor,
    k: int,
    n_iter: int = 100,
    *,
    init_means: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    tol: float = 0.0,
    reg_covar: float = 1e-6,
) -> GMM:
    """Fit a K-component, full-covariance GMM to x (N, D) by EM.

    Starts from ``init_means`` (default: K distinct data points drawn with
    ``generator``), equal weights and the data covariance for every component,
    then runs up to ``n_iter`` E/M steps, stopping early once the mean
    log-likelihood improves by less than ``tol`` (0: never stop early).
    ``log_likelihood`` records the mean log-likelihood per point before each step
    and after the last.
    """
    x = _check_x("fit_gmm", x)
    n, d = x.shape
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= n:
        raise ValueError(f"fit_gmm expects k to be an int in [1, N={n}]; got {k!r}")
    if not isinstance(n_iter, int) or n_iter < 0:
        raise ValueError(f"fit_gmm expects n_iter to be a non-negative int; got {n_iter!r}")
    if init_means is None:
        init_means = x[torch.randperm(n, generator=generator)[:k]]
    elif init_means.shape != (k, d):
        raise ValueError(f"fit_gmm expects init_means of shape ({k}, {d}); got {tuple(init_means.shape)}")
    data_cov = torch.atleast_2d(torch.cov(x.T, correction=0)) + reg_covar * torch.eye(d, dtype=torch.float64)
    weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
    means = init_means.double().clone()
    covariances = data_cov.expand(k, d, d).clone()
    history = [gmm_log_prob(x, weights, means, covariances).mean().item()]
    for _ in range(n_iter):
        resp = e_step(x, weights, means, covariances)
        weights, means, covariances = m_step(x, resp, reg_covar)
        history.append(gmm_log_prob(x, weights, means, covariances).mean().item())
        if tol > 0 and history[-1] - history[-2] < tol:
            break
    return GMM(weights, means, covariances, history)
