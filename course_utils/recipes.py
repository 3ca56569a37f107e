"""The exact hyperparameters and training budgets of every model in the course.

Notebooks and benchmarks read the same recipe, so they cannot drift apart.
Budgets are stated in epochs (reproducible), with the wall time they were
measured to take on the course's reference machine (2 CPU cores) as a comment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Recipe:
    """A model's hyperparameters and its training budget."""

    seed: int = 0
    epochs: int = 1
    batch_size: int = 100
    lr: float = 1e-3

    def as_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> "Recipe":
        """A copy with some fields changed: ``recipes.NADE.replace(n_hidden=50)``."""
        unknown = sorted(set(changes) - set(self.as_dict()))
        if unknown:
            raise ValueError(f"{type(self).__name__}.replace expects fields among {sorted(self.as_dict())}; got {unknown}")
        return replace(self, **changes)


@dataclass(frozen=True)
class BaselineRecipe(Recipe):
    alpha: float = 1.0  # Laplace smoothing
    markov_order: int = 1


@dataclass(frozen=True)
class NADERecipe(Recipe):
    n_hidden: int = 500


@dataclass(frozen=True)
class PixelCNNRecipe(Recipe):
    n_channels: int = 16
    n_layers: int = 4
    first_kernel: int = 7


@dataclass(frozen=True)
class VAERecipe(Recipe):
    n_latent: int = 2
    n_hidden: int = 256
    n_layers: int = 1
    likelihood: str = "bernoulli"


@dataclass(frozen=True)
class RealNADERecipe(Recipe):
    n_hidden: int = 32
    n_components: int = 5  # Gaussians per conditional


@dataclass(frozen=True)
class AutoencoderRecipe(Recipe):
    n_latent: int = 20
    n_hidden: int = 256


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
    lr_d: float | None = None  # the discriminator's learning rate (None: lr)
    n_runs: int = 1  # independent toy runs trained side by side (models.gan.StackedLinear)


# Notebook 03.
BASELINES = BaselineRecipe(alpha=1.0, markov_order=5)  # order chosen on validation data in notebook 03, Section 7

# Notebook 04.
NADE = NADERecipe(n_hidden=100, batch_size=100, lr=1e-2, epochs=12)  # test NLL 90.7; ~20 s CPU on 1 thread

# Notebook 04: a tiny PixelCNN (3 epochs take about 6 s of CPU time, one thread).
PIXELCNN = PixelCNNRecipe(epochs=3, batch_size=50, lr=3e-3)

# Notebook 04: RealNADE on the two moons, full-batch Adam (every epoch is one step).
REALNADE_MOONS = RealNADERecipe(n_hidden=32, n_components=5, epochs=300, batch_size=1000, lr=1e-2)

# Notebooks 05 and 06: the course's one digit classifier, the yardstick of every sample score.
CLASSIFIER = Recipe(epochs=8, batch_size=64, lr=2e-3)

# Notebook 05.
AUTOENCODER = AutoencoderRecipe(n_latent=20, n_hidden=256, epochs=20, lr=1e-3)
# A VAE with a Gaussian decoder (sigma = 1) on the grey digits, beside VAE_20D's Bernoulli one.
VAE_GAUSSIAN = VAERecipe(seed=1, n_latent=20, n_hidden=256, n_layers=1, likelihood="gaussian", epochs=15)
VAE_2D = VAERecipe(n_latent=2, n_hidden=256, n_layers=2, epochs=60)  # about 20 s of CPU time, one thread
VAE_20D = VAERecipe(n_latent=20, n_hidden=512, n_layers=1, epochs=40)  # about 17 s of CPU time, one thread

# Notebook 06.
GAN_1D = GANRecipe(n_latent=4, n_hidden=32, steps=2000, batch_size=128, lr=1e-3)  # ~3 s CPU, 1 thread
# Ring of 8 Gaussians (radius 2, std 0.02), 5 seeds trained side by side; ~10-14 s CPU each, 1 thread.
GAN_RING = GANRecipe(n_latent=2, n_hidden=128, steps=1500, batch_size=128, lr=1e-3, lr_d=3e-4, n_runs=5)
GAN_RING_PACKED = GANRecipe(n_latent=2, n_hidden=128, steps=1500, batch_size=128, lr=1e-3, lr_d=3e-4, n_runs=5, pack=2)
GAN_RING_INFO = GANRecipe(n_latent=2, n_hidden=128, steps=1500, batch_size=128, lr=1e-3, lr_d=3e-4, n_runs=5, n_code=8)
DCGAN = GANRecipe(n_latent=64, n_hidden=32, steps=1200, batch_size=64, lr=1e-3)  # ~45-50 s CPU, 1 thread


# ----------------------------------------------------------------------------
# Notebook 07: a normalizing flow and diffusion models
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowRecipe(Recipe):
    n_layers: int = 8  # affine couplings, masks alternating
    n_hidden: int = 64


@dataclass(frozen=True)
class DiffusionRecipe(Recipe):
    data: str = "ring"  # "ring" (notebook 06's 8 Gaussians) or "mnist" (the course's binary digits)
    T: int = 100  # diffusion steps
    schedule: str = "linear"
    n_hidden: int = 128
    n_layers: int = 3
    n_points: int = 8000  # training points per run (ring)
    n_runs: int = 1  # independent runs (ring: the 5 seeds of notebook 06)


@dataclass(frozen=True)
class DigitDiffusionRecipe(DiffusionRecipe):
    ema: float = 0.99  # decay of the exponential moving average of the weights; the average is the model sampled


# RealNVP on the two moons, full-batch Adam like REALNADE_MOONS.
FLOW_MOONS = FlowRecipe(n_layers=8, n_hidden=64, epochs=400, batch_size=1000, lr=5e-3)
DDPM_RING = DiffusionRecipe(data="ring", T=100, schedule="cosine", n_hidden=128, n_layers=3, n_runs=5, epochs=150,
                            batch_size=1024, lr=3e-3)
# The digit denoiser (an MLP, 0.65 M weights): 90 epochs of 32 steps; 60 s on one thread here, 220 s under load.
DDPM_MNIST = DigitDiffusionRecipe(data="mnist", T=50, schedule="cosine", n_hidden=320, n_layers=2, epochs=90,
                                  batch_size=128, lr=2e-3, ema=0.99)
