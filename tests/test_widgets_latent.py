"""Tests of the latent-space explorer, without a browser."""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from PIL import Image

from course_utils.models.autoencoder import Autoencoder
from course_utils.models.vae import VAE
from course_utils.widgets.latent import latent_explorer, latent_map, render_latent, render_latent_array

PNG = b"\x89PNG\r\n\x1a\n"


def _model(n_latent=2, seed=0):
    torch.manual_seed(seed)
    return VAE(n_dims=784, n_latent=n_latent, n_hidden=16).eval()


def _codes(n=200, n_latent=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_latent, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_render_latent_draws_the_decoded_mean():
    model = _model()
    z = torch.tensor([0.5, -1.0])
    png = render_latent(model, z, scale=2)
    assert png.startswith(PNG)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(float)
    assert img.shape == (56, 56)
    expected = 255 * (1 - model.decode_mean(z[None])[0].detach().reshape(28, 28).numpy())
    np.testing.assert_allclose(img[::2, ::2], expected, atol=1.0)


def test_render_latent_changes_with_z_and_accepts_lists():
    model = _model()
    a = render_latent(model, [0.0, 0.0])
    b = render_latent(model, [2.0, -2.0])
    assert a != b
    assert render_latent(model, np.array([0.0, 0.0])) == a


def test_the_map_marker_follows_z():
    model = _model()
    codes, labels = _codes()
    m = latent_map(codes, labels, extent=3.0, size=120)
    assert m.image.shape == (120, 120, 3) and m.image.dtype == np.uint8
    assert m.to_pixel(-3.0, 3.0) == (0, 0) and m.to_pixel(3.0, -3.0) == (119, 119)
    left = render_latent_array(model, [-2.0, 0.0], latent_map=m)
    right = render_latent_array(model, [2.0, 0.0], latent_map=m)
    assert left.shape[0] == 120 and left.shape[1] > 120
    r, c = m.to_pixel(-2.0, 0.0)
    assert (left[r, c] == 0).all() and not (right[r, c] == 0).all()


def test_render_latent_works_for_the_autoencoder_too():
    torch.manual_seed(0)
    ae = Autoencoder(784, 3, 8).eval()
    assert render_latent(ae, [0.1, 0.2, 0.3]).startswith(PNG)


def test_render_latent_rejects_a_wrong_z():
    model = _model()
    with pytest.raises(ValueError, match=r"z of shape \(2,\)"):
        render_latent(model, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        render_latent(model, [float("nan"), 0.0])
    with pytest.raises(TypeError, match="n_latent"):
        render_latent(torch.nn.Linear(2, 784), [0.0, 0.0])


def test_moving_a_slider_redraws_the_image():
    model = _model()
    codes, labels = _codes()
    box = latent_explorer(model, codes=codes, labels=labels)
    assert set(box.controls) == {"z0", "z1"}
    assert all(isinstance(s, widgets.FloatSlider) for s in box.controls.values())
    before = box.image.value
    box.controls["z0"].value = 1.5
    assert box.image.value != before
    expected = render_latent(model, [1.5, 0.0], latent_map=latent_map(codes, labels, extent=3.0))
    assert box.image.value == expected


def test_a_20d_model_gets_four_sliders_and_keeps_the_rest_at_base():
    model = _model(n_latent=20)
    base = torch.linspace(-1, 1, 20)
    box = latent_explorer(model, base=base, dims=[3, 0, 7])
    assert list(box.controls) == ["z3", "z0", "z7"]
    assert box.controls["z3"].value == pytest.approx(base[3].item())
    box.controls["z7"].value = 2.0
    z = base.clone()
    z[7] = 2.0
    assert box.image.value == render_latent(model, z)
    assert len(latent_explorer(model).controls) == 4


def test_latent_explorer_rejects_bad_arguments():
    model = _model()
    with pytest.raises(ValueError, match="dims"):
        latent_explorer(model, dims=[0, 5])
    with pytest.raises(ValueError, match="base"):
        latent_explorer(model, base=[0.0])
    with pytest.raises(ValueError, match="codes of shape"):
        latent_map(torch.zeros(5, 1))
