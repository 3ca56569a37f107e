"""Evaluation of generative models: likelihood units and sample-based scores."""

from __future__ import annotations

import math

import numpy as np
import torch


def bits_per_dim(nll_nats: float | torch.Tensor, n_dims: int = 784):
    """Convert a negative log-likelihood per example in nats to bits per dimension.

    bits/dim = NLL / (D · ln 2).
    """
    if not isinstance(n_dims, int) or n_dims < 1:
        raise ValueError(f"bits_per_dim: n_dims must be a positive int; got {n_dims!r}")
    return nll_nats / (n_dims * math.log(2))


# ----------------------------------------------------------------------------
# Sample-based scores: mode coverage on toy data, a classifier-based score on digits
# ----------------------------------------------------------------------------


def _as_matrix(fn: str, name: str, value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or len(arr) == 0:
        raise ValueError(f"{fn}: {name} must be a non-empty 2-D array (N, d); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: {name} must be finite; got NaN or infinity")
    return arr


def mode_coverage(samples, centers, std: float, threshold: float = 3.0) -> dict:
    """How many modes of a Gaussian mixture the samples capture (VEEGAN, PacGAN).

    A sample is *high quality* when it lies within ``threshold * std`` of its
    nearest centre; a mode is *captured* when it is the nearest centre of at
    least one high-quality sample (Srivastava et al. 2017; Lin et al. 2018).

    Returns ``modes_captured`` (int), ``captured`` (mode indices), ``high_quality``
    (share of samples, in [0, 1]) and ``per_mode`` (high-quality samples per mode).
    """
    x = _as_matrix("mode_coverage", "samples", samples)
    c = _as_matrix("mode_coverage", "centers", centers)
    if x.shape[1] != c.shape[1]:
        raise ValueError(
            f"mode_coverage: samples and centers must have the same dimension; got {x.shape[1]} and {c.shape[1]}"
        )
    for name, value in (("std", std), ("threshold", threshold)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"mode_coverage: {name} must be a positive number; got {value!r}")
    dist = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    nearest = dist.argmin(1)
    good = dist[np.arange(len(x)), nearest] <= threshold * std
    per_mode = np.bincount(nearest[good], minlength=len(c))
    captured = np.flatnonzero(per_mode > 0)
    return {
        "modes_captured": int(len(captured)),
        "captured": captured.tolist(),
        "high_quality": float(good.mean()),
        "per_mode": per_mode.tolist(),
    }


def gaussian_frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2).

    d² = ||mu1 - mu2||² + tr(C1 + C2 - 2 (C1^½ C2 C1^½)^½)   (Dowson & Landau 1982),
    computed with symmetric eigendecompositions, which stay real and stable.
    """
    mu1 = np.asarray(mu1, dtype=np.float64).ravel()
    mu2 = np.asarray(mu2, dtype=np.float64).ravel()
    c1, c2 = np.atleast_2d(np.asarray(cov1, dtype=np.float64)), np.atleast_2d(np.asarray(cov2, dtype=np.float64))
    d = len(mu1)
    if mu2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ValueError(
            f"gaussian_frechet_distance: expected means of shape ({d},) and covariances ({d}, {d}); "
            f"got {mu2.shape}, {c1.shape}, {c2.shape}"
        )

    def sqrt_psd(m):
        w, v = np.linalg.eigh((m + m.T) / 2)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    s1 = sqrt_psd(c1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(s1 @ c2 @ s1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * cross)


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, d) (as in FID)."""
    a = _as_matrix("frechet_distance", "features_a", features_a)
    b = _as_matrix("frechet_distance", "features_b", features_b)
    if a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(
            f"frechet_distance: need at least 2 rows each and equal widths; got shapes {a.shape} and {b.shape}"
        )
    return gaussian_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


@torch.no_grad()
def sample_score(classifier, samples: torch.Tensor, reference: torch.Tensor, min_share: float = 0.5) -> dict:
    """Score 28x28 samples through a digit classifier (``models.classifier.DigitClassifier``).

    * ``class_counts``: how many samples the classifier puts in each class;
    * ``class_coverage``: the classes that receive at least ``min_share`` of a
      uniform share (with 10 classes and 0.5: at least 5% of the samples);
    * ``mean_confidence``: the mean of the top class probability (Salimans et al.
      2016 use the same predictions for the Inception Score);
    * ``frechet``: the Fréchet distance between the classifier's penultimate
      features of ``samples`` and of ``reference`` (real held-out digits), as in
      FID (Heusel et al. 2017). It depends on the sample size: compare equal sizes.
    """
    for name, x in (("samples", samples), ("reference", reference)):
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != 784:
            raise ValueError(
                f"sample_score: {name} must be a tensor of shape (N, 784) with values in [0, 1]; "
                f"got {tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}"
            )
        if x.min() < 0 or x.max() > 1:
            raise ValueError(f"sample_score: {name} must hold pixel values in [0, 1]; got [{x.min():.3g}, {x.max():.3g}]")
    if not 0 < min_share <= 1:
        raise ValueError(f"sample_score: min_share must be in (0, 1]; got {min_share!r}")
    classifier.eval()
    feats, probs = [], []
    for i in range(0, len(samples), 1000):
        h = classifier.features(samples[i : i + 1000].float())
        feats.append(h)
        probs.append(torch.softmax(classifier.head(h), dim=1))
    feats_s, probs_s = torch.cat(feats), torch.cat(probs)
    feats_r = torch.cat([classifier.features(reference[i : i + 1000].float()) for i in range(0, len(reference), 1000)])
    n_classes = probs_s.shape[1]
    counts = torch.bincount(probs_s.argmax(1), minlength=n_classes)
    coverage = int((counts >= min_share * len(samples) / n_classes).sum())
    return {
        "class_counts": counts.tolist(),
        "class_coverage": coverage,
        "mean_confidence": float(probs_s.max(1).values.mean()),
        "frechet": frechet_distance(feats_s, feats_r),
    }


def auroc(scores_normal, scores_anomalous) -> float:
    """Area under the ROC curve when a higher score means "normal" (Hanley & McNeil 1982).

    It equals P(s_normal > s_anomalous) + P(s_normal = s_anomalous) / 2 over
    independent pairs (the Mann–Whitney U statistic over n·m), computed here on
    all n·m pairs: fine for the course's thousands of points. 1 separates
    perfectly, 0.5 is chance.
    """
    a = np.asarray(scores_normal, dtype=np.float64).ravel()
    b = np.asarray(scores_anomalous, dtype=np.float64).ravel()
    for name, v in (("scores_normal", a), ("scores_anomalous", b)):
        if v.size == 0 or not np.isfinite(v).all():
            raise ValueError(f"auroc expects {name} to be a non-empty array of finite scores; got {v.size} values"
                             + ("" if v.size == 0 else " with NaN or inf among them"))
    return float((a[:, None] > b[None, :]).mean() + 0.5 * (a[:, None] == b[None, :]).mean())
