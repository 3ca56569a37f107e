"""Tests of course_utils.models.vae: KL, reparameterization, ELBO and the IW estimate."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils import recipes
from course_utils.models import vae
from course_utils.models.vae import VAE, kl_normal_std, log_normal_diag, reparameterize


def _binary(n, d, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.bernoulli(torch.full((n, d), 0.3), generator=g)


# -- kl_normal_std -------------------------------------------------------------


def test_kl_is_zero_for_the_prior_and_positive_otherwise():
    mu, logvar = torch.zeros(3, 4), torch.zeros(3, 4)
    assert torch.equal(kl_normal_std(mu, logvar), torch.zeros(3))
    g = torch.Generator().manual_seed(0)
    kl = kl_normal_std(torch.randn(100, 4, generator=g), torch.randn(100, 4, generator=g))
    assert kl.shape == (100,) and (kl > 0).all()


def test_kl_closed_form_equals_monte_carlo_within_its_standard_error():
    g = torch.Generator().manual_seed(1)
    mu = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]], dtype=torch.float64)
    logvar = torch.tensor([[-1.0, 0.5, 0.0], [1.0, -2.0, 0.2]], dtype=torch.float64)
    n = 200_000
    z = reparameterize(mu, logvar, torch.randn((n, *mu.shape), generator=g, dtype=torch.float64))
    log_ratio = log_normal_diag(z, mu, logvar) - vae.log_normal_std(z)  # (n, 2)
    estimate, stderr = log_ratio.mean(0), log_ratio.std(0) / math.sqrt(n)
    exact = kl_normal_std(mu, logvar)
    assert (exact - estimate).abs().max() < 4 * stderr.max(), (exact, estimate, stderr)


def test_kl_agrees_with_torch_distributions():
    g = torch.Generator().manual_seed(2)
    mu, logvar = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    expected = torch.distributions.kl_divergence(q, p).sum(-1)
    torch.testing.assert_close(kl_normal_std(mu, logvar), expected)


# -- reparameterize --------------------------------------------------------------


def test_reparameterize_has_the_analytic_gradient():
    mu = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([0.4, -0.7], dtype=torch.float64, requires_grad=True)
    eps = torch.tensor([1.5, -0.5], dtype=torch.float64)
    z = reparameterize(mu, logvar, eps)
    # d z / d mu = 1, d z / d logvar = eps · exp(logvar / 2) / 2 (elementwise)
    (z * torch.tensor([2.0, 3.0], dtype=torch.float64)).sum().backward()
    torch.testing.assert_close(mu.grad, torch.tensor([2.0, 3.0], dtype=torch.float64))
    expected = torch.tensor([2.0, 3.0], dtype=torch.float64) * eps * torch.exp(0.5 * logvar.detach()) / 2
    torch.testing.assert_close(logvar.grad, expected)
    assert torch.autograd.gradcheck(lambda m, lv: reparameterize(m, lv, eps), (mu, logvar))


def test_reparameterize_samples_have_the_right_moments():
    g = torch.Generator().manual_seed(3)
    mu, logvar = torch.tensor([1.0, -2.0]), torch.tensor([0.0, math.log(0.25)])
    z = reparameterize(mu.expand(100_000, 2), logvar.expand(100_000, 2), generator=g)
    torch.testing.assert_close(z.mean(0), mu, atol=0.01, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 0.5]), atol=0.01, rtol=0)


def test_reparameterize_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        reparameterize(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="eps"):
        reparameterize(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 2))
    with pytest.raises(TypeError, match="mu"):
        reparameterize([0.0], torch.zeros(1))
    with pytest.raises(TypeError, match="floating-point"):
        kl_normal_std(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 3))


# -- the model -----------------------------------------------------------------


def test_shapes_and_determinism():
    torch.manual_seed(0)
    model = VAE(n_dims=12, n_latent=3, n_hidden=8)
    x = _binary(5, 12)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, 3)
    assert model.decode(mu).shape == (5, 12)
    assert model.decode(torch.zeros(7, 5, 3)).shape == (7, 5, 12)
    assert model.elbo(x, n_samples=4).shape == (5,)
    a = model.elbo(x, 3, generator=torch.Generator().manual_seed(9))
    b = model.elbo(x, 3, generator=torch.Generator().manual_seed(9))
    assert torch.equal(a, b)
    s = model.sample(6, generator=torch.Generator().manual_seed(0))
    assert s.shape == (6, 12) and set(s.unique().tolist()) <= {0.0, 1.0}
    m = model.sample(6, generator=torch.Generator().manual_seed(0), mean=True)
    assert ((m > 0) & (m < 1)).all()


def test_elbo_terms_by_hand():
    """The ELBO with a given eps equals log p(x|z) − KL written out directly."""
    torch.manual_seed(1)
    model = VAE(n_dims=6, n_latent=2, n_hidden=5)
    x = _binary(4, 6, seed=1)
    g = torch.Generator().manual_seed(5)
    elbo = model.elbo(x, n_samples=1, generator=g)
    mu, logvar = model.encode(x)
    eps = torch.randn((1, 4, 2), generator=torch.Generator().manual_seed(5))
    p = torch.sigmoid(model.decode(mu + torch.exp(0.5 * logvar) * eps[0]))
    log_px = (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(-1)
    torch.testing.assert_close(elbo, log_px - kl)


def test_gaussian_likelihood_is_mse_plus_a_constant():
    torch.manual_seed(2)
    model = VAE(n_dims=6, n_latent=2, n_hidden=5, likelihood="gaussian")
    x = torch.randn(4, 6)
    mean = torch.randn(4, 6)
    expected = torch.distributions.Normal(mean, 1.0).log_prob(x).sum(-1)
    torch.testing.assert_close(model.log_px_given_z(x, mean), expected)
    torch.testing.assert_close(
        model.log_px_given_z(x, mean), -0.5 * ((x - mean) ** 2).sum(-1) - 3 * math.log(2 * math.pi)
    )


def test_sampling_matches_the_decoder_probabilities():
    """x ~ p(x | z) with z from the generator: pixel frequencies match the mean of p."""
    torch.manual_seed(3)
    model = VAE(n_dims=4, n_latent=2, n_hidden=6)
    n = 40_000
    samples = model.sample(n, generator=torch.Generator().manual_seed(1))
    means = model.sample(n, generator=torch.Generator().manual_seed(2), mean=True)
    # both estimate E[x] = E_z[sigmoid(decoder(z))]; binary samples have sd <= 0.5
    assert (samples.mean(0) - means.mean(0)).abs().max() < 4 * 0.5 / math.sqrt(n) + 0.01


def test_gradients_match_finite_differences():
    torch.manual_seed(4)
    model = VAE(n_dims=5, n_latent=2, n_hidden=3).double()
    x = _binary(3, 5, seed=4).double()

    def loss(*params):
        return -torch.func.functional_call(model, dict(zip(names, params)), (x,), {}).sum()

    names = [n for n, _ in model.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_() for _, p in model.named_parameters())
    # a fixed eps: reseed before every evaluation
    def fixed(*p):
        torch.manual_seed(11)
        return loss(*p)

    assert torch.autograd.gradcheck(fixed, params, eps=1e-6, atol=1e-5)


def _linear_gaussian(n_dims=3, n_latent=2, obs_std=0.7, seed=0):
    """A VAE whose decoder is linear: p(x) = N(b, W Wᵀ + s² I) exactly."""
    torch.manual_seed(seed)
    model = VAE(n_dims=n_dims, n_latent=n_latent, n_hidden=4, likelihood="gaussian", obs_std=obs_std).double()
    model.decoder = torch.nn.Linear(n_latent, n_dims).double()
    W, b = model.decoder.weight.detach(), model.decoder.bias.detach()
    cov = W @ W.T + obs_std**2 * torch.eye(n_dims, dtype=torch.float64)
    exact = torch.distributions.MultivariateNormal(b, covariance_matrix=cov)
    return model, exact


def test_log_prob_iw_converges_to_the_exact_marginal_of_a_linear_gaussian_model():
    model, exact = _linear_gaussian()
    x = exact.sample((6,)) + 0.3
    truth = exact.log_prob(x)
    g = torch.Generator().manual_seed(0)
    gaps = [(truth - model.log_prob_iw(x, k=k, generator=g)).abs().max().item() for k in (1, 10_000)]
    assert gaps[1] < 0.05, gaps
    assert gaps[1] < gaps[0] / 5, gaps


def test_log_prob_iw_is_exact_when_q_is_the_true_posterior():
    """With q(z|x) = p(z|x), every importance weight equals p(x): k = 1 is already exact."""
    model, exact = _linear_gaussian(n_dims=3, n_latent=1, obs_std=0.5)
    W, b = model.decoder.weight.detach(), model.decoder.bias.detach()
    s2 = 0.25
    post_var = 1.0 / (1.0 + (W.T @ W).item() / s2)

    class Posterior(torch.nn.Module):
        def forward(self, x):
            mu = post_var * ((x - b) @ W) / s2
            return torch.cat([mu, torch.full_like(mu, math.log(post_var))], dim=-1)

    model.encoder = Posterior()
    x = exact.sample((5,))
    torch.testing.assert_close(model.log_prob_iw(x, k=1), exact.log_prob(x))
    # the ELBO's Monte Carlo reconstruction term is noisy, but its mean is exact too
    g = torch.Generator().manual_seed(0)
    torch.testing.assert_close(model.elbo(x, n_samples=20_000, generator=g), exact.log_prob(x), atol=0.03, rtol=0)


def test_log_prob_iw_mean_increases_with_k_and_stays_above_the_elbo():
    torch.manual_seed(5)
    model = VAE(n_dims=20, n_latent=2, n_hidden=16)
    with torch.no_grad():  # a decoder that depends strongly on z: q(z|x) is far from p(z|x)
        model.decoder[-1].weight.mul_(8.0)
    x = _binary(500, 20, seed=5)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        elbo = model.elbo(x, n_samples=50, generator=g).mean().item()
    means = [model.log_prob_iw(x, k=k, generator=g).mean().item() for k in (1, 10, 100, 1000)]
    assert abs(means[0] - elbo) < 0.5, (means[0], elbo)  # k = 1 is an unbiased ELBO estimate
    assert all(a < b for a, b in zip(means, means[1:])), means
    assert means[1] > elbo + 1.0, (means, elbo)


def test_log_prob_iw_chunks_agree_with_one_batch():
    torch.manual_seed(6)
    model = VAE(n_dims=10, n_latent=2, n_hidden=4)
    x = _binary(7, 10)
    one = model.log_prob_iw(x, k=3, generator=torch.Generator().manual_seed(0))
    chunked = model.log_prob_iw(x, k=3, generator=torch.Generator().manual_seed(0), max_elements=30)
    assert one.shape == chunked.shape == (7,)
    assert torch.isfinite(one).all() and torch.isfinite(chunked).all()


def test_bad_inputs_get_clear_errors():
    model = VAE(n_dims=784, n_latent=2, n_hidden=8)
    with pytest.raises(ValueError, match=r"shape \(batch, 784\); got shape \(2, 28, 28\)"):
        model.elbo(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        model.elbo(torch.full((2, 784), 2.0))
    x = torch.zeros(2, 784)
    for cast in (x.long(), x.bool(), x.double()):  # cast to the parameters' dtype (issue 15: float64 crashed in nn.Linear)
        torch.testing.assert_close(model.encode(cast), model.encode(x))
    torch.testing.assert_close(model.decode(torch.zeros(3, 2, dtype=torch.float64)), model.decode(torch.zeros(3, 2)))
    with pytest.raises(ValueError, match=r"VAE.encode expects x with values in \[0, 1\].*divide by 255"):
        model.encode(torch.full((2, 784), 255.0))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model.encode([[0.0] * 784])
    with pytest.raises(ValueError, match=r"z of shape \(\.\.\., 2\)"):
        model.decode(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="VAE.log_prob_iw expects k a positive int; got 0"):
        model.log_prob_iw(torch.zeros(2, 784), k=0)
    with pytest.raises(ValueError, match="n_samples"):
        model.elbo(torch.zeros(2, 784), n_samples=0)
    with pytest.raises(ValueError, match="likelihood"):
        VAE(likelihood="poisson")
    with pytest.raises(ValueError, match="n_latent"):
        VAE(n_latent=0)


def test_build_from_recipe_matches_the_recipes():
    for recipe in (recipes.VAE_2D, recipes.VAE_20D):
        model = vae.build_from_recipe(recipe)
        assert model.n_latent == recipe.n_latent
        assert model.likelihood == recipe.likelihood
    assert recipes.VAE_2D.n_latent == 2 and recipes.VAE_20D.n_latent == 20


def test_the_sigma_recipes_differ_from_vae_gaussian_only_in_the_decoder_width():
    sweep = {1.0: recipes.VAE_GAUSSIAN, 0.5: recipes.VAE_SIGMA_0_5, 0.2: recipes.VAE_SIGMA_0_2}
    for sigma, recipe in sweep.items():
        model = vae.build_from_recipe(recipe)
        assert model.obs_std == sigma and model.likelihood == "gaussian"
        assert recipe.replace(obs_std=1.0) == recipes.VAE_GAUSSIAN
        x, mean = torch.rand(3, 784), torch.rand(3, 784)
        torch.testing.assert_close(model.log_px_given_z(x, mean),
                                   torch.distributions.Normal(mean, sigma).log_prob(x).sum(-1))


def test_the_decoder_width_weights_the_squared_error_by_one_over_two_sigma_squared():
    """-log N(x; m, s² I) = ||x - m||² / (2 s²) + D/2 log(2π s²): s² is a β in front of the KL (up to a constant)."""
    x, mean = torch.rand(5, 6, dtype=torch.float64), torch.rand(5, 6, dtype=torch.float64)
    nll = {s: -VAE(6, 2, 4, "gaussian", obs_std=s).double().log_px_given_z(x, mean) for s in (0.2, 0.5, 1.0)}
    squared = ((x - mean) ** 2).sum(-1)
    for s, value in nll.items():
        torch.testing.assert_close(value - 3 * math.log(2 * math.pi * s**2), squared / (2 * s**2))


@pytest.mark.slow
def test_training_a_few_epochs_raises_the_elbo_deterministically():
    from dataclasses import replace

    recipe = replace(recipes.VAE_2D, epochs=2)
    model_a, hist_a = vae.train_from_recipe(recipe, progress=False)
    model_b, hist_b = vae.train_from_recipe(recipe, progress=False)
    assert hist_a["train_loss"] == hist_b["train_loss"]
    assert hist_a["train_loss"][1] < hist_a["train_loss"][0]
    assert isinstance(hist_a["seconds"], float)
    for p, q in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(p, q)


# -- the plain autoencoder (course_utils.models.autoencoder), the VAE's deterministic sibling --


def test_autoencoder_shapes_loss_and_errors():
    from course_utils.models.autoencoder import Autoencoder, squared_error

    torch.manual_seed(7)
    ae = Autoencoder(n_dims=10, n_latent=3, n_hidden=6)
    x = _binary(4, 10)
    assert ae.encode(x).shape == (4, 3)
    recon = ae(x)
    assert recon.shape == (4, 10) and ((recon > 0) & (recon < 1)).all()
    torch.testing.assert_close(squared_error(ae, x), ((recon - x) ** 2).sum(1).mean())
    with pytest.raises(ValueError, match=r"shape \(batch, 10\)"):
        ae.encode(torch.zeros(4, 11))
    with pytest.raises(ValueError, match=r"z of shape \(\.\.\., 3\)"):
        ae.decode(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="n_latent"):
        Autoencoder(n_latent=0)
