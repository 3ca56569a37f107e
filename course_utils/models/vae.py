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

from ._checks import check_positive_int

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2 * math.pi)


def _check_pair(fn: str, mu: torch.Tensor, logvar: torch.Tensor) -> None:
    for name, t in (("mu", mu), ("logvar", logvar)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{fn} expects {name} to be a torch.Tensor; got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{fn} expects {name} to be a floating-point tensor; got dtype {t.dtype}")
    if mu.shape != logvar.shape or mu.dim() < 1:
        raise ValueError(
            f"{fn} expects mu and logvar of the same shape (..., n_latent); "
            f"got shapes {tuple(mu.shape)} and {tuple(logvar.shape)}"
        )


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
    if eps is None:
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    elif not isinstance(eps, torch.Tensor):
        raise TypeError(f"reparameterize expects eps to be a torch.Tensor or None; got {type(eps).__name__}")
    elif eps.dim() < mu.dim() or eps.shape[eps.dim() - mu.dim():] != mu.shape:
        raise ValueError(
            f"reparameterize expects eps whose trailing dimensions equal mu's shape {tuple(mu.shape)}; "
            f"got shape {tuple(eps.shape)}"
        )
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
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def log_normal_std(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last dimension."""
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
        for name, value in (("n_dims", n_dims), ("n_latent", n_latent), ("n_hidden", n_hidden), ("n_layers", n_layers)):
            check_positive_int("VAE", name, value)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"VAE: likelihood must be one of {LIKELIHOODS}; got {likelihood!r}")
        if not (isinstance(obs_std, (int, float)) and obs_std > 0):
            raise ValueError(f"VAE: obs_std must be a positive number; got {obs_std!r}")
        self.n_dims, self.n_latent, self.n_hidden = n_dims, n_latent, n_hidden
        self.likelihood, self.obs_std = likelihood, float(obs_std)
        self.encoder = _mlp([n_dims] + [n_hidden] * n_layers + [2 * n_latent])
        self.decoder = _mlp([n_latent] + [n_hidden] * n_layers + [n_dims])

    # -- input checks ---------------------------------------------------------

    def _check_x(self, fn: str, x) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"VAE.{fn} expects x to be a torch.Tensor; got {type(x).__name__}")
        if not x.is_floating_point():
            raise TypeError(f"VAE.{fn} expects x to be a floating-point tensor (use x.float()); got dtype {x.dtype}")
        if x.dim() != 2 or x.shape[1] != self.n_dims:
            raise ValueError(
                f"VAE.{fn} expects x of shape (batch, {self.n_dims}); got shape {tuple(x.shape)}"
            )
        if self.likelihood == "bernoulli" and x.numel() and (x.min() < 0 or x.max() > 1):
            raise ValueError(
                f"VAE.{fn} expects x with values in [0, 1] for the Bernoulli likelihood; "
                f"got values in [{x.min().item():.3g}, {x.max().item():.3g}]"
            )
        if not torch.isfinite(x).all():
            raise ValueError(f"VAE.{fn} expects finite x; got NaN or inf")

    def _check_z(self, fn: str, z) -> None:
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"VAE.{fn} expects z to be a torch.Tensor; got {type(z).__name__}")
        if not z.is_floating_point():
            raise TypeError(f"VAE.{fn} expects z to be a floating-point tensor; got dtype {z.dtype}")
        if z.dim() < 1 or z.shape[-1] != self.n_latent:
            raise ValueError(f"VAE.{fn} expects z of shape (..., {self.n_latent}); got shape {tuple(z.shape)}")

    @staticmethod
    def _check_count(fn: str, name: str, value) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"VAE.{fn} expects {name} to be a positive int; got {value!r}")

    # -- the two networks -----------------------------------------------------

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z | x) = N(mu, diag exp(logvar)): returns (mu, logvar), each (batch, n_latent).

        The encoder outputs log sigma² rather than sigma so that any real output
        gives a positive variance.
        """
        self._check_x("encode", x)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of p(x | z) (Bernoulli) or its mean (Gaussian); shape (..., n_dims)."""
        self._check_z("decode", z)
        return self.decoder(z)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x | z]: sigmoid(logits) for the Bernoulli likelihood, the mean for the Gaussian."""
        out = self.decode(z)
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
        self._check_count("elbo", "n_samples", n_samples)
        mu, logvar = self.encode(x)
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
        self._check_x("log_prob_iw", x)
        self._check_count("log_prob_iw", "k", k)
        chunk = max(1, max_elements // (k * self.n_dims))
        out = []
        with torch.no_grad():
            for start in range(0, len(x), chunk):
                xb = x[start : start + chunk]
                mu, logvar = self.encode(xb)
                eps = torch.randn((k, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
                z = reparameterize(mu, logvar, eps)
                log_w = (
                    self.log_px_given_z(xb, self.decoder(z))
                    + log_normal_std(z)
                    - log_normal_diag(z, mu, logvar)
                )
                out.append(torch.logsumexp(log_w, dim=0) - math.log(k))
        return torch.cat(out) if out else x.new_zeros(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The ELBO of each example (one sample), shape (batch,)."""
        return self.elbo(x)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, mean: bool = False
    ) -> torch.Tensor:
        """Draw z ~ N(0, I), then x ~ p(x | z); with ``mean=True`` return E[x | z] instead."""
        self._check_count("sample", "n", n)
        device = next(self.parameters()).device
        z = torch.randn((n, self.n_latent), generator=generator, device=device)
        x_mean = self.decode_mean(z)
        if mean:
            return x_mean
        if self.likelihood == "bernoulli":
            return torch.bernoulli(x_mean, generator=generator)
        noise = torch.randn(x_mean.shape, generator=generator, device=device)
        return x_mean + self.obs_std * noise


# -- the zoo hooks ------------------------------------------------------------


def build_from_recipe(recipe) -> VAE:
    """An untrained VAE with the architecture of ``recipe`` (``recipes.VAE_2D`` / ``VAE_20D``)."""
    return VAE(
        784,
        recipe.n_latent,
        recipe.n_hidden,
        recipe.likelihood,
        n_layers=recipe.n_layers,
    )


def negative_elbo(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """The training loss: the mean negative ELBO over a batch, in nats per image."""
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
