"""Evaluation of generative models: likelihood units and sample-based scores."""

from __future__ import annotations

import math

import numpy as np
import torch

from . import validation as V


def bits_per_dim(nll_nats: float | torch.Tensor, n_dims: int = 784):
    """Convert a negative log-likelihood per example in nats to bits per dimension.

    bits/dim = NLL / (D · ln 2). The NLL of discrete data is >= 0, so a negative
    value (a log-likelihood, not its negative) is refused; NaN gives NaN.
    """
    n_dims = V.positive_int("bits_per_dim", "n_dims", n_dims)
    expected = "a negative log-likelihood in nats (>= 0; pass -log_prob(x), not log_prob(x))"
    if isinstance(nll_nats, torch.Tensor):
        if not nll_nats.is_floating_point():
            nll_nats = nll_nats.double()
        if bool((nll_nats < 0).any()):
            V.fail("bits_per_dim", "nll_nats", expected, f"values down to {nll_nats.min().item():.4g}")
    else:
        if isinstance(nll_nats, np.ndarray):
            nll_nats = nll_nats.astype(np.float64)
            bad = bool((nll_nats < 0).any())
        else:
            if isinstance(nll_nats, (bool, np.bool_)) or not isinstance(nll_nats, (int, float, np.integer, np.floating)):
                V.fail("bits_per_dim", "nll_nats", expected, f"{V.type_name(nll_nats)} {nll_nats!r}", TypeError)
            bad = nll_nats < 0
        if bad:
            V.fail("bits_per_dim", "nll_nats", expected, repr(nll_nats) if not isinstance(nll_nats, np.ndarray) else "negative values")
    return nll_nats / (n_dims * math.log(2))


# ----------------------------------------------------------------------------
# Sample-based scores: mode coverage on toy data, a classifier-based score on digits
# ----------------------------------------------------------------------------


def _as_matrix(fn: str, name: str, value, min_rows: int = 1) -> np.ndarray:
    arr = V.array(fn, name, value, ndim=2, expected=f"a 2-D array (N, d) with N >= {min_rows}")
    if len(arr) < min_rows:
        V.fail(fn, name, f"a 2-D array (N, d) with N >= {min_rows}", f"shape {arr.shape}")
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
        V.fail("mode_coverage", "samples", f"points of the centers' dimension {c.shape[1]}", f"shape {x.shape}")
    std = V.positive("mode_coverage", "std", std)
    threshold = V.positive("mode_coverage", "threshold", threshold)
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
    fn = "gaussian_frechet_distance"
    mu1 = V.array(fn, "mu1", mu1).ravel()
    d = len(mu1)
    mu2 = V.array(fn, "mu2", mu2).ravel()
    c1, c2 = np.atleast_2d(V.array(fn, "cov1", cov1)), np.atleast_2d(V.array(fn, "cov2", cov2))
    for name, arr, shape in (("mu2", mu2, (d,)), ("cov1", c1, (d, d)), ("cov2", c2, (d, d))):
        if arr.shape != shape:
            V.fail(fn, name, f"of shape {shape} (d = {d}, from mu1)", f"shape {arr.shape}")

    def sqrt_psd(m):
        w, v = np.linalg.eigh((m + m.T) / 2)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    s1 = sqrt_psd(c1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(s1 @ c2 @ s1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * cross)


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, d) (as in FID)."""
    a = _as_matrix("frechet_distance", "features_a", features_a, min_rows=2)
    b = _as_matrix("frechet_distance", "features_b", features_b, min_rows=2)
    if a.shape[1] != b.shape[1]:
        V.fail("frechet_distance", "features_b", f"rows of features_a's width {a.shape[1]} (equal widths)", f"shape {b.shape}")
    return gaussian_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def energy_distance(x, y) -> float:
    """Energy distance between the empirical distributions of two samples (N, d) and (M, d) (Székely & Rizzo 2013).

    D² = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖, every expectation an average over
    all pairs of points (the pairs of a point with itself included, whose
    distance is 0). D² >= 0, and 0 only when the two samples are the same set of
    points; in 1-D it equals 2 ∫ (F_x(t) − F_y(t))² dt (Cramér's distance). Uses
    only samples: two point clouds compare without a density of either.
    """
    a = _as_matrix("energy_distance", "x", x)
    b = _as_matrix("energy_distance", "y", y)
    if a.shape[1] != b.shape[1]:
        V.fail("energy_distance", "y", f"points of x's dimension {a.shape[1]}", f"shape {b.shape}")

    def mean_distance(p, q):
        total, q_sq = 0.0, (q**2).sum(1)
        for start in range(0, len(p), 1000):  # 1,000 rows at a time keep the pairwise block small
            block = p[start : start + 1000]
            squared = (block**2).sum(1)[:, None] + q_sq[None, :] - 2 * block @ q.T  # ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b
            total += np.sqrt(np.maximum(squared, 0)).sum()
        return total / (len(p) * len(q))

    return float(2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b))


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
    if not (callable(getattr(classifier, "features", None)) and callable(getattr(classifier, "head", None))):
        V.fail("sample_score", "classifier", "a DigitClassifier (with features and head)", V.type_name(classifier), TypeError)
    samples = V.batch("sample_score", samples, 784, values="unit", name="samples", nonempty=True)
    # the Fréchet distance needs a covariance of each set: at least 2 rows
    reference = V.batch("sample_score", reference, 784, values="unit", name="reference", nonempty=True)
    for name, x in (("samples", samples), ("reference", reference)):
        if len(x) < 2:
            V.fail("sample_score", name, "at least 2 rows (a covariance needs two)", f"shape {tuple(x.shape)}")
    min_share = V.number("sample_score", "min_share", min_share, minimum=0.0, maximum=1.0, open_min=True)
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
