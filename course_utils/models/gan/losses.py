"""The GAN losses on discriminator logits, numerically stable (Goodfellow et al. 2014; Chen et al. 2016).

With D = sigmoid(logit): -log D = softplus(-logit) and -log(1 - D) = softplus(logit),
which never overflow.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ... import validation as V

__all__ = ["discriminator_loss", "generator_loss", "info_loss"]


def _logits(where: str, name: str, logits) -> torch.Tensor:
    expected = "a non-empty floating-point torch.Tensor of discriminator logits (not probabilities)"
    logits = V.tensor(where, name, logits, expected)
    if not logits.is_floating_point():
        V.fail(where, name, expected, f"dtype {logits.dtype}", TypeError)
    if logits.numel() == 0:
        V.fail(where, name, expected, f"an empty tensor of shape {tuple(logits.shape)}")
    return logits


def discriminator_loss(d_real_logits: torch.Tensor, d_fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G) estimated on a minibatch: -mean log D(x) - mean log(1 - D(G(z))).

    With D = sigmoid(logit), -log D = softplus(-logit) and -log(1 - D) =
    softplus(logit), which never overflow.
    """
    d_real_logits = _logits("discriminator_loss", "d_real_logits", d_real_logits)
    d_fake_logits = _logits("discriminator_loss", "d_fake_logits", d_fake_logits)
    return F.softplus(-d_real_logits).mean() + F.softplus(d_fake_logits).mean()


def generator_loss(d_fake_logits: torch.Tensor, non_saturating: bool = True) -> torch.Tensor:
    """The generator's loss on D's logits for fake samples.

    * ``non_saturating=True`` (Goodfellow et al. 2014, sec. 3): -mean log D(G(z))
      = mean softplus(-logit). Its gradient stays large while D rejects fakes.
    * ``non_saturating=False`` (the minimax game itself): mean log(1 - D(G(z)))
      = -mean softplus(logit). Its gradient vanishes as D(G(z)) -> 0.
    """
    d_fake_logits = _logits("generator_loss", "d_fake_logits", d_fake_logits)
    non_saturating = V.flag("generator_loss", "non_saturating", non_saturating)
    if non_saturating:
        return F.softplus(-d_fake_logits).mean()
    return -F.softplus(d_fake_logits).mean()


def info_loss(code_logits: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    """InfoGAN's cross-entropy for a categorical code: -E log Q(c | G(z, c)) = H(c) - L_I.

    L_I = E log Q(c | G(z, c)) + H(c) is the variational lower bound on the mutual
    information I(c; G(z, c)) (Chen et al. 2016, eq. 5); minimizing this loss raises it.
    """
    code_logits = _logits("info_loss", "code_logits", code_logits)
    if code_logits.dim() < 2:
        V.fail("info_loss", "code_logits", "of shape (..., n_code)", f"shape {tuple(code_logits.shape)}")
    n_code = code_logits.shape[-1]
    expected = f"integer codes in 0..{n_code - 1} of shape {tuple(code_logits.shape[:-1])}"
    code = V.tensor("info_loss", "code", code, f"a torch.Tensor of {expected}")
    if code.is_floating_point() or code.dtype == torch.bool:
        V.fail("info_loss", "code", expected, f"dtype {code.dtype}", TypeError)
    if code.shape != code_logits.shape[:-1]:
        V.fail("info_loss", "code", expected, f"shape {tuple(code.shape)}")
    if int(code.min()) < 0 or int(code.max()) >= n_code:
        V.fail("info_loss", "code", expected, f"values in [{int(code.min())}, {int(code.max())}]")
    return F.cross_entropy(code_logits.reshape(-1, code_logits.shape[-1]), code.reshape(-1).long())
