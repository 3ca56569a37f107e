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

from ._checks import check_positive_int


class Autoencoder(nn.Module):
    """MLP encoder and decoder with one hidden layer of ``n_hidden`` ReLU units each.

    ``encode(x) -> z`` (batch, n_latent); ``decode(z)`` -> logits;
    ``decode_mean(z)`` -> sigmoid(logits), the reconstruction in [0, 1].
    """

    def __init__(self, n_dims: int = 784, n_latent: int = 2, n_hidden: int = 256):
        super().__init__()
        for name, value in (("n_dims", n_dims), ("n_latent", n_latent), ("n_hidden", n_hidden)):
            check_positive_int("Autoencoder", name, value)
        self.n_dims, self.n_latent = n_dims, n_latent
        self.encoder = nn.Sequential(nn.Linear(n_dims, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_latent))
        self.decoder = nn.Sequential(nn.Linear(n_latent, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_dims))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"Autoencoder.encode expects a floating-point torch.Tensor; got {getattr(x, 'dtype', type(x).__name__)}")
        if x.dim() != 2 or x.shape[1] != self.n_dims:
            raise ValueError(f"Autoencoder.encode expects x of shape (batch, {self.n_dims}); got shape {tuple(x.shape)}")
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor) or z.dim() < 1 or z.shape[-1] != self.n_latent:
            raise ValueError(
                f"Autoencoder.decode expects z of shape (..., {self.n_latent}); "
                f"got {tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}"
            )
        return self.decoder(z)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction x' = sigmoid(decoder(encoder(x)))."""
        return self.decode_mean(self.encode(x))


def squared_error(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """The training loss: mean over the batch of ||x − x'||² (summed over pixels)."""
    return (model(x) - x).pow(2).sum(-1).mean()
