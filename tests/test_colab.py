"""course_utils.setup on Google Colab (faked): fetch the course there, do nothing anywhere else."""

from __future__ import annotations

import sys
import types

import pytest
import torch

import course_utils
from course_utils import colab, data

COLAB = {"google.colab": types.ModuleType("google.colab")}


class Recorder:
    def __init__(self, code=0):
        self.commands, self.code = [], code

    def __call__(self, command):
        self.commands.append(command)
        return self.code


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """As on a fresh Colab runtime where course_utils came without its data/ folder."""
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "site-packages" / "data")
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_detection():
    assert colab.on_colab(COLAB)
    assert not colab.on_colab({"google": types.ModuleType("google")})
    assert not colab.on_colab()  # this test machine is not Colab


def test_does_nothing_off_colab(no_data):
    run = Recorder()
    assert colab.prepare(url="https://example.invalid/course.git", modules={}, run=run) is None
    assert run.commands == []
    assert data.DATA_DIR == no_data / "site-packages" / "data"


def test_setup_elsewhere_keeps_its_behaviour(monkeypatch):
    calls = []
    monkeypatch.setattr(colab, "prepare", lambda **kw: calls.append(kw))
    device = course_utils.setup(seed=3)
    assert calls == [{}] and device.type in ("cpu", "cuda", "mps")
    import torch

    first = torch.rand(3)
    course_utils.setup(seed=3)
    assert torch.equal(first, torch.rand(3)), "setup(seed) must still seed torch"


def test_on_colab_clones_installs_and_uses_the_checkout(no_data):
    checkout = no_data / "content" / "dgm-course"
    run = Recorder()
    assert colab.prepare(url="https://example.invalid/course.git", checkout=checkout, modules=COLAB, run=run) == checkout
    clone, install = run.commands
    assert clone == ["git", "clone", "--quiet", "--depth", "1", "https://example.invalid/course.git", str(checkout)]
    assert install == [sys.executable, "-m", "pip", "install", "--quiet", "-e", str(checkout)]
    assert data.DATA_DIR == checkout / "data"
    assert sys.path[0] == str(checkout)


def test_on_colab_an_existing_clone_is_not_cloned_again(no_data):
    checkout = no_data / "content" / "dgm-course"
    checkout.mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    run = Recorder()
    colab.prepare(url="https://example.invalid/course.git", checkout=checkout, modules=COLAB, run=run)
    assert [c[:2] for c in run.commands] == [[sys.executable, "-m"]]


def test_on_colab_a_checkout_with_its_data_needs_nothing(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / data.MNIST5K_FILE).write_bytes(b"")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    run = Recorder()
    assert colab.prepare(url=None, modules=COLAB, run=run) == tmp_path
    assert run.commands == []


def test_on_colab_without_a_public_url_the_message_says_what_to_do(no_data, monkeypatch):
    monkeypatch.setattr(colab, "REPO_URL", None)
    with pytest.raises(RuntimeError, match="no public repository URL.*REPO_URL is None") as error:
        colab.prepare(modules=COLAB, run=Recorder())
    assert "pip install -q -e" in str(error.value)


def test_on_colab_a_failed_clone_is_reported(no_data):
    with pytest.raises(RuntimeError, match="git clone.*failed \\(exit code 128\\)"):
        colab.prepare(url="https://example.invalid/x.git", checkout=no_data / "c", modules=COLAB, run=Recorder(128))
    assert data.DATA_DIR == no_data / "site-packages" / "data"



def test_setup_sets_live_mode_and_threads_and_refuses_bad_threads(monkeypatch):
    from course_utils import zoo

    monkeypatch.delenv("COURSE_UTILS_LIVE", raising=False)
    before = torch.get_num_threads()
    try:
        course_utils.setup(seed=0, live=True, threads=1)
        assert zoo.is_live() and torch.get_num_threads() == 1
        course_utils.setup(seed=0, threads=None)
        assert not zoo.is_live() and torch.get_num_threads() == 1  # None leaves the count alone
        with pytest.raises(ValueError, match="threads to be a positive int or None; got 0"):
            course_utils.setup(seed=0, threads=0)
    finally:
        zoo.set_live(False)
        torch.set_num_threads(before)
