"""Two baseline density models of binary images, fitted in closed form by counting.

* ``IndependentBernoulli``: p(x) = Π_i p_i^{x_i} (1 − p_i)^{1 − x_i}, n free parameters.
* ``MarkovBernoulli``: an order-``order`` autoregressive (AR-N) model with full
  conditional tables, p(x) = Π_i p(x_{σ(i)} | x_{σ(i−order)}, …, x_{σ(i−1)}),
  where σ is the pixel ordering (raster order by default) and context that
  falls before the first pixel is treated as 0.

Both are explicit models: ``log_prob`` is exact (nats, one value per image),
``fit`` is the maximum-likelihood estimate by counting with Laplace (add-α)
smoothing, p̂ = (count of ones + α) / (count + 2α), and ``sample`` draws exact
samples. Neither has trainable ``nn.Parameter`` s; the fitted probabilities are
buffers, so ``.to(device)`` and ``state_dict()`` work. ``num_parameters()``
counts free parameters as ``course_utils.counting`` does.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..counting import independent_params, markov_params
from .. import validation as V

__all__ = ["IndependentBernoulli", "MarkovBernoulli"]

#: Largest conditional table MarkovBernoulli will allocate (n_dims · 2**order entries).
MAX_TABLE_ENTRIES = 2**26


def _binary(x, n_dims: int, where: str, like: torch.Tensor, nonempty: bool = False) -> torch.Tensor:
    """x as a (batch, n_dims) tensor in {0, 1} of ``like``'s dtype (validation.batch)."""
    return V.batch(where, x, n_dims, values="binary", like=like, nonempty=nonempty)


def _alpha(alpha, where: str) -> float:
    return V.number(where, "alpha", alpha, minimum=0.0, expected="(Laplace smoothing) a finite number >= 0")


