"""Sliders of notebook 01: a likelihood curve, the law of large numbers, the CLT.

Each ``render_*`` function is a plain function of the slider values that returns
PNG bytes. It keeps one matplotlib figure per configuration and only moves the
artists' data, so a slider move redraws in a few tens of milliseconds.
``*_slider`` functions wire ``ipywidgets`` sliders to them with ``slider_image``.
"""

from __future__ import annotations

import functools
import math

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from .. import probability as prob
from .. import validation as V
from ..plotting import COLORS
from .base import FIGURES, BlitFigure, slider_image
from ..i18n import tr

_DPI = 72


def _cached(key: tuple, build) -> BlitFigure:
    return FIGURES.get(("probability",) + key, build)


def _check_int(value, name: str, fn: str, low: int, high: int | None = None) -> int:
    return V.integer(fn, name, value, minimum=low, maximum=high)


def _check_count(n, name: str, fn: str, low: int, high: int) -> int:
    """A slider count: ints, or floats from a log slider, rounded to the nearest int."""
    value = V.number(fn, name, n, expected=f"a number in [{low}, {high}] (rounded to an int)")
    if not low <= round(value) <= high:
        V.fail(fn, name, f"a number in [{low}, {high}] (rounded to an int)", repr(n))
    return int(round(value))


# --- the Bernoulli likelihood ------------------------------------------------------------


def bernoulli_log_likelihood_curve(heads: int, n: int, num: int = 197) -> tuple[np.ndarray, np.ndarray]:
    """(p grid on [0.02, 0.98], ℓ(p) = k log p + (n − k) log(1 − p)) for k = ``heads`` ones in ``n``."""
    fn = "bernoulli_log_likelihood_curve"
    n = _check_int(n, "n", fn, 1)
    heads = _check_int(heads, "heads", fn, 0, n)
    p = torch.linspace(0.02, 0.98, num, dtype=torch.float64)
    x = torch.cat([torch.ones(heads), torch.zeros(n - heads)])
    return p.numpy(), prob.bernoulli_log_likelihood(x, p).numpy()


def _build_likelihood(heads: int, n: int) -> BlitFigure:
    grid, ll = bernoulli_log_likelihood_curve(heads, n)
    p_hat = heads / n
    ll_hat = float(np.max(ll)) if heads in (0, n) else heads * math.log(p_hat) + (n - heads) * math.log(1 - p_hat)
    fig = Figure(figsize=(7.6, 2.7), dpi=_DPI)
    ax_pmf, ax_ll = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2.4]})
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.86, wspace=0.32)

    data_freq = [1 - p_hat, p_hat]
    ax_pmf.bar([-0.18, 0.82], data_freq, width=0.36, color=COLORS["data"], label="data share")
    model_bars = ax_pmf.bar([0.18, 1.18], [0.5, 0.5], width=0.36, color=COLORS["model"], label="model p(x | p)")
    ax_pmf.set_xticks([0, 1], ["x = 0", "x = 1"])
    ax_pmf.set_ylim(0, 1)
    ax_pmf.set_title("data vs model")
    ax_pmf.legend(loc="upper left", fontsize=8)

    ax_ll.plot(grid, ll, color=COLORS["model"], lw=2)
    low = float(np.min(ll))
    ax_ll.set_ylim(low - 0.05 * (ll_hat - low), ll_hat + 0.25 * (ll_hat - low))
    ax_ll.set_xlim(0, 1)
    ax_ll.axvline(p_hat, color=COLORS["highlight"], ls="--", lw=1)
    ax_ll.plot([p_hat], [ll_hat], marker="*", ms=14, color=COLORS["highlight"], ls="none")
    ax_ll.annotate(
        f"MLE p̂ = {heads}/{n} = {p_hat:.2f}",
        (p_hat, ll_hat),
        xytext=(0.03, 0.9),
        textcoords="axes fraction",
        color=COLORS["highlight"],
        fontsize=9,
    )
    (point,) = ax_ll.plot([0.5], [0.0], "o", ms=8, color=COLORS["data"])
    guide = ax_ll.axvline(0.5, color=COLORS["data"], lw=1, alpha=0.6)
    ax_ll.set_xlabel("parameter p")
    ax_ll.set_ylabel("log-likelihood ℓ(p)")
    title = ax_ll.set_title("")
    return BlitFigure(fig, [*model_bars, guide, point, title], model_bars=model_bars, point=point, guide=guide,
                   title=title, ll_hat=ll_hat)


