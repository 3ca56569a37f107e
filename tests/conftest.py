"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from paths import ROOT

matplotlib.use("Agg")


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