def _bernoulli_log_prob(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Elementwise log p^x (1 − p)^(1 − x), with 0·log 0 = 0 so that p ∈ {0, 1} is allowed."""
    return torch.special.xlogy(x, p) + torch.special.xlogy(1 - x, 1 - p)


def _sum_over_pixels(terms: torch.Tensor) -> torch.Tensor:
    """Sum per-pixel log-probabilities in float64 (so the total does not depend on the summation
    order, hence not on threads or SIMD width), returned in the model's dtype."""
    return terms.sum(-1, dtype=torch.float64).to(terms.dtype)


class IndependentBernoulli(nn.Module):
    """Every pixel its own coin: p(x) = Π_i Bernoulli(x_i; p_i).

    ``probs`` (n_dims,) holds p_i = p(x_i = 1); before ``fit`` every p_i is 0.5.
    """

    def __init__(self, n_dims: int):
        super().__init__()
        self.n_dims = V.positive_int("IndependentBernoulli", "n_dims", n_dims)
        self.register_buffer("probs", torch.full((self.n_dims,), 0.5))

    def num_parameters(self) -> int:
        """Free parameters: one probability per pixel (``counting.independent_params``)."""
        return independent_params(self.n_dims)

    @torch.no_grad()
    def fit(self, x: torch.Tensor, alpha: float = 1.0) -> "IndependentBernoulli":
        """Closed-form MLE with add-α smoothing: p_i = (Σ_b x_bi + α) / (N + 2α). Returns self."""
        alpha = _alpha(alpha, "IndependentBernoulli.fit")
        x = _binary(x, self.n_dims, "IndependentBernoulli.fit", self.probs, nonempty=alpha == 0)
        ones = x.to(torch.float64).sum(0)
        probs = (ones + alpha) / (len(x) + 2 * alpha)
        self.probs.copy_(probs.to(self.probs))
        return self

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats, shape (batch,): Σ_i x_i log p_i + (1 − x_i) log(1 − p_i)."""
        x = _binary(x, self.n_dims, "IndependentBernoulli.log_prob", self.probs)
        return _sum_over_pixels(_bernoulli_log_prob(x, self.probs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_prob(x)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` exact samples, float tensor (n, n_dims) in {0, 1}."""
        n = V.count("IndependentBernoulli.sample", "n", n)
        V.generator("IndependentBernoulli.sample", generator)
        u = torch.rand(n, self.n_dims, generator=generator, dtype=self.probs.dtype)
        return (u.to(self.probs.device) < self.probs).to(self.probs.dtype)


class MarkovBernoulli(nn.Module):
    """AR-``order`` model: each pixel conditioned on the ``order`` pixels before it.

    Pixels are visited in ``ordering`` (a permutation of ``range(n_dims)``;
    raster order 0, 1, …, n_dims − 1 when None). Position t of the ordering is
    pixel σ(t) = ``ordering[t]``; its context code packs the previous pixels in
    the ordering as bits, c_t = Σ_{j=1..order} x_{σ(t−j)} · 2**(j−1), with
    x_{σ(t−j)} = 0 when t − j < 0. ``probs[t, c]`` is p(x_{σ(t)} = 1 | code c).

    Passing ``ordering=perm`` is the same model as raster order fitted on the
    permuted columns ``x[:, perm]``; ``sample`` returns pixels in their original
    positions either way.

    The table has n_dims · 2**order entries, but for the first ``order``
    positions the codes with a bit set before the first pixel are never read,
    so the free parameters are exactly ``counting.markov_params(n_dims, 2, order)``.
    ``order=0`` is ``IndependentBernoulli``; ``order >= n_dims − 1`` is the full joint.
    """

    def __init__(self, n_dims: int, order: int = 1, ordering=None):
        super().__init__()
        self.n_dims = V.positive_int("MarkovBernoulli", "n_dims", n_dims)
        order = V.integer("MarkovBernoulli", "order", order, minimum=0)
        if self.n_dims * 2**order > MAX_TABLE_ENTRIES:
            V.fail("MarkovBernoulli", "order", f"small enough for a table of at most {MAX_TABLE_ENTRIES:,} "
                   "entries (n_dims * 2**order)", f"order={order}, which needs {self.n_dims * 2**order:,}")
        self.order = order
        self.register_buffer("ordering", self._check_ordering(ordering))
        self.register_buffer("probs", torch.full((self.n_dims, 2**order), 0.5))

    def _check_ordering(self, ordering) -> torch.Tensor:
        return torch.arange(self.n_dims) if ordering is None else V.permutation("MarkovBernoulli", "ordering", ordering, self.n_dims)

    def num_parameters(self) -> int:
        """Free parameters, counting the shorter contexts of the first pixels exactly."""
        return markov_params(self.n_dims, 2, self.order)

    def _in_order(self, x: torch.Tensor) -> torch.Tensor:
        """The columns of x in the model's ordering (no copy for raster order)."""
        ordering = self.ordering.to(x.device)
        if torch.equal(ordering, torch.arange(self.n_dims, device=x.device)):
            return x
        return x[:, ordering]

    def _codes(self, xs: torch.Tensor) -> torch.Tensor:
        """Context codes (int32) of x already in the ordering: one shifted copy per context bit."""
        bits = xs.to(torch.int32)
        padded = nn.functional.pad(bits, (self.order, 0))  # context before the first pixel is 0
        codes = torch.zeros_like(bits)
        for j in range(1, self.order + 1):  # x_{σ(t−j)} is column t + order − j of padded
            codes |= padded[:, self.order - j : self.order - j + self.n_dims] << (j - 1)
        return codes

    def context_codes(self, x: torch.Tensor) -> torch.Tensor:
        """Context code c_t of every position t (in the ordering), long tensor (batch, n_dims).

        Vectorized: one shifted copy of the image per context bit, no loop over pixels.
        """
        x = _binary(x, self.n_dims, "MarkovBernoulli.context_codes", self.probs)
        return self._codes(self._in_order(x)).long()

    def _cells(self, codes: torch.Tensor) -> torch.Tensor:
        """Flat index t · 2**order + c_t into ``probs.view(-1)``, shape (batch, n_dims)."""
        offsets = torch.arange(self.n_dims, device=codes.device, dtype=torch.int64) << self.order
        return codes.long() + offsets

    @torch.no_grad()
    def fit(self, x: torch.Tensor, alpha: float = 1.0) -> "MarkovBernoulli":
        """Closed-form MLE by counting: p[t, c] = (#ones at t with code c + α) / (#code c at t + 2α).

        With α = 0 a context never seen in ``x`` keeps p = 0.5 (any value is an
        MLE there, since it does not affect the likelihood of ``x``). Returns self.
        """
        alpha = _alpha(alpha, "MarkovBernoulli.fit")
        x = _binary(x, self.n_dims, "MarkovBernoulli.fit", self.probs)
        xs = self._in_order(x)
        cells = self._cells(self._codes(xs)).flatten()
        size = self.n_dims * 2**self.order
        seen = torch.bincount(cells, minlength=size).to(torch.float64)
        ones = torch.bincount(cells, weights=xs.flatten().to(torch.float64), minlength=size)
        total = seen + 2 * alpha
        probs = torch.where(total > 0, (ones + alpha) / total.clamp_min(1e-300), torch.full_like(total, 0.5))
        self.probs.copy_(probs.view_as(self.probs).to(self.probs))
        return self

    def conditionals(self, x: torch.Tensor) -> torch.Tensor:
        """p(x_{σ(t)} = 1 | its context) for every position t of the ordering, shape (batch, n_dims)."""
        x = _binary(x, self.n_dims, "MarkovBernoulli.conditionals", self.probs)
        return self._conditionals(self._in_order(x))

    def conditional_logits(self, x: torch.Tensor) -> torch.Tensor:
        """logit p(x_j = 1 | the ``order`` pixels before j in the ordering), in pixel positions,
        shape (batch, n_dims): what the sampling widget shows (±inf where a probability is 0 or 1)."""
        x = _binary(x, self.n_dims, "MarkovBernoulli.conditional_logits", self.probs)
        p = self._conditionals(self._in_order(x))
        logits = torch.logit(p)
        out = torch.empty_like(logits)
        out[:, self.ordering.to(x.device)] = logits
        return out

    def _conditionals(self, xs: torch.Tensor) -> torch.Tensor:
        cells = self._cells(self._codes(xs))
        return self.probs.view(-1).index_select(0, cells.flatten()).view(cells.shape)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats, shape (batch,): Σ_t log p(x_{σ(t)} | context_t)."""
        x = _binary(x, self.n_dims, "MarkovBernoulli.log_prob", self.probs)
        xs = self._in_order(x)
        return _sum_over_pixels(_bernoulli_log_prob(xs, self._conditionals(xs)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_prob(x)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` exact samples (n, n_dims): pixel by pixel along the ordering, all n at once."""
        n = V.count("MarkovBernoulli.sample", "n", n)
        V.generator("MarkovBernoulli.sample", generator)
        device, dtype = self.probs.device, self.probs.dtype
        # One uniform per pixel, drawn up front; stored (pixel, sample) so each step reads and writes a row.
        u = torch.rand(n, self.n_dims, generator=generator, dtype=dtype).to(device).T.contiguous()
        xs = torch.zeros(self.n_dims, n, dtype=dtype, device=device)
        code = torch.zeros(n, dtype=torch.long, device=device)
        mask = 2**self.order - 1
        for t in range(self.n_dims):  # sequential by nature: pixel t needs the pixels before it
            bit = (u[t] < self.probs[t].index_select(0, code)).long()  # index_select: no threading overhead
            xs[t] = bit
            code = ((code << 1) | bit) & mask
        xs = xs.T
        x = torch.empty_like(xs)
        x[:, self.ordering.to(device)] = xs
        return x
