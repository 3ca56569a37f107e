import itertools

import pytest
import torch

from course_utils.models.pixelcnn import MaskedConv2d, PixelCNN, causal_mask, receptive_field


def _all_binary_images(n_dims):
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n_dims)), dtype=torch.float64)


def _tiny(height=3, width=3, seed=0, **kwargs):
    torch.manual_seed(seed)
    kwargs = {"n_channels": 4, "n_layers": 3, "first_kernel": 3, **kwargs}
    model = PixelCNN(height, width, **kwargs).double()
    with torch.no_grad():
        model.b.normal_()  # a non-trivial per-pixel bias
    return model


def test_masks_hide_the_centre_only_for_type_a():
    assert torch.equal(causal_mask(3, "A"), torch.tensor([[1.0, 1, 1], [1, 0, 0], [0, 0, 0]]))
    assert torch.equal(causal_mask(3, "B"), torch.tensor([[1.0, 1, 1], [1, 1, 0], [0, 0, 0]]))
    assert causal_mask(5, "A").sum() == 12 and causal_mask(5, "B").sum() == 13


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_conv_output_depends_only_on_earlier_pixels(mask_type):
    torch.manual_seed(0)
    conv = MaskedConv2d(2, 3, 5, mask_type).double()
    h, w = 5, 6
    jac = torch.autograd.functional.jacobian(lambda x: conv(x.view(1, 2, h, w)).sum(1).flatten(),
                                             torch.rand(2 * h * w, dtype=torch.float64))
    jac = jac.view(h * w, 2, h * w).abs().sum(1)  # (output pixel, input pixel)
    for i in range(h * w):
        seen = jac[i].nonzero().flatten()
        last = i - 1 if mask_type == "A" else i
        assert seen.numel() == 0 or seen.max() <= last, f"output pixel {i} sees input pixels {seen.tolist()}"
    # the centre is seen by type B, not by type A
    assert (jac.diagonal() > 0).all() if mask_type == "B" else (jac.diagonal() == 0).all()


def test_pixelcnn_logit_i_has_zero_gradient_at_and_after_pixel_i():
    model = _tiny(4, 5)
    x = torch.randint(0, 2, (1, 20), generator=torch.Generator().manual_seed(0)).double()
    jac = torch.autograd.functional.jacobian(lambda v: model._logits(v)[0], x)[:, 0, :]  # (20, 20)
    assert torch.equal(jac.triu(), torch.zeros_like(jac)), "logit i depends on x_j for some j >= i"
    assert (jac.tril(-1).abs().sum(1)[1:] > 0).all(), "every logit after the first should see earlier pixels"


def test_probabilities_of_all_3x3_images_sum_to_one():
    model = _tiny(3, 3)
    log_p = model.log_prob(_all_binary_images(9))
    assert log_p.shape == (512,)
    assert torch.logsumexp(log_p, 0).item() == pytest.approx(0.0, abs=1e-5)


def test_a_type_b_first_layer_would_break_normalization():
    model = _tiny(3, 3)
    cheat = MaskedConv2d(1, 4, 3, "B").double()
    cheat.weight.data.copy_(model.net[0].weight.data)
    cheat.bias.data.copy_(model.net[0].bias.data)
    cheat.weight.data[:, :, 1, 1] = 3.0  # a clear dependence of each pixel on itself
    model.net[0] = cheat  # each pixel may now see itself
    assert abs(torch.logsumexp(model.log_prob(_all_binary_images(9)), 0).item()) > 1e-2


def test_log_prob_is_the_sum_of_bernoulli_log_likelihoods():
    model = _tiny(3, 3)
    x = _all_binary_images(9)[::37]
    p = torch.sigmoid(model(x))
    expected = (x * p.log() + (1 - x) * (1 - p).log()).sum(1)
    assert torch.allclose(model.log_prob(x), expected, atol=1e-10)


