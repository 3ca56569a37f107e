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


@pytest.fixture(scope="session")
def course_site(tmp_path_factory, _test_model_cache):
    """The whole static site, built once per session with live frames (tests/test_site.py, the browser test).

    Its trained models come from the tests' own model cache, like every other test's.
    """
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import make_site

    out = tmp_path_factory.mktemp("site")
    log = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_UTILS_CACHE", str(_test_model_cache))
        entries = make_site.build(out, log=log.append)
    return out, entries
