"""The adversarial autoencoder: its three losses against independent formulas, and a run that fills the prior."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from course_utils.evaluation import energy_distance
from course_utils.models import aae
from course_utils.models.aae import AdversarialAutoencoder, ring_prior


def _model(seed: int = 0, n_dims: int = 6) -> AdversarialAutoencoder:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return AdversarialAutoencoder(n_dims, 2, 16, 16, prior=ring_prior(n_modes=4, radius=2.0, std=0.2))


def _binary(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return (torch.rand(n, d, generator=torch.Generator().manual_seed(seed)) < 0.4).float()


def test_the_ring_prior_has_its_modes_on_the_circle():
    prior = ring_prior()
    assert prior.centers.shape == (10, 2)
    assert torch.allclose(prior.centers.norm(dim=1), torch.full((10,), 2.0), atol=1e-6)
    z = prior.sample(20_000, torch.Generator().manual_seed(0))
    assert z.norm(dim=1).mean().item() == pytest.approx(2.0, abs=0.05)


def test_the_three_losses_match_independent_formulas():
    model = _model()
    x = _binary(12, 6)
    z_prior = model.prior.sample(12, torch.Generator().manual_seed(1))
    losses = model.losses(x, z_prior)
    with torch.no_grad():
        z = model.encode(x)
        probs = torch.sigmoid(model.decode(z))
        rec = -torch.distributions.Bernoulli(probs=probs).log_prob(x).sum(1).mean()
        d_prior, d_codes = torch.sigmoid(model.discriminate(z_prior)), torch.sigmoid(model.discriminate(z))
    assert losses["reconstruction"].item() == pytest.approx(rec.item(), rel=1e-5)
    assert losses["discriminator"].item() == pytest.approx(
        -(d_prior.log().mean() + (1 - d_codes).log().mean()).item(), rel=1e-5)
    assert losses["encoder"].item() == pytest.approx(-d_codes.log().mean().item(), rel=1e-5)


def test_an_undecided_discriminator_scores_two_log_two_and_leaves_the_encoder_log_two():
    model = _model()
    torch.nn.init.zeros_(model.discriminator[-1].weight)
    torch.nn.init.zeros_(model.discriminator[-1].bias)
    losses = model.losses(_binary(8, 6), model.prior.sample(8, torch.Generator().manual_seed(0)))
    assert losses["discriminator"].item() == pytest.approx(2 * math.log(2), abs=1e-6)
    assert losses["encoder"].item() == pytest.approx(math.log(2), abs=1e-6)


def test_the_discriminator_loss_does_not_reach_the_encoder_and_the_encoder_loss_does():
    model = _model()
    x, z_prior = _binary(8, 6), model.prior.sample(8, torch.Generator().manual_seed(0))
    model.losses(x, z_prior)["discriminator"].backward()
    assert all(p.grad is None for p in model.encoder.parameters())
    assert all(p.grad is not None for p in model.discriminator.parameters())
    model.zero_grad(set_to_none=True)
    model.losses(x, z_prior)["encoder"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
    assert all(p.grad is None for p in model.decoder.parameters())


def test_training_pulls_the_codes_onto_the_prior_and_reconstructs():
    """A short run on a tiny data set: the codes end far closer to the prior (energy distance) than they start."""
    model = _model(seed=3, n_dims=6)
    x = _binary(400, 6, seed=2)
    prior_sample = model.prior.sample(400, torch.Generator().manual_seed(5))
    with torch.no_grad():
        before = energy_distance(model.encode(x), prior_sample)
        rec_before = model.losses(x, prior_sample)["reconstruction"].item()
    with torch.random.fork_rng(devices=[]):
        history = aae.train_aae(model, x, epochs=40, batch_size=50, lr=3e-3, lr_d=3e-3,
                                generator=torch.Generator().manual_seed(0), progress=False)
    with torch.no_grad():
        after = energy_distance(model.encode(x), prior_sample)
        rec_after = model.losses(x, prior_sample)["reconstruction"].item()
    assert set(history) == {"reconstruction", "discriminator", "encoder", "seconds"}
    assert len(history["reconstruction"]) == 40
    assert after < before / 5, (before, after)
    assert rec_after < rec_before
    # a discriminator near the game's balance: neither side wins outright
    assert 0.9 < history["discriminator"][-1] < 1.6 and 0.4 < history["encoder"][-1] < 1.2, history


def test_training_is_reproducible_from_its_generator():
    runs = []
    for _ in range(2):
        model = _model(seed=1)
        aae.train_aae(model, _binary(100, 6), epochs=2, batch_size=25, generator=torch.Generator().manual_seed(4),
                      progress=False)
        runs.append(model.state_dict())
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_samples_decode_prior_draws():
    model = _model()
    g = torch.Generator().manual_seed(0)
    means = model.sample(5, torch.Generator().manual_seed(0), mean=True)
    z = model.prior.sample(5, g)
    assert torch.allclose(means, model.decode_mean(z))
    binary = model.sample(200, torch.Generator().manual_seed(1))
    assert binary.shape == (200, 6) and bool(((binary == 0) | (binary == 1)).all())


def test_bad_arguments_are_refused_clearly():
    model = _model()
    with pytest.raises(ValueError, match="x"):
        model.encode(torch.rand(3, 5))
    with pytest.raises(ValueError, match="z_prior"):
        model.losses(_binary(3, 6), torch.zeros(3, 3))
    with pytest.raises(TypeError, match="prior"):
        AdversarialAutoencoder(6, 2, 4, 4, prior="ring")
    with pytest.raises(ValueError, match="prior"):
        AdversarialAutoencoder(6, 3, 4, 4)  # the default ring is 2-D
    with pytest.raises(ValueError, match="epochs"):
        aae.train_aae(model, _binary(4, 6), epochs=0, progress=False)
