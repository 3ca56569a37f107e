"""The validation layer, and the defects issue 15 found (each test failed on the code before it).

The wording is the same everywhere: "<func> expects <arg> <expected>; got <what came>".
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_utils import evaluation, probability, training, validation as V
from course_utils.models import autoencoder, classifier, gan, nade, pixelcnn, vae

# ----------------------------------------------------------------------------
# The layer itself
# ----------------------------------------------------------------------------


def test_one_wording_and_one_error_type_per_kind_of_mistake():
    with pytest.raises(ValueError, match=r"^f expects n a positive int; got 0$"):
        V.positive_int("f", "n", 0)
    with pytest.raises(TypeError, match=r"^f expects n a positive int; got float 2.5$"):
        V.positive_int("f", "n", 2.5)
    with pytest.raises(TypeError, match="got the bool True"):
        V.count("f", "n", True)
    assert V.count("f", "n", np.int64(3)) == 3 and type(V.count("f", "n", np.int64(3))) is int
    with pytest.raises(ValueError, match=r"f expects p a number in \[0, 1\]; got nan"):
        V.probability("f", "p", math.nan)
    with pytest.raises(TypeError, match="f expects generator a torch.Generator or None"):
        V.generator("f", 0)


def test_batch_casts_and_checks_values_in_one_pass():
    like = torch.zeros(1, dtype=torch.float32)
    x = torch.tensor([[0, 1], [1, 1]])
    out = V.batch("f", x, 2, like=like)
    assert out.dtype == torch.float32 and torch.equal(out, x.float())
    assert V.batch("f", x.bool(), 2, like=like.double()).dtype == torch.float64
    with pytest.raises(ValueError, match=r"f expects x with values in \{0, 1\} and shape \(batch, 2\); got other values, e.g. 0.5"):
        V.batch("f", torch.tensor([[0.5, 1.0]]), 2)
    with pytest.raises(ValueError, match=r"pixels in 0..255\? divide by 255 first"):
        V.batch("f", torch.tensor([[0.0, 255.0]]), 2, values="unit")
    with pytest.raises(ValueError, match="got NaN or inf"):
        V.batch("f", torch.tensor([[0.0, math.nan]]), 2, values="unit")
    with pytest.raises(TypeError, match=r"got numpy.ndarray \(convert it with torch.from_numpy"):
        V.batch("f", np.zeros((2, 2)), 2)
    with pytest.raises(ValueError, match="at least one row"):
        V.batch("f", torch.zeros(0, 2), 2, nonempty=True)
    assert V.batch("f", torch.zeros(0, 2), 2).shape == (0, 2)


# ----------------------------------------------------------------------------
# Defects of issue 15, item 3
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("build, call", [
    (lambda: vae.VAE(6, 2, 4), lambda m, x: m.elbo(x, generator=torch.Generator().manual_seed(0))),
    (lambda: autoencoder.Autoencoder(6, 2, 4), lambda m, x: m(x)),
    (lambda: pixelcnn.PixelCNN(2, 3, 2, 2, first_kernel=3), lambda m, x: m.log_prob(x)),
])
def test_float64_batches_from_numpy_work_like_float32(build, call):
    torch.manual_seed(0)
    model = build()
    x = torch.from_numpy((np.random.default_rng(0).random((4, 6)) > 0.5).astype(np.float64))  # float64, as from_numpy gives
    torch.testing.assert_close(call(model, x), call(model, x.float()))


def test_float64_digits_work_in_the_classifier_and_the_dc_discriminator():
    torch.manual_seed(0)
    x = torch.rand(3, 784, dtype=torch.float64)
    clf = classifier.DigitClassifier(width=2, n_features=4)
    torch.testing.assert_close(clf(x), clf(x.float()))
    d = gan.DCDiscriminator(2).eval()
    torch.testing.assert_close(d(x), d(x.float()))


@pytest.mark.parametrize("call", [
    lambda x: classifier.DigitClassifier(width=2, n_features=4)(x),
    lambda x: classifier.train_classifier(x, torch.zeros(len(x), dtype=torch.long), epochs=1, progress=False),
    lambda x: gan.DCDiscriminator(2)(x),
    lambda x: autoencoder.Autoencoder(784, 2, 4)(x),
])
def test_pixels_left_in_0_255_are_refused(call):
    x = torch.randint(0, 256, (4, 784)).float()
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*divide by 255"):
        call(x)


def test_fit_stops_with_a_clear_message_when_the_loss_becomes_nan():
    from course_utils.data import load_mnist

    torch.manual_seed(0)
    model = vae.VAE(784, 2, 256)
    x, _ = load_mnist("train")
    with pytest.raises(training.Diverged, match=r"fit stopped in epoch 1 of 3: the training loss became (nan|inf)"):
        training.fit(model, vae.negative_elbo, x[:1000], epochs=3, batch_size=100, lr=3.0, progress=False,
                     generator=torch.Generator().manual_seed(0))


def test_fit_refuses_nan_data_before_training():
    x = torch.zeros(10, 4)
    x[3, 1] = math.nan
    with pytest.raises(ValueError, match="fit expects x_train .*; got NaN or inf"):
        training.fit(torch.nn.Linear(4, 1), lambda m, b: m(b).pow(2).mean(), x, epochs=1, progress=False)


def test_train_gan_stops_when_a_loss_becomes_nan():
    g, d = gan.MLPGenerator(2, 2, 4, 1), gan.MLPDiscriminator(2, 4, 1)
    with torch.no_grad():
        d.head.bias.fill_(math.nan)
    with pytest.raises(training.Diverged, match="train_gan diverged at step 1 of 3"):
        gan.train_gan(g, d, gan.ring_of_gaussians(), steps=3, batch_size=8, progress=False)


def test_empty_batches_get_clear_errors_or_empty_results():
    for model in (nade.NADE(4, 3), pixelcnn.PixelCNN(2, 2, 2, 2, first_kernel=3)):
        with pytest.raises(ValueError, match=r"init_bias_from_data expects x at least one row"):
            model.init_bias_from_data(torch.zeros(0, 4))
    with pytest.raises(ValueError, match=r"fit expects x_train a non-empty torch.Tensor .*; got shape \(0, 4\)"):
        training.fit(torch.nn.Linear(4, 1), lambda m, b: m(b).mean(), torch.zeros(0, 4), epochs=1, progress=False)
    clf = classifier.DigitClassifier(width=2, n_features=4)
    assert clf.predict_proba(torch.zeros(0, 784)).shape == (0, 10)
    with pytest.raises(ValueError, match="predict_proba expects batch_size a positive int; got 0"):
        clf.predict_proba(torch.zeros(3, 784), batch_size=0)


def test_train_classifier_refuses_a_batch_size_that_never_trains():
    x = torch.rand(8, 784)
    with pytest.raises(ValueError, match="train_classifier expects batch_size a positive int; got -1"):
        classifier.train_classifier(x, torch.zeros(8, dtype=torch.long), batch_size=-1, epochs=1, progress=False)


def test_plausible_wrong_numbers_are_refused():
    with pytest.raises(ValueError, match=r"bits_per_dim expects nll_nats a negative log-likelihood .*pass -log_prob"):
        evaluation.bits_per_dim(torch.tensor([-90.0, -80.0]))
    with pytest.raises(ValueError, match=r"bernoulli_mle expects x outcomes in \{0, 1\}; got other values, e.g. 0.2"):
        probability.bernoulli_mle([0.2, 3.0])
    with pytest.raises(ValueError, match=r"running_mean expects values .*; got shape \(3, 3\)"):
        probability.running_mean(torch.ones(3, 3))
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_available():
        with pytest.raises(ValueError, match="pick_device expects preferred a device that exists on this machine; got 'mps'"):
            training.pick_device("mps")
    with pytest.raises(ValueError, match="pick_device expects preferred one of the devices"):
        training.pick_device("meta")


def test_the_gan_defects():
    clf = classifier.DigitClassifier(width=2, n_features=4)
    with pytest.raises(ValueError, match=r"sample_score expects reference at least one row"):
        evaluation.sample_score(clf, torch.rand(4, 784), torch.zeros(0, 784))
    with pytest.raises(ValueError, match=r"info_loss expects code integer codes in 0..2 .*; got values in \[0, 3\]"):
        gan.info_loss(torch.zeros(2, 3), torch.tensor([0, 3]))
    g = gan.MLPGenerator(2, 2, 4, 1, n_code=3)
    with pytest.raises(ValueError, match=r"MLPGenerator.forward expects c integer codes in 0..2 .*; got values in \[0, 5\]"):
        g(torch.zeros(2, 2), torch.tensor([0, 5]))
    with pytest.raises(ValueError, match=r"train_gan expects betas a pair \(beta1, beta2\)"):
        gan.train_gan(gan.MLPGenerator(2, 2, 4, 1), gan.MLPDiscriminator(2, 4, 1), gan.ring_of_gaussians(),
                      steps=1, batch_size=4, betas=(0.5,), progress=False)
    with pytest.raises(ValueError, match="PixelCNN expects first_kernel a positive odd int"):
        pixelcnn.PixelCNN(first_kernel=4)
