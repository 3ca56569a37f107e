"""The model contract, checked on every model of ``course_utils.models.REGISTRY``.

A model joins these tests by being registered (``models.register``). Per family:
exact binary models sum to 1 over all 2**n inputs, exact continuous ones integrate
to 1 on a grid, bound-only ones satisfy ELBO <= estimate with the estimate rising
in k; every model samples (n, n_dims) reproducibly and refuses bad inputs clearly.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from course_utils import models
from course_utils.models import contract

ENTRIES = list(models.REGISTRY.values())
IDS = [e.name for e in ENTRIES]


def _by_family(*families):
    chosen = [e for e in ENTRIES if e.family in families]
    return pytest.mark.parametrize("entry", chosen, ids=[e.name for e in chosen])


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _data(entry, model, n: int = 6, seed: int = 0) -> torch.Tensor:
    """A right batch for the model's data kind."""
    g = _gen(seed)
    if entry.values == "real":
        return torch.randn(n, model.n_dims, generator=g, dtype=torch.float64 if isinstance(model, models.GMM) else torch.float32)
    return (torch.rand(n, model.n_dims, generator=g) < 0.4).float()


def _score(entry, model, x):
    """The model's per-example score: log_prob (exact) or elbo (bound-only)."""
    if entry.family == models.BOUND_ONLY:
        return model.elbo(x, generator=_gen(0))
    return model.log_prob(x)


def test_the_registry_holds_every_family():
    families = {e.family for e in ENTRIES}
    assert families == set(models.FAMILIES)
    assert {"independent", "markov", "nade", "pixelcnn", "real_nade", "gmm", "vae", "dcgan"} <= set(models.REGISTRY)
    assert {e.name for e in AUTOREGRESSIVE} == {"markov", "nade", "pixelcnn"}


def test_register_refuses_unknown_families_and_duplicates():
    with pytest.raises(ValueError, match="register expects family"):
        models.register("x", "magic", lambda: None)
    with pytest.raises(ValueError, match="registered already"):
        models.register("nade", models.EXACT_BINARY, lambda: None)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_meets_its_family_protocol(entry):
    model = entry.tiny()
    assert isinstance(model, contract.GenerativeModel)
    protocol = {models.EXACT_BINARY: contract.ExactLikelihood, models.EXACT_CONTINUOUS: contract.ExactLikelihood,
                models.BOUND_ONLY: contract.BoundOnly, models.IMPLICIT: contract.GenerativeModel}[entry.family]
    assert isinstance(model, protocol)
    if entry.family == models.BOUND_ONLY:  # never a log_prob that returns a bound
        assert not hasattr(model, "log_prob")


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_samples_have_the_contract_shape_and_follow_the_generator(entry):
    model = entry.tiny()
    x = model.sample(7, generator=_gen(3))
    assert isinstance(x, torch.Tensor) and x.shape == (7, model.n_dims) and x.is_floating_point()
    assert torch.equal(x, model.sample(7, generator=_gen(3)))
    assert not torch.equal(x, model.sample(7, generator=_gen(4)))
    empty = model.sample(0, generator=_gen(3))
    assert empty.shape == (0, model.n_dims) and empty.dtype == x.dtype
    if entry.values == "binary":
        assert bool(((x == 0) | (x == 1)).all())
    elif entry.values == "unit":
        assert bool(((x >= 0) & (x <= 1)).all())


@_by_family(models.EXACT_BINARY)
def test_exact_binary_models_sum_to_one_over_all_inputs(entry):
    model = entry.tiny()
    n = model.n_dims
    assert n <= 10
    every = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))
    log_p = model.log_prob(every).double()
    assert log_p.shape == (2**n,)
    assert torch.logsumexp(log_p, 0).item() == pytest.approx(0.0, abs=1e-5)


AUTOREGRESSIVE = [e for e in ENTRIES if e.family == models.EXACT_BINARY and isinstance(e.tiny(), contract.Autoregressive)]


@pytest.mark.parametrize("entry", AUTOREGRESSIVE, ids=[e.name for e in AUTOREGRESSIVE])
def test_autoregressive_conditionals_give_the_log_likelihood(entry):
    model = entry.tiny()
    x = _data(entry, model, 9)
    logits = model.conditional_logits(x)
    assert logits.shape == (9, model.n_dims)
    from_conditionals = (x * logits - torch.nn.functional.softplus(logits)).sum(1)
    assert torch.allclose(from_conditionals, model.log_prob(x), atol=1e-5)
    # pixel j's conditional does not depend on pixels drawn after it (in the model's ordering)
    order = getattr(model, "ordering", torch.arange(model.n_dims)).tolist()
    last = order[-1]
    flipped = x.clone()
    flipped[:, last] = 1 - flipped[:, last]
    keep = [j for j in range(model.n_dims) if j != last]
    assert torch.allclose(model.conditional_logits(flipped)[:, keep], logits[:, keep], atol=1e-6)


