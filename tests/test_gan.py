"""Tests of course_utils.models.gan: the theory on a grid, the losses, the networks, training."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import jensenshannon

from course_utils import recipes
from course_utils.models import gan

GRID = np.linspace(-6, 6, 2401)
DX = float(GRID[1] - GRID[0])


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


@pytest.fixture
def densities():
    """p_data: a two-component mixture; p_g: a wider single Gaussian (both on GRID).

    Each is renormalized so that sum * dx = 1 exactly, as the identities assume.
    """
    p_data = 0.5 * normal_pdf(GRID, -1.5, 0.5) + 0.5 * normal_pdf(GRID, 1.5, 0.5)
    p_g = normal_pdf(GRID, 0.3, 1.2)
    return p_data / (p_data.sum() * DX), p_g / (p_g.sum() * DX)


# ----------------------------------------------------------------------------
# D*, V and the JSD (Goodfellow et al. 2014, Prop. 1 and Theorem 1)
# ----------------------------------------------------------------------------


def test_optimal_discriminator_is_the_density_ratio(densities):
    p_data, p_g = densities
    d_star = gan.optimal_discriminator(p_data, p_g)
    np.testing.assert_allclose(d_star, p_data / (p_data + p_g), rtol=1e-12)
    assert gan.optimal_discriminator([0.0, 1.0], [0.0, 0.0]).tolist() == [0.5, 1.0]


def test_optimal_discriminator_maximizes_the_value(densities):
    p_data, p_g = densities
    d_star = gan.optimal_discriminator(p_data, p_g)
    best = gan.gan_value(d_star, p_data, p_g, dx=DX)
    rng = np.random.default_rng(0)
    for scale in (0.3, 0.05, 1e-3):
        for _ in range(20):
            bump = scale * rng.standard_normal(len(GRID))
            d = np.clip(d_star + bump, 1e-9, 1 - 1e-9)
            assert gan.gan_value(d, p_data, p_g, dx=DX) < best
    # Constant discriminators, and the discriminator that ignores p_g, do worse too.
    for d in (np.full_like(GRID, 0.5), np.full_like(GRID, 0.9), (p_data > p_g).astype(float) * 0.98 + 0.01):
        assert gan.gan_value(d, p_data, p_g, dx=DX) < best


def test_pointwise_brute_force_agrees_with_d_star():
    """For each x, maximize a log y + b log(1 - y) over a fine grid of y."""
    a, b = np.array([0.2, 1.0, 3.0, 0.7]), np.array([0.9, 1.0, 0.1, 0.7])
    ys = np.linspace(1e-4, 1 - 1e-4, 200_001)
    brute = ys[np.argmax(a[:, None] * np.log(ys) + b[:, None] * np.log1p(-ys), axis=1)]
    np.testing.assert_allclose(brute, gan.optimal_discriminator(a, b), atol=1e-4)


def test_value_at_d_star_is_minus_log4_plus_two_jsd(densities):
    p_data, p_g = densities
    d_star = gan.optimal_discriminator(p_data, p_g)
    value = gan.gan_value(d_star, p_data, p_g, dx=DX)
    assert value == pytest.approx(-math.log(4) + 2 * gan.jsd(p_data, p_g, dx=DX), abs=1e-9)
    # And the minimum of that, -log 4, is reached exactly when p_g = p_data.
    assert gan.gan_value(gan.optimal_discriminator(p_data, p_data), p_data, p_data, dx=DX) == pytest.approx(
        -math.log(4), abs=1e-6
    )


def test_optimal_value_in_log_space_is_finite_where_d_star_saturates():
    """A narrow p_g far from the data: D* rounds to 1 there, log(1 - D*) to -inf; V itself is finite."""
    p_data = normal_pdf(GRID, -1.5, 0.5) + normal_pdf(GRID, 1.5, 0.5)
    p_data /= p_data.sum() * DX
    for std in (DX, 0.1, 0.5, 1.2, 6.0):
        for mean in (-4.0, 0.0, 3.0):
            p_g = normal_pdf(GRID, mean, std)
            p_g /= p_g.sum() * DX
            value = gan.optimal_gan_value(p_data, p_g, dx=DX)
            assert math.isfinite(value), (std, mean)
            assert value == pytest.approx(-math.log(4) + 2 * gan.jsd(p_data, p_g, dx=DX), abs=1e-9)
            assert -math.log(4) - 1e-12 <= value <= 1e-12
    # The failure the log-space version avoids is real: forming D* first gives -inf here.
    p_g = normal_pdf(GRID, 4.0, 0.5)
    p_g /= p_g.sum() * DX
    assert gan.gan_value(gan.optimal_discriminator(p_data, p_g), p_data, p_g, dx=DX) == -math.inf


def test_optimal_value_agrees_with_the_value_at_d_star(densities):
    p_data, p_g = densities
    d_star = gan.optimal_discriminator(p_data, p_g)
    assert gan.optimal_gan_value(p_data, p_g, dx=DX) == pytest.approx(gan.gan_value(d_star, p_data, p_g, dx=DX), rel=1e-12)
    p, q = np.array([0.1, 0.6, 0.3, 0.0]), np.array([0.4, 0.2, 0.2, 0.2])
    by_hand = sum(pi * math.log(pi / (pi + qi)) for pi, qi in zip(p, q) if pi > 0) + sum(
        qi * math.log(qi / (pi + qi)) for pi, qi in zip(p, q) if qi > 0
    )
    assert gan.optimal_gan_value(p, q) == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match="p_g must be a density"):
        gan.optimal_gan_value([0.5, 0.5], [0.5, -0.5])


def test_jsd_matches_scipy_and_its_bounds():
    rng = np.random.default_rng(1)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
        assert gan.jsd(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-9)
        assert gan.jsd(p, q) == pytest.approx(gan.jsd(q, p), rel=1e-12)
    assert gan.jsd([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert gan.jsd([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2))


def test_value_on_discrete_distributions():
    p, q = np.array([0.1, 0.6, 0.3, 0.0]), np.array([0.4, 0.2, 0.2, 0.2])
    d = gan.optimal_discriminator(p, q)
    by_hand = sum(pi * math.log(di) for pi, di in zip(p, d) if pi > 0) + sum(
        qi * math.log(1 - di) for qi, di in zip(q, d) if qi > 0
    )
    assert gan.gan_value(d, p, q) == pytest.approx(by_hand, rel=1e-12)
    assert gan.gan_value(d, p, q) == pytest.approx(-math.log(4) + 2 * gan.jsd(p, q), abs=1e-12)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gan.optimal_discriminator([0.1, -0.2], [0.5, 0.5]), ValueError, "p_data must be a density"),
        (lambda: gan.optimal_discriminator([0.1, 0.2], [0.5]), ValueError, "same shape"),
        (lambda: gan.jsd([0.2, 0.2], [0.5, 0.5]), ValueError, "p must sum to 1"),
        (lambda: gan.jsd([1.0, 0.0], [0.0, 1.0], dx=-1), ValueError, "dx must be a positive"),
        (lambda: gan.jsd(["a"], [1.0]), TypeError, "array of numbers"),
        (lambda: gan.jsd([np.nan, 1.0], [0.5, 0.5]), ValueError, "finite"),
        (lambda: gan.gan_value([1.5, 0.5], [0.5, 0.5], [0.5, 0.5]), ValueError, r"\[0, 1\]"),
        (lambda: gan.gan_value([0.5], [0.5, 0.5], [0.5, 0.5]), ValueError, "d must have the shape"),
    ],
)
def test_theory_helpers_reject_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------


def _log_sigmoid64(t: torch.Tensor) -> torch.Tensor:
    """log sigmoid(t) in float64, by cases so that neither branch overflows."""
    t = t.double()
    return torch.where(t >= 0, -torch.log1p(torch.exp(-t)), t - torch.log1p(torch.exp(t)))


LOGITS_REAL = torch.tensor([-80.0, -3.0, -0.5, 0.0, 0.7, 4.0, 90.0])
LOGITS_FAKE = torch.tensor([-95.0, -2.0, -0.1, 0.0, 1.5, 6.0, 70.0])


def test_discriminator_loss_equals_its_formula():
    loss = gan.discriminator_loss(LOGITS_REAL, LOGITS_FAKE)
    # -mean log D(x) - mean log(1 - D(G(z))), with log(1 - sigmoid(t)) = log sigmoid(-t).
    by_hand = -_log_sigmoid64(LOGITS_REAL).mean() - _log_sigmoid64(-LOGITS_FAKE).mean()
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-6)
    bce = F.binary_cross_entropy_with_logits(LOGITS_REAL, torch.ones(7)) + F.binary_cross_entropy_with_logits(
        LOGITS_FAKE, torch.zeros(7)
    )
    assert loss.item() == pytest.approx(bce.item(), rel=1e-6)


def test_generator_losses_equal_their_formulas():
    ns = gan.generator_loss(LOGITS_FAKE, non_saturating=True)
    sat = gan.generator_loss(LOGITS_FAKE, non_saturating=False)
    assert ns.item() == pytest.approx(-_log_sigmoid64(LOGITS_FAKE).mean().item(), rel=1e-6)
    assert sat.item() == pytest.approx(_log_sigmoid64(-LOGITS_FAKE).mean().item(), rel=1e-6)
    assert torch.isfinite(ns) and torch.isfinite(sat)


def test_saturating_gradient_vanishes_where_the_non_saturating_one_does_not():
    logits = torch.tensor([-10.0, -3.0, 0.0, 3.0], requires_grad=True)
    (grad_ns,) = torch.autograd.grad(gan.generator_loss(logits, True), logits)
    (grad_sat,) = torch.autograd.grad(gan.generator_loss(logits, False), logits)
    d = torch.sigmoid(logits.detach())
    torch.testing.assert_close(grad_ns, -(1 - d) / 4)  # d/dt [-log sigmoid(t)] = -(1 - D)
    torch.testing.assert_close(grad_sat, -d / 4)  # d/dt [log(1 - sigmoid(t))] = -D
    assert abs(grad_sat[0]) < 1e-4 < 0.2 < abs(grad_ns[0])  # D(G(z)) ~ 0: only NS still pushes


def test_info_loss_is_the_cross_entropy_of_the_code():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.1, 0.2, 0.3]])
    code = torch.tensor([0, 2])
    by_hand = -(torch.log_softmax(logits, 1)[0, 0] + torch.log_softmax(logits, 1)[1, 2]) / 2
    assert gan.info_loss(logits, code).item() == pytest.approx(by_hand.item(), rel=1e-6)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gan.discriminator_loss([0.1], torch.zeros(1)), TypeError, "d_real_logits must be a torch.Tensor"),
        (lambda: gan.discriminator_loss(torch.zeros(2), torch.zeros(2, dtype=torch.long)), TypeError, "floating-point"),
        (lambda: gan.discriminator_loss(torch.zeros(2), torch.zeros(0)), ValueError, "d_fake_logits is empty"),
        (lambda: gan.generator_loss(torch.zeros(2), non_saturating="yes"), TypeError, "non_saturating"),
        (lambda: gan.info_loss(torch.zeros(2, 3), torch.zeros(3, dtype=torch.long)), ValueError, "code of shape"),
    ],
)
def test_losses_reject_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------
# Networks
# ----------------------------------------------------------------------------


def test_packing_concatenates_consecutive_samples():
    d = gan.MLPDiscriminator(n_in=2, n_hidden=8, pack=3)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
    out = d(x)
    assert out.shape == (2,)
    by_hand = d.head(d.body(torch.stack([x[0:3].reshape(-1), x[3:6].reshape(-1)]))).squeeze(1)
    torch.testing.assert_close(out, by_hand)
    with pytest.raises(ValueError, match="multiple of 3"):
        d(x[:4])
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        d(torch.zeros(6, 3))


def test_stacked_runs_equal_separate_networks():
    g = gan.MLPGenerator(n_latent=3, n_out=2, n_hidden=5, n_runs=4)
    d = gan.MLPDiscriminator(n_in=2, n_hidden=5, pack=2, n_runs=4)
    z = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(1))
    x = g(z)
    logits = d(x)
    assert x.shape == (4, 6, 2) and logits.shape == (4, 3)
    for r in range(4):
        g1 = gan.MLPGenerator(n_latent=3, n_out=2, n_hidden=5)
        d1 = gan.MLPDiscriminator(n_in=2, n_hidden=5, pack=2)
        pairs = [(g1.net, g.net), (d1.body, d.body), ([d1.head], [d.head])]
        for single, stacked in pairs:
            for layer1, layer_r in zip(single, stacked):
                if isinstance(layer1, torch.nn.Linear):
                    layer1.weight.data = layer_r.weight.data[r].T.clone()
                    layer1.bias.data = layer_r.bias.data[r, 0].clone()
        torch.testing.assert_close(g1(z[r]), x[r])
        torch.testing.assert_close(d1(x[r]), logits[r])


def test_dcgan_shapes_range_and_code():
    model = gan.DCGAN(n_latent=8, width=4, n_code=3)
    x = model.sample(5, torch.Generator().manual_seed(0), code=2)
    assert x.shape == (5, 784) and 0 <= x.min() and x.max() <= 1
    logits, code_logits = model.discriminator.forward_with_code(x)
    assert logits.shape == (5,) and code_logits.shape == (5, 3)
    with pytest.raises(ValueError, match=r"code must be in 0..2"):
        model.sample(2, code=3)
    with pytest.raises(ValueError, match=r"shape \(batch, 784\)"):
        model.discriminator(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match=r"z of shape \(batch, 8\)"):
        model.generator(torch.zeros(2, 7), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="no code head"):
        gan.DCDiscriminator(width=4).forward_with_code(x)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="n_hidden must be a positive int"):
        gan.MLPGenerator(n_hidden=0)
    with pytest.raises(ValueError, match="pack must be a positive int"):
        gan.MLPDiscriminator(pack=0)
    with pytest.raises(ValueError, match="n_code must be a non-negative int"):
        gan.DCGenerator(n_code=-1)


def test_building_a_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    gan.build_toy_gan(recipes.GAN_RING, 2)
    gan.build_from_recipe(replace(recipes.DCGAN, n_hidden=4))
    torch.testing.assert_close(torch.rand(3), expected)


def test_same_seed_same_generator_whatever_the_pack():
    g1, _ = gan.build_toy_gan(replace(recipes.GAN_RING, pack=1), 2)
    g4, _ = gan.build_toy_gan(replace(recipes.GAN_RING, pack=4), 2)
    for a, b in zip(g1.parameters(), g4.parameters()):
        torch.testing.assert_close(a, b)


# ----------------------------------------------------------------------------
# Toy data
# ----------------------------------------------------------------------------


def test_ring_of_gaussians_geometry_and_density():
    ring = gan.ring_of_gaussians(8, radius=2.0, std=0.02)
    assert ring.centers.shape == (8, 2)
    torch.testing.assert_close(ring.centers.norm(dim=1), torch.full((8,), 2.0))
    x = ring.sample(4000, torch.Generator().manual_seed(0))
    assert (x.norm(dim=1) - 2).abs().max() < 0.15
    wide = gan.ring_of_gaussians(8, radius=2.0, std=0.3)
    g = np.linspace(-4, 4, 401)
    xx, yy = np.meshgrid(g, g)
    mass = wide.density(np.stack([xx, yy], -1)).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_two_gaussians_density_integrates_to_one():
    data = gan.two_gaussians_1d()
    assert data.density(GRID[:, None]).sum() * DX == pytest.approx(1.0, abs=1e-6)
    x = data.sample(20_000, torch.Generator().manual_seed(0))
    assert x.shape == (20_000, 1) and abs(x.mean()) < 0.05


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


def _tiny_1d(seed=0):
    recipe = replace(recipes.GAN_RING, n_latent=1, n_hidden=16, seed=seed)
    return gan.build_toy_gan(recipe, 1)


def test_train_gan_is_deterministic_and_keeps_snapshots():
    data = gan.two_gaussians_1d()
    runs = []
    for _ in range(2):
        g, d = _tiny_1d()
        h = gan.train_gan(g, d, data, steps=20, batch_size=32, lr=1e-3, seed=3, snapshot_every=10, progress=False)
        runs.append((g, h))
    (g1, h1), (g2, h2) = runs
    assert h1["d_loss"] == h2["d_loss"] and h1["g_loss"] == h2["g_loss"]
    for a, b in zip(g1.parameters(), g2.parameters()):
        assert torch.equal(a, b)
    assert [s for s, _ in h1["snapshots"]] == [0, 10, 20]
    assert set(h1["snapshots"][0][1]) == {"generator", "discriminator"}
    assert len(h1["d_real"]) == 20 and h1["seconds"] > 0


def test_density_snapshots_are_normalized():
    grid = np.linspace(-6, 6, 241)
    g, d = _tiny_1d()
    snap = gan.density_snapshot_1d(grid, n_samples=5000)(0, g, d)
    assert snap["p_g"].sum() * (grid[1] - grid[0]) == pytest.approx(1.0, abs=0.02)
    assert snap["d"].shape == grid.shape and (0 < snap["d"]).all() and (snap["d"] < 1).all()


def test_generator_moves_toward_the_data():
    """On N(3, 0.5²) data a 1-D GAN's samples move from about 0 to about 3."""
    data = gan.ToyData(torch.tensor([[3.0]]), 0.5)
    g, d = _tiny_1d()
    before = g.sample(2000, torch.Generator().manual_seed(0)).mean().item()
    gan.train_gan(g, d, data, steps=300, batch_size=64, lr=3e-3, seed=0, progress=False)
    after = g.sample(2000, torch.Generator().manual_seed(0)).mean().item()
    assert abs(before) < 1 and abs(after - 3) < 0.5


