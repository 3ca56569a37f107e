"""PixelCNN for binary images: masked convolutions and a tiny autoregressive model.

PixelCNN (van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural
Networks", section 3.5) factorizes an image in raster order,

    p(x) = prod_i p(x_i | x_1, ..., x_{i-1}),

and computes all D conditionals in one pass with convolutions whose kernels are
masked so that output pixel i never sees input pixels j >= i:

* mask type ``"A"`` (first layer) hides the centre and everything after it;
* mask type ``"B"`` (later layers) hides only what comes after the centre, since
  the centre of a hidden feature map already depends on earlier pixels only.

Stacking such 3x3 masks leaves a *blind spot*: pixels to the upper right of the
current one that the receptive field never reaches (Gated PixelCNN, van den Oord
et al. 2016, fixes it with two stacks). ``receptive_field`` shows it.

For RGB images the paper also splits the channels of each pixel so that
p(x_i) = p(R_i | x_<i) p(G_i | x_<i, R_i) p(B_i | x_<i, R_i, G_i); this module
keeps to one binary channel, as on binarized MNIST.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import validation as V

MASK_TYPES = ("A", "B")


def _odd(where: str, name: str, value) -> int:
    value = V.positive_int(where, name, value)
    if value % 2 == 0:
        V.fail(where, name, "a positive odd int (the kernel has a centre pixel)", repr(value))
    return value


def causal_mask(kernel_size: int, mask_type: str) -> torch.Tensor:
    """The (k, k) 0/1 mask of a masked convolution (van den Oord et al. 2016, fig. 2).

    Rows above the centre are kept; on the centre row, columns left of the centre
    are kept, and the centre itself only for type ``"B"``.
    """
    kernel_size = _odd("causal_mask", "kernel_size", kernel_size)
    V.choice("causal_mask", "mask_type", mask_type, MASK_TYPES)
    c = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[c, c + (mask_type == "B") :] = 0.0
    mask[c + 1 :, :] = 0.0
    return mask


class MaskedConv2d(nn.Conv2d):
    """A 2-D convolution whose kernel cannot look at the current or later pixels.

    ``mask_type="A"`` excludes the centre pixel (use it on the input), ``"B"``
    includes it (use it on hidden layers). Padding keeps the image size ("same").
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask_type: str, bias: bool = True):
        mask = causal_mask(kernel_size, mask_type)  # validates both arguments
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
        self.mask_type = mask_type
        self.register_buffer("mask", mask[None, None].expand_as(self.weight).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = f"of shape (batch, {self.in_channels}, height, width)"
        x = V.tensor("MaskedConv2d.forward", "x", x, "a torch.Tensor " + expected)
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            V.fail("MaskedConv2d.forward", "x", expected, f"shape {tuple(x.shape)}")
        x = x.to(self.weight)
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", mask_type={self.mask_type!r}"


class PixelCNN(nn.Module):
    """A tiny PixelCNN for binary ``height x width`` images, flattened in raster order.

    One type-A masked convolution (``first_kernel``), ``n_layers - 1`` type-B
    masked 3x3 convolutions with ReLU, a 1x1 convolution to one value per pixel,
    plus a per-pixel bias ``b`` (as NADE's): ``forward(x)[:, i]`` is the logit of
    p(x_i = 1 | x_<i). Starting ``b`` at the pixel marginals
    (``init_bias_from_data``) starts the model as the independent-Bernoulli fit,
    which speeds up training and makes it far less sensitive to rounding.
    """

    def __init__(self, height: int = 28, width: int = 28, n_channels: int = 16, n_layers: int = 3,
                 first_kernel: int = 7):
        super().__init__()
        height, width, n_channels, n_layers = (
            V.positive_int("PixelCNN", name, value)
            for name, value in (("height", height), ("width", width), ("n_channels", n_channels), ("n_layers", n_layers))
        )
        first_kernel = _odd("PixelCNN", "first_kernel", first_kernel)
        self.height, self.width, self.n_dims = height, width, height * width
        layers: list[nn.Module] = [MaskedConv2d(1, n_channels, first_kernel, "A"), nn.ReLU()]
        for _ in range(n_layers - 1):
            layers += [MaskedConv2d(n_channels, n_channels, 3, "B"), nn.ReLU()]
        layers.append(nn.Conv2d(n_channels, 1, 1))  # per-pixel: keeps the causal structure
        self.net = nn.Sequential(*layers)
        self.b = nn.Parameter(torch.zeros(self.n_dims))
        #: how many rows above its own a pixel's receptive field reaches
        self.reach = first_kernel // 2 + (n_layers - 1)

    def _check(self, x, fn: str, nonempty: bool = False) -> torch.Tensor:
        return V.batch(f"PixelCNN.{fn}", x, self.n_dims, like=self.b, nonempty=nonempty)

    def conditional_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of p(x_i = 1 | x_<i) (raster order), shape (batch, height * width)."""
        return self._logits(self._check(x, "conditional_logits"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The same as ``conditional_logits`` (other modules call that name)."""
        return self._logits(self._check(x, "forward"))

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        images = x.reshape(-1, 1, self.height, self.width)
        return self.net(images).reshape(len(x), self.n_dims) + self.b

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats, shape (batch,): sum of the D Bernoulli log-likelihoods."""
        x = self._check(x, "log_prob")
        logits = self._logits(x)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)

    def _logit_at(self, x: torch.Tensor, i: int) -> torch.Tensor:
        """The logit of pixel i alone, from the band of rows its receptive field covers
        (rows r - reach .. r of its row r): what ``sample`` needs, at a fraction of the cost."""
        r, c = divmod(i, self.width)
        top = max(0, r - self.reach)
        band = x[:, top * self.width : (r + 1) * self.width].reshape(len(x), 1, r + 1 - top, self.width)
        return self.net(band)[:, 0, -1, c] + self.b[i]

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images pixel by pixel in raster order (D forward passes), shape (n, D)."""
        n = V.count("PixelCNN.sample", "n", n)
        V.generator("PixelCNN.sample", generator)
        weight = next(self.parameters())
        device, dtype = weight.device, weight.dtype
        x = torch.zeros(n, self.n_dims, device=device, dtype=dtype)
        for i in range(self.n_dims):
            logit = self._logit_at(x, i)
            u = torch.rand(n, generator=generator, dtype=dtype).to(device)
            x[:, i] = (u < torch.sigmoid(logit)).to(dtype)
        return x

    @torch.no_grad()
    def init_bias_from_data(self, x: torch.Tensor, eps: float = 1e-3) -> "PixelCNN":
        """Set ``b`` to the logit of each pixel's mean in ``x`` (clipped to [eps, 1 - eps])."""
        x = self._check(x, "init_bias_from_data", nonempty=True)
        eps = V.number("PixelCNN.init_bias_from_data", "eps", eps, minimum=0.0, maximum=0.5, open_min=True, open_max=True)
        p = x.mean(0).clamp(eps, 1 - eps)
        self.b.copy_(torch.log(p) - torch.log1p(-p))
        return self


def receptive_field(net: nn.Module, height: int, width: int, row: int, col: int,
                    in_channels: int = 1) -> torch.Tensor:
    """|d out[row, col] / d input| summed over channels, shape (height, width).

    Back-propagates from one output pixel of ``net`` (which maps images
    (1, in_channels, H, W) to (1, C, H, W)) to an input image of ones; the
    non-zero entries are the pixels that output can see. Random weights can
    cancel by chance, so pass a net whose weights are positive to see the full
    field.
    """
    if not isinstance(net, nn.Module):
        V.fail("receptive_field", "net", "an nn.Module mapping (1, C, H, W) images to (1, C', H, W)", V.type_name(net), TypeError)
    height = V.positive_int("receptive_field", "height", height)
    width = V.positive_int("receptive_field", "width", width)
    row = V.integer("receptive_field", "row", row, minimum=0, maximum=height - 1)
    col = V.integer("receptive_field", "col", col, minimum=0, maximum=width - 1)
    in_channels = V.positive_int("receptive_field", "in_channels", in_channels)
    x = torch.ones(1, in_channels, height, width, requires_grad=True)
    out = net(x)
    out[0, :, row, col].sum().backward()
    return x.grad[0].abs().sum(dim=0)



# ----------------------------------------------------------------------------
# Zoo hooks (course_utils.zoo.trained("pixelcnn"))
# ----------------------------------------------------------------------------


def build_from_recipe(recipe) -> PixelCNN:
    """An untrained 28x28 PixelCNN with the recipe's architecture."""
    return PixelCNN(28, 28, recipe.n_channels, recipe.n_layers, recipe.first_kernel)


def train_from_recipe(recipe, progress: bool = True):
    """Train a PixelCNN on ``load_mnist()`` with Adam as the recipe says; return
    ``(model, history)``: ``train_loss`` (mean NLL per epoch, nats), ``epoch_seconds``
    (wall time at the end of each epoch), ``seconds`` (total training wall time) and
    ``test_nll`` (mean NLL on the 1,000 test digits, nats)."""
    from ..data import load_mnist
    from ..training import fit, seed_everything

    generator = seed_everything(recipe.seed)
    x_train, _ = load_mnist("train")
    model = build_from_recipe(recipe).init_bias_from_data(x_train)
    fitted = fit(model, lambda m, xb: -m.log_prob(xb).mean(), x_train, epochs=recipe.epochs,
                 batch_size=recipe.batch_size, lr=recipe.lr, generator=generator,
                 progress=progress, desc="PixelCNN")
    model.eval()
    x_test, _ = load_mnist("test")
    with torch.no_grad():
        test_nll = -model.log_prob(x_test).mean().item()
    history = {"train_loss": fitted["train_loss"], "epoch_seconds": fitted["seconds"],
               "seconds": fitted["seconds"][-1], "test_nll": test_nll}
    return model, history
