"""A plain (deterministic) autoencoder: x -> code z -> reconstruction x'.

Trained to minimize the squared reconstruction error ||x − x'||², it compresses
784 pixels into ``n_latent`` numbers (dimensionality reduction), but it puts no
distribution on the codes, so it has no principled way to draw a new z: it is
not a generative model (Hinton & Salakhutdinov 2006 for the idea; notebook 05
shows what decoding random codes gives).
"""

from __future__ import annotations

import torch
from torch import nn

from .. import validation as V


class Autoencoder(nn.Module):
    """MLP encoder and decoder with one hidden layer of ``n_hidden`` ReLU units each.

    ``encode(x) -> z`` (batch, n_latent); ``decode(z)`` -> logits;
    ``decode_mean(z)`` -> sigmoid(logits), the reconstruction in [0, 1].
    """

    def __init__(self, n_dims: int = 784, n_latent: int = 2, n_hidden: int = 256):
        super().__init__()
        n_dims, n_latent, n_hidden = (
            V.positive_int("Autoencoder", name, value)
            for name, value in (("n_dims", n_dims), ("n_latent", n_latent), ("n_hidden", n_hidden))
        )
        self.n_dims, self.n_latent = n_dims, n_latent
        self.encoder = nn.Sequential(nn.Linear(n_dims, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_latent))
        self.decoder = nn.Sequential(nn.Linear(n_latent, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_dims))

    @property
    def _weight(self) -> torch.Tensor:
        return self.encoder[0].weight

    def _x(self, fn: str, x, nonempty: bool = False) -> torch.Tensor:
        return V.batch(f"Autoencoder.{fn}", x, self.n_dims, values="unit", like=self._weight, nonempty=nonempty)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code z = encoder(x), shape (batch, n_latent); x has values in [0, 1]."""
        return self.encoder(self._x("encode", x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of the reconstruction, shape (..., n_dims)."""
        return self.decoder(V.latent("Autoencoder.decode", z, self.n_latent, like=self._weight))

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstruction sigmoid(decoder(z)) in [0, 1], shape (..., n_dims)."""
        return torch.sigmoid(self.decoder(V.latent("Autoencoder.decode_mean", z, self.n_latent, like=self._weight)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction x' = sigmoid(decoder(encoder(x)))."""
        return torch.sigmoid(self.decoder(self.encoder(self._x("forward", x))))


def squared_error(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """The training loss: mean over the batch of ||x − x'||² (summed over pixels)."""
    if not isinstance(model, Autoencoder):
        V.fail("squared_error", "model", "an Autoencoder", V.type_name(model), TypeError)
    x = model._x("squared_error", x, nonempty=True)
    return (torch.sigmoid(model.decoder(model.encoder(x))) - x).pow(2).sum(-1).mean()
