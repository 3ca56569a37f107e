"""Noise predictors eps_theta(x_t, t) for the diffusion models of ``diffusion.py``.

Each takes a batch x_t (batch, n_dims) and the time steps t (batch,) (a long
tensor in 1..T) and returns the predicted noise, shaped like x_t. The time
enters through sinusoidal features of t / T (Vaswani et al. 2017; Ho et al.
2020, appendix B).
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


class _Block(nn.Module):
    """Two 3x3 convolutions with group norm and SiLU; the time embedding shifts the features in between."""

    def __init__(self, c_in: int, c_out: int, n_embed: int):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, padding=1), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.norm1, self.norm2 = nn.GroupNorm(min(8, c_out), c_out), nn.GroupNorm(min(8, c_out), c_out)
        self.time = nn.Linear(n_embed, c_out)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        out = F.silu(self.norm1(self.conv1(h))) + self.time(emb)[:, :, None, None]
        return self.skip(h) + F.silu(self.norm2(self.conv2(out)))


class DigitDenoiser(nn.Module):
    """eps_theta for 28 x 28 digits (batch, 784): a small U-Net (Ronneberger et al. 2015; Ho et al. 2020).

    Two resolutions, 28 x 28 with ``n_channels`` features and 14 x 14 and 7 x 7
    with twice as many, joined by skip connections; the time embedding enters
    every block.
    """

    def __init__(self, T: int, n_channels: int = 16, n_embed: int = 64):
        super().__init__()
        c, self.T, self.n_embed = n_channels, T, n_embed
        self.embed = nn.Sequential(nn.Linear(n_embed, n_embed), nn.SiLU())
        self.inp = nn.Conv2d(1, c, 3, padding=1)
        self.down1, self.down2 = _Block(c, c, n_embed), _Block(c, 2 * c, n_embed)
        self.mid = _Block(2 * c, 2 * c, n_embed)
        self.up2, self.up1 = _Block(4 * c, 2 * c, n_embed), _Block(3 * c, c, n_embed)
        self.out = nn.Conv2d(c, 1, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.embed(time_embedding(t, self.T, self.n_embed))
        h0 = self.down1(self.inp(x.reshape(-1, 1, 28, 28)), emb)  # 28 x 28
        h1 = self.down2(F.avg_pool2d(h0, 2), emb)  # 14 x 14
        h = self.mid(F.avg_pool2d(h1, 2), emb)  # 7 x 7
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2), h1], 1), emb)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2), h0], 1), emb)
        return self.out(h).reshape(x.shape)


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
