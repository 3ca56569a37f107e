"""DDPM: the closed-form forward marginal, exact samplers under the optimal denoiser, the ELBO's weights, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import recipes
from course_utils.models import denoisers, diffusion, elbo


class _Zero(nn.Module):
    def forward(self, x, t):
        return torch.zeros_like(x)


class _OptimalGaussian(nn.Module):
    """E[eps | x_t] when x_0 ~ N(m, s^2) in 1-D: sqrt(1 - ab)(x_t - sqrt(ab) m) / (ab s^2 + 1 - ab)."""

    def __init__(self, alpha_bars, m, s):
        super().__init__()
        self.alpha_bars, self.m, self.s = alpha_bars.double(), m, s

    def forward(self, x, t):
        ab = self.alpha_bars[t][:, None].to(x)
        return (1 - ab).sqrt() * (x - ab.sqrt() * self.m) / (ab * self.s**2 + 1 - ab)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_q_sample_matches_simulating_the_chain_step_by_step(schedule):
    ddpm = diffusion.DDPM(_Zero(), 2, T=40, schedule=schedule).double()
    gen = torch.Generator().manual_seed(0)
    n = 100_000
    x0 = torch.tensor([[1.5, -0.5]], dtype=torch.float64).expand(n, 2)
    x = x0.clone()
    for step in range(1, ddpm.T + 1):
        x = ddpm.alphas[step].sqrt() * x + ddpm.betas[step].sqrt() * torch.randn(x.shape, generator=gen, dtype=x.dtype)
        if step in (1, 5, 20, 40):
            closed = ddpm.q_sample(x0, step, generator=gen)
            ab = ddpm.alpha_bars[step]
            for draws in (x, closed):  # both against the formula; 5 standard errors
                assert torch.allclose(draws.mean(0), ab.sqrt() * x0[0], atol=5 * (1 / n) ** 0.5)
                assert torch.allclose(draws.var(0), (1 - ab).expand(2), rtol=5 * (2 / n) ** 0.5)


def test_the_schedules_end_in_almost_pure_noise():
    for kind in ("linear", "cosine"):
        for T in (50, 100, 1000):
            betas = diffusion.beta_schedule(T, kind)
            assert betas.shape == (T + 1,) and betas[0] == 0 and (betas[1:] > 0).all()
            assert torch.cumprod(1 - betas, 0)[-1] < 1e-3


M, S = 1.5, 0.5


def _optimal_ddpm(T):
    ddpm = diffusion.DDPM(_Zero(), 1, T=T).double()
    ddpm.denoiser = _OptimalGaussian(ddpm.alpha_bars, M, S)
    return ddpm


def test_ancestral_sampling_with_the_optimal_denoiser_returns_the_data_gaussian():
    """T = 1000 steps, 20,000 samples: mean within 0.02 of 1.5 and std within 0.01 of 0.5."""
    x = _optimal_ddpm(1000).sample(20_000, torch.Generator().manual_seed(0))
    assert x.shape == (20_000, 1)
    assert x.mean().item() == pytest.approx(M, abs=0.02)
    assert x.std().item() == pytest.approx(S, abs=0.01)


@pytest.mark.parametrize("eta, steps", [(0.0, 200), (1.0, 1000)])
def test_ddim_with_the_optimal_denoiser_returns_the_data_gaussian(eta, steps):
    """DDIM with 200 (eta = 0) or all 1000 (eta = 1) of T = 1000 steps, 20,000 samples: mean within 0.02 of 1.5
    and std within 0.01 of 0.5.

    DDIM is a first-order solver: with eta = 0 its std error shrinks about in proportion to 1 / steps
    (0.13 at 10 steps, 0.026 at 50, 0.005 at 200 on this case), so the tolerance fixes the step count;
    eta = 1 shrinks more at few steps (0.02 at 200) and is ancestral sampling at 1000."""
    ddpm = _optimal_ddpm(1000)
    x = ddpm.ddim_sample(20_000, steps=steps, generator=torch.Generator().manual_seed(0), eta=eta)
    assert x.mean().item() == pytest.approx(M, abs=0.02)
    assert x.std().item() == pytest.approx(S, abs=0.01)
    if eta == 0:
        errors = [abs(ddpm.ddim_sample(20_000, s, torch.Generator().manual_seed(0)).std().item() - S) for s in (10, 50)]
        assert errors[0] > 3 * errors[1] > 3 * abs(x.std().item() - S)


def test_ddim_with_eta_zero_is_deterministic_given_x_T():
    ddpm = _optimal_ddpm(100)
    a = ddpm.ddim_sample(5, 10, torch.Generator().manual_seed(3))
    b = ddpm.ddim_sample(5, 10, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize("variance", ["posterior", "beta"])
def test_each_elbo_kl_term_is_the_weighted_noise_prediction_loss(variance):
    """KL(q(x_{t-1}|x_t,x_0) || N(mu_theta, sigma_t^2 I)) = lambda_t ||eps - eps_hat||^2 + C_t, with
    lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)) and C_t = 0 when sigma_t^2 = beta~_t."""
    ddpm = diffusion.DDPM(_Zero(), 3, T=10, variance=variance).double()
    gen = torch.Generator().manual_seed(1)
    for step in range(2, ddpm.T + 1):
        t = torch.full((4,), step, dtype=torch.long)
        x0, eps, eps_hat = (torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(3))
        xt = ddpm.q_sample(x0, t, eps)
        q_mean, q_var = ddpm.posterior(x0, xt, t)
        sigma2 = ddpm.sigma2[step]
        q = torch.distributions.Normal(q_mean, q_var.sqrt().expand_as(q_mean))
        p = torch.distributions.Normal(ddpm.p_mean(xt, t, eps_hat), sigma2.sqrt().expand_as(q_mean))
        kl = torch.distributions.kl_divergence(q, p).sum(1)
        beta, alpha, ab = ddpm.betas[step], ddpm.alphas[step], ddpm.alpha_bars[step]
        weight = beta**2 / (2 * sigma2 * alpha * (1 - ab))
        assert torch.allclose(ddpm.elbo_weight(t), weight.expand(4))
        ratio = q_var[0, 0] / sigma2
        constant = 3 * 0.5 * (ratio - 1 - ratio.log())
        assert (constant == 0) == (variance == "posterior") or constant.abs() < 1e-6
        expected = weight * ((eps - eps_hat) ** 2).sum(1) + constant
        assert torch.allclose(kl, expected, rtol=1e-5, atol=1e-7)


def test_the_score_is_minus_eps_over_sigma_and_exact_for_gaussian_data():
    ddpm = _optimal_ddpm(100)
    x = torch.linspace(-2, 3, 7, dtype=torch.float64)[:, None]
    for step in (1, 30, 100):
        ab = ddpm.alpha_bars[step].double()
        var = ab * S**2 + 1 - ab  # q_t = N(sqrt(ab) m, ab s^2 + 1 - ab)
        exact = -(x - ab.sqrt() * M) / var
        assert torch.allclose(ddpm.score(x, step), exact, atol=1e-5)


def test_the_loss_is_zero_for_the_true_noise_and_positive_otherwise():
    ddpm = diffusion.DDPM(_Zero(), 2, T=20)
    torch.manual_seed(0)
    assert ddpm.loss(torch.randn(5000, 2)).item() == pytest.approx(1.0, abs=0.05)  # E||eps||^2 / d


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda d: d.q_sample([[0.0, 0.0]], 1), TypeError, "DDPM.q_sample expects x0 a torch.Tensor"),
        (lambda d: d.q_sample(torch.zeros(3, 5), 1), ValueError, r"x0 with finite values and shape \(batch, 2\)"),
        (lambda d: d.q_sample(torch.zeros(3, 2), 0), ValueError, r"expects t an int in \[1, 20\]; got 0"),
        (lambda d: d.q_sample(torch.zeros(3, 2), 21), ValueError, r"expects t an int in \[1, 20\]; got 21"),
        (lambda d: d.q_sample(torch.zeros(3, 2), torch.ones(3)), TypeError, "long tensor.*got dtype torch.float32"),
        (lambda d: d.q_sample(torch.zeros(3, 2), torch.ones(2, dtype=torch.long)), ValueError, r"got shape \(2,\)"),
        (lambda d: d.q_sample(torch.zeros(3, 2), torch.tensor([1, 2, 30])), ValueError, "got values in 1..30"),
        (lambda d: d.q_sample(torch.zeros(3, 2), 1, noise=torch.zeros(3, 1)), ValueError, "expects noise"),
        (lambda d: d.q_sample(torch.zeros(3, 2), 1, generator=1), TypeError, "DDPM.q_sample expects generator a torch.Gen"),
        (lambda d: d.loss(torch.zeros(0, 2)), ValueError, "x0 at least one row"),
        (lambda d: d.loss(torch.tensor([[float("nan"), 0.0]])), ValueError, "got NaN or inf"),
        (lambda d: d.sample(-1), ValueError, "expects n an int >= 0"),
        (lambda d: d.sample(2, clip=0.0), ValueError, "expects clip a positive"),
        (lambda d: d.ddim_sample(4, 21), ValueError, r"expects steps an int in \[1, 20\]; got 21"),
        (lambda d: d.ddim_sample(4, 5, eta=-1.0), ValueError, "expects eta a number >= 0"),
        (lambda d: d.ddim_sample(4, 5, generator=1), TypeError, "expects generator a torch.Generator or None"),
        (lambda d: d.trajectory(2, keep=[21]), ValueError, r"expects keep an int in \[0, 20\]"),
        (lambda d: d.trajectory(2, keep=5), TypeError, "expects keep a sequence of time steps"),
        (lambda d: d.score(torch.zeros(3, 2), 0), ValueError, r"DDPM.score expects t an int in \[1, 20\]"),
    ],
)
def test_bad_inputs_get_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call(diffusion.DDPM(_Zero(), 2, T=20))


def test_bad_schedules_and_variances_get_clear_errors():
    with pytest.raises(ValueError, match=r"beta_schedule expects kind one of \['linear', 'cosine'\]; got 'quadratic'"):
        diffusion.beta_schedule(10, "quadratic")
    with pytest.raises(ValueError, match=r"DDPM expects variance one of \['posterior', 'beta'\]; got 'learned'"):
        diffusion.DDPM(_Zero(), 2, T=10, variance="learned")
    with pytest.raises(TypeError, match="DDPM expects denoiser a torch.nn.Module"):
        diffusion.DDPM(lambda x, t: x, 2, T=10)


def test_the_trajectory_is_the_ancestral_chain_and_ends_in_the_sample():
    ddpm = _optimal_ddpm(50)
    path = ddpm.trajectory(300, torch.Generator().manual_seed(5))
    assert list(path) == list(range(50, -1, -1)) and all(x.shape == (300, 1) for x in path.values())
    assert torch.equal(path[0], ddpm.sample(300, torch.Generator().manual_seed(5)))
    assert path[50].std().item() == pytest.approx(1.0, abs=0.1)  # x_T is the N(0, 1) start
    some = ddpm.trajectory(300, torch.Generator().manual_seed(5), keep=[0, 25, 50])
    assert list(some) == [50, 25, 0] and all(torch.equal(some[t], path[t]) for t in some)
    x, kept = ddpm.sample(300, torch.Generator().manual_seed(5), keep=(10,))
    assert torch.equal(x, path[0]) and list(kept) == [10] and torch.equal(kept[10], path[10])
    for step in (40, 10):  # on the way, x_t follows the marginal q_t = N(sqrt(ab) m, ab s^2 + 1 - ab)
        ab = ddpm.alpha_bars[step]
        assert path[step].mean().item() == pytest.approx((ab.sqrt() * M).item(), abs=0.15)


def test_sampling_zero_points_gives_an_empty_batch():
    ddpm = diffusion.DDPM(_Zero(), 2, T=5)
    for x in (ddpm.sample(0), ddpm.ddim_sample(0, 3), ddpm.trajectory(0)[0]):
        assert x.shape == (0, 2) and x.dtype == torch.float32


def test_the_ring_recipe_trains_every_run():
    recipe = recipes.DDPM_RING.replace(epochs=1, n_points=512, n_runs=2)
    model, history = diffusion.train_from_recipe(recipe, progress=False)
    assert len(model) == 2 and len(history["train_loss"]) == 2
    x = model[0].ddim_sample(10, 5, torch.Generator().manual_seed(0))
    assert x.shape == (10, 2) and torch.isfinite(x).all()


# ----------------------------------------------------------------------------
# The ELBO, term by term, and on a case where log p(x) is known exactly
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("variance", ["posterior", "beta"])
def test_elbo_terms_are_the_weighted_noise_prediction_errors_of_the_same_draws(variance):
    """elbo_terms computes each KL from the two Gaussians; it must equal lambda_t ||eps - eps_hat||^2 (+ C_t)."""
    torch.manual_seed(0)
    ddpm = diffusion.DDPM(diffusion.PointDenoiser(3, 12, n_hidden=16), 3, T=12, variance=variance).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    terms = elbo.elbo_terms(ddpm, x, torch.Generator().manual_seed(2))
    for step in range(2, ddpm.T + 1):
        err = ((terms["eps"][step - 1] - terms["eps_hat"][step - 1]) ** 2).sum(1)
        ratio = ddpm.posterior(x, x, torch.full((5,), step))[1][0, 0] / ddpm.sigma2[step]
        constant = 3 * 0.5 * (ratio - 1 - ratio.log())
        assert torch.allclose(terms["kl"][:, step - 2], ddpm.elbo_weight(step) * err + constant, rtol=1e-6, atol=1e-9)
    eps_hat_1 = ddpm.denoiser(ddpm.q_sample(x, 1, terms["eps"][0]), torch.ones(5, dtype=torch.long))
    assert torch.allclose(terms["eps_hat"][0], eps_hat_1)


class _Linear(nn.Module):
    """eps_hat(x, t) = a_t x + b_t: every reverse step is then linear-Gaussian, so p(x_0) is a Gaussian."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x, t):
        return self.a[t][:, None] * x + self.b[t][:, None]


