"""Denoising diffusion probabilistic models (DDPM, Ho, Jain & Abbeel 2020) and DDIM sampling (Song et al. 2021).

Time runs t = 1..T; every schedule tensor has T + 1 entries with index 0 the
clean data (beta_0 = 0, alpha_bar_0 = 1). The forward process adds Gaussian
noise, q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t I) with
alpha_t = 1 - beta_t, and has the closed-form marginal (Ho et al., eq. 4)

    q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),   alpha_bar_t = prod_{s<=t} alpha_s.

A network eps_theta(x_t, t) (``denoisers``) predicts the noise; the reverse
step is p(x_{t-1} | x_t) = N(mu_theta, sigma_t^2 I) with (eq. 11)

    mu_theta = (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps_theta) / sqrt(alpha_t).

The ELBO's step-t term KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)) is then (eq. 12)

    beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)) * ||eps - eps_theta(x_t, t)||^2   nats,

plus a constant that is 0 when sigma_t^2 = beta~_t; dropping the weight gives
the "simple" loss that is trained here. The score of the noisy marginal is
grad log q_t(x_t) ~ -eps_theta / sqrt(1 - alpha_bar_t).

``ForwardProcess`` holds what training reaches (the schedule, ``q_sample``,
``loss``); ``DDPM`` adds the reverse process (sampling, the ELBO), so the
shipped weights stay valid when only the reverse process changes.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .. import validation as V
from . import denoisers, elbo as _elbo
from .denoisers import DigitDenoiser, PointDenoiser, time_embedding

__all__ = ["DDPM", "ForwardProcess", "PointDenoiser", "DigitDenoiser", "beta_schedule", "time_embedding",
           "to_pixels", "build_from_recipe", "train_from_recipe"]


def beta_schedule(T: int, kind: str = "linear") -> torch.Tensor:
    """beta_0..beta_T, shape (T + 1,), float64, beta_0 = 0.

    ``linear``: Ho et al.'s 1e-4 .. 0.02 over 1000 steps, rescaled by 1000 / T so
    that alpha_bar_T is as small for shorter chains. ``cosine``: Nichol & Dhariwal
    (2021), alpha_bar_t = cos^2((t / T + 0.008) / 1.008 * pi / 2), betas capped at 0.999.
    """
    T = V.positive_int("beta_schedule", "T", T)
    V.choice("beta_schedule", "kind", kind, ("linear", "cosine"))
    if kind == "linear":
        scale = 1000 / T
        betas = torch.linspace(1e-4 * scale, min(0.02 * scale, 0.999), T, dtype=torch.float64)
    else:
        s = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    return torch.cat([torch.zeros(1, dtype=torch.float64), betas])


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Digits from the model's scale [-1, 1] back to pixels in [0, 1]: (x + 1) / 2, clamped."""
    x = V.tensor("to_pixels", "x", x)
    return ((x + 1) / 2).clamp(0, 1)