@_by_family(models.EXACT_CONTINUOUS)
def test_exact_continuous_models_integrate_to_one_on_a_grid(entry):
    model = entry.tiny()
    assert model.n_dims == 2
    edge = np.linspace(-8, 8, 321)
    step = edge[1] - edge[0]
    g0, g1 = np.meshgrid(edge, edge, indexing="ij")
    grid = torch.tensor(np.stack([g0.ravel(), g1.ravel()], 1))
    with torch.no_grad():
        density = model.log_prob(grid).double().exp().reshape(len(edge), len(edge)).numpy()
    mass = np.trapezoid(np.trapezoid(density, dx=step, axis=1), dx=step)
    assert mass == pytest.approx(1.0, abs=2e-3)


def _mean_and_se(draws: torch.Tensor) -> tuple[float, float]:
    """The mean of (repeats, batch) draws and its standard error (the spread within each example)."""
    repeats, batch = draws.shape
    return draws.mean().item(), (draws.var(0).mean() / (repeats * batch)).sqrt().item()


@_by_family(models.BOUND_ONLY)
def test_the_bound_lies_below_the_estimate_which_rises_with_k(entry):
    """k = 1 is an unbiased estimate of the ELBO (within 4 standard errors, 6,000 draws of each); the estimate rises
    with k (each step within 3 standard errors of rising) and ends above the ELBO."""
    model = entry.tiny()
    x = _data(entry, model, 8)
    many = x.repeat(25, 1)
    with torch.no_grad():
        elbo, elbo_se = _mean_and_se(torch.stack([model.elbo(many, generator=_gen(s)) for s in range(30)]))
        estimates = [_mean_and_se(torch.stack([model.log_prob_estimate(x if k > 1 else many, k, generator=_gen(100 + s))
                                               for s in range(30)])) for k in (1, 4, 16, 64)]
    (first, first_se), (last, _) = estimates[0], estimates[-1]
    assert abs(first - elbo) < 4 * math.hypot(first_se, elbo_se) + 1e-3
    assert elbo <= last + 1e-3
    assert all(a <= b + 3 * math.hypot(sa, sb) + 1e-3 for (a, sa), (b, sb) in zip(estimates, estimates[1:])), estimates
    assert estimates[0][0] < last


@_by_family(models.BOUND_ONLY)
def test_the_estimated_likelihood_of_a_tiny_model_sums_to_one(entry):
    """p̂(x) = mean of k importance weights is unbiased for p(x), so Σ_x p̂(x) ≈ 1 over all 2**n binary inputs,
    and ∫ p̂(x) dx ≈ 1 on a grid for a model of real 2-D points."""
    model = entry.tiny()
    with torch.no_grad():
        if entry.values == "real":
            assert model.n_dims == 2
            edge = torch.linspace(-7, 7, 71, dtype=torch.float64)
            grid = torch.stack(torch.meshgrid(edge, edge, indexing="ij"), -1).reshape(-1, 2)
            p = model.log_prob_estimate(grid, 400, generator=_gen(0)).double().exp()
            mass = p.sum().item() * (edge[1] - edge[0]).item() ** 2
        else:
            every = torch.tensor(list(itertools.product([0.0, 1.0], repeat=model.n_dims)))
            mass = model.log_prob_estimate(every, 4000, generator=_gen(0)).double().exp().sum().item()
    assert mass == pytest.approx(1.0, abs=0.03)


# ----------------------------------------------------------------------------
# The shared bad-input battery, on every model
# ----------------------------------------------------------------------------


def _clear(excinfo, arg: str) -> None:
    message = str(excinfo.value)
    assert arg in message and "expects" in message and "got" in message, message


def _bad_batches(x: torch.Tensor):
    nan = x.clone()
    nan[0, 0] = math.nan
    return {
        "wrong width": x[:, :-1], "1-D": x[0], "3-D": x[:, None], "complex": x.to(torch.complex64), "NaN": nan,
        "numpy": x.numpy(), "list": x.tolist(), "None": None,
    }


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.family != models.IMPLICIT],
                         ids=[e.name for e in ENTRIES if e.family != models.IMPLICIT])
def test_scores_refuse_bad_batches_clearly(entry):
    model = entry.tiny()
    x = _data(entry, model)
    for what, bad in _bad_batches(x).items():
        with pytest.raises((ValueError, TypeError)) as excinfo:
            _score(entry, model, bad)
        _clear(excinfo, "x")
    if entry.values == "binary":
        half = x.clone()
        half[0, 0] = 0.5
        with pytest.raises(ValueError, match="values in"):
            _score(entry, model, half)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.family != models.IMPLICIT],
                         ids=[e.name for e in ENTRIES if e.family != models.IMPLICIT])
def test_scores_cast_float64_int_and_bool_batches(entry):
    model = entry.tiny()
    x = _data(entry, model)
    reference = _score(entry, model, x)
    casts = [x.double(), x.float()]
    if entry.values != "real":
        casts += [x.long(), x.bool()]
    for cast in casts:
        assert torch.allclose(_score(entry, model, cast).double(), reference.double(), atol=1e-5)
    empty = _score(entry, model, x[:0])
    assert empty.shape == (0,)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_sample_refuses_bad_sizes_and_generators_clearly(entry):
    model = entry.tiny()
    for bad in (-1, 2.5, "3", None, True):
        with pytest.raises((ValueError, TypeError)) as excinfo:
            model.sample(bad)
        _clear(excinfo, "n")
    for bad in (0, "seed"):
        with pytest.raises(TypeError) as excinfo:
            model.sample(2, generator=bad)
        _clear(excinfo, "generator")