def _exact_log_p(ddpm, x):
    """log p(x_0) of a linear reverse process: x_{t-1} = c_t x_t + d_t + sigma_t z from x_T ~ N(0, 1)."""
    mean, var = torch.zeros((), dtype=torch.float64), torch.ones((), dtype=torch.float64)
    for step in range(ddpm.T, 0, -1):
        t = torch.tensor([step])
        d = ddpm.p_mean(torch.zeros(1, 1, dtype=torch.float64), t, ddpm.denoiser(torch.zeros(1, 1, dtype=torch.float64), t))
        c = ddpm.p_mean(torch.ones(1, 1, dtype=torch.float64), t, ddpm.denoiser(torch.ones(1, 1, dtype=torch.float64), t)) - d
        s2 = ddpm.sigma2[step] if step > 1 else ddpm.betas[1]  # the last step is the decoder N(mu, beta_1)
        mean, var = c[0, 0] * mean + d[0, 0], c[0, 0] ** 2 * var + s2
    return torch.distributions.Normal(mean, var.sqrt()).log_prob(x[:, 0])


def _linear_ddpm(perturb):
    """T = 6, 1-D: the optimal (linear) noise predictor for N(1.5, 0.5^2), its slope and offset ``perturb`` off."""
    ddpm = diffusion.DDPM(_Zero(), 1, T=6, schedule="cosine").double()
    ab = ddpm.alpha_bars.double()
    a = (1 - ab).sqrt() / (ab * S**2 + 1 - ab) * (1 + perturb)
    ddpm.denoiser = _Linear(a, -a * ab.sqrt() * M + perturb)
    return ddpm


