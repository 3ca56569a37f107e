"""RealNVP: exact inverse, exact log-determinant, a density that integrates to 1, clear errors."""

from __future__ import annotations

import pytest
import torch

from course_utils import recipes
from course_utils.models import flow


def _random_flow(n_dims=2, n_layers=4, seed=0):
    """A flow with random (not identity) couplings, in float64."""
    torch.manual_seed(seed)
    model = flow.RealNVP(n_dims=n_dims, n_layers=n_layers, n_hidden=16).double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    return model


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("n_dims", [2, 3, 5])
def test_inverse_undoes_forward_to_1e_5(n_dims, dtype):
    model = _random_flow(n_dims).to(dtype)
    x = torch.randn(64, n_dims, dtype=dtype) * 2
    z, log_det = model(x)
    x_back, log_det_inv = model.inverse(z)
    # float64: 1e-5 absolute; float32: 1e-5 relative to the largest value on the way (its rounding is ~1e-7 of that)
    scale = 1.0 if dtype == torch.float64 else max(1.0, z.abs().max().item(), log_det.abs().max().item())
    assert (x_back - x).abs().max() < 1e-5 * scale
    assert (log_det + log_det_inv).abs().max() < 1e-5 * scale  # det of the inverse is the reciprocal
    assert (z - x).abs().max() > 0.1  # the flow is not the identity


@pytest.mark.parametrize("n_dims", [2, 3, 4])
def test_log_det_equals_log_abs_det_of_the_autograd_jacobian(n_dims):
    model = _random_flow(n_dims, seed=n_dims)
    for x in torch.randn(5, n_dims, dtype=torch.float64):
        jac = torch.autograd.functional.jacobian(lambda v: model(v[None])[0][0], x)
        expected = torch.linalg.slogdet(jac).logabsdet
        assert model(x[None])[1].item() == pytest.approx(expected.item(), abs=1e-8)


def test_the_2d_density_integrates_to_one_on_a_grid():
    model = _random_flow(2, n_layers=4, seed=3)
    with torch.no_grad():  # keep the density's mass well inside the grid: small scales
        for layer in model.layers:
            layer.scale.mul_(0.3)
    edge, n = 9.0, 1201
    u = torch.linspace(-edge, edge, n, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        density = model.log_prob(grid).exp()
    cell = (u[1] - u[0]) ** 2
    assert density.sum().item() * cell.item() == pytest.approx(1.0, abs=1e-3)


def test_samples_follow_the_density_they_are_scored_by():
    model = _random_flow(2, seed=4)
    x = model.sample(4000, torch.Generator().manual_seed(0))
    assert x.shape == (4000, 2) and x.dtype == torch.float64
    z, _ = model(x)  # mapped back to the base, the samples are standard normal
    assert z.mean(0).abs().max() < 0.08 and (z.std(0) - 1).abs().max() < 0.06
    again = model.sample(4000, torch.Generator().manual_seed(0))
    assert torch.equal(x, again)


def test_a_fresh_flow_is_the_identity_and_scores_the_standard_normal():
    model = flow.RealNVP(2, 4, 8)
    x = torch.randn(10, 2)
    z, log_det = model(x)
    assert torch.allclose(z, x) and torch.all(log_det == 0)
    expected = torch.distributions.Normal(0.0, 1.0).log_prob(x).sum(1)
    assert torch.allclose(model.log_prob(x), expected, atol=1e-6)


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ([[0.0, 1.0]], TypeError, "RealNVP.log_prob expects x a torch.Tensor"),
        (torch.zeros(3, 2, dtype=torch.complex64), TypeError, "complex"),
        (torch.zeros(3, 3), ValueError, "x with finite values and shape (batch, 2); got shape (3, 3)"),
        (torch.zeros(2), ValueError, "shape (batch, 2); got shape (2,)"),
        (torch.tensor([[float("nan"), 0.0]]), ValueError, "got NaN or inf"),
        (torch.tensor([[float("inf"), 0.0]]), ValueError, "got NaN or inf"),
    ],
)
def test_bad_points_get_clear_errors(bad, error, words):
    model = flow.RealNVP(2, 2, 8)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        model.log_prob(bad)


def test_integer_and_float64_points_are_cast_and_an_empty_batch_is_empty():
    model = _random_flow(2).float()
    x = torch.tensor([[1, -2], [0, 3]])
    assert torch.allclose(model.log_prob(x), model.log_prob(x.float()))
    assert model.log_prob(x.double()).dtype == torch.float32
    assert model.log_prob(torch.zeros(0, 2)).shape == (0,)
    empty = model.sample(0)
    assert empty.shape == (0, 2) and empty.dtype == torch.float32


def test_bad_constructor_and_sample_arguments_get_clear_errors():
    with pytest.raises(ValueError, match=r"RealNVP expects n_dims an int >= 2 \(a coupling splits the coordinates\); got 1"):
        flow.RealNVP(n_dims=1)
    with pytest.raises(ValueError, match="expects n_layers a positive int"):
        flow.RealNVP(n_layers=0)
    model = flow.RealNVP(2, 2, 8)
    with pytest.raises(ValueError, match="RealNVP.sample expects n an int >= 0; got -1"):
        model.sample(-1)
    with pytest.raises(TypeError, match="RealNVP.sample expects generator a torch.Generator or None"):
        model.sample(3, generator=0)
    with pytest.raises(ValueError, match=r"RealNVP.inverse expects z with finite values and shape \(batch, 2\)"):
        model.inverse(torch.zeros(4, 5))


def test_the_recipe_trains_and_reports_a_test_nll():
    model, history = flow.train_from_recipe(recipes.FLOW_MOONS.replace(epochs=5), progress=False)
    assert len(history["train_loss"]) == 5 and history["train_loss"][-1] < history["train_loss"][0]
    assert history["test_nll"] == pytest.approx(history["train_loss"][-1], abs=0.3)
