"""Tests of course_utils.models.nade: exact normalization, the autoregressive
property, agreement with a naive loop, finite-difference gradients, sampling
frequencies, orderings, input checks, and RealNADE's density."""

from __future__ import annotations

import itertools
import json
import math

import pytest
import torch

from course_utils.models import nade as nade_module
from course_utils.models.nade import NADE, RealNADE


def all_binary(n: int, dtype=torch.float64) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=dtype)


def random_nade(n_dims=7, n_hidden=5, ordering=None, seed=0, dtype=torch.float64) -> NADE:
    """A NADE with every parameter random and of order one, so that bugs show."""
    torch.manual_seed(seed)
    model = NADE(n_dims, n_hidden, ordering=ordering).to(dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 1.0)
    return model


def naive_logits(model: NADE, x: torch.Tensor) -> torch.Tensor:
    """Reference: for each pixel in the order, h_i = sigmoid(c + W[:, <i] x_<i) from scratch."""
    x = x.to(model.W.dtype)
    logits = torch.empty_like(x)
    order = model.ordering.tolist()
    for k, i in enumerate(order):
        before = order[:k]
        a = model.c + x[:, before] @ model.W[:, before].t()
        logits[:, i] = torch.sigmoid(a) @ model.V[i] + model.b[i]
    return logits


def naive_log_prob(model: NADE, x: torch.Tensor) -> torch.Tensor:
    p = torch.sigmoid(naive_logits(model, x))
    return (x * torch.log(p) + (1 - x) * torch.log1p(-p)).sum(1)


# ----------------------------------------------------------------------------
# NADE: the distribution
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", [None, [3, 0, 6, 2, 5, 1, 4]])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_probabilities_of_all_inputs_sum_to_one(ordering, dtype):
    model = random_nade(7, 5, ordering=ordering, dtype=dtype)
    x = all_binary(7, dtype)
    with torch.no_grad():
        total = torch.logsumexp(model.log_prob(x).double(), 0).item()
    assert abs(total) < 1e-5


def test_normalization_with_ten_dimensions():
    model = random_nade(10, 6, seed=3)
    with torch.no_grad():
        assert abs(torch.logsumexp(model.log_prob(all_binary(10)), 0).item()) < 1e-5


@pytest.mark.parametrize("ordering", [None, [4, 1, 7, 0, 2, 6, 5, 3]])
def test_forward_equals_naive_loop(ordering):
    model = random_nade(8, 6, ordering=ordering, seed=1)
    x = all_binary(8)
    with torch.no_grad():
        torch.testing.assert_close(model(x), naive_logits(model, x), rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(model.log_prob(x), naive_log_prob(model, x), rtol=1e-10, atol=1e-10)


def test_forward_equals_naive_loop_float32_larger_model():
    torch.manual_seed(0)
    model = NADE(60, 30)
    x = (torch.rand(17, 60) < 0.4).float()
    with torch.no_grad():
        torch.testing.assert_close(model(x), naive_logits(model, x), rtol=1e-5, atol=1e-5)


def test_log_prob_is_a_sum_of_bernoulli_log_likelihoods():
    """Catches a sigmoid applied twice, or a sign error in the cross-entropy."""
    model = random_nade(6, 4, seed=2)
    x = all_binary(6)
    with torch.no_grad():
        logits = model(x)
        expected = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, x, reduction="none").sum(1)
        torch.testing.assert_close(model.log_prob(x), expected)


def test_autoregressive_property():
    """Changing x_j for any j >= i leaves logit i unchanged; changing x_j, j < i, changes it."""
    model = random_nade(9, 7, seed=4)
    x = (torch.rand(5, 9, generator=torch.Generator().manual_seed(0)) < 0.5).double()
    with torch.no_grad():
        base = model(x)
        for j in range(9):
            flipped = x.clone()
            flipped[:, j] = 1 - flipped[:, j]
            out = model(flipped)
            assert torch.equal(out[:, : j + 1], base[:, : j + 1]), f"logits up to {j} depend on x_{j}"
            if j < 8:
                assert (out[:, j + 1 :] - base[:, j + 1 :]).abs().max() > 1e-6


