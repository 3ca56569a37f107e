"""Tests of course_utils.models.classifier, the yardstick of the sample score."""

from __future__ import annotations

import pytest
import torch

from course_utils.data import load_mnist
from course_utils.models.classifier import DigitClassifier, train_classifier


def test_shapes_and_input_checks():
    model = DigitClassifier(width=2, n_features=6)
    x = torch.rand(3, 784)
    assert model(x).shape == (3, 10) and model.features(x).shape == (3, 6)
    torch.testing.assert_close(model.predict_proba(x).sum(1), torch.ones(3))
    with pytest.raises(ValueError, match=r"shape \(batch, 784\)"):
        model(torch.rand(3, 28, 28))
    # integer and float64 pixels are cast to the parameters' dtype (validation.batch)
    torch.testing.assert_close(model(torch.ones(3, 784, dtype=torch.long)), model(torch.ones(3, 784)))
    torch.testing.assert_close(model(x.double()), model(x))
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*divide by 255"):
        model(x * 255)
    with pytest.raises(ValueError, match="DigitClassifier expects width a positive int; got 0"):
        DigitClassifier(width=0)


def test_training_is_deterministic():
    x, y = load_mnist("train")
    a, ha = train_classifier(x[:256], y[:256], epochs=1, progress=False)
    b, hb = train_classifier(x[:256], y[:256], epochs=1, progress=False)
    assert ha["train_loss"] == hb["train_loss"]
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.slow
def test_default_training_classifies_held_out_digits():
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    model, _ = train_classifier(x, y, progress=False)
    accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    assert accuracy > 0.93
