"""The models of the course, one file per family, and the one registry of them.

===============  ==============================================================
``baselines``    ``IndependentBernoulli``, ``MarkovBernoulli``: fitted by counting
``nade``         ``NADE`` (binary), ``RealNADE`` (real): autoregressive networks
``pixelcnn``     ``PixelCNN``, ``MaskedConv2d``: masked convolutions
``gmm``          ``GMM`` and ``fit_gmm``: a mixture fitted by EM
``vae``          ``VAE``: the ELBO and importance-weighted estimates
``autoencoder``  ``Autoencoder``: a plain (not generative) autoencoder
``gan``          generators, discriminators, losses, training and theory
``classifier``   ``DigitClassifier``: the yardstick of sample scores
``flow``         ``RealNVP``: affine couplings, an exact likelihood (notebook 07)
``diffusion``    ``DDPM``: samples, an ELBO and an importance estimate (notebook 07)
``denoisers``    the noise predictors of the diffusion models
``elbo``         the diffusion ELBO term by term
``contract``     the model contract (``typing.Protocol`` per family)
===============  ==============================================================

``REGISTRY`` lists every generative model with its family and a factory of a
tiny instance; ``tests/test_model_contract.py`` checks the contract on each.
A new model joins with one line, e.g.::

    register("wavelet_flow", EXACT_CONTINUOUS, lambda: MyFlow(2))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from . import autoencoder, baselines, classifier, contract, denoisers, diffusion, elbo, flow, gan, gmm, nade, pixelcnn, vae
from .autoencoder import Autoencoder
from .baselines import IndependentBernoulli, MarkovBernoulli
from .classifier import DigitClassifier
from .diffusion import DDPM
from .flow import RealNVP
from .gan import DCGAN, DCDiscriminator, DCGenerator, MLPDiscriminator, MLPGenerator
from .gmm import GMM, fit_gmm
from .nade import NADE, RealNADE
from .pixelcnn import MaskedConv2d, PixelCNN
from .vae import VAE

__all__ = [
    "IndependentBernoulli", "MarkovBernoulli", "NADE", "RealNADE", "PixelCNN", "MaskedConv2d", "GMM", "fit_gmm",
    "VAE", "Autoencoder", "DigitClassifier", "MLPGenerator", "MLPDiscriminator", "DCGenerator", "DCDiscriminator",
    "DCGAN", "RealNVP", "DDPM", "REGISTRY", "ModelEntry", "register", "EXACT_BINARY", "EXACT_CONTINUOUS", "BOUND_ONLY", "IMPLICIT",
]

#: Families of the contract: what the contract test checks on top of shapes, seeds and bad inputs.
EXACT_BINARY = "exact-binary"  # log_prob sums to 1 over all 2**n_dims binary inputs
EXACT_CONTINUOUS = "exact-continuous"  # exp(log_prob) integrates to 1 on a grid (n_dims 1 or 2)
BOUND_ONLY = "bound-only"  # elbo <= log_prob_estimate, the estimate rising with k
IMPLICIT = "implicit"  # sampling only (GAN generators)
FAMILIES = (EXACT_BINARY, EXACT_CONTINUOUS, BOUND_ONLY, IMPLICIT)


@dataclass(frozen=True)
class ModelEntry:
    """One registered model: its family and a factory of a tiny instance for the contract test.

    ``values`` is what its data holds: "binary" ({0, 1}), "unit" ([0, 1]) or "real".
    """

    name: str
    family: str
    tiny: Callable[[], object]
    values: str = "binary"


REGISTRY: dict[str, ModelEntry] = {}


def register(name: str, family: str, tiny: Callable[[], object], values: str | None = None) -> ModelEntry:
    """Add a model to ``REGISTRY`` (the contract test then checks it); returns the entry."""
    if family not in FAMILIES:
        raise ValueError(f"register expects family one of {list(FAMILIES)}; got {family!r}")
    if name in REGISTRY:
        raise ValueError(f"register expects a new name; got {name!r}, which is registered already")
    if values is None:
        values = "real" if family == EXACT_CONTINUOUS else "binary"
    entry = ModelEntry(name, family, tiny, values)
    REGISTRY[name] = entry
    return entry


def _binary_data(n: int, d: int, seed: int = 0) -> torch.Tensor:
    """A small correlated binary data set for fitting the tiny baselines."""
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(n, d, generator=g) < 0.3).float()
    return torch.maximum(x, torch.roll(x, 1, dims=1) * (torch.rand(n, d, generator=g) < 0.5).float())


def _random_weights(model: torch.nn.Module, scale: float) -> torch.nn.Module:
    """Every parameter drawn from N(0, scale^2), so that a zero-initialised layer is not the identity in the test."""
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, scale)
    return model


def _seeded(factory: Callable[[], object], seed: int = 0) -> Callable[[], object]:
    def build():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return factory()
    return build


register("independent", EXACT_BINARY, lambda: IndependentBernoulli(5).fit(_binary_data(40, 5)))
register("markov", EXACT_BINARY, lambda: MarkovBernoulli(5, 2, ordering=[3, 0, 4, 1, 2]).fit(_binary_data(40, 5)))
register("nade", EXACT_BINARY, _seeded(lambda: NADE(5, 4, ordering=[2, 0, 4, 1, 3])))
register("pixelcnn", EXACT_BINARY, _seeded(lambda: PixelCNN(2, 3, n_channels=3, n_layers=2, first_kernel=3)))
register("real_nade", EXACT_CONTINUOUS, _seeded(lambda: RealNADE(2, 4, n_components=2)))
register("gmm", EXACT_CONTINUOUS, lambda: fit_gmm(torch.randn(60, 2, generator=torch.Generator().manual_seed(0)) * 0.7, 2,
                                                   n_iter=5, generator=torch.Generator().manual_seed(1)))
register("vae", BOUND_ONLY, _seeded(lambda: VAE(5, 2, 6)), values="unit")
register("mlp_generator", IMPLICIT, _seeded(lambda: MLPGenerator(2, 2, 8, 1)), values="real")
register("dc_generator", IMPLICIT, _seeded(lambda: DCGenerator(4, 2)), values="unit")
register("dcgan", IMPLICIT, _seeded(lambda: DCGAN(4, 2)), values="unit")
register("flow", EXACT_CONTINUOUS, _seeded(lambda: _random_weights(RealNVP(2, n_layers=4, n_hidden=8), 0.3)))
register("ddpm", BOUND_ONLY, lambda: DDPM(denoisers.GaussianDenoiser(torch.cumprod(1 - diffusion.beta_schedule(4, "cosine"), 0),
                                                                    [0.2, -0.2], [0.8, 0.8]), 2, T=4, schedule="cosine"),
         values="real")
