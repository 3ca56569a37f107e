import ipywidgets as widgets
import numpy as np
import pytest
import torch

from course_utils.models.nade import NADE
from course_utils.models.pixelcnn import PixelCNN
from course_utils.widgets.sampling import (
    SamplingTrace,
    render_sampling_step,
    sampling_frame,
    sampling_slider,
    sampling_trace,
)


def _nade_trace(ordering=None, seed=0):
    torch.manual_seed(seed)
    model = NADE(16, 8, ordering=ordering)
    return model, sampling_trace(model, torch.Generator().manual_seed(seed), shape=(4, 4))


def test_trace_records_the_conditionals_the_sampler_used():
    model, trace = _nade_trace()
    x = torch.as_tensor(trace.x)[None].float()
    # the recorded p are the model's conditionals on the drawn image, and the image is a real sample
    assert np.allclose(trace.p, torch.sigmoid(model(x))[0].detach().double().numpy(), atol=1e-6)
    again = model.sample(1, generator=torch.Generator().manual_seed(0))
    assert np.array_equal(trace.x, again[0].double().numpy())
    assert set(np.unique(trace.x)) <= {0.0, 1.0}


def test_trace_follows_the_model_ordering():
    order = torch.randperm(16, generator=torch.Generator().manual_seed(1))
    _, trace = _nade_trace(ordering=order)
    assert np.array_equal(trace.order, order.numpy())


def test_trace_works_for_pixelcnn_in_raster_order():
    torch.manual_seed(0)
    model = PixelCNN(3, 4, n_channels=4, n_layers=2, first_kernel=3)
    trace = sampling_trace(model, torch.Generator().manual_seed(0), shape=(3, 4))
    assert np.array_equal(trace.order, np.arange(12))


def test_frame_fills_pixels_in_order_and_marks_the_current_one():
    _, trace = _nade_trace(ordering=torch.arange(15, -1, -1))
    rgb, probs = sampling_frame(trace, 3)
    flat_rgb, flat_p = rgb.reshape(16, 3), probs.reshape(16)
    drawn = [15, 14, 13]
    for j in drawn:
        assert np.allclose(flat_rgb[j], 1.0 - trace.x[j])  # ink = 1 is drawn black
        assert flat_p[j] == pytest.approx(trace.p[j])
    assert np.allclose(flat_rgb[12], [0.77, 0.31, 0.32])  # being drawn now
    assert np.isnan(flat_p[:13]).all()
    rgb_done, probs_done = sampling_frame(trace, 16)
    assert np.allclose(rgb_done.reshape(16, 3), (1.0 - trace.x)[:, None])
    assert not np.isnan(probs_done).any()


def test_render_is_png_and_depends_on_step():
    _, trace = _nade_trace()
    first, later, done = (render_sampling_step(trace, s) for s in (0, 7, 16))
    assert first.startswith(b"\x89PNG") and len({first, later, done}) == 3


@pytest.mark.parametrize("step", [-1, 17, 2.0, True])
def test_render_rejects_bad_steps(step):
    _, trace = _nade_trace()
    with pytest.raises((ValueError, TypeError), match="sampling_frame expects step an int in \\[0, 16\\]; got"):
        render_sampling_step(trace, step)


def test_trace_checks_its_arrays():
    with pytest.raises(ValueError, match="order must be a permutation"):
        SamplingTrace(np.zeros(4), np.zeros(4), np.array([0, 0, 1, 2]), (2, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(4,\)"):
        SamplingTrace(np.zeros(5), np.zeros(4), np.arange(4), (2, 2))
    with pytest.raises(TypeError, match=r"sampling_trace expects model an autoregressive model with sample\(\) and conditional_logits\(\)"):
        sampling_trace(torch.nn.Linear(2, 2))


def test_moving_the_slider_redraws_in_place():
    _, trace = _nade_trace()
    box = sampling_slider(trace)
    image, before = box.image, box.image.value
    box.controls["step"].value = 9
    assert box.image is image and image.value != before
    # The title moves to an HTML line (no text rasterized per move); a static page gets it drawn in.
    assert image.value == render_sampling_step(trace, 9, title=False) != render_sampling_step(trace, 9)
    assert box.frame() == render_sampling_step(trace, 9)
    assert "step 10/16: pixel (row 2, col 1)" in box.status.value
    assert isinstance(box.player, widgets.Play)


def test_blitted_steps_equal_a_fresh_full_draw():
    """A move redraws only the images, marker and title: nothing of the previous step may remain."""
    from course_utils.widgets import sampling

    _, trace = _nade_trace()
    for step in (0, 5, 16, 3, 15, 9):
        blitted = render_sampling_step(trace, step)
        sampling.FIGURES.clear()  # the next call builds and draws the figure from scratch
        assert render_sampling_step(trace, step) == blitted, step
