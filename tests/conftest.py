"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
#: Larochelle's binarized MNIST beside the checkout, on the course's own machines.
SHARED_BINARIZED_MNIST = ROOT.parent / "shared" / "data" / "binarized_mnist"


@pytest.fixture(autouse=True)
def _isolated_model_cache(tmp_path_factory, monkeypatch):
    """Unit tests never read or write the learner's trained-model cache."""
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path_factory.mktemp("model-cache")))


@pytest.fixture
def root() -> Path:
    return ROOT
