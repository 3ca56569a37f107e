"""The adversarial autoencoder (Makhzani et al. 2016).

An autoencoder whose codes are pushed towards a prior p(z) by a GAN on the
codes instead of a KL term: a discriminator D tells prior samples z ~ p(z) from
codes z = enc(x) of real images, and the encoder learns to fool it. Each
minibatch takes three steps (Makhzani et al. 2016, Section 2):

    reconstruction:  min_{enc, dec}  E_x[-log p(x | dec(enc(x)))]
    discriminator:   min_D  -E_{z ~ p(z)}[log D(z)] - E_x[log(1 - D(enc(x)))]
    encoder (G):     min_enc  -E_x[log D(enc(x))]          (non-saturating)

The prior is only ever *sampled* (``prior.sample(n, generator)``), so any
distribution we can draw from works, with or without a density: here a ring
of Gaussians in 2-D (``ring_prior``), whose KL to a Gaussian q has no closed
form. The decoder is Bernoulli (binary pixels); ``sample`` draws z from the
prior, then x ~ p(x | z).
"""

from __future__ import annotations

import time

import torch
from torch import nn
from torch.nn import functional as F

from .. import validation as V
from .gan import discriminator_loss, generator_loss, ring_of_gaussians

__all__ = ["AdversarialAutoencoder", "ring_prior", "build_from_recipe", "train_from_recipe"]


def ring_prior(n_modes: int = 10, radius: float = 2.0, std: float = 0.3):
    """The AAE's prior: ``n_modes`` Gaussians of std ``std`` on a circle of ``radius`` (a ``gan.ToyData``)."""
    return ring_of_gaussians(n_modes=n_modes, radius=radius, std=std)


def _mlp(sizes: list[int], activation=nn.ReLU) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def _reconstruction_loss(model, x, z_data):
    """-log p(x | dec(z)) per image (Bernoulli), averaged over the batch."""
    return F.binary_cross_entropy_with_logits(model.decoder(z_data), x, reduction="none").sum(1).mean()


def _discriminator_loss(model, z_data, z_prior):
    """-mean log D(z_prior) - mean log(1 - D(z_data)), the codes detached."""
    return discriminator_loss(model.discriminator(z_prior).squeeze(-1), model.discriminator(z_data.detach()).squeeze(-1))


def _encoder_loss(model, z_data):
    """The encoder as generator: -mean log D(z_data) (non-saturating)."""
    return generator_loss(model.discriminator(z_data).squeeze(-1), non_saturating=True)


class AdversarialAutoencoder(nn.Module):
    """Encoder x -> z (deterministic), Bernoulli decoder z -> logits, discriminator z -> logit.

    * ``encode(x) -> (batch, n_latent)``, ``decode(z)`` -> logits, ``decode_mean(z)`` -> E[x | z];
    * ``losses(x, z_prior)`` -> the three losses of the module docstring on one batch;
    * ``sample(n)`` draws z ~ prior, then x ~ p(x | z) (or E[x | z] with ``mean=True``).
    """

    def __init__(self, n_dims: int = 784, n_latent: int = 2, n_hidden: int = 256, n_hidden_d: int = 64, prior=None):
        super().__init__()
        n_dims, n_latent, n_hidden, n_hidden_d = (
            V.positive_int("AdversarialAutoencoder", name, value)
            for name, value in (("n_dims", n_dims), ("n_latent", n_latent), ("n_hidden", n_hidden),
                                ("n_hidden_d", n_hidden_d))
        )
        prior = ring_prior() if prior is None else prior
        if not callable(getattr(prior, "sample", None)):
            V.fail("AdversarialAutoencoder", "prior", "an object with sample(n, generator)", V.type_name(prior), TypeError)
        if getattr(prior, "n_dims", n_latent) != n_latent:
            V.fail("AdversarialAutoencoder", "prior", f"a prior over {n_latent}-D codes (n_latent)",
                   f"a prior over {prior.n_dims}-D points")
        self.n_dims, self.n_latent, self.prior = n_dims, n_latent, prior
        self.encoder = _mlp([n_dims, n_hidden, n_latent])
        self.decoder = _mlp([n_latent, n_hidden, n_dims])
        self.discriminator = _mlp([n_latent, n_hidden_d, n_hidden_d, 1], nn.LeakyReLU)

    @property
    def _weight(self) -> torch.Tensor:
        return next(self.parameters())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code z = enc(x), shape (batch, n_latent)."""
        return self.encoder(V.batch("AdversarialAutoencoder.encode", x, self.n_dims, values="unit", like=self._weight))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of the Bernoulli p(x | z), shape (batch, n_dims)."""
        return self.decoder(V.latent("AdversarialAutoencoder.decode", z, self.n_latent, like=self._weight))

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x | z] = sigmoid(logits), shape (batch, n_dims)."""
        return torch.sigmoid(self.decode(z))

    def discriminate(self, z: torch.Tensor) -> torch.Tensor:
        """D's logit that z is a prior sample (not a code), shape (batch,)."""
        return self.discriminator(V.latent("AdversarialAutoencoder.discriminate", z, self.n_latent,
                                           like=self._weight)).squeeze(-1)

    def losses(self, x: torch.Tensor, z_prior: torch.Tensor) -> dict[str, torch.Tensor]:
        """The three AAE losses on one batch (nats): ``reconstruction`` (per image), ``discriminator``, ``encoder``.

        ``discriminator`` sees the codes detached (its step must not move the
        encoder); ``encoder`` is the non-saturating -mean log D(enc(x)).
        """
        x = V.batch("AdversarialAutoencoder.losses", x, self.n_dims, values="unit", like=self._weight, nonempty=True)
        z_prior = V.latent("AdversarialAutoencoder.losses", z_prior, self.n_latent, like=self._weight, name="z_prior")
        z_data = self.encoder(x)
        return {"reconstruction": _reconstruction_loss(self, x, z_data),
                "discriminator": _discriminator_loss(self, z_data, z_prior),
                "encoder": _encoder_loss(self, z_data)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction's logits, shape (batch, n_dims)."""
        return self.decoder(self.encode(x))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, mean: bool = False) -> torch.Tensor:
        """Draw z from the prior, then x ~ p(x | z); with ``mean=True`` return E[x | z]."""
        n = V.count("AdversarialAutoencoder.sample", "n", n)
        V.generator("AdversarialAutoencoder.sample", generator)
        mean = V.flag("AdversarialAutoencoder.sample", "mean", mean)
        z = self.prior.sample(n, generator).to(self._weight)
        probs = torch.sigmoid(self.decoder(z))
        return probs if mean else torch.bernoulli(probs, generator=generator)


