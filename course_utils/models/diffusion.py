"""Denoising diffusion probabilistic models (DDPM, Ho, Jain & Abbeel 2020) and DDIM sampling (Song et al. 2021).

Time runs t = 1..T; every schedule tensor has T + 1 entries with index 0 the
clean data (beta_0 = 0, alpha_bar_0 = 1). The forward process adds Gaussian
noise, q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t I) with
alpha_t = 1 - beta_t, and has the closed-form marginal (Ho et al., eq. 4)

    q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),   alpha_bar_t = prod_{s<=t} alpha_s.

A network eps_theta(x_t, t) predicts the noise; the reverse step is
p(x_{t-1} | x_t) = N(mu_theta, sigma_t^2 I) with (eq. 11)

    mu_theta = (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps_theta) / sqrt(alpha_t).

The ELBO's step-t term KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)) is then
exactly (eq. 12)

    beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)) * ||eps - eps_theta(x_t, t)||^2   nats,

and dropping the weight gives the "simple" loss that is trained here. The
score of the noisy marginal is grad log q_t(x_t) ~ -eps_theta / sqrt(1 - alpha_bar_t).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .. import validation as V

__all__ = ["DDPM", "PointDenoiser", "DigitDenoiser", "beta_schedule", "time_embedding",
           "build_from_recipe", "train_from_recipe"]


def beta_schedule(T: int, kind: str = "linear") -> torch.Tensor:
    """beta_0..beta_T, shape (T + 1,), float64, beta_0 = 0.

    ``linear``: Ho et al.'s 1e-4 .. 0.02 over 1000 steps, rescaled by 1000 / T so
    that alpha_bar_T is as small for shorter chains. ``cosine``: Nichol & Dhariwal
    (2021), alpha_bar_t = cos^2((t / T + 0.008) / 1.008 * pi / 2), betas capped at 0.999.
    """
    V.positive_int("beta_schedule", "T", T)
    if kind == "linear":
        scale = 1000 / T
        betas = torch.linspace(1e-4 * scale, min(0.02 * scale, 0.999), T, dtype=torch.float64)
    elif kind == "cosine":
        s = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    else:
        raise ValueError(f"beta_schedule: kind must be 'linear' or 'cosine'; got {kind!r}")
    return torch.cat([torch.zeros(1, dtype=torch.float64), betas])


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
    """eps_theta for 784-pixel digits: an MLP whose hidden layers each add a projection of the time embedding."""

    def __init__(self, T: int, n_hidden: int = 512, n_layers: int = 2, n_embed: int = 64, n_pixels: int = 784):
        super().__init__()
        self.T, self.n_embed = T, n_embed
        self.inp = nn.Linear(n_pixels, n_hidden)
        self.time = nn.ModuleList(nn.Linear(n_embed, n_hidden) for _ in range(n_layers))
        self.hidden = nn.ModuleList(nn.Linear(n_hidden, n_hidden) for _ in range(n_layers - 1))
        self.out = nn.Linear(n_hidden, n_pixels)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = time_embedding(t, self.T, self.n_embed)
        h = nn.functional.silu(self.inp(x) + self.time[0](emb))
        for lin, tim in zip(self.hidden, self.time[1:]):
            h = nn.functional.silu(lin(h) + tim(emb))
        return self.out(h)


class DDPM(nn.Module):
    """A diffusion model: a ``denoiser`` eps_theta(x_t, t) (t a long tensor in 1..T) and a noise schedule.

    ``variance`` picks sigma_t^2 of the reverse steps: ``"posterior"`` (beta~_t =
    beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)) or ``"beta"`` (beta_t); Ho et al.
    found both work. Points are (batch, n_dims) tensors.
    """

    def __init__(self, denoiser: nn.Module, n_dims: int, T: int, schedule: str = "linear",
                 variance: str = "posterior"):
        super().__init__()
        V.positive_int("DDPM", "n_dims", n_dims)
        V.positive_int("DDPM", "T", T)
        if variance not in ("posterior", "beta"):
            raise ValueError(f"DDPM: variance must be 'posterior' or 'beta'; got {variance!r}")
        self.denoiser, self.n_dims, self.T = denoiser, n_dims, T
        betas = beta_schedule(T, schedule)
        alpha_bars = torch.cumprod(1 - betas, 0)
        posterior = torch.cat([torch.zeros(1, dtype=torch.float64),
                               betas[1:] * (1 - alpha_bars[:-1]) / (1 - alpha_bars[1:])])
        for name, value in (("betas", betas), ("alphas", 1 - betas), ("alpha_bars", alpha_bars),
                            ("sigma2", posterior if variance == "posterior" else betas)):
            self.register_buffer(name, value.float())

    # -- checks --------------------------------------------------------------
    def _check_x(self, x, where: str) -> None:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"{where} expects a floating-point torch.Tensor of shape (batch, {self.n_dims}); "
                            f"got {type(x).__name__ if not isinstance(x, torch.Tensor) else x.dtype}")
        if x.dim() != 2 or x.shape[1] != self.n_dims:
            raise ValueError(f"{where} expects shape (batch, {self.n_dims}); got {tuple(x.shape)}")

    def _check_t(self, t, batch: int, where: str) -> torch.Tensor:
        if isinstance(t, int) and not isinstance(t, bool):
            t = torch.full((batch,), t, dtype=torch.long)
        if not isinstance(t, torch.Tensor) or t.dtype != torch.long or t.shape != (batch,):
            raise TypeError(f"{where} expects t as an int or a long tensor of shape ({batch},); got {t!r:.60}")
        if (t < 1).any() or (t > self.T).any():
            raise ValueError(f"{where} expects t in 1..{self.T}; got values in {t.min().item()}..{t.max().item()}")
        return t

    def _col(self, values: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return values[t][:, None]

    # -- forward process -----------------------------------------------------
    def q_sample(self, x0: torch.Tensor, t, noise: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, a draw from q(x_t | x_0) (eq. 4)."""
        self._check_x(x0, "DDPM.q_sample")
        t = self._check_t(t, x0.shape[0], "DDPM.q_sample")
        if noise is None:
            noise = torch.randn(x0.shape, generator=generator).to(x0)
        ab = self._col(self.alpha_bars, t)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def loss(self, x0: torch.Tensor) -> torch.Tensor:
        """L_simple: E_{t, eps} ||eps - eps_theta(x_t, t)||^2 / n_dims, t ~ U{1..T} (Ho et al., eq. 14); a scalar."""
        self._check_x(x0, "DDPM.loss")
        t = torch.randint(1, self.T + 1, (x0.shape[0],))
        noise = torch.randn_like(x0)
        return ((noise - self.denoiser(self.q_sample(x0, t, noise), t)) ** 2).mean()

    # -- the reverse step and the ELBO ---------------------------------------
    def posterior(self, x0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of q(x_{t-1} | x_t, x_0) (eqs. 6-7); the variance is beta~_t, shape (batch, 1)."""
        ab, ab_prev = self._col(self.alpha_bars, t), self._col(self.alpha_bars, t - 1)
        beta, alpha = self._col(self.betas, t), self._col(self.alphas, t)
        mean = (ab_prev.sqrt() * beta * x0 + alpha.sqrt() * (1 - ab_prev) * xt) / (1 - ab)
        return mean, beta * (1 - ab_prev) / (1 - ab)

    def p_mean(self, xt: torch.Tensor, t: torch.Tensor, eps_hat: torch.Tensor) -> torch.Tensor:
        """mu_theta = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_hat) / sqrt(alpha_t) (eq. 11)."""
        beta, alpha, ab = self._col(self.betas, t), self._col(self.alphas, t), self._col(self.alpha_bars, t)
        return (xt - beta / (1 - ab).sqrt() * eps_hat) / alpha.sqrt()

    def elbo_weight(self, t: torch.Tensor) -> torch.Tensor:
        """lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)), shape like t (t >= 2 when sigma_1 = 0)."""
        return self.betas[t] ** 2 / (2 * self.sigma2[t] * self.alphas[t] * (1 - self.alpha_bars[t]))

    def score(self, xt: torch.Tensor, t) -> torch.Tensor:
        """The learned score -eps_theta(x_t, t) / sqrt(1 - alpha_bar_t) ~ grad_x log q_t(x), shape like xt."""
        self._check_x(xt, "DDPM.score")
        t = self._check_t(t, xt.shape[0], "DDPM.score")
        return -self.denoiser(xt, t) / self._col(1 - self.alpha_bars, t).sqrt()

    # -- sampling ------------------------------------------------------------
    def _predict_x0(self, xt, t, eps, clip):
        ab = self._col(self.alpha_bars, t)
        x0 = (xt - (1 - ab).sqrt() * eps) / ab.sqrt()
        return x0.clamp(-clip, clip) if clip is not None else x0

    def _start(self, n, generator, where):
        V.positive_int(where, "n", n)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"{where}: generator must be a torch.Generator or None; got {type(generator).__name__}")
        return torch.randn(n, self.n_dims, generator=generator).to(self.betas)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, clip: float | None = None,
               keep: tuple = ()) -> torch.Tensor | tuple[torch.Tensor, dict]:
        """Ancestral sampling, T network calls: x_T ~ N(0, I), x_{t-1} ~ p(x_{t-1} | x_t) (Ho et al., Algorithm 2).

        The mean is that of eq. 11, computed as the posterior mean at x0_hat (the
        same number); ``clip`` clamps x0_hat to [-clip, clip] first (images in [-1, 1]).
        ``keep``: time steps whose x_t to return too, as ``(x_0, {t: x_t})``.
        """
        x = self._start(n, generator, "DDPM.sample")
        kept = {}
        for step in range(self.T, 0, -1):
            if step in keep:
                kept[step] = x.clone()
            t = torch.full((n,), step, dtype=torch.long)
            mean, _ = self.posterior(self._predict_x0(x, t, self.denoiser(x, t), clip), x, t)
            x = mean
            if step > 1:
                x = x + self.sigma2[step].sqrt() * torch.randn(x.shape, generator=generator).to(x)
        return (x, kept) if keep else x

    @torch.no_grad()
    def ddim_sample(self, n: int, steps: int, generator: torch.Generator | None = None, eta: float = 0.0,
                    clip: float | None = None) -> torch.Tensor:
        """DDIM (Song et al. 2021, eq. 12) on ``steps`` evenly spaced times tau_1 < ... < tau_S = T:

            x_prev = sqrt(ab_prev) x0_hat + sqrt(1 - ab_prev - s^2) eps_hat + s z,
            s = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev);

        eta = 0 is deterministic; ``steps`` network calls; returns (n, n_dims).
        """
        V.positive_int("DDPM.ddim_sample", "steps", steps)
        if steps > self.T:
            raise ValueError(f"DDPM.ddim_sample: steps must be at most T = {self.T}; got {steps}")
        x = self._start(n, generator, "DDPM.ddim_sample")
        times = torch.linspace(self.T, 0, steps + 1).round().long().tolist()
        for now, prev in zip(times[:-1], times[1:]):
            t = torch.full((n,), now, dtype=torch.long)
            eps = self.denoiser(x, t)
            x0 = self._predict_x0(x, t, eps, clip)
            if clip is not None:
                eps = (x - self.alpha_bars[now].sqrt() * x0) / (1 - self.alpha_bars[now]).sqrt()
            ab, ab_prev = self.alpha_bars[now], self.alpha_bars[prev]
            s = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)).sqrt()
            x = ab_prev.sqrt() * x0 + (1 - ab_prev - s**2).clamp(min=0).sqrt() * eps
            if eta > 0 and prev > 0:
                x = x + s * torch.randn(x.shape, generator=generator).to(x)
        return x


# ----------------------------------------------------------------------------
# Recipes: the ring of 8 Gaussians (5 seeds) and the course's binary digits
# ----------------------------------------------------------------------------


def build_from_recipe(recipe) -> nn.Module:
    """``recipe.data == "ring"``: a ModuleList of ``recipe.n_runs`` point DDPMs; ``"mnist"``: one digit DDPM."""
    if recipe.data == "ring":
        return nn.ModuleList(
            DDPM(PointDenoiser(2, recipe.T, recipe.n_hidden, recipe.n_layers), 2, recipe.T, recipe.schedule)
            for _ in range(recipe.n_runs))
    if recipe.data == "mnist":
        return DDPM(DigitDenoiser(recipe.T, recipe.n_hidden, recipe.n_layers), 784, recipe.T, recipe.schedule)
    raise ValueError(f"diffusion.build_from_recipe: recipe.data must be 'ring' or 'mnist'; got {recipe.data!r}")


def _ring_points(n: int, seed: int) -> torch.Tensor:
    from .gan import ring_of_gaussians

    return ring_of_gaussians(n_modes=8, radius=2.0, std=0.02).sample(n, torch.Generator().manual_seed(seed))


def train_from_recipe(recipe, progress: bool = True) -> tuple[nn.Module, dict]:
    """Train on ``recipe.n_points`` ring points per run (seed ``recipe.seed + run``) or on the 4,000 training digits
    (binary, scaled to {-1, 1}); L_simple with Adam through ``training.fit``. ``seconds``: total wall time."""
    from ..data import load_mnist
    from ..training import fit

    model = build_from_recipe(recipe)
    runs = list(model) if recipe.data == "ring" else [model]
    history = {"train_loss": [], "seconds": 0.0}
    for run, ddpm in enumerate(runs):
        torch.manual_seed(recipe.seed + run)
        if recipe.data == "ring":
            x = _ring_points(recipe.n_points, recipe.seed + run)
        else:
            x = load_mnist("train")[0] * 2 - 1
        h = fit(ddpm, lambda m, xb: m.loss(xb), x, epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                generator=torch.Generator().manual_seed(recipe.seed + run), progress=progress,
                desc=f"DDPM ({recipe.data}, run {run})")
        history["train_loss"].append(h["train_loss"])
        history["seconds"] += h["seconds"][-1]
    if recipe.data == "mnist":
        history["train_loss"] = history["train_loss"][0]
    return model, history
