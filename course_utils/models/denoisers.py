"""Noise predictors eps_theta(x_t, t) for the diffusion models of ``diffusion.py``.

Each takes a batch x_t (batch, n_dims) and the time steps t (batch,) (a long
tensor in 1..T) and returns the predicted noise, shaped like x_t. The time
enters through sinusoidal features of t / T (Vaswani et al. 2017; Ho et al.
2020, appendix B). The digit denoiser is an MLP: on one CPU thread a training
step of even a small convolutional U-Net took 20 to 40 times as long.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["time_embedding", "PointDenoiser", "DigitDenoiser", "GaussianDenoiser"]


def time_embedding(t: torch.Tensor, T: int, dim: int) -> torch.Tensor:
    """Sinusoidal features of t / T (Vaswani et al. 2017): (batch,) -> (batch, dim), dim even."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(1000.0) / max(half - 1, 1)))
    angles = (t.float()[:, None] / T * 1000.0) * freqs[None, :] / 10.0
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class PointDenoiser(nn.Module):
    """eps_theta for points in R^n_dims: an MLP of [x_t, time embedding] -> predicted noise (batch, n_dims)."""

    def __init__(self, n_dims: int, T: int, n_hidden: int = 128, n_layers: int = 3, n_embed: int = 32):
        super().__init__()
        self.T, self.n_embed = T, n_embed
        layers, width = [], n_dims + n_embed
        for _ in range(n_layers):
            layers += [nn.Linear(width, n_hidden), nn.SiLU()]
            width = n_hidden
        self.net = nn.Sequential(*layers, nn.Linear(width, n_dims))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, time_embedding(t, self.T, self.n_embed)], dim=1))


class DigitDenoiser(nn.Module):
    """eps_theta for 784-pixel digits in [-1, 1], parametrised through the clean digit it implies.

    An MLP of x_t whose hidden layers each add a projection of the time
    embedding outputs logits o; with a learned per-step gain g_t on x_t,

        x0_hat = tanh(o + g_t x_t),   eps_hat = (x_t - sqrt(ab_t) x0_hat) / sqrt(1 - ab_t),

    which is eq. 4 solved for the noise (Ho et al. 2020, section 3.2, discuss
    predicting x_0 or eps). The tanh keeps x0_hat in the digits' range, and the
    gain lets x_t through where it is almost clean, so the network spends its
    width on the noisy steps. ``alpha_bars``: the schedule's alpha_bar_0..T.
    """

    def __init__(self, alpha_bars: torch.Tensor, n_hidden: int = 512, n_layers: int = 2, n_embed: int = 64,
                 n_pixels: int = 784):
        super().__init__()
        self.T, self.n_embed = len(alpha_bars) - 1, n_embed
        self.register_buffer("alpha_bars", torch.as_tensor(alpha_bars, dtype=torch.float32).clone(), persistent=False)
        self.embed = nn.Sequential(nn.Linear(n_embed, n_embed), nn.SiLU())
        self.inp = nn.Linear(n_pixels, n_hidden)
        self.time = nn.ModuleList(nn.Linear(n_embed, n_hidden) for _ in range(n_layers))
        self.hidden = nn.ModuleList(nn.Linear(n_hidden, n_hidden) for _ in range(n_layers - 1))
        self.out = nn.Linear(n_hidden, n_pixels)
        self.gain = nn.Linear(n_embed, 1)

    def predict_x0(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x0_hat = tanh(o + g_t x_t), the clean digit the network sees in x_t, shape like x."""
        emb = self.embed(time_embedding(t, self.T, self.n_embed))
        h = F.silu(self.inp(x) + self.time[0](emb))
        for lin, tim in zip(self.hidden, self.time[1:]):
            h = F.silu(lin(h) + tim(emb))
        return torch.tanh(self.out(h) + self.gain(emb) * x)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.alpha_bars[t][:, None]
        return (x - ab.sqrt() * self.predict_x0(x, t)) / (1 - ab).sqrt()


class GaussianDenoiser(nn.Module):
    """The optimal eps_theta when x_0 ~ N(mean, diag(std^2)), in closed form:

        E[eps | x_t] = sqrt(1 - ab_t) (x_t - sqrt(ab_t) mean) / (ab_t std^2 + 1 - ab_t),

    ``alpha_bars`` the schedule's alpha_bar_0..T. ``mean`` and ``std`` (n_dims,) are
    parameters: a diffusion model that is exact for Gaussian data, for tests and checks.
    """

    def __init__(self, alpha_bars: torch.Tensor, mean, std):
        super().__init__()
        self.register_buffer("alpha_bars", torch.as_tensor(alpha_bars, dtype=torch.float32).clone())
        self.mean = nn.Parameter(torch.as_tensor(mean, dtype=torch.float32).clone().reshape(-1))
        self.log_std = nn.Parameter(torch.as_tensor(std, dtype=torch.float32).log().clone().reshape(-1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.alpha_bars[t][:, None].to(x)
        var = torch.exp(2 * self.log_std).to(x)
        return (1 - ab).sqrt() * (x - ab.sqrt() * self.mean.to(x)) / (ab * var + 1 - ab)
