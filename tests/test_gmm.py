"""Tests of course_utils.models.gmm against brute force and scikit-learn."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from course_utils.models.gmm import GMM, e_step, fit_gmm, gmm_log_prob, m_step


def _blobs(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-2.0, 0.0], [2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)
    z = torch.randint(0, 3, (n,), generator=g)
    x = centres[z] + torch.randn(n, 2, generator=g, dtype=torch.float64) @ torch.tensor([[0.6, 0.2], [0.0, 0.4]], dtype=torch.float64)
    return x, z


def _params():
    weights = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
    means = torch.tensor([[0.0, 0.0], [1.0, -1.0], [-2.0, 2.0]], dtype=torch.float64)
    covs = torch.stack([
        torch.tensor([[1.0, 0.3], [0.3, 0.5]]),
        torch.tensor([[0.4, 0.0], [0.0, 2.0]]),
        torch.tensor([[1.5, -0.6], [-0.6, 1.0]]),
    ]).double()
    return weights, means, covs


def test_log_prob_equals_the_sum_of_weighted_gaussian_densities():
    weights, means, covs = _params()
    x, _ = _blobs(20)
    brute = sum(
        weights[k] * torch.distributions.MultivariateNormal(means[k], covs[k]).log_prob(x).exp() for k in range(3)
    )
    torch.testing.assert_close(gmm_log_prob(x, weights, means, covs), brute.log())


def test_density_integrates_to_one_on_a_grid():
    weights, means, covs = _params()
    t = torch.linspace(-9, 9, 401, dtype=torch.float64)
    gx, gy = torch.meshgrid(t, t, indexing="ij")
    grid = torch.stack([gx.ravel(), gy.ravel()], dim=1)
    mass = gmm_log_prob(grid, weights, means, covs).exp().sum() * (t[1] - t[0]) ** 2
    assert abs(mass.item() - 1) < 1e-4


def test_log_prob_and_responsibilities_agree_with_sklearn():
    weights, means, covs = _params()
    x, _ = _blobs(50)
    sk = GaussianMixture(3, covariance_type="full")
    sk.weights_, sk.means_, sk.covariances_ = weights.numpy(), means.numpy(), covs.numpy()
    sk.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(covs.numpy()))
    np.testing.assert_allclose(gmm_log_prob(x, weights, means, covs).numpy(), sk.score_samples(x.numpy()), rtol=1e-10)
    np.testing.assert_allclose(e_step(x, weights, means, covs).numpy(), sk.predict_proba(x.numpy()), atol=1e-10)


def test_em_matches_sklearn_from_the_same_start():
    x, _ = _blobs(300)
    init = x[[0, 1, 2]]
    ours = fit_gmm(x, 3, n_iter=15, init_means=init)
    data_cov = np.cov(x.numpy().T, bias=True) + 1e-6 * np.eye(2)
    sk = GaussianMixture(
        3,
        covariance_type="full",
        max_iter=15,
        tol=0.0,
        weights_init=np.full(3, 1 / 3),
        means_init=init.numpy(),
        precisions_init=np.stack([np.linalg.inv(data_cov)] * 3),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(x.numpy())
    np.testing.assert_allclose(ours.weights.numpy(), sk.weights_, atol=1e-9)
    np.testing.assert_allclose(ours.means.numpy(), sk.means_, atol=1e-9)
    np.testing.assert_allclose(ours.covariances.numpy(), sk.covariances_, atol=1e-9)


def test_em_never_lowers_the_log_likelihood_and_finds_the_blobs():
    x, z = _blobs(600, seed=1)
    fit = fit_gmm(x, 3, n_iter=60, generator=torch.Generator().manual_seed(0))
    ll = np.array(fit.log_likelihood)
    assert len(ll) == 61 and (np.diff(ll) >= -1e-10).all()
    order = torch.argsort(fit.means[:, 0])  # the centres sorted by x coordinate
    expected = torch.tensor([[-2.0, 0.0], [0.0, 3.0], [2.0, 1.0]], dtype=torch.float64)
    assert (fit.means[order] - expected).abs().max() < 0.2
    torch.testing.assert_close(fit.weights.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_m_step_with_hard_assignments_is_the_per_cluster_mle():
    x, z = _blobs(200)
    resp = torch.nn.functional.one_hot(z, 3).double()
    weights, means, covs = m_step(x, resp, reg_covar=0.0)
    for k in range(3):
        xk = x[z == k]
        torch.testing.assert_close(means[k], xk.mean(0))
        torch.testing.assert_close(covs[k], torch.cov(xk.T, correction=0))
        assert math.isclose(weights[k].item(), len(xk) / len(x), rel_tol=1e-9)


def test_sampling_reproduces_weights_and_means():
    weights, means, covs = _params()
    model = GMM(weights, means, covs)
    x, z = model.sample_with_components(50_000, generator=torch.Generator().manual_seed(0))
    # the contract's sample(n) returns the same draws without the components
    assert torch.equal(model.sample(50_000, generator=torch.Generator().manual_seed(0)), x)
    freq = torch.bincount(z, minlength=3).double() / len(z)
    assert (freq - weights).abs().max() < 0.01
    for k in range(3):
        assert (x[z == k].mean(0) - means[k]).abs().max() < 0.05


def test_bad_inputs_get_clear_errors():
    weights, means, covs = _params()
    with pytest.raises(ValueError, match=r"gmm_log_prob expects x of shape \(N, 2\) with finite values; got shape \(5,\)"):
        gmm_log_prob(torch.zeros(5), weights, means, covs)
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 2\)"):
        gmm_log_prob(torch.zeros(5, 3), weights, means, covs)
    with pytest.raises(ValueError, match="covariances"):
        gmm_log_prob(torch.zeros(5, 2), weights, means, covs[:2])
    with pytest.raises(ValueError, match=r"fit_gmm expects k an int in \[1, 5\]; got 0"):
        fit_gmm(torch.zeros(5, 2), 0)
    with pytest.raises(ValueError, match="init_means"):
        fit_gmm(torch.zeros(5, 2), 2, init_means=torch.zeros(3, 2))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fit_gmm(np.zeros((5, 2)), 2)