X3 = torch.tensor([[0.5], [1.5], [2.2]], dtype=torch.float64)


@pytest.mark.parametrize("perturb", [0.0, 0.1])
def test_the_elbo_bounds_the_exact_log_likelihood_and_k_1_estimates_it(perturb):
    """With a linear predictor p(x_0) is Gaussian and known exactly (``_exact_log_p``). The ELBO (mean of 20,000
    draws each) lies below it, by more than 0.5 nats when the predictor is 0.1 off; the k = 1 estimate (20,000
    draws) has the ELBO as its mean: within 4 standard errors."""
    ddpm = _linear_ddpm(perturb)
    exact = _exact_log_p(ddpm, X3)
    n = 20_000
    x = X3.repeat(n, 1)
    bound = ddpm.elbo(x, generator=torch.Generator().manual_seed(0)).reshape(n, 3)
    single = ddpm.log_prob_estimate(x, 1, torch.Generator().manual_seed(1)).reshape(n, 3)
    se = (bound.var(0) / n + single.var(0) / n).sqrt()
    assert ((bound.mean(0) - single.mean(0)).abs() < 4 * se).all()
    assert (bound.mean(0) + 4 * bound.std(0) / n**0.5 < exact).all()
    if perturb:
        assert (bound.mean(0) < exact - 0.5).all()


