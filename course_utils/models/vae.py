"""The variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014).

A latent-variable model p(x, z) = p(z) p(x | z) with a standard-normal prior
p(z) = N(0, I) and a decoder network for p(x | z), trained by maximizing the
evidence lower bound (ELBO) with an encoder q(z | x) = N(mu(x), diag sigma²(x)):

    log p(x) >= ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z)).

The expectation is estimated with the reparameterization z = mu + sigma ⊙ eps,
eps ~ N(0, I), so that its gradient flows into mu and sigma; the KL term has a
closed form. ``log_prob_iw`` gives the importance-weighted estimate of log p(x)
of Burda, Grosse & Salakhutdinov (2016), which tightens as k grows.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.nn import functional as F

from .. import validation as V

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2 * math.pi)


def _check_pair(fn: str, mu, logvar) -> None:
    for name, t in (("mu", mu), ("logvar", logvar)):
        t = V.tensor(fn, name, t, "a floating-point torch.Tensor of shape (..., n_latent)")
        if not t.is_floating_point():
            V.fail(fn, name, "a floating-point torch.Tensor of shape (..., n_latent)", f"dtype {t.dtype}", TypeError)
    if mu.shape != logvar.shape or mu.dim() < 1:
        V.fail(fn, "mu and logvar", "of the same shape (..., n_latent)",
               f"shapes {tuple(mu.shape)} and {tuple(logvar.shape)}")


def reparameterize(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    eps: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """z = mu + exp(logvar / 2) ⊙ eps with eps ~ N(0, I) (Kingma & Welling 2014, eq. 10).

    The randomness sits in ``eps``, which does not depend on the parameters, so
    z is a differentiable function of ``mu`` and ``logvar``. ``eps`` may be given
    (any shape that broadcasts against ``mu``, e.g. (k, batch, n_latent));
    otherwise it is drawn with ``generator``.
    """
    _check_pair("reparameterize", mu, logvar)
    V.generator("reparameterize", generator)
    if eps is None:
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    else:
        expected = f"whose trailing dimensions equal mu's shape {tuple(mu.shape)}"
        eps = V.tensor("reparameterize", "eps", eps, f"a torch.Tensor (or None) {expected}")
        if eps.dim() < mu.dim() or eps.shape[eps.dim() - mu.dim():] != mu.shape:
            V.fail("reparameterize", "eps", expected, f"shape {tuple(eps.shape)}")
    return mu + torch.exp(0.5 * logvar) * eps


def kl_normal_std(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) in nats, summed over the last dimension.

    Closed form (Kingma & Welling 2014, appendix B):
    KL = 1/2 · Σ_j (mu_j² + sigma_j² − 1 − log sigma_j²). Returns shape ``mu.shape[:-1]``.
    """
    _check_pair("kl_normal_std", mu, logvar)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)), summed over the last dimension."""
    _check_pair("log_normal_diag", mu, logvar)
    z = V.tensor("log_normal_diag", "z", z, f"a torch.Tensor whose trailing dimensions equal mu's shape {tuple(mu.shape)}")
    if z.dim() < mu.dim() or z.shape[z.dim() - mu.dim():] != mu.shape:
        V.fail("log_normal_diag", "z", f"whose trailing dimensions equal mu's shape {tuple(mu.shape)}", f"shape {tuple(z.shape)}")
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def log_normal_std(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last dimension."""
    z = V.tensor("log_normal_std", "z", z, "a torch.Tensor of shape (..., n_latent)")
    if z.dim() < 1:
        V.fail("log_normal_std", "z", "a torch.Tensor of shape (..., n_latent)", "a 0-d tensor")
    return -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """A VAE with MLP encoder and decoder and a N(0, I) prior.

    * ``encode(x) -> (mu, logvar)`` of q(z | x);
    * ``decode(z)`` -> logits of p(x | z) (Bernoulli) or its mean (Gaussian with
      identity covariance times ``obs_std``², the note's "MSE" likelihood);
    * ``elbo(x, n_samples)`` -> (batch,) nats; ``log_prob_iw(x, k)`` -> (batch,) nats;
    * ``sample(n)`` draws z ~ p(z), then x ~ p(x | z) (or its mean).

    ``n_hidden`` is the width of each of the ``n_layers`` hidden layers of the
    encoder and of the decoder (ReLU).
    """

    def __init__(
        self,
        n_dims: int = 784,
        n_latent: int = 2,
        n_hidden: int = 256,
        likelihood: str = "bernoulli",
        *,
        n_layers: int = 1,
        obs_std: float = 1.0,
    ):
        super().__init__()
        n_dims, n_latent, n_hidden, n_layers = (
            V.positive_int("VAE", name, value)
            for name, value in (("n_dims", n_dims), ("n_latent", n_latent), ("n_hidden", n_hidden), ("n_layers", n_layers))
        )
        V.choice("VAE", "likelihood", likelihood, LIKELIHOODS)
        obs_std = V.positive("VAE", "obs_std", obs_std)
        self.n_dims, self.n_latent, self.n_hidden = n_dims, n_latent, n_hidden
        self.likelihood, self.obs_std = likelihood, float(obs_std)
        self.encoder = _mlp([n_dims] + [n_hidden] * n_layers + [2 * n_latent])
        self.decoder = _mlp([n_latent] + [n_hidden] * n_layers + [n_dims])

    # -- input checks (course_utils.validation) -------------------------------

    def _check_x(self, fn: str, x) -> torch.Tensor:
        values = "unit" if self.likelihood == "bernoulli" else "real"
        return V.batch(f"VAE.{fn}", x, self.n_dims, values=values, like=self._weight)

    def _check_z(self, fn: str, z) -> torch.Tensor:
        return V.latent(f"VAE.{fn}", z, self.n_latent, like=self._weight)

    @property
    def _weight(self) -> torch.Tensor:
        return next(self.parameters())

    # -- the two networks -----------------------------------------------------

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z | x) = N(mu, diag exp(logvar)): returns (mu, logvar), each (batch, n_latent).

        The encoder outputs log sigma² rather than sigma so that any real output
        gives a positive variance.
        """
        x = self._check_x("encode", x)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of p(x | z) (Bernoulli) or its mean (Gaussian); shape (..., n_dims)."""
        return self.decoder(self._check_z("decode", z))

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x | z]: sigmoid(logits) for the Bernoulli likelihood, the mean for the Gaussian."""
        out = self.decoder(self._check_z("decode_mean", z))
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def log_px_given_z(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """log p(x | z) summed over pixels, from the decoder output ``out`` (..., n_dims).

        Bernoulli: −BCE-with-logits; Gaussian: −||x − mean||² / (2 s²) − D/2 · log(2π s²).
        """
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(out, x.expand_as(out), reduction="none").sum(-1)
        var = self.obs_std**2
        return -0.5 * ((x - out).pow(2).sum(-1) / var + self.n_dims * (LOG_2PI + math.log(var)))

    # -- likelihood bounds and estimates --------------------------------------

    def elbo(
        self, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) || p(z)) in nats, shape (batch,).

        The reconstruction term is a Monte Carlo average over ``n_samples``
        reparameterized draws; the KL term is exact (``kl_normal_std``).
        """
        n_samples = V.positive_int("VAE.elbo", "n_samples", n_samples)
        V.generator("VAE.elbo", generator)
        x = self._check_x("elbo", x)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        eps = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
        z = reparameterize(mu, logvar, eps)
        reconstruction = self.log_px_given_z(x, self.decoder(z)).mean(0)
        return reconstruction - kl_normal_std(mu, logvar)

    def log_prob_iw(
        self,
        x: torch.Tensor,
        k: int = 100,
        generator: torch.Generator | None = None,
        max_elements: int = 4_000_000,
    ) -> torch.Tensor:
        """Importance-weighted estimate of log p(x) (Burda et al. 2016, eq. 8), shape (batch,).

        log (1/k) Σ_i p(x, z_i) / q(z_i | x) with z_i ~ q(z | x), computed with
        log-sum-exp. Its expectation is a lower bound that rises with k towards
        log p(x); k = 1 is the ELBO without the closed-form KL. The k samples are
        evaluated together; examples are processed in chunks so that no decoder
        output holds more than ``max_elements`` numbers. No gradients are kept.
        """
        x = self._check_x("log_prob_iw", x)
        k = V.positive_int("VAE.log_prob_iw", "k", k)
        V.generator("VAE.log_prob_iw", generator)
        max_elements = V.positive_int("VAE.log_prob_iw", "max_elements", max_elements)
        chunk = max(1, max_elements // (k * self.n_dims))
        out = []
        with torch.no_grad():
            for start in range(0, len(x), chunk):
                xb = x[start : start + chunk]
                mu, logvar = self.encoder(xb).chunk(2, dim=-1)
                eps = torch.randn((k, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
                z = reparameterize(mu, logvar, eps)
                log_w = (
                    self.log_px_given_z(xb, self.decoder(z))
                    + log_normal_std(z)
                    - log_normal_diag(z, mu, logvar)
                )
                out.append(torch.logsumexp(log_w, dim=0) - math.log(k))
        return torch.cat(out) if out else x.new_zeros(0)

    def log_prob_estimate(self, x: torch.Tensor, k: int = 100, generator: torch.Generator | None = None) -> torch.Tensor:
        """An estimate of log p(x), shape (batch,): ``log_prob_iw`` (the bound-only contract's name)."""
        return self.log_prob_iw(x, k, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The ELBO of each example (one sample), shape (batch,)."""
        return self.elbo(x)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, mean: bool = False
    ) -> torch.Tensor:
        """Draw z ~ N(0, I), then x ~ p(x | z); with ``mean=True`` return E[x | z] instead."""
        n = V.count("VAE.sample", "n", n)
        V.generator("VAE.sample", generator)
        mean = V.flag("VAE.sample", "mean", mean)
        device = self._weight.device
        z = torch.randn((n, self.n_latent), generator=generator, device=device)
        x_mean = self.decoder(z)
        if self.likelihood == "bernoulli":
            x_mean = torch.sigmoid(x_mean)
        if mean:
            return x_mean
        if self.likelihood == "bernoulli":
            return torch.bernoulli(x_mean, generator=generator)
        noise = torch.randn(x_mean.shape, generator=generator, device=device)
        return x_mean + self.obs_std * noise


# -- the zoo hooks ------------------------------------------------------------


def build_from_recipe(recipe) -> VAE:
    """An untrained VAE with the architecture and decoder width ``obs_std`` of ``recipe`` (``recipes.VAE_2D`` ...)."""
    return VAE(
        784,
        recipe.n_latent,
        recipe.n_hidden,
        recipe.likelihood,
        n_layers=recipe.n_layers,
        obs_std=recipe.obs_std,
    )


def negative_elbo(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """The training loss: the mean negative ELBO over a batch, in nats per image."""
    x = V.tensor("negative_elbo", "x", x, f"a torch.Tensor of shape (batch, {getattr(model, 'n_dims', 'n_dims')})")
    if x.dim() >= 1 and x.shape[0] == 0:
        V.fail("negative_elbo", "x", "at least one row (the mean of no losses is undefined)", f"shape {tuple(x.shape)}")
    return -model.elbo(x).mean()


def train_from_recipe(recipe, progress: bool = True) -> tuple[VAE, dict]:
    """Train a VAE on ``load_mnist()`` (4,000 digits; grey ones for a Gaussian decoder) for the recipe's epochs.

    The test split's negative ELBO is recorded after each epoch (``valid_loss``)
    to draw the curve; it chooses nothing. ``seconds`` is the total wall time.
    """
    from ..data import load_mnist
    from ..training import fit, seed_everything

    generator = seed_everything(recipe.seed)
    binarize = recipe.likelihood == "bernoulli"  # a Gaussian decoder models the grey digits
    x_train, _ = load_mnist("train", binarize=binarize)
    x_test, _ = load_mnist("test", binarize=binarize)
    model = build_from_recipe(recipe)
    start = time.perf_counter()
    history = fit(
        model,
        negative_elbo,
        x_train,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        lr=recipe.lr,
        x_valid=x_test,
        generator=generator,
        progress=progress,
        desc=f"VAE (n_latent={recipe.n_latent})",
    )
    history["epoch_seconds"] = history.pop("seconds")
    history["seconds"] = time.perf_counter() - start
    return model.eval(), history
