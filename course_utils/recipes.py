"""The exact hyperparameters and training budgets of every model in the course.

Notebooks and benchmarks read the same recipe, so they cannot drift apart.
Budgets are stated in epochs (reproducible), with the wall time they were
measured to take on the course's reference machine (2 CPU cores) as a comment.
"""

from __future__ import annotations

from dataclasses import dataclass, asdict


@dataclass(frozen=True)
class Recipe:
    """A model's hyperparameters and its training budget."""

    seed: int = 0
    epochs: int = 1
    batch_size: int = 100
    lr: float = 1e-3

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BaselineRecipe(Recipe):
    alpha: float = 1.0  # Laplace smoothing
    markov_order: int = 1


@dataclass(frozen=True)
class NADERecipe(Recipe):
    n_hidden: int = 500


@dataclass(frozen=True)
class VAERecipe(Recipe):
    n_latent: int = 2
    n_hidden: int = 256
    n_layers: int = 1
    likelihood: str = "bernoulli"


@dataclass(frozen=True)
class GANRecipe(Recipe):
    n_latent: int = 64
    steps: int = 1000
    n_hidden: int = 128  # MLP width (toy GANs) or base channel count (DCGAN)
    n_layers: int = 2  # hidden layers of the toy MLPs
    n_code: int = 0  # categories of an InfoGAN code c (0: none)
    info_weight: float = 1.0  # lambda in front of InfoGAN's L_I
    pack: int = 1  # samples per discriminator input (PacGAN); 1 = vanilla
    beta1: float = 0.5  # Adam's beta1, as in DCGAN
    n_runs: int = 1  # seeds seed, seed+1, ... for measured comparisons


# Notebook 03 (filled in by the notebook's issue).
BASELINES = BaselineRecipe()

# Notebook 04.
NADE = NADERecipe()

# Notebook 05.
VAE_2D = VAERecipe(n_latent=2)
VAE_20D = VAERecipe(n_latent=20)

# Notebook 06.
GAN_RING = GANRecipe(n_latent=2)
DCGAN = GANRecipe(n_latent=64)