def test_sample_frequencies_match_the_model_on_2x2_images():
    model = _tiny(2, 2)
    n = 20_000
    samples = model.sample(n, generator=torch.Generator().manual_seed(0))
    codes = (samples @ torch.tensor([8.0, 4, 2, 1], dtype=samples.dtype)).long()
    observed = torch.bincount(codes, minlength=16).double()
    expected = n * model.log_prob(_all_binary_images(4)).exp().detach()
    chi2 = ((observed - expected) ** 2 / expected).sum().item()
    assert chi2 < 37.7, f"chi-square {chi2:.1f} with 15 degrees of freedom (p < 0.001)"


@pytest.mark.parametrize("n_layers, first_kernel", [(3, 3), (2, 5), (4, 7)])
def test_banded_logits_used_by_sample_match_full_image_logits(n_layers, first_kernel):
    """sample() runs the net only on the rows a pixel can see; check it against full passes."""
    model = _tiny(9, 5, n_layers=n_layers, first_kernel=first_kernel)
    x = torch.randint(0, 2, (3, 45), generator=torch.Generator().manual_seed(0)).double()
    with torch.no_grad():
        full = model._logits(x)
        banded = torch.stack([model._logit_at(x, i) for i in range(45)], dim=1)
    assert torch.allclose(banded, full, atol=1e-12)


def test_sampling_is_deterministic_given_a_generator():
    model = _tiny(3, 3)
    a = model.sample(4, generator=torch.Generator().manual_seed(1))
    b = model.sample(4, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and set(a.unique().tolist()) <= {0.0, 1.0}


def test_receptive_field_of_stacked_masks_has_a_blind_spot():
    net = torch.nn.Sequential(MaskedConv2d(1, 1, 3, "A"), MaskedConv2d(1, 1, 3, "B"), MaskedConv2d(1, 1, 3, "B"))
    for layer in net:
        torch.nn.init.constant_(layer.weight, 1.0)
    seen = receptive_field(net, 7, 7, 4, 3) > 0
    assert not seen[4, 3:].any() and not seen[5:].any()  # nothing at or after the pixel
    assert seen[4, :3].all() and seen[1].all()  # left of it, and three rows up
    assert not seen[3, 5] and not seen[2, 6]  # earlier pixels it never sees: the blind spot


def test_inputs_are_checked():
    model = _tiny(3, 3)
    with pytest.raises(ValueError, match=r"shape \(batch, 9\); got shape \(2, 3, 3\)"):
        model.log_prob(torch.zeros(2, 3, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"values in \{0, 1\}.*; got other values, e.g. 0.5"):
        model.log_prob(torch.full((2, 9), 0.5, dtype=torch.float64))
    x = torch.zeros(2, 9)
    for cast in (x.long(), x.bool(), x.double()):  # cast to the parameters' dtype, not rejected
        torch.testing.assert_close(model.log_prob(cast), model.log_prob(x))
    with pytest.raises(ValueError, match=r"causal_mask expects mask_type one of \['A', 'B'\]; got 'C'"):
        MaskedConv2d(1, 1, 3, "C")
    with pytest.raises(ValueError, match="causal_mask expects kernel_size a positive odd int .*; got 4"):
        MaskedConv2d(1, 1, 4, "A")
    with pytest.raises(ValueError, match="PixelCNN.sample expects n an int >= 0; got -1"):
        model.sample(-1)
    assert model.sample(0).shape == (0, 9)
    with pytest.raises(ValueError, match="PixelCNN expects first_kernel a positive odd int .*; got 4"):
        PixelCNN(3, 3, first_kernel=4)
    with pytest.raises(ValueError, match=r"shape \(batch, 1, height, width\)"):
        MaskedConv2d(1, 1, 3, "A")(torch.zeros(1, 2, 3, 3))


def test_bias_init_starts_at_the_independent_bernoulli_fit():
    model = _tiny(3, 3)
    x = _all_binary_images(9)[torch.randperm(512, generator=torch.Generator().manual_seed(0))[:40]]
    model.init_bias_from_data(x)
    with torch.no_grad():
        model.net[-1].weight.zero_()
        model.net[-1].bias.zero_()  # the convolutions now add nothing: only b is left
    p = x.mean(0).clamp(1e-3, 1 - 1e-3)
    independent = (x * p.log() + (1 - x) * (1 - p).log()).sum(1)
    assert torch.allclose(model.log_prob(x), independent, atol=1e-10)