def test_custom_ordering_is_respected():
    ordering = [5, 2, 0, 4, 1, 3]
    model = random_nade(6, 5, ordering=ordering, seed=5)
    x = (torch.rand(8, 6, generator=torch.Generator().manual_seed(1)) < 0.5).double()
    with torch.no_grad():
        base = model(x)
        for k, j in enumerate(ordering):
            flipped = x.clone()
            flipped[:, j] = 1 - flipped[:, j]
            out = model(flipped)
            unchanged = ordering[: k + 1]  # pixel j and every pixel predicted before it
            changed = ordering[k + 1 :]
            assert torch.equal(out[:, unchanged], base[:, unchanged])
            if changed:
                assert (out[:, changed] - base[:, changed]).abs().max() > 1e-6
    # A model with this ordering is the raster-order model of permuted data.
    raster = NADE(6, 5).double()
    with torch.no_grad():
        raster.W.copy_(model.W[:, ordering])
        raster.V.copy_(model.V[ordering])
        raster.b.copy_(model.b[ordering])
        raster.c.copy_(model.c)
        torch.testing.assert_close(raster.log_prob(x[:, ordering]), model.log_prob(x))


def test_ordering_is_fixed_in_the_state_dict():
    model = random_nade(5, 3, ordering=[4, 3, 2, 1, 0])
    assert model.ordering.tolist() == [4, 3, 2, 1, 0]
    assert "ordering" in model.state_dict()


# ----------------------------------------------------------------------------
# NADE: gradients
# ----------------------------------------------------------------------------


