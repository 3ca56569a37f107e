"""Tests of course_utils.widgets.diffusion: the frames against the closed form and an oracle denoiser."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.models.diffusion import DDPM, DigitDenoiser
from course_utils.widgets import diffusion as dw

T = 20


class Oracle(nn.Module):
    """The exact noise predictor for data that are one point x_star: eps = (x_t - sqrt(ab_t) x_star) / sqrt(1 - ab_t)."""

    def __init__(self, x_star, alpha_bars):
        super().__init__()
        self.x_star, self.alpha_bars = x_star, alpha_bars

    def forward(self, x, t):
        ab = self.alpha_bars[t][:, None]
        return (x - ab.sqrt() * self.x_star) / (1 - ab).sqrt()


def _small_ddpm():
    alpha_bars = DDPM(nn.Identity(), 784, T, "cosine").alpha_bars
    return DDPM(DigitDenoiser(alpha_bars, n_hidden=16), 784, T, "cosine")


@pytest.fixture(scope="module")
def digits():
    g = torch.Generator().manual_seed(0)
    return (torch.rand(3, 784, generator=g) > 0.7).float() * 2 - 1


def _is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n"


def test_forward_frames_follow_the_closed_form_with_one_noise(digits):
    ddpm = _small_ddpm()
    frames = dw.forward_frames(ddpm, digits, seed=3)
    assert frames.x.shape == (T + 1, 3, 784) and list(frames.ts) == list(range(T + 1))
    torch.testing.assert_close(torch.as_tensor(frames.x[0]), digits)
    ab = ddpm.alpha_bars.double()
    noises = [(torch.as_tensor(frames.x[t]).double() - ab[t].sqrt() * digits) / (1 - ab[t]).sqrt() for t in range(1, T + 1)]
    for eps in noises[1:]:
        torch.testing.assert_close(eps, noises[0], atol=1e-4, rtol=0)
    assert abs(noises[0].std().item() - 1) < 0.05


def test_reverse_frames_with_an_oracle_denoise_to_the_one_data_point(digits):
    x_star = digits[:1]
    ddpm = DDPM(nn.Identity(), 784, T, "cosine")
    ddpm.denoiser = Oracle(x_star, ddpm.alpha_bars)
    frames = dw.reverse_frames(ddpm, n=2, seed=1, clip=None)
    assert list(frames.ts) == list(range(T, -1, -1)) and frames.x.shape == (T + 1, 2, 784)
    guesses = torch.as_tensor(frames.x0_hat)
    torch.testing.assert_close(guesses, x_star.expand_as(guesses[0]).expand_as(guesses), atol=1e-3, rtol=0)
    torch.testing.assert_close(torch.as_tensor(frames.x[-1]), x_star.expand(2, -1), atol=1e-3, rtol=0)
    first_noise = torch.as_tensor(frames.x[0])
    assert abs(first_noise.std().item() - 1) < 0.05  # x_T is the N(0, I) start
    again = ddpm.sample(2, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(torch.as_tensor(frames.x[-1]), again)  # the same run as DDPM.sample


def test_render_slider_and_memo(digits):
    ddpm = _small_ddpm()
    frames = dw.forward_frames(ddpm, digits)
    a, b = dw.render_diffusion(frames, 0), dw.render_diffusion(frames, T)
    assert _is_png(a) and _is_png(b) and a != b and dw.render_diffusion(frames, 0) is a
    with pytest.raises(ValueError, match=rf"render_diffusion expects index an int in \[0, {T}\]; got {T + 1}"):
        dw.render_diffusion(frames, T + 1)
    box = dw.diffusion_slider(frames)
    image, before = box.image, box.image.value
    box.controls["index"].value = 7
    assert box.image is image and image.value != before and "diffusion-forward" in box._dom_classes
    reverse = dw.diffusion_slider(dw.reverse_frames(ddpm, n=2))
    assert reverse.controls["index"].description == "step" and "diffusion-reverse" in reverse._dom_classes
    assert _is_png(reverse.image.value)


def test_bad_inputs_are_named(digits):
    ddpm = _small_ddpm()
    with pytest.raises(TypeError, match="forward_frames expects ddpm a DDPM on 784-pixel digits"):
        dw.forward_frames(nn.Linear(2, 2), digits)
    with pytest.raises(ValueError, match=r"forward_frames expects x0 digits scaled to \[-1, 1\]"):
        dw.forward_frames(ddpm, (digits + 1) * 2)
    with pytest.raises(TypeError, match="diffusion_slider expects frames DiffusionFrames"):
        dw.diffusion_slider([1, 2])
