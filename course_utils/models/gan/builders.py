"""Building and training GANs from their recipes: the toy GANs of notebook 06 and the DCGAN's zoo hooks.

``build_toy_gan`` / ``train_toy_gan`` build and train MLP GANs from a
``recipes.GANRecipe``; ``build_from_recipe`` / ``train_from_recipe`` are what
``course_utils.zoo.trained("dcgan")`` calls.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import torch

from ... import validation as V
from .networks import DCGAN, MLPDiscriminator, MLPGenerator
from .toy_data import ToyData
from .training import train_gan

__all__ = ["build_toy_gan", "train_toy_gan", "build_from_recipe", "train_from_recipe"]


@contextlib.contextmanager
def _init_rng(seed: int):
    """Seed torch's global RNG for parameter initialisation only.

    ``with _init_rng(seed): model = ...`` restores the caller's RNG state on exit,
    so building a model never changes what a notebook draws afterwards.
    """
    V.integer("GAN recipe", "seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def build_toy_gan(recipe, n_dims: int, n_runs: int | None = None) -> tuple[MLPGenerator, MLPDiscriminator]:
    """An MLP generator and discriminator from a ``GANRecipe``, initialised with ``recipe.seed``.

    The generator is built first, so two recipes that differ only in the
    discriminator (e.g. ``pack``) start from the same generator weights.
    With ``n_runs = R`` both networks stack R independent runs.
    """
    n_dims = V.positive_int("build_toy_gan", "n_dims", n_dims)
    with _init_rng(recipe.seed):
        g = MLPGenerator(recipe.n_latent, n_dims, recipe.n_hidden, recipe.n_layers, recipe.n_code, n_runs)
        d = MLPDiscriminator(n_dims, recipe.n_hidden, recipe.n_layers, pack=recipe.pack, n_runs=n_runs, n_code=recipe.n_code)
    return g, d


def train_toy_gan(
    recipe,
    data: ToyData,
    *,
    snapshot_every: int | None = None,
    snapshot: Callable | None = None,
    progress: bool = True,
    desc: str = "GAN",
) -> tuple[MLPGenerator, MLPDiscriminator, dict]:
    """Build (``build_toy_gan``) and train (``train_gan``) a toy GAN on ``data`` from a ``GANRecipe``.

    With ``recipe.n_runs > 1`` the runs are stacked and trained side by side.
    Returns ``(generator, discriminator, history)``.
    """
    if not isinstance(data, ToyData):
        V.fail("train_toy_gan", "data", "a ToyData (e.g. gan.ring_of_gaussians())", V.type_name(data), TypeError)
    n_runs = recipe.n_runs if recipe.n_runs > 1 else None
    g, d = build_toy_gan(recipe, data.centers.shape[1], n_runs=n_runs)
    history = train_gan(
        g, d, data, steps=recipe.steps, batch_size=recipe.batch_size, lr=recipe.lr, lr_d=recipe.lr_d,
        betas=(recipe.beta1, 0.999), info_weight=recipe.info_weight, seed=recipe.seed,
        snapshot_every=snapshot_every, snapshot=snapshot, progress=progress, desc=desc,
    )
    return g, d, history


def build_from_recipe(recipe) -> DCGAN:
    """An untrained DCGAN with the recipe's architecture (initialised with ``recipe.seed``)."""
    with _init_rng(recipe.seed):
        return DCGAN(recipe.n_latent, recipe.n_hidden, recipe.n_code)


def train_from_recipe(recipe, progress: bool = True) -> tuple[DCGAN, dict]:
    """Train the DCGAN on ``load_mnist()`` (4,000 binarized digits) for ``recipe.steps`` steps."""
    from ...data import load_mnist

    x, _ = load_mnist("train")
    model = build_from_recipe(recipe)
    history = train_gan(
        model.generator,
        model.discriminator,
        x,
        steps=recipe.steps,
        batch_size=recipe.batch_size,
        lr=recipe.lr,
        lr_d=recipe.lr_d,
        betas=(recipe.beta1, 0.999),
        info_weight=recipe.info_weight,
        seed=recipe.seed,
        progress=progress,
        desc="DCGAN",
    )
    model.eval()
    return model, history
