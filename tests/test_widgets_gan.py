"""Tests of course_utils.widgets.gan: render functions called directly, and sliders moved."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from course_utils.models import gan
from course_utils.widgets import gan as gw

GRID = np.linspace(-5, 5, 101)


@pytest.fixture(scope="module")
def replay():
    data = gan.two_gaussians_1d()
    g = gan.MLPGenerator(n_latent=2, n_out=1, n_hidden=8)
    d = gan.MLPDiscriminator(n_in=1, n_hidden=8)
    history = gan.train_gan(
        g, d, data, steps=20, batch_size=32, lr=1e-2, snapshot_every=10,
        snapshot=gan.density_snapshot_1d(GRID, n_samples=2000), progress=False,
    )
    return gw.Replay1D.from_snapshots(history["snapshots"], GRID, data.density(GRID))


def _is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n"


def test_replay_holds_the_snapshots_and_their_jsd(replay):
    assert list(replay.steps) == [0, 10, 20]
    assert replay.p_g.shape == (3, len(GRID)) and replay.d.shape == (3, len(GRID))
    assert ((0 <= replay.jsd) & (replay.jsd <= np.log(2))).all()
    star = replay.d_star(0)
    finite = np.isfinite(star)
    np.testing.assert_allclose(
        star[finite], (replay.p_data / (replay.p_data + replay.p_g[0]))[finite], rtol=1e-9
    )


def test_render_replay_draws_different_snapshots_differently(replay):
    first, last = gw.render_replay(replay, 0), gw.render_replay(replay, 2)
    assert _is_png(first) and _is_png(last) and first != last
    assert gw.render_replay(replay, 0) == first  # the same snapshot draws the same picture
    with pytest.raises(ValueError, match=r"render_replay expects index an int in \[0, 2\]; got 3"):
        gw.render_replay(replay, 3)
    with pytest.raises(TypeError, match=r"render_replay expects index an int in \[0, 2\]; got float 1.5"):
        gw.render_replay(replay, 1.5)


def test_replay_slider_redraws_in_place(replay):
    box = gw.replay_1d(replay)
    image = box.image
    before = image.value
    box.controls["index"].value = 2
    assert box.image is image and image.value != before
    assert "gan-replay" in box._dom_classes


def test_replay_rejects_foreign_snapshots():
    with pytest.raises(ValueError, match="Replay1D.from_snapshots expects snapshots"):
        gw.Replay1D.from_snapshots([(0, {"generator": {}})], GRID, np.ones_like(GRID))


def test_replay_render_is_a_function_of_the_step(replay):
    # No timed test here: benchmarks/widget_latency.py measures speed, in reference units.
    frames = [gw.render_replay(replay, i % 3) for i in range(6)]
    assert frames[:3] == frames[3:], "the same step must draw the same picture, whatever was drawn before"
    assert len(set(frames[:3])) == 3


def test_code_explorer():
    g = gan.MLPGenerator(n_latent=2, n_out=2, n_hidden=8, n_code=3, n_runs=2)
    codes = gw.CodeSamples.from_generator(g, gan.ring_of_gaussians().centers, n=50, run=1)
    assert codes.samples.shape == (3, 50, 2)
    a, b = gw.render_code(codes, 0), gw.render_code(codes, 2)
    assert _is_png(a) and a != b
    box = gw.code_explorer(codes)
    before = box.image.value
    box.controls["code"].value = 1
    assert box.image.value != before
    with pytest.raises(ValueError, match="expects generator a 2-D MLPGenerator with an InfoGAN code"):
        gw.CodeSamples.from_generator(gan.MLPGenerator(), np.zeros((8, 2)))


def test_slerp_endpoints_and_norm():
    rng = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(4, 16, generator=rng), torch.randn(4, 16, generator=rng)
    torch.testing.assert_close(gw.slerp(z0, z1, 0.0), z0)
    torch.testing.assert_close(gw.slerp(z0, z1, 1.0), z1)
    # Between endpoints of equal norm, slerp stays on the sphere; the straight line does not.
    z1 = z1 / z1.norm(dim=1, keepdim=True) * z0.norm(dim=1, keepdim=True)
    torch.testing.assert_close(gw.slerp(z0, z1, 0.5).norm(dim=1), z0.norm(dim=1))
    with pytest.raises(ValueError, match=r"slerp expects z1 of shape \(n, 16\) with finite values; got shape \(4, 3\)"):
        gw.slerp(z0, z1[:, :3], 0.5)


def test_latent_interpolation_slider():
    model = gan.DCGAN(n_latent=8, width=2)
    path = gw.LatentPath.random(model.generator, n_pairs=3)
    assert _is_png(gw.render_interpolation(path, 0.0))
    box = gw.latent_interpolation(path)
    before = box.image.value
    box.controls["t"].value = 1.0
    assert box.image.value != before
    assert box.frames[7] == gw.render_interpolation(path, 0.35)  # a precomputed frame is the live render
    box.controls["t"].value = 0.35000000000000003
    assert box.image.value == box.frames[7]
    with pytest.raises(ValueError, match=r"render_interpolation expects t a number in \[0, 1\]; got 1.5"):
        gw.render_interpolation(path, 1.5)
