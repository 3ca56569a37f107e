"""Tests of course_utils.widgets.flows: the 1-D change of variables against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.widgets import flows

KS = (-1.5, -0.5, 0.0, 0.5, 0.9)


def _is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("k", KS)
def test_the_slope_is_the_derivative_of_the_map(k):
    x = np.linspace(-5, 5, 101)
    h = 1e-6
    numeric = (flows.bend(x + h, k)[0] - flows.bend(x - h, k)[0]) / (2 * h)
    np.testing.assert_allclose(flows.bend(x, k)[1], numeric, rtol=1e-7, atol=1e-8)
    assert (flows.bend(x, k)[1] > 0).all()  # increasing: invertible


@pytest.mark.parametrize("k", KS)
def test_the_inverse_undoes_the_map(k):
    z = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(flows.bend(flows.bend_inverse(z, k), k)[0], z, atol=1e-10)


@pytest.mark.parametrize("k", KS)
def test_the_density_is_the_pushforward_of_the_base(k):
    """P(X <= a) two ways: the numerical integral of p_x, and Phi(f_k(a)) since X <= a iff Z = f_k(X) <= f_k(a)."""
    x = np.linspace(-12, 12, 48001)
    dx = x[1] - x[0]
    p = flows.density(x, k)
    assert abs(p.sum() * dx - 1) < 1e-6
    cdf = np.cumsum(p) * dx - 0.5 * p * dx  # trapezoid-like, so the error is O(dx^2)
    for a in (-2.0, -0.3, 0.0, 1.0, 2.5):
        i = int(np.argmin(np.abs(x - a)))
        phi = 0.5 * (1 + math.erf(flows.bend(x[i], k)[0] / math.sqrt(2)))
        assert abs(cdf[i] - phi) < 1e-5, (k, a)


def test_k_zero_is_the_identity_and_a_sample_histogram_agrees():
    x = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(flows.density(x, 0.0), np.exp(-x**2 / 2) / np.sqrt(2 * np.pi))
    z = np.random.default_rng(0).standard_normal(200_000)
    samples = flows.bend_inverse(z, 0.8)                   # x = f^{-1}(z), z ~ N(0, 1)
    counts, edges = np.histogram(samples, bins=40, range=(-4, 4))
    mids = (edges[1:] + edges[:-1]) / 2
    np.testing.assert_allclose(counts / (len(z) * (edges[1] - edges[0])), flows.density(mids, 0.8), atol=0.01)


def test_maps_that_are_not_increasing_are_refused():
    with pytest.raises(ValueError, match=r"bend expects k .*0.999.*got 1"):
        flows.bend(np.zeros(3), 1)
    with pytest.raises(ValueError, match="render_change expects k"):
        flows.render_change(0.95)  # outside the slider's range


def test_render_and_slider():
    a, b = flows.render_change(0.0), flows.render_change(0.8)
    assert _is_png(a) and _is_png(b) and a != b
    assert flows.render_change(0.0) == a
    box = flows.change_of_variables()
    image, before = box.image, box.image.value
    box.controls["k"].value = 0.5
    assert box.image is image and image.value != before
    assert "flow-change-of-variables" in box._dom_classes