class ForwardProcess(nn.Module):
    """The noise schedule, q(x_t | x_0) and the noise-prediction loss around a ``denoiser`` eps_theta(x_t, t).

    ``variance`` picks sigma_t^2 of the reverse steps: ``"posterior"`` (beta~_t =
    beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)) or ``"beta"`` (beta_t); Ho et al.
    found both work. Points are (batch, n_dims) tensors; t is an int or a long
    tensor (batch,) in 1..T.
    """

    def __init__(self, denoiser: nn.Module, n_dims: int, T: int, schedule: str = "linear",
                 variance: str = "posterior"):
        super().__init__()
        where = type(self).__name__
        if not isinstance(denoiser, nn.Module):
            V.fail(where, "denoiser", "a torch.nn.Module eps_theta(x_t, t)", V.type_name(denoiser), TypeError)
        n_dims, T = V.positive_int(where, "n_dims", n_dims), V.positive_int(where, "T", T)
        V.choice(where, "schedule", schedule, ("linear", "cosine"))
        V.choice(where, "variance", variance, ("posterior", "beta"))
        self.denoiser, self.n_dims, self.T = denoiser, n_dims, T
        betas = beta_schedule(T, schedule)
        alpha_bars = torch.cumprod(1 - betas, 0)
        posterior = torch.cat([torch.zeros(1, dtype=torch.float64),
                               betas[1:] * (1 - alpha_bars[:-1]) / (1 - alpha_bars[1:])])
        for name, value in (("betas", betas), ("alphas", 1 - betas), ("alpha_bars", alpha_bars),
                            ("sigma2", posterior if variance == "posterior" else betas)):
            self.register_buffer(name, value.float())

    def _check_x(self, x, where: str, name: str = "x", nonempty: bool = False) -> torch.Tensor:
        return V.batch(f"{type(self).__name__}.{where}", x, self.n_dims, values="real", like=self.betas, name=name,
                       nonempty=nonempty)

    def _check_t(self, t, batch: int, where: str) -> torch.Tensor:
        where, expected = f"{type(self).__name__}.{where}", f"an int or a long tensor of shape ({batch},) in 1..{self.T}"
        if not isinstance(t, torch.Tensor):
            t = torch.full((batch,), V.integer(where, "t", t, minimum=1, maximum=self.T), dtype=torch.long)
        if t.dtype != torch.long:
            V.fail(where, "t", expected, f"dtype {t.dtype}", TypeError)
        if t.shape != (batch,):
            V.fail(where, "t", expected, f"shape {tuple(t.shape)}")
        if t.numel() and ((t < 1).any() or (t > self.T).any()):
            V.fail(where, "t", expected, f"values in {t.min().item()}..{t.max().item()}")
        return t

    def _col(self, values: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return values[t][:, None]

    def q_sample(self, x0: torch.Tensor, t, noise: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, a draw from q(x_t | x_0) (eq. 4)."""
        x0 = self._check_x(x0, "q_sample", "x0")
        t = self._check_t(t, x0.shape[0], "q_sample")
        V.generator(f"{type(self).__name__}.q_sample", generator)
        if noise is None:
            noise = torch.randn(x0.shape, generator=generator).to(x0)
        else:
            noise = self._check_x(noise, "q_sample", "noise")
            if noise.shape != x0.shape:
                V.fail(f"{type(self).__name__}.q_sample", "noise", f"of x0's shape {tuple(x0.shape)}",
                       f"shape {tuple(noise.shape)}")
        ab = self._col(self.alpha_bars, t)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def loss(self, x0: torch.Tensor) -> torch.Tensor:
        """L_simple: E_{t, eps} ||eps - eps_theta(x_t, t)||^2 / n_dims, t ~ U{1..T} (Ho et al., eq. 14); a scalar."""
        x0 = self._check_x(x0, "loss", "x0", nonempty=True)
        t = torch.randint(1, self.T + 1, (x0.shape[0],))
        noise = torch.randn_like(x0)
        return ((noise - self.denoiser(self.q_sample(x0, t, noise), t)) ** 2).mean()


class DDPM(ForwardProcess):
    """A diffusion model: the forward process plus the learned reverse process.

    ``sample(n)`` (n, n_dims) by ancestral sampling, ``trajectory(n)`` the x_t on the
    way, ``ddim_sample(n, steps)`` with fewer steps, ``score(x, t)``, and ``elbo(x)``
    / ``log_prob_estimate(x, k)`` in nats (``elbo.py``).
    """

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
        xt = self._check_x(xt, "score", "xt")
        t = self._check_t(t, xt.shape[0], "score")
        return -self.denoiser(xt, t) / self._col(1 - self.alpha_bars, t).sqrt()

    # -- sampling ------------------------------------------------------------
    def _predict_x0(self, xt, t, eps, clip):
        ab = self._col(self.alpha_bars, t)
        x0 = (xt - (1 - ab).sqrt() * eps) / ab.sqrt()
        return x0.clamp(-clip, clip) if clip is not None else x0

    def _start(self, n, generator, clip, where):
        where = f"DDPM.{where}"
        n = V.count(where, "n", n)
        V.generator(where, generator)
        if clip is not None:
            V.positive(where, "clip", clip)
        return torch.randn(n, self.n_dims, generator=generator).to(self.betas)

    def _ancestral(self, x, generator, clip):
        """Yield (t, x_t) for t = T, ..., 0 (Ho et al., Algorithm 2; x_0 is the mean of the last step)."""
        n = x.shape[0]
        for step in range(self.T, 0, -1):
            yield step, x
            if n == 0:
                continue
            t = torch.full((n,), step, dtype=torch.long)
            x = self.posterior(self._predict_x0(x, t, self.denoiser(x, t), clip), x, t)[0]
            if step > 1:
                x = x + self.sigma2[step].sqrt() * torch.randn(x.shape, generator=generator).to(x)
        yield 0, x

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, clip: float | None = None,
               keep: tuple = ()) -> torch.Tensor | tuple[torch.Tensor, dict]:
        """Ancestral sampling, T network calls: x_T ~ N(0, I), x_{t-1} ~ p(x_{t-1} | x_t); returns (n, n_dims).

        The mean is that of eq. 11, computed as the posterior mean at x0_hat (the
        same number); ``clip`` clamps x0_hat to [-clip, clip] first (digits in [-1, 1]).
        ``keep``: time steps whose x_t to return too, as ``(x_0, {t: x_t})`` (see ``trajectory``).
        """
        x = self._start(n, generator, clip, "sample")
        kept = {step: xt for step, xt in self._ancestral(x, generator, clip) if step in keep or step == 0}
        return (kept[0], {s: v for s, v in kept.items() if s in keep}) if keep else kept[0]

    @torch.no_grad()
    def trajectory(self, n: int, generator: torch.Generator | None = None, keep=None,
                   clip: float | None = None) -> dict[int, torch.Tensor]:
        """The reverse process step by step: {t: x_t} for t in ``keep`` (default every t = T..0), t descending.

        ``trajectory(n, g)[0]`` equals ``sample(n, g')`` when g and g' start in the same state.
        """
        x = self._start(n, generator, clip, "trajectory")
        if keep is None:
            keep = range(self.T, -1, -1)
        if isinstance(keep, (str, bytes)) or not hasattr(keep, "__iter__"):
            V.fail("DDPM.trajectory", "keep", f"a sequence of time steps in 0..{self.T}", V.type_name(keep), TypeError)
        wanted = {V.integer("DDPM.trajectory", "keep", s, minimum=0, maximum=self.T) for s in keep}
        return {step: xt for step, xt in self._ancestral(x, generator, clip) if step in wanted}

    @torch.no_grad()
    def ddim_sample(self, n: int, steps: int, generator: torch.Generator | None = None, eta: float = 0.0,
                    clip: float | None = None) -> torch.Tensor:
        """DDIM (Song et al. 2021, eq. 12) on ``steps`` evenly spaced times tau_1 < ... < tau_S = T:

            x_prev = sqrt(ab_prev) x0_hat + sqrt(1 - ab_prev - s^2) eps_hat + s z,
            s = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev);

        eta = 0 is deterministic; ``steps`` network calls; returns (n, n_dims).
        """
        steps = V.integer("DDPM.ddim_sample", "steps", steps, minimum=1, maximum=self.T)
        eta = V.number("DDPM.ddim_sample", "eta", eta, minimum=0.0)
        x = self._start(n, generator, clip, "ddim_sample")
        if len(x) == 0:
            return x
        times = torch.linspace(self.T, 0, steps + 1).round().long().tolist()
        for now, prev in zip(times[:-1], times[1:]):
            t = torch.full((len(x),), now, dtype=torch.long)
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

    # -- the bound -----------------------------------------------------------
    def elbo(self, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
        """A lower bound on log p(x) in nats, shape (batch,): ``elbo.diffusion_elbo``."""
        return _elbo.diffusion_elbo(self, x, n_samples, generator)

    def log_prob_estimate(self, x: torch.Tensor, k: int = 100, generator: torch.Generator | None = None) -> torch.Tensor:
        """An importance-sampled estimate of log p(x) in nats, shape (batch,): ``elbo.diffusion_log_prob_estimate``."""
        return _elbo.diffusion_log_prob_estimate(self, x, k, generator)


# ----------------------------------------------------------------------------
# Recipes: the ring of 8 Gaussians (5 seeds) and the course's binary digits
# ----------------------------------------------------------------------------


def build_from_recipe(recipe) -> nn.Module:
    """``recipe.data == "ring"``: a ModuleList of ``recipe.n_runs`` point DDPMs; ``"mnist"``: one digit DDPM."""
    V.choice("diffusion.build_from_recipe", "recipe.data", recipe.data, ("ring", "mnist"))
    return _build_ring(recipe) if recipe.data == "ring" else _build_digits(recipe)


def train_from_recipe(recipe, progress: bool = True) -> tuple[nn.Module, dict]:
    """Train on the ring (``_train_ring``) or on the course's digits (``_train_digits``); ``seconds``: wall time."""
    V.choice("diffusion.train_from_recipe", "recipe.data", recipe.data, ("ring", "mnist"))
    return _train_ring(recipe, progress) if recipe.data == "ring" else _train_digits(recipe, progress)


def _build_ring(recipe) -> nn.ModuleList:
    return nn.ModuleList(DDPM(PointDenoiser(2, recipe.T, recipe.n_hidden, recipe.n_layers), 2, recipe.T, recipe.schedule)
                         for _ in range(recipe.n_runs))


def _ring_points(n: int, seed: int) -> torch.Tensor:
    from .gan import ring_of_gaussians

    return ring_of_gaussians(n_modes=8, radius=2.0, std=0.02).sample(n, torch.Generator().manual_seed(seed))


def _train_ring(recipe, progress: bool) -> tuple[nn.ModuleList, dict]:
    """``recipe.n_points`` ring points per run (seed ``recipe.seed + run``), L_simple with Adam through ``fit``."""
    from ..training import fit

    model = _build_ring(recipe)
    history = {"train_loss": [], "seconds": 0.0}
    for run, ddpm in enumerate(model):
        torch.manual_seed(recipe.seed + run)
        h = fit(ddpm, lambda m, xb: m.loss(xb), _ring_points(recipe.n_points, recipe.seed + run), epochs=recipe.epochs,
                batch_size=recipe.batch_size, lr=recipe.lr, generator=torch.Generator().manual_seed(recipe.seed + run),
                progress=progress, desc=f"DDPM (ring, run {run})")
        history["train_loss"].append(h["train_loss"])
        history["seconds"] += h["seconds"][-1]
    return model, history


def _build_digits(recipe) -> DDPM:
    alpha_bars = torch.cumprod(1 - beta_schedule(recipe.T, recipe.schedule), 0)
    return DDPM(DigitDenoiser(alpha_bars, recipe.n_hidden, recipe.n_layers), 784, recipe.T, recipe.schedule)


def _train_digits(recipe, progress: bool) -> tuple[DDPM, dict]:
    """The 4,000 binary training digits scaled to {-1, 1}, L_simple with Adam; returns the exponential moving
    average of the weights, theta_avg <- ema theta_avg + (1 - ema) theta after every step (Ho et al. 2020, appendix B)."""
    import copy
    import time

    from tqdm.auto import tqdm

    from ..data import load_mnist
    from ..training import Diverged, _batches

    model = _build_digits(recipe)
    average = copy.deepcopy(model)
    x = load_mnist("train")[0] * 2 - 1
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    generator = torch.Generator().manual_seed(recipe.seed)
    history, start = {"train_loss": []}, time.perf_counter()
    for epoch in tqdm(range(recipe.epochs), desc="DDPM (digits)", disable=not progress):
        total = 0.0
        for (batch,) in _batches(x, recipe.batch_size, generator, ()):
            loss = model.loss(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                for kept, now in zip(average.parameters(), model.parameters()):
                    kept.lerp_(now, 1 - recipe.ema)
            total += loss.item() * len(batch)
        if not math.isfinite(total):
            raise Diverged(f"DDPM (digits): the training loss became {total} in epoch {epoch + 1}; lower the recipe's lr")
        history["train_loss"].append(total / len(x))
    history["seconds"] = time.perf_counter() - start
    return average.eval(), history