def render_bernoulli_likelihood(p: float, heads: int = 7, n: int = 10) -> bytes:
    """PNG: the Bernoulli log-likelihood ℓ(p) of ``heads`` ones in ``n`` flips, the MLE
    k/n marked, and the slider's p as a moving point (left: the model's pmf beside
    the data's shares)."""
    fn = "render_bernoulli_likelihood"
    p = V.probability(fn, "p", p, open=True)
    n = _check_int(n, "n", fn, 1)
    heads = _check_int(heads, "heads", fn, 0, n)
    c = _cached(("likelihood", heads, n), lambda: _build_likelihood(heads, n))
    ll = heads * math.log(p) + (n - heads) * math.log1p(-p)
    c.model_bars[0].set_height(1 - p)
    c.model_bars[1].set_height(p)
    c.point.set_data([p], [ll])
    c.guide.set_xdata([p, p])
    c.title.set_text(f"ℓ({p:.2f}) = {ll:.2f}   (ℓ(p̂) − ℓ(p) = {c.ll_hat - ll:.2f})")
    return c.render()


def likelihood_slider(heads: int = 7, n: int = 10, p: float = 0.5) -> widgets.VBox:
    """A FloatSlider for p over the Bernoulli log-likelihood curve (see ``render_bernoulli_likelihood``)."""
    render = functools.partial(render_bernoulli_likelihood, heads=heads, n=n)
    render(p=p)  # validate before building widgets
    slider = widgets.FloatSlider(
        value=p, min=0.02, max=0.98, step=0.01, description="p", continuous_update=True, readout_format=".2f"
    )
    return slider_image(
        render,
        {"p": slider},
        caption=tr("<b>Likelihood of p</b> for {heads} ones in {n} coin flips: move p, watch ℓ(p); the star is the MLE.").format(
            heads=heads, n=n),
        css_class="likelihood-explorer",
    )


# --- the law of large numbers -----------------------------------------------------------

LLN_MAX_ROLLS = 5000
DIE_MEAN, DIE_VAR = 3.5, 35 / 12


@functools.lru_cache(maxsize=4)
def die_running_means(paths: int = 5, seed: int = 0) -> np.ndarray:
    """Running means of ``paths`` independent sequences of LLN_MAX_ROLLS fair-die rolls, shape (paths, LLN_MAX_ROLLS)."""
    gen = torch.Generator().manual_seed(seed)
    rolls = torch.randint(1, 7, (paths, LLN_MAX_ROLLS), generator=gen).double()
    means = torch.stack([prob.running_mean(r) for r in rolls])
    means = means.numpy()
    means.setflags(write=False)
    return means


def _build_lln(paths: int, seed: int) -> BlitFigure:
    means = die_running_means(paths, seed)
    k = np.arange(1, LLN_MAX_ROLLS + 1)
    fig = Figure(figsize=(7.2, 2.8), dpi=_DPI)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.18, top=0.88)
    band = 2 * math.sqrt(DIE_VAR / 1) / np.sqrt(k)
    ax.fill_between(k, DIE_MEAN - band, DIE_MEAN + band, color="0.85", label="3.5 ± 2σ/√n")
    ax.axhline(DIE_MEAN, color="k", lw=1, label="E[X] = 3.5")
    colors = [COLORS["data"], COLORS["model"], COLORS["other"], COLORS["highlight"], "#8172b3", "#937860"]
    lines = [ax.plot([], [], lw=1.3, color=colors[i % len(colors)])[0] for i in range(paths)]
    ends = ax.plot([], [], "o", ms=5, color="k")[0]
    ax.set_xscale("log")
    ax.set_xlim(1, LLN_MAX_ROLLS)
    ax.set_ylim(1, 6)
    ax.set_xlabel("number of rolls n (log scale)")
    ax.set_ylabel("running mean")
    ax.legend(loc="upper right", fontsize=8)
    title = ax.set_title("")
    return BlitFigure(fig, [*lines, ends, title], means=means, lines=lines, ends=ends, title=title)


