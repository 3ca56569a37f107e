"""Tests of course_utils.probability against PyTorch, closed forms and brute force."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from course_utils import probability as prob


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --- log-sum-exp and log-softmax ---------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_matches_torch_on_random_input(dim, keepdim):
    a = torch.randn(5, 7, generator=_gen(), dtype=torch.float64) * 10
    got = prob.logsumexp(a, dim=dim, keepdim=keepdim)
    want = torch.logsumexp(a, dim=dim, keepdim=keepdim)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want)


def test_logsumexp_is_stable_where_the_direct_formula_overflows():
    a = torch.tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [1e300, 0.0]], dtype=torch.float64)
    direct = torch.log(torch.exp(a).sum(-1))
    assert not torch.isfinite(direct).all()  # the direct formula really does break here
    got = prob.logsumexp(a)
    torch.testing.assert_close(got, torch.logsumexp(a, -1))
    torch.testing.assert_close(got[:2], torch.tensor([1000 + math.log(2), -1000 + math.log(2)], dtype=torch.float64))


def test_logsumexp_float32_large_logits():
    a = torch.tensor([[100.0, 99.0, -50.0]], dtype=torch.float32)
    assert torch.isinf(torch.exp(a).sum())  # float32 overflows past about 88.7
    got = prob.logsumexp(a)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, torch.logsumexp(a, -1))


def test_logsumexp_handles_infinities_like_torch():
    inf = float("inf")
    a = torch.tensor([[-inf, -inf], [-inf, 3.0], [inf, 1.0], [inf, -inf]], dtype=torch.float64)
    got = prob.logsumexp(a)
    want = torch.logsumexp(a, -1)
    torch.testing.assert_close(got, want)
    assert got[0] == -inf and got[1] == 3.0 and got[2] == inf


def test_logsumexp_gradient_is_softmax():
    a = torch.randn(4, 6, generator=_gen(1), dtype=torch.float64, requires_grad=True)
    prob.logsumexp(a).sum().backward()
    torch.testing.assert_close(a.grad, torch.softmax(a.detach(), -1))


def test_logsumexp_accepts_lists_and_rejects_text():
    torch.testing.assert_close(prob.logsumexp([0.0, 0.0]), torch.tensor(math.log(2), dtype=torch.float64))
    with pytest.raises(TypeError, match="logsumexp expects a a tensor or array of real numbers; got str"):
        prob.logsumexp("abc")


def test_log_softmax_matches_torch_and_normalizes():
    z = torch.randn(8, 5, generator=_gen(2), dtype=torch.float64) * 50
    got = prob.log_softmax(z, dim=1)
    torch.testing.assert_close(got, F.log_softmax(z, dim=1))
    torch.testing.assert_close(got.exp().sum(1), torch.ones(8, dtype=torch.float64))


# --- cross-entropy -----------------------------------------------------------------------


def test_cross_entropy_matches_torch():
    z = torch.randn(16, 10, generator=_gen(3), dtype=torch.float64) * 3
    t = torch.randint(0, 10, (16,), generator=_gen(4))
    torch.testing.assert_close(prob.cross_entropy(z, t), F.cross_entropy(z, t))
    torch.testing.assert_close(prob.naive_cross_entropy(z, t), F.cross_entropy(z, t))


def test_cross_entropy_is_stable_on_huge_logits_where_the_naive_one_fails():
    z = torch.tensor([[1000.0, 0.0, -5.0], [0.0, -1000.0, 2.0]], dtype=torch.float64)
    t = torch.tensor([0, 1])
    naive = prob.naive_cross_entropy(z, t)
    assert not torch.isfinite(naive), f"naive cross-entropy should break on logits ~1000; got {naive}"
    stable = prob.cross_entropy(z, t)
    assert torch.isfinite(stable)
    torch.testing.assert_close(stable, F.cross_entropy(z, t))


def test_naive_cross_entropy_nan_from_overflow_and_inf_from_underflow():
    t = torch.tensor([0])
    # exp(1000) = inf, inf / inf = nan
    assert torch.isnan(prob.naive_cross_entropy(torch.tensor([[1000.0, 0.0]]), t))
    # the target's probability underflows to 0 and log 0 = -inf
    assert torch.isinf(prob.naive_cross_entropy(torch.tensor([[-1000.0, 0.0]]), t))
    torch.testing.assert_close(prob.cross_entropy(torch.tensor([[-1000.0, 0.0]]), t), torch.tensor(1000.0))


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = torch.randn(3, 4, generator=_gen(5), dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0, 3, 1])
    prob.cross_entropy(z, t).backward()
    want = (torch.softmax(z.detach(), 1) - F.one_hot(t, 4)) / 3
    torch.testing.assert_close(z.grad, want)


@pytest.mark.parametrize(
    "logits, target, match",
    [
        (torch.zeros(4), torch.zeros(4, dtype=torch.long), "logits of shape \\(batch, classes\\); got shape \\(4,\\)"),
        (torch.zeros(2, 3), torch.zeros(3, dtype=torch.long), "target integer class labels in 0..2 of shape \\(2,\\); got shape"),
        (torch.zeros(2, 3), torch.zeros(2), "target integer class labels .*; got dtype torch.float32"),
        (torch.zeros(2, 3), torch.tensor([0, 3]), "target integer class labels in 0..2 .*; got values in \\[0, 3\\]"),
        (torch.zeros(2, 3), torch.tensor([-1, 0]), "target integer class labels in 0..2 .*; got values in \\[-1, 0\\]"),
        (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), "at least one example"),
    ],
)
def test_cross_entropy_rejects_bad_input(logits, target, match):
    for fn, name in [(prob.cross_entropy, "cross_entropy"), (prob.naive_cross_entropy, "naive_cross_entropy")]:
        with pytest.raises((ValueError, TypeError), match=f"{name} expects .*{match}"):
            fn(logits, target)


def test_bce_with_logits_matches_torch_including_extreme_logits():
    z = torch.tensor([-200.0, -30.0, -1.0, 0.0, 2.0, 40.0, 500.0], dtype=torch.float64)
    for t in (torch.zeros_like(z), torch.ones_like(z), torch.full_like(z, 0.3)):
        got = prob.binary_cross_entropy_with_logits(z, t)
        assert torch.isfinite(got)
        torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(z, t))


def test_bce_with_logits_equals_bernoulli_nll_on_moderate_logits():
    z = torch.randn(50, generator=_gen(6), dtype=torch.float64)
    t = (torch.rand(50, generator=_gen(7)) < 0.5).double()
    p = torch.sigmoid(z)
    nll = -(t * p.log() + (1 - t) * (1 - p).log()).mean()
    torch.testing.assert_close(prob.binary_cross_entropy_with_logits(z, t), nll)


def test_bce_with_logits_rejects_bad_input():
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits expects target of the shape of logits \(3,\); got shape \(4,\)"):
        prob.binary_cross_entropy_with_logits(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits expects target values in \[0, 1\]; got values in \[0, 2\]"):
        prob.binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([0.0, 2.0]))


# --- maximum likelihood ------------------------------------------------------------------


def test_bernoulli_log_likelihood_matches_sum_of_logs():
    x = torch.tensor([1.0, 0, 0, 1, 1, 1, 0])
    p = 0.37
    want = sum(math.log(p if xi else 1 - p) for xi in x.tolist())
    assert prob.bernoulli_log_likelihood(x, p).item() == pytest.approx(want, rel=1e-12)


def test_bernoulli_log_likelihood_edges_and_broadcast():
    x = torch.ones(5)
    assert prob.bernoulli_log_likelihood(x, 1.0).item() == 0.0  # 1·log 1 + 0·log 0 = 0
    assert prob.bernoulli_log_likelihood(x, 0.0).item() == -math.inf
    grid = torch.linspace(0.1, 0.9, 9)
    assert prob.bernoulli_log_likelihood(x, grid).shape == (9,)


def test_bernoulli_mle_is_the_argmax_on_a_grid():
    x = (torch.rand(200, generator=_gen(8)) < 0.3).double()
    grid = torch.linspace(1e-4, 1 - 1e-4, 100_001, dtype=torch.float64)
    ll = prob.bernoulli_log_likelihood(x, grid)
    assert prob.bernoulli_mle(x) == pytest.approx(grid[ll.argmax()].item(), abs=1e-4)
    assert prob.bernoulli_mle(x) == pytest.approx(x.mean().item())


def test_gaussian_log_likelihood_matches_torch_distributions():
    x = torch.randn(30, generator=_gen(9), dtype=torch.float64) * 2 + 1
    want = torch.distributions.Normal(0.5, 1.7).log_prob(x).sum()
    torch.testing.assert_close(prob.gaussian_log_likelihood(x, 0.5, 1.7), want)


def test_gaussian_mle_matches_numerical_optimum():
    x = torch.randn(40, generator=_gen(10), dtype=torch.float64) * 3 - 2
    mu_hat, sigma_hat = prob.gaussian_mle(x)
    # plain gradient descent on the mean NLL over (mu, log sigma), from a poor start
    params = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    for _ in range(3000):
        loss = -prob.gaussian_log_likelihood(x, params[0], params[1].exp()) / len(x)
        (grad,) = torch.autograd.grad(loss, params)
        with torch.no_grad():
            params -= 0.1 * grad
    assert params[0].item() == pytest.approx(mu_hat, abs=1e-6)
    assert params[1].exp().item() == pytest.approx(sigma_hat, abs=1e-6)
    # the MLE uses 1/n, not 1/(n-1)
    assert sigma_hat == pytest.approx(x.std(unbiased=False).item())
    assert sigma_hat < x.std(unbiased=True).item()


def test_gaussian_mle_beats_neighbours_on_a_grid():
    x = torch.randn(25, generator=_gen(11), dtype=torch.float64)
    mu_hat, sigma_hat = prob.gaussian_mle(x)
    best = prob.gaussian_log_likelihood(x, mu_hat, sigma_hat)
    for dmu in (-0.01, 0.0, 0.01):
        for dsig in (-0.01, 0.0, 0.01):
            if dmu or dsig:
                assert prob.gaussian_log_likelihood(x, mu_hat + dmu, sigma_hat + dsig) < best


def test_categorical_mle_is_the_argmax_over_a_simplex_grid():
    counts = torch.tensor([3.0, 5.0, 2.0])
    p_hat = prob.categorical_mle(counts)
    torch.testing.assert_close(p_hat, torch.tensor([0.3, 0.5, 0.2], dtype=torch.float32))
    # brute force: every point of a 0.01 grid on the interior of the simplex
    i, j = torch.meshgrid(torch.arange(1, 99), torch.arange(1, 99), indexing="ij")
    grid = torch.stack([i, j, 100 - i - j], -1).reshape(-1, 3).double() / 100
    grid = grid[grid[:, 2] > 0]
    ll = (counts.double() * grid.log()).sum(-1)
    torch.testing.assert_close(grid[ll.argmax()], p_hat.double(), atol=1e-6, rtol=0)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: prob.bernoulli_log_likelihood(torch.tensor([0.0, 2.0]), 0.5), ValueError, r"bernoulli_log_likelihood expects x outcomes in \{0, 1\}; got other values, e.g. 2.0"),
        (lambda: prob.bernoulli_log_likelihood(torch.tensor([0.0, 1.0]), 1.5), ValueError, r"expects p a probability .*in \[0, 1\]; got 1.5"),
        (lambda: prob.bernoulli_mle(torch.tensor([])), ValueError, r"bernoulli_mle expects x a non-empty tensor .*; got shape \(0,\)"),
        (lambda: prob.bernoulli_mle(torch.tensor([0.2, 3.0])), ValueError, "bernoulli_mle expects x outcomes in"),
        (lambda: prob.gaussian_log_likelihood(torch.zeros(3), 0.0, 0.0), ValueError, "gaussian_log_likelihood expects sigma a positive finite standard deviation; got 0.0"),
        (lambda: prob.gaussian_mle(torch.tensor([])), ValueError, r"gaussian_mle expects x a non-empty tensor .*; got shape \(0,\)"),
        (lambda: prob.categorical_mle(torch.tensor([1.0, -1.0])), ValueError, "categorical_mle expects counts finite counts >= 0 with a positive total; got values in"),
        (lambda: prob.categorical_mle(torch.zeros(3)), ValueError, "positive total"),
        (lambda: prob.gaussian_mle("abc"), TypeError, "gaussian_mle expects x a tensor or array of real numbers; got str"),
        (lambda: prob.running_mean(torch.ones(3, 3)), ValueError, r"running_mean expects values .*1 dimension.*; got shape \(3, 3\)"),
    ],
)
def test_mle_helpers_reject_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- Monte Carlo -------------------------------------------------------------------------


def _uniform(n: int, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(n, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize(
    "f, exact",
    [(lambda u: u, 0.5), (lambda u: u**2, 1 / 3), (lambda u: torch.exp(u), math.e - 1)],
)
def test_monte_carlo_mean_within_a_few_standard_errors(f, exact):
    est, se = prob.monte_carlo_mean(f, _uniform, 20_000, generator=_gen(12))
    assert se > 0
    assert abs(est - exact) < 4 * se, f"estimate {est} vs exact {exact}, standard error {se}"


def test_monte_carlo_standard_error_shrinks_like_one_over_sqrt_n():
    _, se_small = prob.monte_carlo_mean(lambda u: u, _uniform, 1_000, generator=_gen(13))
    _, se_big = prob.monte_carlo_mean(lambda u: u, _uniform, 100_000, generator=_gen(13))
    assert se_small / se_big == pytest.approx(10, rel=0.1)
    assert se_big == pytest.approx(math.sqrt(1 / 12) / math.sqrt(100_000), rel=0.05)


def test_monte_carlo_is_reproducible_with_a_generator():
    a = prob.monte_carlo_mean(lambda u: u, _uniform, 100, generator=_gen(14))
    b = prob.monte_carlo_mean(lambda u: u, _uniform, 100, generator=_gen(14))
    assert a == b


@pytest.mark.parametrize("n", [1, 0, 10.0, "10", True])
def test_monte_carlo_rejects_bad_n(n):
    with pytest.raises((ValueError, TypeError), match="monte_carlo_mean expects n an int >= 2; got"):
        prob.monte_carlo_mean(lambda u: u, _uniform, n)


def test_monte_carlo_rejects_non_callables():
    with pytest.raises(TypeError, match=r"monte_carlo_mean expects sampler a callable sampler\(n, generator\); got torch.Tensor"):
        prob.monte_carlo_mean(lambda u: u, torch.zeros(3), 10)


def test_running_mean_matches_cumulative_means():
    v = torch.tensor([2.0, 4.0, 0.0, 6.0])
    torch.testing.assert_close(prob.running_mean(v), torch.tensor([2.0, 3.0, 2.0, 3.0]))
