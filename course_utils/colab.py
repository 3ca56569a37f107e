"""The course on Google Colab: fetch its repository into the runtime, on Colab only.

A Colab runtime has torch, numpy, matplotlib and ipywidgets, but not the
course's data or (unless installed from a checkout) its package. ``prepare()``,
called by ``course_utils.setup()``, clones the repository at ``REPO_URL`` into
``CHECKOUT`` once, installs it (keeping Colab's own torch) and points the data
loader at its ``data/``. Anywhere else it does nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

#: The course's public git repository; None until it has one (``prepare`` then explains what to do).
REPO_URL: str | None = None
#: Where the course is cloned inside a Colab runtime.
CHECKOUT = Path("/content/dgm-course")

#: The first lines of every notebook's set-up cell (kept identical by tests/test_colab.py). On a
#: fresh Colab runtime ``course_utils`` cannot be imported yet, so this branch clones the course
#: first; anywhere else (or once the course is importable) it does nothing. Its URL must equal
#: ``REPO_URL``.
SETUP_CELL_BRANCH = """\
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("course_utils") is None:  # on Colab only
    COURSE_URL = None  # the course's public git repository, once it has one (= course_utils.colab.REPO_URL)
    if COURSE_URL is None:
        raise RuntimeError("Colab: the course has no public URL yet; see 'Google Colab' in README.md to upload it.")
    subprocess.run(["git", "clone", "-q", "--depth", "1", COURSE_URL, "/content/dgm-course"], check=True)
    sys.path.insert(0, "/content/dgm-course")
"""

NO_URL_MESSAGE = (
    "course_utils.setup: this notebook runs on Google Colab, but the course has no public repository URL "
    "yet (course_utils.colab.REPO_URL is None), so it cannot fetch the course's data and code by itself. "
    "Upload the course folder as a zip (Files pane), then run in a cell:\n"
    "    !unzip -q <the zip> -d /content && pip install -q -e /content/<the folder>\n"
    "and re-run this cell; or clone a copy you can reach:\n"
    "    !git clone --depth 1 <its URL> /content/dgm-course && pip install -q -e /content/dgm-course"
)


def on_colab(modules: dict | None = None) -> bool:
    """True inside a Google Colab runtime (it has imported ``google.colab``)."""
    return "google.colab" in (sys.modules if modules is None else modules)


def install_commands(url: str, checkout: Path) -> list[list[str]]:
    """Clone ``url`` into ``checkout`` (when absent) and install it in editable mode with this interpreter's pip."""
    commands = []
    if not (checkout / "pyproject.toml").exists():
        commands.append(["git", "clone", "--quiet", "--depth", "1", url, str(checkout)])
    commands.append([sys.executable, "-m", "pip", "install", "--quiet", "-e", str(checkout)])
    return commands


def prepare(
    *,
    url: str | None = None,
    checkout: Path | None = None,
    modules: dict | None = None,
    run: Callable[[list[str]], int] | None = None,
) -> Path | None:
    """On Colab, make sure the course's checkout exists and is used; return its folder. Elsewhere return None.

    Nothing is fetched when the installed package already sits in a checkout with
    its data (for example one the learner uploaded). ``url`` defaults to ``REPO_URL``.
    """
    if not on_colab(modules):
        return None
    from . import data

    if (data.DATA_DIR / data.MNIST5K_FILE).exists():
        return data.DATA_DIR.parent
    url = REPO_URL if url is None else url
    if url is None:
        raise RuntimeError(NO_URL_MESSAGE)
    checkout = CHECKOUT if checkout is None else Path(checkout)
    run = run or (lambda command: subprocess.call(command))
    for command in install_commands(url, checkout):
        code = run(command)
        if code != 0:
            raise RuntimeError(f"course_utils.setup on Colab: `{' '.join(command)}` failed (exit code {code})")
    data.DATA_DIR = checkout / "data"
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    return checkout
