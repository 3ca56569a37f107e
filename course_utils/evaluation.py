"""Evaluation of generative models: likelihood units and sample-based scores."""

from __future__ import annotations

import math

import torch


def bits_per_dim(nll_nats: float | torch.Tensor, n_dims: int = 784):
    """Convert a negative log-likelihood per example in nats to bits per dimension.

    bits/dim = NLL / (D · ln 2).
    """
    if not isinstance(n_dims, int) or n_dims < 1:
        raise ValueError(f"bits_per_dim: n_dims must be a positive int; got {n_dims!r}")
    return nll_nats / (n_dims * math.log(2))
