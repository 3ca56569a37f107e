"""Generative adversarial networks and the theory that explains them.

A GAN (Goodfellow et al., 2014) trains a generator G against a discriminator D
in the two-player game

    min_G max_D V(D, G) = E_{x~p_data}[log D(x)] + E_{z~p_z}[log(1 - D(G(z)))].   (1)

One file per idea; every name is re-exported here, so ``gan.<name>`` works:

=============  ==================================================================
``networks``   ``MLPGenerator`` / ``MLPDiscriminator`` (toy data; PacGAN packing,
               stacked runs ``StackedLinear``), ``DCGenerator`` /
               ``DCDiscriminator`` / ``DCGAN`` (digits); optional InfoGAN code
``losses``     ``discriminator_loss``, ``generator_loss``, ``info_loss``, on logits
``training``   ``train_gan`` (Algorithm 1, settings in one ``GANTrainConfig``),
               ``density_snapshot_1d`` for the replay
``theory``     ``optimal_discriminator`` (Prop. 1), ``gan_value`` (eq. 1), ``optimal_gan_value`` (V(D*, G) in log space),
               ``jsd`` (Theorem 1: V(D*, G) = -log 4 + 2 JSD)
``toy_data``   ``ToyData``, ``ring_of_gaussians``, ``two_gaussians_1d``
``builders``   ``build_toy_gan`` / ``train_toy_gan`` from a ``GANRecipe``, and
               the DCGAN's zoo hooks ``build_from_recipe`` / ``train_from_recipe``
=============  ==================================================================
"""

from __future__ import annotations

from .builders import build_from_recipe, build_toy_gan, train_from_recipe, train_toy_gan
from .losses import discriminator_loss, generator_loss, info_loss
from .networks import DCGAN, DCDiscriminator, DCGenerator, MLPDiscriminator, MLPGenerator, StackedLinear
from .theory import gan_value, jsd, optimal_discriminator, optimal_gan_value
from .toy_data import ToyData, ring_of_gaussians, two_gaussians_1d
from .training import GANTrainConfig, density_snapshot_1d, train_gan

__all__ = [
    "MLPGenerator",
    "MLPDiscriminator",
    "StackedLinear",
    "DCGenerator",
    "DCDiscriminator",
    "DCGAN",
    "discriminator_loss",
    "generator_loss",
    "info_loss",
    "train_gan",
    "GANTrainConfig",
    "optimal_discriminator",
    "gan_value",
    "optimal_gan_value",
    "jsd",
    "ToyData",
    "ring_of_gaussians",
    "two_gaussians_1d",
    "build_toy_gan",
    "train_toy_gan",
    "density_snapshot_1d",
    "build_from_recipe",
    "train_from_recipe",
]
