"""A small digit classifier: the course's yardstick for generated samples.

Sample-based scores such as the Inception Score (Salimans et al., 2016) and the
Fréchet Inception Distance (Heusel et al., 2017) read samples through a
pretrained classifier. The course needs no downloaded weights: this CNN trains
in seconds on ``load_mnist()``'s 4,000 training digits, and its penultimate
layer (``features``) plays the part of Inception's pool features.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

from ..training import torch_threads
from .. import validation as V

__all__ = ["DigitClassifier", "train_classifier"]


class DigitClassifier(nn.Module):
    """conv(1->w) - pool - conv(w->2w) - pool - linear(n_features) - linear(n_classes).

    Input: (batch, 784) with values in [0, 1]. ``features(x)`` is the
    penultimate layer (after its ReLU), ``forward(x)`` the class logits.
    """

    def __init__(self, width: int = 8, n_features: int = 64, n_classes: int = 10):
        super().__init__()
        width, n_features, n_classes = (
            V.positive_int("DigitClassifier", name, value)
            for name, value in (("width", width), ("n_features", n_features), ("n_classes", n_classes))
        )
        self.n_features, self.n_classes = n_features, n_classes
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 28 -> 14
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
            nn.Flatten(),
            nn.Linear(2 * width * 49, n_features), nn.ReLU(),
        )
        self.head = nn.Linear(n_features, n_classes)

    def _check(self, x, fn: str) -> torch.Tensor:
        x = V.batch(f"DigitClassifier.{fn}", x, 784, values="unit", like=self.head.weight)
        return x.view(len(x), 1, 28, 28)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations, shape (batch, n_features); x has values in [0, 1]."""
        return self.body(self._check(x, "features"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape (batch, n_classes)."""
        return self.head(self.body(self._check(x, "forward")))

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Class probabilities, shape (batch, n_classes), in chunks of ``batch_size`` rows."""
        images = self._check(x, "predict_proba")
        batch_size = V.positive_int("DigitClassifier.predict_proba", "batch_size", batch_size)
        self.eval()
        if len(images) == 0:
            return images.new_zeros(0, self.n_classes)
        return torch.cat([F.softmax(self.head(self.body(images[i : i + batch_size])), dim=1)
                          for i in range(0, len(images), batch_size)])


def train_classifier(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 8,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    progress: bool = True,
    threads: int | None = 1,
) -> tuple[DigitClassifier, dict]:
    """Train a ``DigitClassifier`` by cross-entropy with Adam; fully seeded by ``seed``.

    Training runs on ``threads`` torch threads (restored afterwards; None leaves
    the setting alone): one thread gives the same result on any core count.
    Returns ``(model, history)`` with per-epoch ``train_loss`` and ``seconds``.
    """
    where = "train_classifier"
    x = V.batch(where, x, 784, values="unit", nonempty=True)
    y = V.labels(where, "y", y, len(x))
    epochs = V.positive_int(where, "epochs", epochs)
    batch_size = V.positive_int(where, "batch_size", batch_size)
    lr = V.positive(where, "lr", lr)
    seed = V.integer(where, "seed", seed, minimum=0)
    progress = V.flag(where, "progress", progress)
    with torch_threads(threads):
        return _train(x, y, epochs, batch_size, lr, seed, progress)


def _train(x, y, epochs, batch_size, lr, seed, progress):
    from tqdm.auto import tqdm

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitClassifier(n_classes=int(y.max()) + 1)
    rng = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict = {"train_loss": [], "seconds": 0.0}
    start = time.perf_counter()
    model.train()
    for _ in tqdm(range(epochs), desc="classifier", disable=not progress):
        order = torch.randperm(len(x), generator=rng)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history["train_loss"].append(total / len(x))
    model.eval()
    history["seconds"] = time.perf_counter() - start
    return model, history
