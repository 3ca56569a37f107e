"""The zoo's registry: for each model name, its recipe, how to build and train it, and what it reaches.

``reaches`` lists the functions and classes whose code the trained weights
depend on (``zoo.key`` hashes their source); ``tests/test_zoo.py`` traces a
short training run of every entry and fails if it calls a course function that
is missing here. Models whose module has no ``build_from_recipe`` /
``train_from_recipe`` of its own get a small adapter below.
"""

from __future__ import annotations

from .data import load_mnist, two_moons
from .models import autoencoder, classifier, diffusion, flow, gan, nade, pixelcnn, vae
from .models.gan import builders as gan_builders, losses as gan_losses, networks as gan_networks, training as gan_training
from . import training
from .training import batches, fit
from .zoo import Entry

# ----------------------------------------------------------------------------
# Adapters: one build and one train function per model without its own
# ----------------------------------------------------------------------------


def build_realnade(recipe) -> nade.RealNADE:
    """RealNADE for the 2-D moons, initialised from ``recipe.seed`` (under ``zoo.train``'s ``init_rng``)."""
    return nade.RealNADE(n_dims=2, n_hidden=recipe.n_hidden, n_components=recipe.n_components)


def fit_moons(model, recipe, progress: bool = True, desc: str = "training"):
    """Maximum likelihood on ``two_moons()``'s standardised training half, the one fit of every density on the moons
    (RealNADE in notebook 04, the flow in 07); ``test_nll`` on the other half (nats per point)."""
    import torch

    moons_train, moons_test = two_moons()
    history = fit(model, lambda m, xb: -m.log_prob(xb).mean(), moons_train, epochs=recipe.epochs,
                  batch_size=recipe.batch_size, lr=recipe.lr, generator=torch.Generator().manual_seed(recipe.seed),
                  progress=progress, desc=desc)
    with torch.no_grad():
        history["test_nll"] = -model.eval().log_prob(moons_test).mean().item()
    history["epoch_seconds"] = history.pop("seconds")
    history["seconds"] = history["epoch_seconds"][-1]
    return model, history


def train_realnade(recipe, progress: bool = True):
    """RealNADE fitted by ``fit_moons``."""
    return fit_moons(build_realnade(recipe), recipe, progress, "RealNADE")


def build_classifier(recipe) -> classifier.DigitClassifier:
    return classifier.DigitClassifier(n_classes=10)


def train_classifier(recipe, progress: bool = True):
    """The course's digit classifier on the 4,000 training digits; ``test_accuracy`` on the 1,000 test ones."""
    import torch

    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    model, history = classifier.train_classifier(x_train, y_train, epochs=recipe.epochs, batch_size=recipe.batch_size,
                                                 lr=recipe.lr, seed=recipe.seed, progress=progress)
    with torch.no_grad():
        history["test_accuracy"] = (model(x_test).argmax(1) == y_test).float().mean().item()
    return model, history


def build_autoencoder(recipe) -> autoencoder.Autoencoder:
    return autoencoder.Autoencoder(784, n_latent=recipe.n_latent, n_hidden=recipe.n_hidden)


def train_autoencoder(recipe, progress: bool = True):
    """Squared-error autoencoder on the 4,000 binarized training digits (notebook 05, section 2)."""
    import torch

    x_train, _ = load_mnist("train")
    model = build_autoencoder(recipe)
    history = fit(model, autoencoder.squared_error, x_train, epochs=recipe.epochs, batch_size=recipe.batch_size,
                  lr=recipe.lr, generator=torch.Generator().manual_seed(recipe.seed), progress=progress,
                  desc="Autoencoder")
    history["epoch_seconds"] = history.pop("seconds")
    history["seconds"] = history["epoch_seconds"][-1]
    return model, history


def ring() -> gan.ToyData:
    """Notebook 06's ring of 8 Gaussians (radius 2, std 0.02)."""
    return gan.ring_of_gaussians(n_modes=8, radius=2.0, std=0.02)


def two_gaussians() -> gan.ToyData:
    """Notebook 06's 1-D data: two Gaussians at -2 and 2, std 0.5."""
    return gan.two_gaussians_1d(means=(-2.0, 2.0), std=0.5)


def build_ring_gan(recipe) -> gan.MLPGenerator:
    """The generator of a toy GAN on the ring (all ``recipe.n_runs`` runs stacked)."""
    return gan.build_toy_gan(recipe, 2, n_runs=recipe.n_runs if recipe.n_runs > 1 else None)[0]


def train_ring_gan(recipe, progress: bool = True):
    generator, _, history = gan.train_toy_gan(recipe, ring(), progress=progress, desc="ring GAN")
    return generator, history


def build_gan_1d(recipe) -> gan.MLPGenerator:
    return gan.build_toy_gan(recipe, 1)[0]


def train_gan_1d(recipe, progress: bool = True):
    """The 1-D GAN with a snapshot every 50 steps: p_g and D on ``history["grid"]``, as lists so they save as JSON."""
    import numpy as np

    grid = np.linspace(-5.0, 5.0, 201)
    generator, _, history = gan.train_toy_gan(recipe, two_gaussians(), snapshot_every=50,
                                              snapshot=gan.density_snapshot_1d(grid), progress=progress,
                                              desc="1-D GAN")
    history["snapshots"] = [(step, {k: v.tolist() for k, v in snap.items()}) for step, snap in history["snapshots"]]
    history["grid"] = grid.tolist()
    return generator, history