def test_the_importance_estimate_rises_with_k_to_the_exact_log_likelihood():
    """The optimal predictor: k = 4,000 is within 0.03 nats of log p(x); 0.1 off it, the estimate rises with k
    (1 < 100 < 4,000) and stays below log p(x) + 0.02."""
    exact = _exact_log_p(_linear_ddpm(0.0), X3)
    estimate = _linear_ddpm(0.0).log_prob_estimate(X3, 4000, torch.Generator().manual_seed(1))
    assert torch.allclose(estimate, exact, atol=0.03)
    ddpm = _linear_ddpm(0.1)
    exact = _exact_log_p(ddpm, X3)
    means = [torch.stack([ddpm.log_prob_estimate(X3, k, torch.Generator().manual_seed(s)) for s in range(5)]).mean(0)
             for k in (1, 100, 4000)]
    assert (means[0] < means[1]).all() and (means[1] < means[2]).all() and (means[2] < exact + 0.02).all()


def test_the_decoder_and_prior_terms_against_torch_distributions():
    """T = 1 (linear schedule: beta_1 = 0.1), eps_hat = 0: -log N(x; x_1 / sqrt(alpha_1), beta_1) and
    KL(N(sqrt(ab) x, 1 - ab) || N(0, 1)), for given noise, from torch.distributions."""
    ddpm = diffusion.DDPM(_Zero(), 2, T=1).double()
    x = torch.tensor([[0.3, -1.0], [2.0, 0.5]], dtype=torch.float64)
    noise = torch.randn(1, 2, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    terms = elbo.elbo_terms(ddpm, x, noise=noise)
    beta, ab = ddpm.betas[1].double(), ddpm.alpha_bars[1].double()
    x1 = ab.sqrt() * x + (1 - ab).sqrt() * noise[0]
    decoder = -torch.distributions.Normal(x1 / (1 - beta).sqrt(), beta.sqrt()).log_prob(x).sum(1)
    q_T = torch.distributions.Normal(ab.sqrt() * x, (1 - ab).sqrt().expand_as(x))
    prior = torch.distributions.kl_divergence(q_T, torch.distributions.Normal(0.0, 1.0)).sum(1)
    assert torch.allclose(terms["decoder"], decoder) and torch.allclose(terms["prior"], prior)
    assert terms["kl"].shape == (2, 0) and float(beta) == pytest.approx(0.1)
    assert torch.allclose(ddpm.elbo(x, generator=torch.Generator().manual_seed(0)), -(decoder + prior))


# ----------------------------------------------------------------------------
# The denoisers
# ----------------------------------------------------------------------------


def test_the_gaussian_denoiser_is_the_closed_form_optimum():
    ab = torch.cumprod(1 - diffusion.beta_schedule(30, "cosine"), 0)
    net = denoisers.GaussianDenoiser(ab, [M], [S]).double()
    x, t = torch.linspace(-2, 3, 9, dtype=torch.float64)[:, None], torch.arange(1, 31, 3)[:9]
    assert torch.allclose(net(x, t), _OptimalGaussian(ab, M, S)(x, t))


def test_the_digit_denoiser_predicts_noise_through_a_bounded_clean_digit():
    """eps_hat = (x_t - sqrt(ab) x0_hat) / sqrt(1 - ab) with x0_hat in [-1, 1]: q_sample of x0_hat with eps_hat
    gives back x_t, at every t."""
    torch.manual_seed(0)
    ddpm = diffusion.build_from_recipe(recipes.DDPM_MNIST.replace(n_hidden=16))
    x0 = torch.randint(0, 2, (6, 784)).float() * 2 - 1
    for step in (1, 10, ddpm.T):
        t = torch.full((6,), step)
        xt = ddpm.q_sample(x0, t, generator=torch.Generator().manual_seed(step))
        x0_hat, eps_hat = ddpm.denoiser.predict_x0(xt, t), ddpm.denoiser(xt, t)
        assert x0_hat.abs().max() <= 1 and eps_hat.shape == xt.shape
        assert torch.allclose(ddpm.q_sample(x0_hat, t, eps_hat), xt, atol=1e-4)
    assert "alpha_bars" not in ddpm.denoiser.state_dict()  # rebuilt from the recipe, not shipped


def test_the_digit_recipe_returns_the_moving_average_of_the_weights():
    """ema = 0 keeps the last weights; ema = 0.9 lies between the start and the last weights."""
    import course_utils.data as data

    few = data.load_mnist("train")
    recipe = recipes.DDPM_MNIST.replace(n_hidden=8, epochs=1, batch_size=400)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "load_mnist", lambda split: tuple(t[:800] for t in few))
        torch.manual_seed(0)
        last, history = diffusion.train_from_recipe(recipe.replace(ema=0.0), progress=False)
        torch.manual_seed(0)
        start = diffusion.build_from_recipe(recipe)
        torch.manual_seed(0)
        averaged, _ = diffusion.train_from_recipe(recipe.replace(ema=0.9), progress=False)
    assert len(history["train_loss"]) == 1 and history["seconds"] > 0
    w0, w1, wa = (m.denoiser.out.weight for m in (start, last, averaged))
    assert not torch.equal(w0, w1)
    # two steps: avg = 0.81 w0 + 0.09 w_1 + 0.1 w_2, so it stays much closer to the start than the last weights do
    assert (wa - w0).norm() < 0.3 * (w1 - w0).norm()