def render_law_of_large_numbers(n: float, paths: int = 5, seed: int = 0) -> bytes:
    """PNG: running means of ``paths`` fair-die sequences up to n rolls, closing in on 3.5.

    ``n`` may be a float (from a log slider); it is rounded to the nearest int.
    """
    fn = "render_law_of_large_numbers"
    n = _check_count(n, "n", fn, 1, LLN_MAX_ROLLS)
    paths = _check_int(paths, "paths", fn, 1, 12)
    seed = _check_int(seed, "seed", fn, 0)
    c = _cached(("lln", paths, seed), lambda: _build_lln(paths, seed))
    k = np.arange(1, n + 1)
    for line, m in zip(c.lines, c.means):
        line.set_data(k, m[:n])
    at_n = c.means[:, n - 1]
    c.ends.set_data(np.full(paths, n), at_n)
    c.title.set_text(
        f"n = {n}: estimates {at_n.min():.2f} … {at_n.max():.2f}; 2σ/√n = {2 * math.sqrt(DIE_VAR / n):.2f}"
    )
    return c.render()


def law_of_large_numbers_slider(n: int = 10) -> widgets.VBox:
    """A log-scale slider over the number of die rolls (see ``render_law_of_large_numbers``)."""
    slider = widgets.FloatLogSlider(
        value=n, base=10, min=0, max=math.log10(LLN_MAX_ROLLS), step=0.05, description="rolls n", readout_format=".0f"
    )
    return slider_image(
        render_law_of_large_numbers,
        {"n": slider},
        caption="<b>Law of large numbers</b>: five independent die sequences; their running means close in on 3.5.",
        css_class="lln-explorer",
    )


# --- the central limit theorem ----------------------------------------------------------

CLT_MAX_N = 200
CLT_REPS = 2000


@functools.lru_cache(maxsize=4)
def exponential_draws(reps: int = CLT_REPS, seed: int = 0) -> np.ndarray:
    """``reps`` independent samples of size CLT_MAX_N from Exponential(1) (mean 1, sd 1), shape (reps, CLT_MAX_N)."""
    gen = torch.Generator().manual_seed(seed)
    draws = -torch.log1p(-torch.rand(reps, CLT_MAX_N, generator=gen, dtype=torch.float64))
    out = draws.numpy()
    out.setflags(write=False)
    return out


def sample_means(n: int, reps: int = CLT_REPS, seed: int = 0) -> np.ndarray:
    """The ``reps`` sample means of the first n draws: draws from the sampling distribution of the mean."""
    n = _check_int(n, "n", "sample_means", 1, CLT_MAX_N)
    return exponential_draws(reps, seed)[:, :n].mean(axis=1)


_SAMPLE_EDGES = np.linspace(0, 6, 25)
_MEAN_EDGES = np.linspace(0, 4, 81)
_MEAN_GRID = np.linspace(0, 4, 400)  # where the N(1, 1/n) curve is drawn
_Y_LIMITS = (1.2, 1.6, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0)


def _nice_limit(peak: float) -> float:
    """The smallest of a few round y-limits above ``peak`` (so most moves keep the axes)."""
    return next((lim for lim in _Y_LIMITS if lim >= 1.05 * peak), float(math.ceil(1.05 * peak)))