def test_infogan_training_step_runs():
    model = gan.DCGAN(n_latent=4, width=2, n_code=3)
    x = torch.rand(40, 784).round()
    h = gan.train_gan(model.generator, model.discriminator, x, steps=2, batch_size=16, seed=0, progress=False)
    assert len(h["info_loss"]) == 2 and all(math.isfinite(v) for v in h["info_loss"])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"steps": 0}, ValueError, "steps must be a positive int"),
        ({"steps": 1, "batch_size": 3}, ValueError, "multiple of the discriminator's pack=2"),
        ({"steps": 1, "data": "mnist"}, TypeError, "data must be a tensor"),
        ({"steps": 1, "data": torch.zeros(5, 2)}, ValueError, "N >= batch_size"),
    ],
)
def test_train_gan_rejects_bad_arguments(kwargs, error, message):
    g = gan.MLPGenerator(2, 2, 8)
    d = gan.MLPDiscriminator(2, 8, pack=2)
    args = {"data": gan.ring_of_gaussians(), "batch_size": 8, **kwargs}
    with pytest.raises(error, match=message):
        gan.train_gan(g, d, args.pop("data"), progress=False, **args)


def test_train_gan_needs_matching_runs_and_code_heads():
    with pytest.raises(ValueError, match="same number of runs"):
        gan.train_gan(gan.MLPGenerator(n_runs=2), gan.MLPDiscriminator(), gan.ring_of_gaussians(), steps=1, progress=False)
    with pytest.raises(ValueError, match="code head"):
        gan.train_gan(gan.DCGenerator(4, 2, n_code=2), gan.DCDiscriminator(2), torch.zeros(8, 784), steps=1, batch_size=4, progress=False)


