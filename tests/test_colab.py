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


# --- the branch at the top of every notebook's set-up cell (runs before course_utils can be imported) ---

def setup_cells():
    import json

    from paths import ROOT

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        yield path.name, next(src for src in code if "course_utils.setup(" in src)


def test_every_setup_cell_opens_with_the_one_colab_branch_and_its_url_is_repo_url():
    cells = dict(setup_cells())
    assert len(cells) >= 7
    for name, source in cells.items():
        assert source.startswith(colab.SETUP_CELL_BRANCH), f"{name}: the set-up cell must open with colab.SETUP_CELL_BRANCH"
    namespace = {}
    exec(colab.SETUP_CELL_BRANCH.split("\nif ")[0], namespace)  # the imports only
    url_line = next(line for line in colab.SETUP_CELL_BRANCH.splitlines() if "COURSE_URL =" in line)
    assert eval(url_line.split("=", 1)[1].split("#")[0]) == colab.REPO_URL


REAL_FIND_SPEC = __import__("importlib.util").util.find_spec


def run_branch(monkeypatch, *, on_colab, importable, url=None):
    """Execute the set-up cell's branch with Colab and the import state faked; return the commands it ran."""
    import importlib.util
    import subprocess

    commands = []
    monkeypatch.setattr(sys, "path", list(sys.path))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", COLAB["google.colab"])
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: REAL_FIND_SPEC(name, *a) if importable or name != "course_utils" else None
    )
    monkeypatch.setattr(subprocess, "run", lambda command, check: commands.append(command))
    source = colab.SETUP_CELL_BRANCH
    if url is not None:
        source = source.replace("COURSE_URL = None", f"COURSE_URL = {url!r}")
    exec(source, {})
    return commands


def test_the_setup_branch_does_nothing_off_colab_or_once_the_course_is_importable(monkeypatch):
    path = list(sys.path)
    assert run_branch(monkeypatch, on_colab=False, importable=False) == []
    assert run_branch(monkeypatch, on_colab=True, importable=True) == []
    assert sys.path == path


def test_the_setup_branch_on_a_fresh_colab_runtime(monkeypatch):
    with pytest.raises(RuntimeError, match="no public URL yet; see 'Google Colab' in README.md"):
        run_branch(monkeypatch, on_colab=True, importable=False)
    url = "https://example.invalid/course.git"
    commands = run_branch(monkeypatch, on_colab=True, importable=False, url=url)
    assert commands == [["git", "clone", "-q", "--depth", "1", url, "/content/dgm-course"]]
    assert sys.path[0] == "/content/dgm-course" == str(colab.CHECKOUT)
