"""How many free parameters a distribution over n discrete variables needs.

Every function returns an exact Python ``int`` (never a float), however large:
``joint_params(784)`` has 237 digits. Each of the n variables takes k values.

A categorical distribution over m outcomes has m − 1 free parameters (the last
probability is fixed by normalization). A conditional table p(x_i | context)
has (k − 1) free parameters for every assignment of its context, so a variable
with c context variables costs (k − 1)·k**c.

* ``joint_params``: one table over all k**n outcomes, k**n − 1.
* ``independent_params``: p(x) = Π p(x_i), n·(k − 1).
* ``chain_rule_params``: p(x) = Π p(x_i | x_1..x_{i-1}) with full tables,
  Σ_i (k − 1)·k**(i−1) = k**n − 1, the same as the joint: the chain rule is
  always true, so by itself it saves nothing.
* ``markov_params``: p(x_i | x_{i-order}..x_{i-1}); the first ``order``
  variables have shorter contexts and are counted exactly.
"""

from __future__ import annotations

from . import validation as V

__all__ = ["joint_params", "independent_params", "chain_rule_params", "markov_params"]


def _check_int(value, name: str, fn: str, minimum: int) -> int:
    return V.integer(fn, name, value, minimum=minimum)


def _check_nk(n, k, fn: str) -> tuple[int, int]:
    return _check_int(n, "n", fn, 1), _check_int(k, "k", fn, 2)


def joint_params(n: int, k: int = 2) -> int:
    """Free parameters of a full joint table over n variables with k values each: k**n − 1."""
    n, k = _check_nk(n, k, "joint_params")
    return k**n - 1


def independent_params(n: int, k: int = 2) -> int:
    """Free parameters of a fully independent model p(x) = Π_i p(x_i): n·(k − 1)."""
    n, k = _check_nk(n, k, "independent_params")
    return n * (k - 1)


def chain_rule_params(n: int, k: int = 2) -> int:
    """Free parameters of the chain rule p(x_1) p(x_2|x_1) … p(x_n|x_1..x_{n-1}) with full tables.

    Variable i (1-based) has i − 1 parents, hence (k − 1)·k**(i−1) parameters;
    the geometric sum Σ_{i=1..n} (k − 1)·k**(i−1) equals k**n − 1, the joint's count.
    """
    n, k = _check_nk(n, k, "chain_rule_params")
    # Closed form of the geometric sum (exact integer arithmetic).
    return (k - 1) * ((k**n - 1) // (k - 1))


def markov_params(n: int, k: int = 2, order: int = 1) -> int:
    """Free parameters of an order-``order`` Markov (AR-``order``) model with full tables.

    p(x) = Π_i p(x_i | x_{i-order}, …, x_{i-1}). Variable i (0-based) has
    min(i, order) parents, so it costs (k − 1)·k**min(i, order). With m = min(order, n):

        Σ_{i<m} (k − 1)·k**i + (n − m)·(k − 1)·k**order = k**m − 1 + (n − m)·(k − 1)·k**order.

    ``order=0`` is the independent model; ``order >= n − 1`` is the full joint;
    ``order=1, k=2`` gives 2n − 1.
    """
    n, k = _check_nk(n, k, "markov_params")
    order = _check_int(order, "order", "markov_params", 0)
    m = min(order, n)
    return k**m - 1 + (n - m) * (k - 1) * k**order