# ----------------------------------------------------------------------------
# Zoo hooks
# ----------------------------------------------------------------------------


def test_zoo_hooks_round_trip():
    recipe = replace(recipes.DCGAN, steps=2, n_hidden=4, batch_size=16)
    model, history = gan.train_from_recipe(recipe, progress=False)
    assert isinstance(history["seconds"], float) and len(history["d_loss"]) == 2
    fresh = gan.build_from_recipe(recipe)
    fresh.load_state_dict(model.state_dict())
    fresh.eval()
    rng = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    torch.testing.assert_close(fresh.sample(3, rng()), model.sample(3, rng()))
    import json

    json.dumps(history)  # the zoo stores the history as JSON


def test_train_toy_gan_stacks_the_recipe_runs():
    recipe = replace(recipes.GAN_RING_INFO, steps=3, n_runs=2, n_hidden=8)
    g, d, history = gan.train_toy_gan(recipe, gan.ring_of_gaussians(), progress=False)
    assert g.n_runs == 2 and d.n_runs == 2 and g.n_code == recipe.n_code
    assert g.sample(5, torch.Generator().manual_seed(0)).shape == (2, 5, 2)
    assert len(history["info_loss"]) == 3
    with pytest.raises(TypeError, match="data must be a ToyData"):
        gan.train_toy_gan(recipe, torch.zeros(10, 2), progress=False)
