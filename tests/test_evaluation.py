"""Tests of course_utils.evaluation: likelihood units, mode coverage, Fréchet distance, sample score."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

from course_utils import evaluation as ev

CENTERS = np.array([[2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)] for k in range(8)])
STD = 0.02


def test_bits_per_dim():
    assert ev.bits_per_dim(784 * math.log(2)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="bits_per_dim expects n_dims a positive int; got 0"):
        ev.bits_per_dim(1.0, n_dims=0)


# ----------------------------------------------------------------------------
# mode_coverage
# ----------------------------------------------------------------------------


def test_samples_on_three_centres_capture_three_modes():
    samples = np.repeat(CENTERS[[0, 3, 5]], [10, 20, 30], axis=0) + 0.5 * STD
    result = ev.mode_coverage(samples, CENTERS, STD)
    assert result["modes_captured"] == 3 and result["captured"] == [0, 3, 5]
    assert result["high_quality"] == 1.0
    assert result["per_mode"] == [10, 0, 0, 20, 0, 30, 0, 0]


def test_far_samples_capture_nothing_and_count_as_low_quality():
    # The origin is 2 away from every centre: nearest to some mode, but far outside 3 std.
    samples = np.zeros((50, 2))
    result = ev.mode_coverage(samples, CENTERS, STD)
    assert result == {"modes_captured": 0, "captured": [], "high_quality": 0.0, "per_mode": [0] * 8}


def test_high_quality_share_and_threshold_boundary():
    direction = CENTERS[2] / 2  # unit vector pointing at centre 2
    inside = CENTERS[2] + 2.9 * STD * direction
    outside = CENTERS[2] + 3.1 * STD * direction
    samples = np.stack([inside, inside, inside, outside])
    result = ev.mode_coverage(samples, CENTERS, STD)
    assert result["high_quality"] == 0.75 and result["per_mode"][2] == 3
    # A looser threshold lets the fourth sample in.
    assert ev.mode_coverage(samples, CENTERS, STD, threshold=4.0)["high_quality"] == 1.0


def test_a_full_ring_captures_all_modes():
    rng = np.random.default_rng(0)
    k = rng.integers(0, 8, size=4000)
    samples = CENTERS[k] + STD * rng.standard_normal((4000, 2))
    result = ev.mode_coverage(torch.as_tensor(samples, dtype=torch.float32), CENTERS, STD)
    assert result["modes_captured"] == 8
    # For a 2-D Gaussian, P(|x - mu| <= 3 std) = 1 - exp(-9/2) = 0.9889.
    assert result["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"samples": np.zeros((3, 3))}, "expects samples points of the centers' dimension 2; got shape"),
        ({"samples": np.zeros(3)}, r"expects samples a 2-D array \(N, d\) with N >= 1; got shape \(3,\)"),
        ({"samples": np.zeros((0, 2))}, r"expects samples a 2-D array \(N, d\) with N >= 1; got shape \(0, 2\)"),
        ({"std": 0.0}, "expects std a positive finite number; got 0.0"),
        ({"threshold": -1}, "expects threshold a positive finite number; got -1"),
        ({"samples": np.full((2, 2), np.nan)}, "finite"),
    ],
)
def test_mode_coverage_rejects_bad_inputs(kwargs, message):
    args = {"samples": np.zeros((3, 2)), "centers": CENTERS, "std": STD, **kwargs}
    with pytest.raises(ValueError, match=message):
        ev.mode_coverage(**args)


# ----------------------------------------------------------------------------
# Fréchet distance
# ----------------------------------------------------------------------------


def _random_spd(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_frechet_distance_one_dimensional_closed_form():
    # For 1-D Gaussians, d² = (m1 - m2)² + (s1 - s2)².
    assert ev.gaussian_frechet_distance([1.0], [[4.0]], [-2.0], [[0.25]]) == pytest.approx(9 + 1.5**2)


def test_frechet_distance_matches_a_scipy_sqrtm_reference():
    rng = np.random.default_rng(0)
    for d in (2, 5, 16):
        m1, m2 = rng.standard_normal(d), rng.standard_normal(d)
        c1, c2 = _random_spd(rng, d), _random_spd(rng, d)
        reference = np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * np.real(sqrtm(c1 @ c2)))
        assert ev.gaussian_frechet_distance(m1, c1, m2, c2) == pytest.approx(reference, rel=1e-8)
        assert ev.gaussian_frechet_distance(m1, c1, m2, c2) == pytest.approx(
            ev.gaussian_frechet_distance(m2, c2, m1, c1), rel=1e-9
        )
        assert ev.gaussian_frechet_distance(m1, c1, m1, c1) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_on_features_sees_a_shift():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4000, 3))
    b = rng.standard_normal((4000, 3))
    assert ev.frechet_distance(a, b) < 0.02
    assert ev.frechet_distance(a, b + np.array([1.0, 2.0, 0.0])) == pytest.approx(5.0, abs=0.1)
    with pytest.raises(ValueError, match="equal widths"):
        ev.frechet_distance(a, b[:, :2])


# ----------------------------------------------------------------------------
# sample_score (with a stand-in classifier whose answers are known)
# ----------------------------------------------------------------------------


class PixelClassifier(torch.nn.Module):
    """Class k is the brightest of the first 10 pixels; features are those pixels."""

    def features(self, x):
        return x[:, :10]

    def head(self, h):
        return 50.0 * h


def _one_hot_images(labels):
    x = torch.zeros(len(labels), 784)
    x[torch.arange(len(labels)), torch.as_tensor(labels)] = 1.0
    return x


def test_sample_score_counts_coverage_and_confidence():
    labels = [0] * 50 + [1] * 30 + [2] * 16 + [3] * 4  # 100 samples; 5% of them = 5
    score = ev.sample_score(PixelClassifier(), _one_hot_images(labels), _one_hot_images(list(range(10)) * 10))
    assert score["class_counts"] == [50, 30, 16, 4, 0, 0, 0, 0, 0, 0]
    assert score["class_coverage"] == 3  # class 3 has 4 < 5 samples
    assert score["mean_confidence"] == pytest.approx(1.0, abs=1e-6)
    assert score["frechet"] > 0.1


def test_sample_score_of_the_reference_itself():
    reference = _one_hot_images(list(range(10)) * 10)
    score = ev.sample_score(PixelClassifier(), reference, reference)
    assert score["class_coverage"] == 10 and score["frechet"] == pytest.approx(0.0, abs=1e-8)


def test_sample_score_rejects_bad_inputs():
    reference = _one_hot_images(list(range(10)))
    with pytest.raises(ValueError, match=r"sample_score expects samples .*shape \(batch, 784\); got shape \(5, 28, 28\)"):
        ev.sample_score(PixelClassifier(), torch.zeros(5, 28, 28), reference)
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        ev.sample_score(PixelClassifier(), 2 * reference, reference)


def test_auroc_agrees_with_scikit_learn_ties_included():
    from sklearn.metrics import roc_auc_score

    from course_utils.evaluation import auroc

    rng = np.random.default_rng(0)
    normal, anomalous = rng.integers(0, 20, 300).astype(float), rng.integers(-5, 15, 200).astype(float)  # many ties
    expected = roc_auc_score(np.r_[np.ones(300), np.zeros(200)], np.r_[normal, anomalous])
    assert abs(auroc(normal, anomalous) - expected) < 1e-12
    assert auroc([2.0, 3.0], [0.0, 1.0]) == 1.0 and auroc([1.0], [1.0]) == 0.5
    with pytest.raises(ValueError, match="scores_anomalous"):
        auroc([1.0], [])


# ----------------------------------------------------------------------------
# Energy distance
# ----------------------------------------------------------------------------


def _energy_brute_force(x, y) -> float:
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| by a loop over every pair (math.dist)."""
    import math as _math

    def mean(a, b):
        return sum(_math.dist(p, q) for p in a for q in b) / (len(a) * len(b))

    x, y = x.tolist(), y.tolist()
    return 2 * mean(x, y) - mean(x, x) - mean(y, y)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_energy_distance_matches_brute_force(d):
    from course_utils.evaluation import energy_distance

    rng = np.random.default_rng(d)
    x, y = rng.normal(size=(37, d)), rng.normal(0.3, 1.5, size=(23, d))
    assert energy_distance(x, y) == pytest.approx(_energy_brute_force(x, y), rel=1e-9, abs=1e-12)
    assert energy_distance(torch.tensor(x), torch.tensor(y)) == pytest.approx(energy_distance(y, x), rel=1e-12)


