"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from paths import ROOT

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _isolated_model_cache(tmp_path_factory, monkeypatch):
    """Unit tests never read or write the learner's trained-model cache."""
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path_factory.mktemp("model-cache")))


@pytest.fixture
def root() -> Path:
    return ROOT
