"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import torch

from paths import ROOT

matplotlib.use("Agg")
# One torch thread per test process, as the notebooks' setup() and the trainers use: `make test` runs a
# worker per core, and several threads per worker would only make them wait on each other.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def _test_model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def _isolated_model_cache(_test_model_cache, monkeypatch):
    """Tests never read or write the learner's trained-model cache; they share one of their own."""
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(_test_model_cache))


@pytest.fixture
def root() -> Path:
    return ROOT
