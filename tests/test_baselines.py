"""The baseline models: exact normalization, MLE by counting, exact sampling, errors."""

from __future__ import annotations

import itertools

import pytest
import torch

from course_utils.counting import independent_params, markov_params
from course_utils.models.baselines import IndependentBernoulli, MarkovBernoulli


def all_binary(n: int) -> torch.Tensor:
    """All 2**n binary vectors of length n, shape (2**n, n)."""
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))


def random_binary(n_rows: int, n: int, seed: int, p: float = 0.35) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n_rows, n, generator=gen) < p).float()


def correlated_binary(n_rows: int, n: int, seed: int) -> torch.Tensor:
    """Binary rows with strong dependence between neighbours (runs of ones)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(n_rows, n)
    x[:, 0] = (torch.rand(n_rows, generator=gen) < 0.4).float()
    for i in range(1, n):
        flip = torch.rand(n_rows, generator=gen) < 0.2
        x[:, i] = torch.where(flip, 1 - x[:, i - 1], x[:, i - 1])
    return x


def models(n: int, seed: int = 0):
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    yield IndependentBernoulli(n)
    for order in range(0, n + 1):
        yield MarkovBernoulli(n, order)
    yield MarkovBernoulli(n, 2, ordering=perm)


# ----------------------------------------------------------------------------
# Normalization and the counts
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_probabilities_over_all_inputs_sum_to_one(alpha):
    n = 6
    x = correlated_binary(50, n, seed=1)
    for model in models(n):
        model.double().fit(x, alpha=alpha)
        total = model.log_prob(all_binary(n).double()).exp().sum().item()
        assert total == pytest.approx(1.0, abs=1e-12), type(model).__name__


def test_unfitted_models_are_uniform():
    for model in models(5):
        assert torch.allclose(model.log_prob(all_binary(5)), torch.full((32,), -5 * torch.log(torch.tensor(2.0))))


@pytest.mark.parametrize("n", [1, 2, 5, 784])
@pytest.mark.parametrize("order", [0, 1, 2, 3, 8])
def test_num_parameters_agrees_with_counting(n, order):
    assert IndependentBernoulli(n).num_parameters() == independent_params(n)
    assert MarkovBernoulli(n, order).num_parameters() == markov_params(n, 2, order)


@pytest.mark.parametrize("order", [0, 1, 2, 3, 5, 7])
def test_table_cells_ever_read_are_exactly_the_free_parameters(order):
    n = 5
    model = MarkovBernoulli(n, order)
    codes = model.context_codes(all_binary(n))
    cells = {(t, int(c)) for t in range(n) for c in codes[:, t]}
    assert len(cells) == model.num_parameters()


# ----------------------------------------------------------------------------
# Fitting is the closed-form MLE
# ----------------------------------------------------------------------------


def test_independent_alpha_zero_is_the_empirical_frequency():
    x = random_binary(37, 9, seed=2)
    model = IndependentBernoulli(9).fit(x, alpha=0)
    assert torch.allclose(model.probs, x.mean(0))


def test_independent_laplace_smoothing():
    x = random_binary(37, 9, seed=3)
    model = IndependentBernoulli(9).fit(x, alpha=2.0)
    assert torch.allclose(model.probs, (x.sum(0) + 2) / (37 + 4))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_alpha_zero_is_the_empirical_conditional_frequency(order):
    n = 6
    x = correlated_binary(80, n, seed=4)
    model = MarkovBernoulli(n, order).fit(x, alpha=0)
    for t in range(n):
        for context in itertools.product([0, 1], repeat=order):  # context[j-1] = x_{t-j}
            rows = torch.ones(len(x), dtype=torch.bool)
            for j, bit in enumerate(context, start=1):
                previous = x[:, t - j] if t - j >= 0 else torch.zeros(len(x))
                rows &= previous == bit
            code = sum(bit << (j - 1) for j, bit in enumerate(context, start=1))
            if rows.any():
                assert model.probs[t, code].item() == pytest.approx(x[rows, t].mean().item())
            else:
                assert model.probs[t, code].item() == 0.5


def test_full_order_alpha_zero_reproduces_the_empirical_joint():
    n = 5
    x = correlated_binary(200, n, seed=5)
    model = MarkovBernoulli(n, order=n - 1).double().fit(x, alpha=0)
    everything = all_binary(n).double()
    empirical = (everything[:, None, :] == x.double()[None]).all(-1).double().mean(1)
    assert torch.allclose(model.log_prob(everything).exp(), empirical, atol=1e-12)


def test_fitted_probabilities_maximize_the_likelihood():
    """Zero gradient of the mean log-likelihood at the alpha=0 fit (interior entries)."""
    x = correlated_binary(300, 8, seed=6)
    for model in (IndependentBernoulli(8), MarkovBernoulli(8, 2), MarkovBernoulli(8, 1, ordering=torch.arange(8).flip(0))):
        model.double().fit(x, alpha=0)
        probs = model.probs.clone().requires_grad_(True)
        model.probs = probs
        model.log_prob(x.double()).mean().backward()
        interior = (probs > 0) & (probs < 1)
        assert interior.sum() > 3
        assert probs.grad[interior].abs().max().item() < 1e-10


def test_order_zero_markov_is_the_independent_model():
    x = random_binary(100, 20, seed=7)
    a = IndependentBernoulli(20).fit(x)
    b = MarkovBernoulli(20, 0).fit(x)
    assert torch.allclose(a.log_prob(x), b.log_prob(x))


def reference_markov1_nll(x_train: torch.Tensor, x_test: torch.Tensor, alpha: float) -> torch.Tensor:
    """The few visible lines of notebook 03 (order 1, raster order)."""
    prev = torch.cat([torch.zeros(len(x_train), 1), x_train[:, :-1]], dim=1)
    p1 = ((x_train * prev).sum(0) + alpha) / (prev.sum(0) + 2 * alpha)  # p(x_i = 1 | x_{i-1} = 1)
    p0 = ((x_train * (1 - prev)).sum(0) + alpha) / ((1 - prev).sum(0) + 2 * alpha)  # ... | x_{i-1} = 0
    prev_test = torch.cat([torch.zeros(len(x_test), 1), x_test[:, :-1]], dim=1)
    p = prev_test * p1 + (1 - prev_test) * p0
    return -(x_test * torch.log(p) + (1 - x_test) * torch.log(1 - p)).sum(1)


def test_markov_order_one_agrees_with_the_notebooks_few_lines():
    x = correlated_binary(400, 30, seed=8)
    model = MarkovBernoulli(30, 1).fit(x[:300], alpha=1.0)
    assert torch.allclose(-model.log_prob(x[300:]), reference_markov1_nll(x[:300], x[300:], 1.0), atol=1e-4)


def test_ordering_is_the_same_as_permuting_the_columns():
    n = 12
    x = correlated_binary(150, n, seed=9)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(3))
    ordered = MarkovBernoulli(n, 3, ordering=perm).fit(x)
    permuted = MarkovBernoulli(n, 3).fit(x[:, perm])
    assert torch.allclose(ordered.log_prob(x), permuted.log_prob(x[:, perm]))
    a = ordered.sample(20, torch.Generator().manual_seed(4))
    b = permuted.sample(20, torch.Generator().manual_seed(4))
    assert torch.equal(a[:, perm], b)


def test_ordering_matters_on_correlated_data():
    x = correlated_binary(500, 16, seed=10)
    raster = MarkovBernoulli(16, 1).fit(x)
    shuffled = MarkovBernoulli(16, 1, ordering=torch.arange(16).view(4, 4).T.flatten()).fit(x)
    assert raster.log_prob(x).mean() > shuffled.log_prob(x).mean() + 1.0


# ----------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("order,ordering", [(0, None), (1, None), (2, None), (3, [2, 0, 4, 1, 3])])
def test_samples_follow_the_models_distribution(order, ordering):
    """Sample frequencies of all 32 states match exp(log_prob) (total variation)."""
    n, n_samples = 5, 100_000
    model = MarkovBernoulli(n, order, ordering=ordering).double().fit(correlated_binary(300, n, seed=11), alpha=0.5)
    samples = model.sample(n_samples, torch.Generator().manual_seed(12))
    codes = (samples.long() * (2 ** torch.arange(n - 1, -1, -1))).sum(1)
    freq = torch.bincount(codes, minlength=2**n).double() / n_samples
    probs = model.log_prob(all_binary(n).double()).exp()
    assert 0.5 * (freq - probs).abs().sum().item() < 0.01  # sampling noise is about 0.004


def test_samples_reproduce_marginals_on_784_pixels():
    """Pixel marginals of an AR-1 model (exact forward recursion) against sample means."""
    x = correlated_binary(500, 784, seed=13)
    model = MarkovBernoulli(784, 1).double().fit(x)
    marg = torch.empty(784, dtype=torch.float64)
    m = 0.0  # p(x_{t-1} = 1); the pixel before the first is 0
    for t in range(784):
        m = m * model.probs[t, 1] + (1 - m) * model.probs[t, 0]
        marg[t] = m
    n = 5_000
    means = model.sample(n, torch.Generator().manual_seed(14)).mean(0)
    sigma = (marg * (1 - marg) / n).sqrt().clamp_min(1e-3)
    assert ((means - marg).abs() / sigma).max().item() < 5.0
    ind = IndependentBernoulli(784).double().fit(x)
    means = ind.sample(n, torch.Generator().manual_seed(15)).mean(0)
    sigma = (ind.probs * (1 - ind.probs) / n).sqrt().clamp_min(1e-3)
    assert ((means - ind.probs).abs() / sigma).max().item() < 5.0


def test_sampling_is_deterministic_given_a_generator_and_binary():
    model = MarkovBernoulli(30, 2).fit(correlated_binary(100, 30, seed=16))
    a = model.sample(7, torch.Generator().manual_seed(0))
    b = model.sample(7, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == (7, 30)
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    assert IndependentBernoulli(30).sample(0).shape == (0, 30)


# ----------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", [IndependentBernoulli(784), MarkovBernoulli(784, 2)])
def test_wrong_shape_is_a_clear_error(model):
    name = type(model).__name__
    with pytest.raises(ValueError, match=rf"{name}\.log_prob expects x .* shape \(batch, 784\); got shape \(32, 28, 28\)"):
        model.log_prob(torch.zeros(32, 28, 28))
    with pytest.raises(ValueError, match=r"got shape \(5, 783\)"):
        model.fit(torch.zeros(5, 783))
    with pytest.raises(ValueError, match=r"got shape \(784,\)"):
        model.log_prob(torch.zeros(784))


@pytest.mark.parametrize("model", [IndependentBernoulli(4), MarkovBernoulli(4, 1)])
def test_non_binary_input_is_a_clear_error(model):
    with pytest.raises(ValueError, match=r"values in \{0, 1\}.*0\.5"):
        model.log_prob(torch.tensor([[0.0, 1.0, 0.5, 1.0]]))
    with pytest.raises(ValueError, match="values in"):
        model.fit(torch.tensor([[0.0, 2.0, 0.0, 1.0]]))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model.log_prob([[0, 1, 0, 1]])


def test_integer_and_bool_inputs_are_accepted():
    model = MarkovBernoulli(4, 1).fit(torch.tensor([[0, 1, 1, 0], [1, 1, 0, 0]]))
    assert torch.allclose(model.log_prob(torch.tensor([[True, True, False, False]])),
                          model.log_prob(torch.tensor([[1.0, 1.0, 0.0, 0.0]])))


@pytest.mark.parametrize("alpha", [-1.0, float("nan"), "1", None])
def test_bad_alpha(alpha):
    with pytest.raises((ValueError, TypeError), match="expects alpha"):
        MarkovBernoulli(4, 1).fit(torch.zeros(3, 4), alpha=alpha)
    with pytest.raises((ValueError, TypeError), match="expects alpha"):
        IndependentBernoulli(4).fit(torch.zeros(3, 4), alpha=alpha)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="n_dims"):
        IndependentBernoulli(0)
    with pytest.raises(TypeError, match="MarkovBernoulli expects n_dims a positive int; got float 2.5"):
        MarkovBernoulli(2.5)
    with pytest.raises(ValueError, match="order"):
        MarkovBernoulli(4, -1)
    with pytest.raises(ValueError, match="entries"):
        MarkovBernoulli(784, 20)
    with pytest.raises(ValueError, match=r"permutation of range\(4\)"):
        MarkovBernoulli(4, 1, ordering=[0, 1, 1, 2])
    with pytest.raises(ValueError, match=r"permutation of range\(4\)"):
        MarkovBernoulli(4, 1, ordering=[0, 1, 2])
    with pytest.raises(TypeError, match="integers"):
        MarkovBernoulli(4, 1, ordering=[0.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="MarkovBernoulli.sample expects n an int >= 0; got -1"):
        MarkovBernoulli(4, 1).sample(-1)


def test_state_dict_round_trip():
    x = correlated_binary(60, 10, seed=17)
    model = MarkovBernoulli(10, 2, ordering=torch.arange(10).flip(0)).fit(x)
    copy = MarkovBernoulli(10, 2, ordering=torch.arange(10).flip(0))
    copy.load_state_dict(model.state_dict())
    assert torch.equal(copy.log_prob(x), model.log_prob(x))