# ----------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------

_FIT = (fit, batches, training._batches, training._data)
_VAE = (vae.VAE, vae._mlp, vae.reparameterize, vae.kl_normal_std, vae.negative_elbo,
        vae.build_from_recipe, vae.train_from_recipe, *_FIT)
_FLOW = (flow.RealNVP, flow.AffineCoupling, two_moons, flow.build_from_recipe,
         flow.train_from_recipe, fit_moons, *_FIT)
# Training reaches the forward process and the loss only (diffusion.ForwardProcess); DDPM's sampling and bound do not
# change the weights, so they are not keyed.
_DDPM = (diffusion.ForwardProcess, diffusion.beta_schedule, diffusion.denoisers.time_embedding, diffusion.build_from_recipe,
         diffusion.train_from_recipe, *_FIT)
_DDPM_RING = (*_DDPM, diffusion.denoisers.PointDenoiser, diffusion._build_ring, diffusion._train_ring, diffusion._ring_points,
              gan.ring_of_gaussians, gan.ToyData)
_DDPM_MNIST = (*_DDPM, diffusion.denoisers.DigitDenoiser, diffusion._build_digits, diffusion._train_digits)
_GAN_LOOP = (gan.train_gan, gan_training.GANTrainConfig, gan_training._train_gan_loop, gan_training._data_stream,
             gan.discriminator_loss, gan.generator_loss, gan.info_loss, gan_losses._logits, gan_networks._Generator,
             gan_networks._real_batch, gan_networks._code, gan_networks._runs, gan_builders._init_rng)
_TOY_GAN = (gan.MLPGenerator, gan.MLPDiscriminator, gan.StackedLinear, gan_networks._mlp, gan_networks._linear,
            gan.ToyData, gan.build_toy_gan, gan.train_toy_gan, *_GAN_LOOP)


def entries() -> dict[str, Entry]:
    return {
        "nade": Entry("NADE", nade.build_from_recipe, nade.train_from_recipe,
                      (nade.NADE, nade._NADEConditionals, nade.build_from_recipe, nade.train_from_recipe, *_FIT)),
        "realnade_moons": Entry("REALNADE_MOONS", build_realnade, train_realnade,
                                (nade.RealNADE, nade._positive, two_moons, build_realnade, train_realnade, fit_moons, *_FIT)),
        "pixelcnn": Entry("PIXELCNN", pixelcnn.build_from_recipe, pixelcnn.train_from_recipe,
                          (pixelcnn.PixelCNN, pixelcnn.MaskedConv2d, pixelcnn.causal_mask, pixelcnn._odd,
                           pixelcnn.build_from_recipe, pixelcnn.train_from_recipe, *_FIT)),
        "classifier": Entry("CLASSIFIER", build_classifier, train_classifier,
                            (classifier.DigitClassifier, classifier.train_classifier, classifier._train,
                             build_classifier, train_classifier)),
        "autoencoder": Entry("AUTOENCODER", build_autoencoder, train_autoencoder,
                             (autoencoder.Autoencoder, autoencoder.squared_error, build_autoencoder,
                              train_autoencoder, *_FIT)),
        "vae_2d": Entry("VAE_2D", vae.build_from_recipe, vae.train_from_recipe, _VAE),
        "vae_20d": Entry("VAE_20D", vae.build_from_recipe, vae.train_from_recipe, _VAE),
        "vae_gaussian": Entry("VAE_GAUSSIAN", vae.build_from_recipe, vae.train_from_recipe, _VAE),
        "gan_1d": Entry("GAN_1D", build_gan_1d, train_gan_1d,
                        (*_TOY_GAN, gan.two_gaussians_1d, gan.density_snapshot_1d, two_gaussians,
                         build_gan_1d, train_gan_1d)),
        **{name: Entry(recipe, build_ring_gan, train_ring_gan,
                       (*_TOY_GAN, gan.ring_of_gaussians, ring, build_ring_gan, train_ring_gan))
           for name, recipe in (("gan_ring", "GAN_RING"), ("gan_ring_packed", "GAN_RING_PACKED"),
                                ("gan_ring_info", "GAN_RING_INFO"))},
        "dcgan": Entry("DCGAN", gan.build_from_recipe, gan.train_from_recipe,
                       (gan.DCGAN, gan.DCGenerator, gan.DCDiscriminator, gan.build_from_recipe,
                        gan.train_from_recipe, *_GAN_LOOP)),
        "flow_moons": Entry("FLOW_MOONS", flow.build_from_recipe, flow.train_from_recipe, _FLOW),
        "ddpm_ring": Entry("DDPM_RING", diffusion.build_from_recipe, diffusion.train_from_recipe, _DDPM_RING),
        "ddpm_mnist": Entry("DDPM_MNIST", diffusion.build_from_recipe, diffusion.train_from_recipe, _DDPM_MNIST),
    }
