"""The sliders of notebook 01, exercised without a browser."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import pytest

from course_utils import probability as prob
from course_utils.widgets import probability as pw

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(data: bytes) -> bool:
    return isinstance(data, bytes) and data.startswith(PNG_MAGIC) and len(data) > 1000


# --- render functions --------------------------------------------------------------------


@pytest.mark.parametrize(
    "render, a, b",
    [
        (pw.render_bernoulli_likelihood, 0.30, 0.31),
        (pw.render_law_of_large_numbers, 10, 11),
        (pw.render_clt, 1, 2),
        (pw.render_clt, 50, 51),  # same y-limits: only the blitted artists change
    ],
)
def test_render_returns_png_that_changes_with_the_slider(render, a, b):
    first, second = render(a), render(b)
    assert _is_png(first) and _is_png(second)
    assert first != second
    assert render(a) == first  # same value, same picture: nothing leaks between calls


def test_likelihood_render_depends_on_the_data():
    assert pw.render_bernoulli_likelihood(0.5, heads=7, n=10) != pw.render_bernoulli_likelihood(0.5, heads=3, n=10)


def test_likelihood_curve_peaks_at_the_mle_and_matches_probability_module():
    grid, ll = pw.bernoulli_log_likelihood_curve(heads=7, n=10, num=961)
    assert grid[np.argmax(ll)] == pytest.approx(0.7, abs=1e-3)
    x = np.array([1.0] * 7 + [0.0] * 3)
    i = 123
    assert ll[i] == pytest.approx(prob.bernoulli_log_likelihood(x, float(grid[i])).item())
    assert ll[i] == pytest.approx(7 * math.log(grid[i]) + 3 * math.log(1 - grid[i]))


def test_law_of_large_numbers_data_converges_to_the_die_mean():
    means = pw.die_running_means(paths=5, seed=0)
    assert means.shape == (5, pw.LLN_MAX_ROLLS)
    assert np.all((means[:, 0] >= 1) & (means[:, 0] <= 6) & (means[:, 0] == np.round(means[:, 0])))
    # after 5000 rolls each estimate is within 4 standard errors of 3.5
    assert np.all(np.abs(means[:, -1] - 3.5) < 4 * math.sqrt(pw.DIE_VAR / pw.LLN_MAX_ROLLS))


def test_sampling_distribution_of_the_mean_shrinks_like_one_over_sqrt_n():
    for n in (1, 4, 100):
        m = pw.sample_means(n)
        assert m.std() == pytest.approx(1 / math.sqrt(n), rel=0.1)
        assert m.mean() == pytest.approx(1.0, abs=4 / math.sqrt(n * pw.CLT_REPS))


def test_log_slider_values_are_rounded():
    assert pw.render_law_of_large_numbers(316.2) == pw.render_law_of_large_numbers(316)
    assert pw.render_clt(3.4) == pw.render_clt(3)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: pw.render_bernoulli_likelihood(0.0), ValueError, "expects p a number in \\(0, 1\\); got 0.0"),
        (lambda: pw.render_bernoulli_likelihood(1.2), ValueError, "expects p a number in \\(0, 1\\); got 1.2"),
        (lambda: pw.render_bernoulli_likelihood(0.5, heads=11, n=10), ValueError, "expects heads an int in \\[0, 10\\]; got 11"),
        (lambda: pw.render_bernoulli_likelihood(0.5, heads=1, n=0), ValueError, "expects n a positive int; got 0"),
        (lambda: pw.render_bernoulli_likelihood(0.5, heads=1.5, n=10), TypeError, "expects heads an int in \\[0, 10\\]; got float"),
        (lambda: pw.render_law_of_large_numbers(0), ValueError, "expects n a number in \\[1, 5000\\] \\(rounded to an int\\); got 0"),
        (lambda: pw.render_law_of_large_numbers(10**6), ValueError, "expects n a number in \\[1, 5000\\]"),
        (lambda: pw.render_law_of_large_numbers("10"), TypeError, "expects n a number in .*; got str"),
        (lambda: pw.render_clt(201), ValueError, "render_clt expects n a number in \\[1, 200\\]"),
        (lambda: pw.render_clt(float("nan")), ValueError, "render_clt expects n a number in .*; got nan"),
        (lambda: pw.sample_means(0), ValueError, "sample_means expects n an int in \\[1, 200\\]; got 0"),
    ],
)
def test_renders_reject_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- sliders wired with slider_image -----------------------------------------------------


def test_likelihood_slider_is_a_float_slider_that_redraws():
    box = pw.likelihood_slider(heads=7, n=10, p=0.5)
    slider = box.controls["p"]
    assert type(slider) is widgets.FloatSlider  # the browser test moves it with arrow keys
    assert slider.step == pytest.approx(0.01)
    before = bytes(box.image.value)
    assert _is_png(before)
    slider.value = 0.51  # one keyboard step
    assert bytes(box.image.value) != before
    assert bytes(box.image.value) == pw.render_bernoulli_likelihood(0.51, heads=7, n=10)


def test_likelihood_slider_rejects_bad_data_before_building():
    with pytest.raises(ValueError, match="expects heads an int in"):
        pw.likelihood_slider(heads=12, n=10)


@pytest.mark.parametrize(
    "make, name, new",
    [(pw.law_of_large_numbers_slider, "n", 1000), (pw.clt_slider, "n", 30)],
)
def test_lln_and_clt_sliders_redraw(make, name, new):
    box = make()
    before = bytes(box.image.value)
    box.controls[name].value = new
    after = bytes(box.image.value)
    assert after != before and _is_png(after)


def test_sliders_carry_the_css_classes_the_browser_test_looks_for():
    assert "likelihood-explorer" in pw.likelihood_slider()._dom_classes
    assert "lln-explorer" in pw.law_of_large_numbers_slider()._dom_classes
    assert "clt-explorer" in pw.clt_slider()._dom_classes


def test_clt_axes_change_once_per_octave_at_most():
    """Each full redraw costs tens of ms; the y-limits may change only between octaves of n."""
    limits = [pw._clt_limits(n.bit_length(), pw.CLT_REPS, 0) for n in range(1, pw.CLT_MAX_N + 1)]
    assert sum(a != b for a, b in zip(limits, limits[1:])) <= pw.CLT_MAX_N.bit_length() - 1
    for n in (1, 2, 3, 50, 130, 200):  # and every n's curves fit under its limits
        s_density, m_density, pdf, _ = pw._clt_densities(n, pw.CLT_REPS, 0)
        s_limit, m_limit = pw._clt_limits(n.bit_length(), pw.CLT_REPS, 0)
        assert s_density.max() <= s_limit and max(m_density.max(), pdf.max()) <= m_limit