def _clt_densities(n: int, reps: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The histogram of one sample of size n, the histogram of the ``reps`` means, the N(1, 1/n) pdf,
    and the standard deviation of the means."""
    one_sample = exponential_draws(reps, seed)[0, :n]
    s_density = np.histogram(one_sample, bins=_SAMPLE_EDGES)[0] / (n * np.diff(_SAMPLE_EDGES))
    means = sample_means(n, reps, seed)
    m_density = np.histogram(means, bins=_MEAN_EDGES)[0] / (reps * np.diff(_MEAN_EDGES))
    pdf = np.sqrt(n / (2 * np.pi)) * np.exp(-0.5 * n * (_MEAN_GRID - 1) ** 2)
    return s_density, m_density, pdf, float(means.std())


@functools.lru_cache(maxsize=64)
def _clt_limits(octave: int, reps: int, seed: int) -> tuple[float, float]:
    """y-limits shared by every n of one octave [2^(octave-1), 2^octave) (octave 2 also takes n = 1,
    so the first nudge from the default n = 1 blits): the axes change at most 7 times over
    n = 1..200, so almost every move is a cheap blit."""
    ns = range(1 if octave == 2 else 2 ** (octave - 1), min(2**octave, CLT_MAX_N + 1))
    peaks = [_clt_densities(n, reps, seed) for n in ns]
    return (_nice_limit(max(s.max() for s, _, _, _ in peaks)),
            _nice_limit(max(max(m.max(), pdf.max()) for _, m, pdf, _ in peaks)))


def _build_clt(reps: int, seed: int) -> BlitFigure:
    fig = Figure(figsize=(7.6, 2.7), dpi=_DPI)
    ax_s, ax_m = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.18, top=0.86, wspace=0.22)
    s_step = ax_s.stairs(np.zeros(len(_SAMPLE_EDGES) - 1), _SAMPLE_EDGES, fill=True, color=COLORS["data"])
    xs = np.linspace(0, 6, 200)
    (population,) = ax_s.plot(xs, np.exp(-xs), color="k", lw=1.5, label="population e^(−x)")
    ax_s.set_xlim(0, 6)
    ax_s.set_xlabel("x")
    ax_s.set_ylabel("density")
    ax_s.legend(loc="upper right", fontsize=8)
    s_title = ax_s.set_title("", fontsize=10)
    m_step = ax_m.stairs(np.zeros(len(_MEAN_EDGES) - 1), _MEAN_EDGES, fill=True, color=COLORS["model"])
    (normal,) = ax_m.plot(_MEAN_GRID, np.zeros_like(_MEAN_GRID), color="k", lw=1.5, label="N(1, 1/n)")
    ax_m.set_xlim(0, 4)
    ax_m.set_xlabel("sample mean x̄")
    ax_m.legend(loc="upper right", fontsize=8)
    m_title = ax_m.set_title("", fontsize=10)
    return BlitFigure(fig, [s_step, population, m_step, normal, s_title, m_title], s_step=s_step, m_step=m_step, normal=normal,
                   s_title=s_title, m_title=m_title, ax_s=ax_s, ax_m=ax_m)


def render_clt(n: float, reps: int = CLT_REPS, seed: int = 0) -> bytes:
    """PNG: left, ONE sample of size n from Exponential(1) (the sample distribution,
    which keeps the skewed shape of its population); right, the means of ``reps``
    such samples (the sampling distribution of the mean, which tends to N(1, 1/n))."""
    fn = "render_clt"
    n = _check_count(n, "n", fn, 1, CLT_MAX_N)
    reps = _check_int(reps, "reps", fn, 10, 100_000)
    seed = _check_int(seed, "seed", fn, 0)
    c = _cached(("clt", reps, seed), lambda: _build_clt(reps, seed))
    s_density, m_density, pdf, means_sd = _clt_densities(n, reps, seed)
    c.s_step.set_data(s_density)
    c.m_step.set_data(m_density)
    c.normal.set_ydata(pdf)
    c.s_title.set_text(f"one sample of size n = {n}")
    c.m_title.set_text(f"means of {reps} samples: sd {means_sd:.3f}")
    limits = _clt_limits(max(2, n.bit_length()), reps, seed)

    def set_limits():
        c.ax_s.set_ylim(0, limits[0])
        c.ax_m.set_ylim(0, limits[1])

    return c.render(limits, set_limits)


def clt_slider(n: int = 1) -> widgets.VBox:
    """A slider over the sample size n (see ``render_clt``)."""
    slider = widgets.IntSlider(value=n, min=1, max=CLT_MAX_N, step=1, description="sample size n")
    return slider_image(
        render_clt,
        {"n": slider},
        caption="<b>Central limit theorem</b>: one sample stays skewed like its population; "
        "the means of many samples become Gaussian with sd 1/√n.",
        css_class="clt-explorer",
    )
