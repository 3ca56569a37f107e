"""The ELBO of a diffusion model and an importance-sampled estimate of log p(x) (Sohl-Dickstein et al. 2015; Ho et al. 2020).

With the forward chain q(x_{1:T} | x_0) as the approximate posterior,

    log p(x_0) >= E_q[ log p(x_0 | x_1) ] - sum_{t=2}^T E_q[ KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)) ]
                  - KL(q(x_T | x_0) || N(0, I))                                   (Ho et al., eq. 5),

in nats. The last step's decoder is p(x_0 | x_1) = N(mu_theta(x_1, 1), beta_1 I), a
density for real-valued data (``sample`` shows its mean). Each KL is computed
from the two Gaussians' means and variances; ``DDPM.elbo_weight`` gives the
same number as a weighted noise-prediction error (eq. 12).
"""

from __future__ import annotations

import math

import torch

from .. import validation as V

__all__ = ["elbo_terms", "diffusion_elbo", "diffusion_log_prob_estimate"]


def _gauss_log_prob(x, mean, var):
    return (-0.5 * (x - mean) ** 2 / var - 0.5 * torch.log(2 * math.pi * var)).sum(-1)


def elbo_terms(ddpm, x: torch.Tensor, generator: torch.Generator | None = None,
               noise: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """The ELBO's terms for one draw of x_t ~ q(x_t | x_0) per t (independent across t), in nats.

    ``noise`` (T, batch, n_dims): the eps of each x_t (default: drawn). Returns
    ``prior`` KL(q(x_T | x_0) || N(0, I)) (batch,); ``decoder`` -log p(x_0 | x_1) (batch,);
    ``kl`` (batch, T - 1), column t - 2 the KL of step t = 2..T; ``eps`` and
    ``eps_hat`` (T, batch, n_dims), the noise and its prediction at t = 1..T.
    ELBO = -(prior + decoder + kl.sum(1)).
    """
    where = "DDPM.elbo_terms"
    x = V.batch(where, x, ddpm.n_dims, values="real", like=ddpm.betas)
    V.generator(where, generator)
    T, (b, d) = ddpm.T, x.shape
    if noise is None:
        noise = torch.randn(T, b, d, generator=generator).to(x)
    else:
        noise = V.tensor(where, "noise", noise).to(x)
        if noise.shape != (T, b, d):
            V.fail(where, "noise", f"of shape (T, batch, n_dims) = {(T, b, d)}", f"shape {tuple(noise.shape)}")
    t = torch.arange(1, T + 1).repeat_interleave(b)
    x0 = x.repeat(T, 1)
    xt = ddpm.q_sample(x0, t, noise.reshape(T * b, d))
    eps_hat = ddpm.denoiser(xt, t) if b else torch.zeros_like(xt)
    mu_p = ddpm.p_mean(xt, t, eps_hat).reshape(T, b, d)
    q_mean, q_var = ddpm.posterior(x0, xt, t)
    q_mean, q_var = q_mean.reshape(T, b, d), q_var.reshape(T, b, 1)
    sigma2 = ddpm.sigma2[2:, None, None]
    kl = 0.5 * (torch.log(sigma2 / q_var[1:]) + (q_var[1:] + (q_mean[1:] - mu_p[1:]) ** 2) / sigma2 - 1).sum(-1)
    decoder = -_gauss_log_prob(x, mu_p[0], ddpm.betas[1])
    ab = ddpm.alpha_bars[T]
    m, v = ab.sqrt() * x, 1 - ab  # q(x_T | x_0) = N(m, v I) against N(0, I)
    prior = 0.5 * (v + m**2 - 1 - torch.log(v)).sum(-1)
    return {"prior": prior, "decoder": decoder, "kl": kl.T, "eps": noise, "eps_hat": eps_hat.reshape(T, b, d)}


@torch.no_grad()
def diffusion_elbo(ddpm, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """The ELBO (eq. 5) in nats per example, shape (batch,), averaged over ``n_samples`` draws of every x_t."""
    n_samples = V.positive_int("DDPM.elbo", "n_samples", n_samples)
    x = V.batch("DDPM.elbo", x, ddpm.n_dims, values="real", like=ddpm.betas)
    V.generator("DDPM.elbo", generator)
    total = x.new_zeros(x.shape[0])
    for _ in range(n_samples):
        terms = elbo_terms(ddpm, x, generator)
        total = total - (terms["prior"] + terms["decoder"] + terms["kl"].sum(1))
    return total / n_samples


@torch.no_grad()
def diffusion_log_prob_estimate(ddpm, x: torch.Tensor, k: int = 100,
                                generator: torch.Generator | None = None) -> torch.Tensor:
    """log (1/k) sum_j p(x_0, x_{1:T}^j) / q(x_{1:T}^j | x_0), x_{1:T}^j ~ q: shape (batch,), nats.

    An estimate of log p(x_0) that rises with k towards it (Burda et al. 2016); k = 1
    is an unbiased estimate of the ELBO. k T network calls per example.
    """
    k = V.positive_int("DDPM.log_prob_estimate", "k", k)
    x = V.batch("DDPM.log_prob_estimate", x, ddpm.n_dims, values="real", like=ddpm.betas)
    V.generator("DDPM.log_prob_estimate", generator)
    b, d = x.shape
    if b == 0:
        return x.new_zeros(0)
    x0 = x.repeat(k, 1)
    log_w = x0.new_zeros(k * b)
    prev = x0
    chain = []
    for step in range(1, ddpm.T + 1):  # the forward chain, step by step
        xt = ddpm.alphas[step].sqrt() * prev + ddpm.betas[step].sqrt() * torch.randn(prev.shape, generator=generator).to(x)
        log_w = log_w - _gauss_log_prob(xt, ddpm.alphas[step].sqrt() * prev, ddpm.betas[step])
        chain.append(xt)
        prev = xt
    log_w = log_w + _gauss_log_prob(chain[-1], torch.zeros_like(prev), torch.ones(()).to(x))
    for step in range(ddpm.T, 0, -1):
        t = torch.full((k * b,), step, dtype=torch.long)
        xt, target = chain[step - 1], chain[step - 2] if step > 1 else x0
        mean = ddpm.p_mean(xt, t, ddpm.denoiser(xt, t))
        log_w = log_w + _gauss_log_prob(target, mean, ddpm.sigma2[step] if step > 1 else ddpm.betas[1])
    return torch.logsumexp(log_w.reshape(k, b), 0) - math.log(k)
