"""The model contract: what every model of the course offers, per family (``typing.Protocol``).

* every generative model: ``n_dims`` and ``sample(n, generator=None) -> (n, n_dims)``
  (``sample(0)`` is an empty batch; the same generator state gives the same samples);
* ``ExactLikelihood`` (baselines, NADE, RealNADE, PixelCNN, GMM, flows):
  ``log_prob(x) -> (batch,)``, exact, in nats (a probability for binary data,
  a density for real data);
* ``BoundOnly`` (VAEs, diffusion): ``elbo(x) -> (batch,)``, a lower bound on
  log p(x) in nats, and ``log_prob_estimate(x, k)``, an estimate of log p(x)
  named as such (never a ``log_prob`` that returns a bound); the DDPM's is a
  bound on a density of real points (a Gaussian decoder at its last step);
* ``Autoregressive`` (NADE, PixelCNN, MarkovBernoulli): also
  ``conditional_logits(x) -> (batch, n_dims)``, the logit of
  p(x_j = 1 | the pixels before j), in pixel positions. The sampling widget
  calls this name; ``forward`` is never what another module relies on.

Data batches are checked by ``course_utils.validation.batch``: float64, integer
and bool batches are cast to the parameters' dtype.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

__all__ = ["GenerativeModel", "ExactLikelihood", "BoundOnly", "Autoregressive"]


@runtime_checkable
class GenerativeModel(Protocol):
    """Draws samples: ``sample(n, generator=None) -> (n, n_dims)``."""

    n_dims: int

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


@runtime_checkable
class ExactLikelihood(GenerativeModel, Protocol):
    """An explicit model with an exact ``log_prob(x) -> (batch,)`` in nats."""

    def log_prob(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class BoundOnly(GenerativeModel, Protocol):
    """A latent-variable model with a bound ``elbo(x) <= log p(x)`` and an estimate of log p(x)."""

    def elbo(self, x: torch.Tensor) -> torch.Tensor: ...

    def log_prob_estimate(self, x: torch.Tensor, k: int = 100, generator: torch.Generator | None = None) -> torch.Tensor: ...


@runtime_checkable
class Autoregressive(ExactLikelihood, Protocol):
    """An exact model of binary vectors factorised pixel by pixel, exposing its conditionals."""

    def conditional_logits(self, x: torch.Tensor) -> torch.Tensor: ...
