"""Interactive widgets of the course, one module per notebook topic.

Each widget's callback is a plain function (``render_*``) that tests call
without a browser; the widget only wires sliders to it (``base.slider_image``).

=============  ====================================================
module         sliders
=============  ====================================================
probability    01: likelihood curve, law of large numbers, CLT
tensors        02: storage / stride explorer
counting       03: parameter counts over n
sampling       04: NADE drawing an image pixel by pixel
latent         05: the VAE latent-space explorer
gan            06: 1-D training replay, InfoGAN code, latent path
flows          07: the change of variables through a monotone map
diffusion      07: the forward process, a reverse run step by step
git            A1: a scenario's commit graphs, step by step
=============  ====================================================
"""

from .base import slider_image
from .latent import latent_explorer, render_latent

__all__ = ["slider_image", "latent_explorer", "render_latent"]
