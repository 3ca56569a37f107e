"""Parameter counts against two independent computations.

1. Enumeration: list every free parameter of each conditional table, one by one.
2. Dimension: the rank of the Jacobian of the map (conditional tables) -> joint
   distribution, at random tables, is the number of free parameters the
   family really has (the dimension of the set of distributions it can express).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from course_utils.counting import chain_rule_params, independent_params, joint_params, markov_params

SMALL = [(n, k) for n in range(1, 6) for k in (2, 3, 4) if k**n <= 256]


def parents(i: int, order: int | None) -> list[int]:
    """Parents of variable i (0-based): all earlier variables, or the last ``order`` of them."""
    start = 0 if order is None else max(0, i - order)
    return list(range(start, i))


def enumerate_free_parameters(n: int, k: int, order: int | None) -> list[tuple]:
    """One entry (variable, parent assignment, value) per free probability of every table row."""
    free = []
    for i in range(n):
        for context in itertools.product(range(k), repeat=len(parents(i, order))):
            for value in range(k - 1):  # the k-th probability is 1 minus the others
                free.append((i, context, value))
    return free


def enumerate_joint_free_parameters(n: int, k: int) -> list[tuple]:
    return list(itertools.product(range(k), repeat=n))[:-1]  # all outcomes but one


def family_dimension(n: int, k: int, order: int | None, seed: int = 0) -> int:
    """Rank of d(joint probabilities)/d(table logits) at random logits."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(k,) * len(parents(i, order)) + (k,) for i in range(n)]
    sizes = [int(np.prod(s)) for s in shapes]
    theta0 = torch.randn(sum(sizes), generator=gen, dtype=torch.float64)
    outcomes = torch.tensor(list(itertools.product(range(k), repeat=n)))

    def joint(theta: torch.Tensor) -> torch.Tensor:
        logp = torch.zeros(len(outcomes), dtype=theta.dtype)
        offset = 0
        for i, (shape, size) in enumerate(zip(shapes, sizes)):
            table = torch.log_softmax(theta[offset : offset + size].view(shape), dim=-1)
            offset += size
            index = tuple(outcomes[:, j] for j in parents(i, order)) + (outcomes[:, i],)
            logp = logp + table[index]
        return logp.exp()

    jac = torch.autograd.functional.jacobian(joint, theta0)
    return int(torch.linalg.matrix_rank(jac, rtol=1e-9).item())


@pytest.mark.parametrize("n,k", SMALL)
def test_joint_and_chain_rule_match_enumeration(n, k):
    assert joint_params(n, k) == len(enumerate_joint_free_parameters(n, k))
    assert chain_rule_params(n, k) == len(enumerate_free_parameters(n, k, order=None))
    assert chain_rule_params(n, k) == joint_params(n, k)


@pytest.mark.parametrize("n,k", SMALL)
def test_independent_matches_enumeration(n, k):
    assert independent_params(n, k) == len(enumerate_free_parameters(n, k, order=0))


@pytest.mark.parametrize("n,k", SMALL)
@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 7])
def test_markov_matches_enumeration(n, k, order):
    assert markov_params(n, k, order) == len(enumerate_free_parameters(n, k, order))


@pytest.mark.parametrize("n,k", [(1, 2), (2, 2), (3, 2), (4, 2), (2, 3), (3, 3)])
@pytest.mark.parametrize("order", [0, 1, 2, None])
def test_counts_are_the_dimension_of_the_model_family(n, k, order):
    expected = chain_rule_params(n, k) if order is None else markov_params(n, k, order)
    assert family_dimension(n, k, order) == expected


def test_known_values_from_the_notes():
    assert joint_params(1, 2) == 1  # Bernoulli
    assert joint_params(1, 6) == 5  # a die: m - 1
    assert joint_params(3, 256) == 256**3 - 1 == 16_777_215  # one RGB pixel
    assert joint_params(1, 256**3) == 256**3 - 1  # the same pixel as one categorical
    assert markov_params(784, 2, 1) == 2 * 784 - 1
    assert independent_params(784) == 784


def test_counts_are_exact_python_ints_however_large():
    for value in (joint_params(784), chain_rule_params(784), markov_params(784, 256, 16), joint_params(1000, 256)):
        assert type(value) is int
    assert joint_params(784) == 2**784 - 1
    assert len(str(joint_params(784))) == 237
    assert chain_rule_params(784, 3) == 3**784 - 1
    assert joint_params(np.int64(10)) == 1023  # NumPy integers are ints too


@pytest.mark.parametrize("n", [1, 2, 5, 30])
@pytest.mark.parametrize("k", [2, 3, 10])
def test_markov_limits(n, k):
    assert markov_params(n, k, 0) == independent_params(n, k)
    assert markov_params(n, k, n - 1) == joint_params(n, k)
    assert markov_params(n, k, n + 5) == joint_params(n, k)
    counts = [markov_params(n, k, r) for r in range(n + 1)]
    assert counts == sorted(counts)  # more context never costs less


@pytest.mark.parametrize(
    "fn,args",
    [
        (joint_params, (0,)),
        (joint_params, (3, 1)),
        (independent_params, (-1,)),
        (chain_rule_params, (2, 0)),
        (markov_params, (0, 2, 1)),
        (markov_params, (3, 1, 1)),
        (markov_params, (3, 2, -1)),
    ],
)
def test_bad_arguments_raise_value_error(fn, args):
    with pytest.raises(ValueError, match=fn.__name__):
        fn(*args)


@pytest.mark.parametrize("bad", [2.0, "3", True, None])
def test_non_integers_raise_type_error(bad):
    with pytest.raises(TypeError, match="joint_params expects n a positive int; got"):
        joint_params(bad)
    with pytest.raises(TypeError, match="order"):
        markov_params(3, 2, bad)
