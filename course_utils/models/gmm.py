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

from .. import validation as V


@dataclass
class GMM:
    """Mixture parameters: ``weights`` (K,), ``means`` (K, D), ``covariances`` (K, D, D)."""

    weights: torch.Tensor
    means: torch.Tensor
    covariances: torch.Tensor
    log_likelihood: list[float] = field(default_factory=list)  # mean per point, after each EM step

    @property
    def n_dims(self) -> int:
        return int(self.means.shape[1])

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x_n) (a density, nats) for each row of x, shape (N,)."""
        return _log_prob("GMM.log_prob", x, self.weights, self.means, self.covariances, allow_empty=True)

    def responsibilities(self, x: torch.Tensor) -> torch.Tensor:
        """p(z_n = k | x_n), shape (N, K)."""
        x, weights, means, covariances = _check_params("GMM.responsibilities", x, self.weights, self.means, self.covariances)
        return torch.softmax(torch.log(weights) + component_log_densities(x, means, covariances), dim=1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` draws x (n, D) by ancestral sampling (see ``sample_with_components``)."""
        return self.sample_with_components(n, generator, where="GMM.sample")[0]

    def sample_with_components(self, n: int, generator: torch.Generator | None = None, *,
                               where: str = "GMM.sample_with_components") -> tuple[torch.Tensor, torch.Tensor]:
        """Ancestral sampling: z ~ Categorical(pi), then x ~ N(mu_z, Sigma_z). Returns (x (n, D), z (n,))."""
        n = V.count(where, "n", n)
        V.generator(where, generator)
        if n == 0:
            return self.means.new_zeros(0, self.n_dims), torch.zeros(0, dtype=torch.long)
        z = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(self.covariances)
        eps = torch.randn((n, self.means.shape[1]), generator=generator, dtype=self.means.dtype)
        x = self.means[z] + (chol[z] @ eps.unsqueeze(-1)).squeeze(-1)
        return x, z


def _check_x(fn: str, x, n_dims: int | None = None, allow_empty: bool = False) -> torch.Tensor:
    """x (N, D) as float64; N >= 1 unless ``allow_empty``."""
    shape = "(N, D)" if n_dims is None else f"(N, {n_dims})"
    x = V.tensor(fn, "x", x, f"a torch.Tensor of shape {shape} with finite values")
    if x.dim() != 2 or (n_dims is not None and x.shape[1] != n_dims):
        V.fail(fn, "x", f"of shape {shape} with finite values", f"shape {tuple(x.shape)}")
    return V.batch(fn, x, x.shape[1], values="real", like=torch.empty(0, dtype=torch.float64), nonempty=not allow_empty)


def _check_params(fn: str, x, weights, means, covariances, allow_empty: bool = False) -> tuple[torch.Tensor, ...]:
    for name, value in (("weights", weights), ("means", means), ("covariances", covariances)):
        V.tensor(fn, name, value)
    k, d = means.shape if means.dim() == 2 else (None, None)
    if k is None or weights.shape != (k,) or covariances.shape != (k, d, d):
        V.fail(fn, "weights+means+covariances", "of shapes (K,), (K, D), (K, D, D)",
               f"{tuple(weights.shape)}, {tuple(means.shape)}, {tuple(covariances.shape)}")
    x = _check_x(fn, x, d, allow_empty)
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
    return _log_prob("gmm_log_prob", x, weights, means, covariances, allow_empty=True)


def _log_prob(fn: str, x, weights, means, covariances, allow_empty: bool = False) -> torch.Tensor:
    x, weights, means, covariances = _check_params(fn, x, weights, means, covariances, allow_empty)
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
    resp = V.tensor("m_step", "resp", resp, f"a torch.Tensor of shape (N, K) with N = {len(x)}")
    if resp.dim() != 2 or len(resp) != len(x):
        V.fail("m_step", "resp", f"of shape (N, K) with N = {len(x)}", f"shape {tuple(resp.shape)}")
    reg_covar = V.number("m_step", "reg_covar", reg_covar, minimum=0.0)
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
    k = V.integer("fit_gmm", "k", k, minimum=1, maximum=n)
    n_iter = V.integer("fit_gmm", "n_iter", n_iter, minimum=0)
    V.generator("fit_gmm", generator)
    tol = V.number("fit_gmm", "tol", tol, minimum=0.0)
    reg_covar = V.number("fit_gmm", "reg_covar", reg_covar, minimum=0.0)
    if init_means is None:
        init_means = x[torch.randperm(n, generator=generator)[:k]]
    else:
        init_means = V.tensor("fit_gmm", "init_means", init_means, f"a torch.Tensor of shape ({k}, {d})")
        if init_means.shape != (k, d):
            V.fail("fit_gmm", "init_means", f"of shape ({k}, {d})", f"shape {tuple(init_means.shape)}")
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