# -- the zoo hooks ------------------------------------------------------------


def build_from_recipe(recipe) -> AdversarialAutoencoder:
    """An untrained AAE with the architecture of ``recipe`` (``recipes.AAE``) and the ring prior."""
    return AdversarialAutoencoder(784, recipe.n_latent, recipe.n_hidden, recipe.n_hidden_d,
                                  prior=ring_prior(recipe.n_modes, recipe.radius, recipe.std))


def train_aae(model: AdversarialAutoencoder, x_train: torch.Tensor, *, epochs: int, batch_size: int = 100,
              lr: float = 1e-3, lr_d: float = 1e-3, generator: torch.Generator | None = None,
              progress: bool = True) -> dict:
    """The three steps of the module docstring on every minibatch, each with its own Adam.

    Returns the mean of each loss per epoch (``reconstruction``, ``discriminator``,
    ``encoder``) and ``seconds``, the wall time.
    """
    from ..training import batches

    x_train = V.batch("train_aae", x_train, model.n_dims, values="unit", like=model._weight, nonempty=True, name="x_train")
    epochs = V.positive_int("train_aae", "epochs", epochs)
    V.generator("train_aae", generator)
    autoencoder = torch.optim.Adam([*model.encoder.parameters(), *model.decoder.parameters()], lr=lr)
    disc = torch.optim.Adam(model.discriminator.parameters(), lr=lr_d, betas=(0.5, 0.999))
    enc = torch.optim.Adam(model.encoder.parameters(), lr=lr, betas=(0.5, 0.999))
    history: dict[str, list] = {"reconstruction": [], "discriminator": [], "encoder": []}
    start = time.perf_counter()
    steps = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="AAE")
    model.train()
    for _ in steps:
        totals = dict.fromkeys(history, 0.0)
        n_batches = 0
        for (xb,) in batches(x_train, batch_size, generator):
            z_prior = model.prior.sample(len(xb), generator).to(xb)
            losses = {}
            for loss_name, optimizer in (("reconstruction", autoencoder), ("discriminator", disc), ("encoder", enc)):
                z_data = model.encoder(xb)  # after the previous step's update
                if loss_name == "reconstruction":
                    loss = _reconstruction_loss(model, xb, z_data)
                elif loss_name == "discriminator":
                    loss = _discriminator_loss(model, z_data, z_prior)
                else:
                    loss = _encoder_loss(model, z_data)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses[loss_name] = loss.item()
            for loss_name, value in losses.items():
                totals[loss_name] += value
            n_batches += 1
        for loss_name in history:
            history[loss_name].append(totals[loss_name] / n_batches)
    history["seconds"] = time.perf_counter() - start
    return history


def train_from_recipe(recipe, progress: bool = True) -> tuple[AdversarialAutoencoder, dict]:
    """Train the AAE on ``load_mnist()``'s 4,000 binarized training digits for the recipe's epochs."""
    from ..data import load_mnist

    x_train, _ = load_mnist("train")
    model = build_from_recipe(recipe)
    history = train_aae(model, x_train, epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                        lr_d=recipe.lr_d, generator=torch.Generator().manual_seed(recipe.seed), progress=progress)
    return model.eval(), history