def test_energy_distance_in_one_dimension_is_twice_cramers_distance():
    """In 1-D, D² = 2 ∫ (F_x - F_y)² dt for the two empirical CDFs, integrated exactly between the points."""
    from course_utils.evaluation import energy_distance

    rng = np.random.default_rng(0)
    x, y = rng.exponential(size=41), rng.normal(1.0, 0.5, size=29)
    points = np.sort(np.concatenate([x, y]))
    f_x = np.searchsorted(np.sort(x), points[:-1], side="right") / len(x)
    f_y = np.searchsorted(np.sort(y), points[:-1], side="right") / len(y)
    cramer = float(((f_x - f_y) ** 2 * np.diff(points)).sum())
    assert energy_distance(x[:, None], y[:, None]) == pytest.approx(2 * cramer, rel=1e-9)


def test_energy_distance_is_zero_for_the_same_points_and_grows_with_a_shift():
    from course_utils.evaluation import energy_distance

    x = np.random.default_rng(1).normal(size=(2500, 2))  # more rows than one block of 1,000
    assert energy_distance(x, x[::-1]) == pytest.approx(0.0, abs=1e-9)
    shifts = [energy_distance(x, x + [s, 0.0]) for s in (0.1, 0.5, 2.0)]
    assert 0 < shifts[0] < shifts[1] < shifts[2]


def test_energy_distance_refuses_mismatched_points():
    from course_utils.evaluation import energy_distance

    with pytest.raises(ValueError, match="y"):
        energy_distance(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x"):
        energy_distance(np.zeros(3), np.zeros((3, 1)))