class LogProb(torch.nn.Module):
    """Wraps a model so that torch.func.functional_call reaches its log_prob."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.log_prob(x)


def gradcheck_log_prob(model, x) -> bool:
    wrapper = LogProb(model)
    names = [n for n, _ in wrapper.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_() for p in wrapper.parameters())
    return torch.autograd.gradcheck(
        lambda *ps: torch.func.functional_call(wrapper, dict(zip(names, ps)), (x,)),
        params, eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("ordering", [None, [2, 0, 4, 1, 3]])
def test_gradients_match_finite_differences(ordering):
    model = random_nade(5, 4, ordering=ordering, seed=6)
    x = (torch.rand(6, 5, generator=torch.Generator().manual_seed(2)) < 0.5).double()
    assert gradcheck_log_prob(model, x)
    names = ["W", "c", "V", "b"]  # and the Jacobian of every logit
    params = tuple(getattr(model, k).detach().clone().requires_grad_() for k in names)
    assert torch.autograd.gradcheck(
        lambda *ps: torch.func.functional_call(model, dict(zip(names, ps)), (x,)),
        params, eps=1e-6, atol=1e-6)


def test_gradients_equal_autograd_through_naive_loop():
    torch.manual_seed(0)
    model = NADE(30, 12).double()
    x = (torch.rand(9, 30) < 0.5).double()
    model.log_prob(x).sum().backward()
    fast = {k: p.grad.clone() for k, p in model.named_parameters()}
    model.zero_grad()
    naive_log_prob(model, x).sum().backward()
    for k, p in model.named_parameters():
        torch.testing.assert_close(fast[k], p.grad, rtol=1e-9, atol=1e-9, msg=f"gradient of {k}")


def test_two_graphs_alive_and_repeated_backward():
    """The hidden buffers are pooled: graphs alive at once must not share one."""
    torch.manual_seed(0)
    model = NADE(12, 5).double()
    x1 = (torch.rand(4, 12) < 0.5).double()
    x2 = (torch.rand(4, 12) < 0.5).double()
    loss1 = model.log_prob(x1).sum()
    loss2 = model.log_prob(x2).sum()  # built before loss1's backward
    with torch.no_grad():
        model(x1)  # a no-grad call in between
    (g1,) = torch.autograd.grad(loss1, model.W, retain_graph=True)
    (g1_again,) = torch.autograd.grad(loss1, model.W)
    (g2,) = torch.autograd.grad(loss2, model.W)
    ref1 = torch.autograd.grad(naive_log_prob(model, x1).sum(), model.W)[0]
    ref2 = torch.autograd.grad(naive_log_prob(model, x2).sum(), model.W)[0]
    torch.testing.assert_close(g1, ref1)
    torch.testing.assert_close(g1_again, ref1)
    torch.testing.assert_close(g2, ref2)


def test_large_batches_are_sliced_consistently(monkeypatch):
    torch.manual_seed(0)
    model = NADE(20, 8)
    x = (torch.rand(50, 20) < 0.5).float()
    whole = model.log_prob(x)
    monkeypatch.setattr(nade_module, "_MAX_BUFFER_ELEMENTS", 20 * 8 * 7)  # slices of 7 examples
    sliced = model.log_prob(x)
    torch.testing.assert_close(sliced, whole)
    (g_sliced,) = torch.autograd.grad(sliced.sum(), model.W)
    (g_whole,) = torch.autograd.grad(model.log_prob(x[:25]).sum() + model.log_prob(x[25:]).sum(), model.W)
    torch.testing.assert_close(g_sliced, g_whole)


def test_no_python_loop_over_dimensions():
    """log_prob issues the same number of torch calls for 10 and for 300 dimensions."""

    class Count(torch.overrides.TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.calls += 1
            return func(*args, **(kwargs or {}))

    counts = []
    for d in (10, 300):
        model = NADE(d, 4)
        x = torch.zeros(3, d)
        nade_module.release_buffers()  # the same buffer-pool state for both
        with Count() as mode:
            model.log_prob(x).sum().backward()
        counts.append(mode.calls)
    assert counts[0] == counts[1] < 100


# ----------------------------------------------------------------------------
# NADE: sampling
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", [None, [3, 1, 0, 2]])
def test_sample_frequencies_match_probabilities(ordering):
    """Pearson chi-square of 40,000 samples over the 16 outcomes of a 4-pixel model."""
    model = random_nade(4, 3, ordering=ordering, seed=7)
    n = 40_000
    samples = model.sample(n, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (n, 4) and set(samples.unique().tolist()) <= {0.0, 1.0}
    index = (samples * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=samples.dtype)).sum(1).long()
    observed = torch.bincount(index, minlength=16).double()
    with torch.no_grad():
        expected = n * model.log_prob(all_binary(4)).exp()
    chi2 = ((observed - expected) ** 2 / expected).sum().item()
    assert chi2 < 37.7, f"chi-square {chi2:.1f} on 15 degrees of freedom (0.1% critical value 37.7)"


def test_sample_frequencies_detect_a_wrong_model():
    """The chi-square test above has power: samples of one model fail against another."""
    a, b = random_nade(4, 3, seed=7), random_nade(4, 3, seed=8)
    samples = a.sample(40_000, generator=torch.Generator().manual_seed(0))
    index = (samples * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=samples.dtype)).sum(1).long()
    observed = torch.bincount(index, minlength=16).double()
    with torch.no_grad():
        expected = 40_000 * b.log_prob(all_binary(4)).exp()
    assert ((observed - expected) ** 2 / expected).sum().item() > 37.7


def test_sampling_is_deterministic_given_a_generator():
    model = random_nade(6, 4)
    s1 = model.sample(10, generator=torch.Generator().manual_seed(3))
    s2 = model.sample(10, generator=torch.Generator().manual_seed(3))
    assert torch.equal(s1, s2)
    assert s1.dtype == model.W.dtype and s1.shape == (10, 6)


# ----------------------------------------------------------------------------
# NADE: input checks
# ----------------------------------------------------------------------------


def test_rejects_values_outside_zero_one():
    model = NADE(4, 3)
    with pytest.raises(ValueError, match=r"values in \{0, 1\}"):
        model.log_prob(torch.tensor([[0.0, 0.5, 1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"values in \{0, 1\}"):
        model(torch.tensor([[0.0, 2.0, 1.0, 0.0]]))


def test_rejects_wrong_shape():
    model = NADE(4, 3)
    with pytest.raises(ValueError, match=r"shape \(batch, 4\); got shape \(2, 2, 2\)"):
        model.log_prob(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"got shape \(3, 5\)"):
        model(torch.zeros(3, 5))


def test_casts_integer_bool_and_float64_batches_and_rejects_other_types():
    model = NADE(4, 3)
    x = torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
    for cast in (x.long(), x.bool(), x.double()):
        torch.testing.assert_close(model.log_prob(cast), model.log_prob(x))
        torch.testing.assert_close(model.conditional_logits(cast), model(x))
    with pytest.raises(TypeError, match="with real values; got dtype torch.complex64"):
        model.log_prob(x.to(torch.complex64))
    with pytest.raises(TypeError, match=r"NADE.log_prob expects x a torch.Tensor .*; got list"):
        model.log_prob([[0.0, 1.0, 0.0, 1.0]])
    with pytest.raises(TypeError, match="torch.from_numpy"):
        model.log_prob(x.numpy())


def test_rejects_bad_constructor_arguments():
    with pytest.raises(ValueError, match="n_hidden"):
        NADE(4, 0)
    with pytest.raises(TypeError, match="NADE expects n_dims a positive int; got float 2.5"):
        NADE(2.5, 3)
    with pytest.raises(ValueError, match="permutation"):
        NADE(4, 3, ordering=[0, 1, 1, 2])
    with pytest.raises(ValueError, match="NADE.sample expects n an int >= 0; got -1"):
        NADE(4, 3).sample(-1)
    assert NADE(4, 3).sample(0).shape == (0, 4)
    with pytest.raises(TypeError, match="generator"):
        NADE(4, 3).sample(2, generator=0)


# ----------------------------------------------------------------------------
# RealNADE
# ----------------------------------------------------------------------------


def random_real_nade(seed=0, n_hidden=6, n_components=3) -> RealNADE:
    torch.manual_seed(seed)
    model = RealNADE(2, n_hidden, n_components=n_components).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("V_"):
                p.normal_(0.0, 0.7)
    return model


def test_real_nade_density_integrates_to_one_on_a_grid():
    model = random_real_nade()
    u = torch.linspace(-14, 14, 701, dtype=torch.float64)
    step = (u[1] - u[0]).item()
    grid = torch.cartesian_prod(u, u)
    with torch.no_grad():
        total = model.log_prob(grid).exp().sum().item() * step * step
    assert abs(total - 1.0) < 1e-4, f"integral {total:.6f}"


def test_real_nade_first_dimension_ignores_the_second():
    """p(x_1) is a mixture that does not depend on x_2; p(x_2 | x_1) does depend on x_1."""
    model = random_real_nade(1)
    x = torch.tensor([[0.3, -1.0], [0.3, 2.0], [-1.5, 2.0]], dtype=torch.float64)
    with torch.no_grad():
        log_pi, mu, sigma = model.mixture(x)
    torch.testing.assert_close(mu[0, 0], mu[1, 0])
    torch.testing.assert_close(sigma[0, 0], sigma[1, 0])
    assert (mu[1, 1] - mu[2, 1]).abs().max() > 1e-4


def test_real_nade_samples_match_the_density():
    """Mean and covariance of 40,000 samples agree with the grid integrals of the density."""
    model = random_real_nade(2)
    u = torch.linspace(-14, 14, 561, dtype=torch.float64)
    grid = torch.cartesian_prod(u, u)
    with torch.no_grad():
        w = model.log_prob(grid).exp()
    w = w / w.sum()
    mean = (w[:, None] * grid).sum(0)
    cov = ((grid - mean).T * w) @ (grid - mean)
    s = model.sample(40_000, generator=torch.Generator().manual_seed(0))
    assert s.shape == (40_000, 2)
    torch.testing.assert_close(s.mean(0), mean, atol=0.03, rtol=0)
    torch.testing.assert_close(torch.cov(s.T), cov, atol=0.06, rtol=0.05)


def test_real_nade_gradients_match_finite_differences():
    model = random_real_nade(3, n_hidden=3, n_components=2)
    x = torch.randn(3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert gradcheck_log_prob(model, x)


def test_real_nade_input_checks():
    model = RealNADE(2, 4, n_components=2)
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        model.log_prob(torch.zeros(3))
    torch.testing.assert_close(model.log_prob(torch.ones(3, 2, dtype=torch.int64)), model.log_prob(torch.ones(3, 2)))
    with pytest.raises(ValueError, match="finite"):
        model.log_prob(torch.tensor([[0.0, math.nan]]))
    with pytest.raises(ValueError, match="n_components"):
        RealNADE(2, 4, n_components=0)


# ----------------------------------------------------------------------------
# Zoo hooks
# ----------------------------------------------------------------------------


def test_build_from_recipe_matches_recipe():
    from course_utils import recipes

    model = nade_module.build_from_recipe(recipes.NADE)
    assert isinstance(model, NADE)
    assert (model.n_dims, model.n_hidden) == (784, recipes.NADE.n_hidden)


@pytest.fixture
def one_thread():
    """Tiny models gain nothing from threads; on a busy machine they lose a lot."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_train_from_recipe_runs_and_is_deterministic(one_thread):
    from course_utils.recipes import NADERecipe

    recipe = NADERecipe(seed=0, epochs=1, batch_size=100, lr=1e-2, n_hidden=8)
    model1, history1 = nade_module.train_from_recipe(recipe, progress=False)
    model2, history2 = nade_module.train_from_recipe(recipe, progress=False)
    assert history1["train_loss"] == history2["train_loss"]
    for p1, p2 in zip(model1.parameters(), model2.parameters()):
        assert torch.equal(p1, p2)
    assert len(history1["train_loss"]) == 1 and history1["seconds"] > 0
    json.dumps(history1)  # the zoo stores it as JSON
    assert history1["test_nll"] < 206  # better than independent pixels after one epoch


def test_ordering_survives_load_state_dict():
    source = random_nade(5, 3, ordering=[4, 2, 0, 1, 3], seed=9)
    target = NADE(5, 3).double()
    target.load_state_dict(source.state_dict())
    x = all_binary(5)
    with torch.no_grad():
        torch.testing.assert_close(target.log_prob(x), source.log_prob(x))
