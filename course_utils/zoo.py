"""Every trained model of the course: trained from its recipe once, then loaded.

``trained(name)`` returns ``(model, history)`` for a registered model, looking in
three places in turn:

1. **Shipped weights** (``course_utils/weights/<name>.pt``), made by the course's
   own training code (``make weights``) and valid only while the model's key
   still matches (see below). A first pass through the course loads them, so no
   cell waits for training.
2. **The learner's cache** (``COURSE_UTILS_CACHE``, default
   ``~/.cache/course_utils/models``; ``off`` disables it), written after a model
   trains here. A cache file that is empty, truncated, garbage, of another
   architecture or holds NaN weights is reported, retrained and replaced.
3. **Training** from the recipe, deterministically: ``training.init_rng(seed)``
   around the whole run, so training never moves the caller's random state.

``live=True`` (or ``course_utils.setup(live=True)``, or ``COURSE_UTILS_LIVE=1``)
skips 1 and 2 and trains every model in front of the learner, progress bar
included; a live result is returned, never written over shipped weights.

**The key.** A model's weights are valid for its recipe and for the code its
training reaches: the entry's explicit list ``reaches`` (its class,
``build_from_recipe``, ``train_from_recipe``, ``training.fit`` / ``batches``
where used, the maths helpers its loss calls). The key hashes the recipe and the
source of each of those with comments and docstrings stripped (``ast``), so a
typo in a docstring retrains nothing while a change to ``training.fit``
retrains every model that uses it. The torch version is *not* part of the key:
weights load on any torch that builds the same architecture; ``MANIFEST.json``
records the version that trained them.

Two processes that train the same model at once both train; each replaces the
cache file atomically, so the last one wins and no file is ever half-written.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import math
import os
import tempfile
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from . import recipes

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST = WEIGHTS_DIR / "MANIFEST.json"
_OFF = ("off", "0", "none", "false", "no")
_live_default = False


@dataclass(frozen=True)
class Entry:
    """How to build, train and key one model of the course."""

    recipe: str  #: name of the recipe in ``course_utils.recipes``
    build: Callable  #: recipe -> untrained model with the right architecture
    train: Callable  #: (recipe, progress) -> (trained model, history)
    reaches: tuple  #: functions and classes whose source the trained weights depend on

    def get_recipe(self):
        return getattr(recipes, self.recipe)


def set_live(live: bool) -> None:
    """Make ``trained`` train every model live (``True``) or load weights (``False``)."""
    global _live_default
    if not isinstance(live, bool):
        raise TypeError(f"zoo.set_live expects live to be True or False; got {live!r}")
    _live_default = live


def is_live() -> bool:
    """True when models train live: ``set_live(True)`` or ``COURSE_UTILS_LIVE`` set to a true value."""
    env = os.environ.get("COURSE_UTILS_LIVE", "").strip().lower()
    return _live_default or env in ("1", "true", "yes", "on")


def cache_dir() -> Path | None:
    """The learner's cache folder (``~`` expanded), or None when caching is off."""
    setting = os.environ.get("COURSE_UTILS_CACHE", "").strip()
    if setting.lower() in _OFF:
        return None
    folder = Path(setting).expanduser() if setting else Path.home() / ".cache" / "course_utils" / "models"
    if folder.exists() and not folder.is_dir():
        raise ValueError(
            f"zoo: COURSE_UTILS_CACHE must name a folder (or 'off'); got {setting!r}, which is a file. "
            "Point it at a folder, or unset it to use ~/.cache/course_utils/models."
        )
    return folder


def _normalized_source(obj) -> str:
    """``obj``'s source with comments and docstrings removed, so prose edits keep the key."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def key(name: str) -> str:
    """The hash of ``name``'s recipe and the code its training reaches (16 hex digits)."""
    entry = registry()[name]
    parts = [json.dumps(entry.get_recipe().as_dict(), sort_keys=True)]
    parts += [f"{obj.__module__}.{obj.__qualname__}\n{_normalized_source(obj)}" for obj in entry.reaches]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def shipped_path(name: str) -> Path | None:
    """The shipped weights of ``name`` if they exist and their key matches today's code, else None."""
    path = WEIGHTS_DIR / f"{name}.pt"
    listed = _manifest().get(name)
    if path.exists() and listed is not None and listed["key"] == key(name):
        return path
    return None


def _check_name(name) -> Entry:
    entries = registry()
    if name not in entries:
        raise ValueError(f"zoo.trained expects name to be one of {sorted(entries)}; got {name!r}")
    return entries[name]


def _load(entry: Entry, path: Path) -> tuple[torch.nn.Module, dict]:
    """Load weights saved by ``_save``; raise ValueError saying what is wrong with the file."""
    try:
        saved = torch.load(path, weights_only=True)
        state, history = saved["state_dict"], json.loads(saved["history"])
    except Exception as error:  # empty, truncated, garbage, or not ours; torch's advice to unpickle anyway is not relayed
        raise ValueError(f"{path} is not a readable model file ({type(error).__name__})") from None
    from .training import init_rng

    with init_rng(0):  # building draws initial weights: keep the caller's random state where it was
        model = entry.build(entry.get_recipe())
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError) as error:
        raise ValueError(f"{path} holds another architecture ({str(error).splitlines()[0]})") from None
    if not all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point()):
        raise ValueError(f"{path} holds NaN or infinite weights")
    model.eval()
    return model, history


def _save(model: torch.nn.Module, history: dict, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, then a rename; no ``.part`` is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".part")
    os.close(fd)
    try:
        torch.save({"state_dict": model.state_dict(), "history": json.dumps(history)}, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def train(name: str, *, recipe=None, progress: bool = True) -> tuple[torch.nn.Module, dict]:
    """Train ``name`` now (no cache, no shipped weights); return ``(model, history)``.

    ``recipe`` (default: the course's) lets you try another one, e.g.
    ``zoo.train("nade", recipe=recipes.NADE.replace(n_hidden=50))``.
    """
    from .training import init_rng

    entry = _check_name(name)
    if recipe is None:
        recipe = entry.get_recipe()
    elif type(recipe) is not type(entry.get_recipe()):
        raise TypeError(f"zoo.train expects recipe to be a {type(entry.get_recipe()).__name__} for {name!r}; "
                        f"got {type(recipe).__name__}")
    with init_rng(recipe.seed):
        model, history = entry.train(recipe, progress)
    model.eval()
    bad = [k for k, t in model.state_dict().items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise ValueError(f"zoo: training {name!r} diverged: non-finite weights in {bad[:3]}; lower the recipe's lr")
    return model, history


def trained(name: str, *, progress: bool = True, live: bool | None = None) -> tuple[torch.nn.Module, dict]:
    """Return ``(model, history)`` for a registered model: shipped weights, else the cache, else train.

    ``history`` is what the model's training returned (losses, ``seconds`` it
    took where it was trained), plus ``source``: ``"shipped"``, ``"cache"``,
    ``"trained"`` (here, now, then cached) or ``"live"``.
    """
    entry = _check_name(name)
    if live is None:
        live = is_live()
    if not isinstance(live, bool):
        raise TypeError(f"zoo.trained expects live to be True, False or None; got {live!r}")
    if live:
        model, history = train(name, progress=progress)
        return model, {**history, "source": "live"}
    shipped = shipped_path(name)
    if shipped is not None:
        model, history = _load(entry, shipped)
        return model, {**history, "source": "shipped"}
    folder = cache_dir()
    path = folder / f"{name}-{key(name)}.pt" if folder is not None else None
    if path is not None and path.exists():
        try:
            model, history = _load(entry, path)
            return model, {**history, "source": "cache"}
        except ValueError as problem:
            warnings.warn(f"zoo: {problem}; retraining {name!r} and replacing that file", stacklevel=2)
    model, history = train(name, progress=progress)
    if path is not None:
        _save(model, history, path)
    return model, {**history, "source": "trained"}


def provenance(history: dict) -> str:
    """One line for a notebook: where a model from ``trained`` came from and how long its training took."""
    seconds = history.get("seconds")
    seconds = seconds[-1] if isinstance(seconds, list) else seconds
    took = f"{seconds:.1f} s" if isinstance(seconds, (int, float)) else "an unknown time"
    return {
        "shipped": f"loaded the course's trained weights (training took {took} where they were made; "
                   "setup(live=True) trains it here)",
        "cache": f"loaded from your model cache (training took {took} here)",
        "trained": f"trained here in {took} (cached for next time)",
        "live": f"trained live in {took}",
    }.get(history.get("source"), f"training took {took}")


def ship(name: str, *, progress: bool = True) -> dict:
    """Train ``name`` and write it to the shipped weights with its manifest entry (``make weights``)."""
    model, history = train(name, progress=progress)
    _save(model, history, WEIGHTS_DIR / f"{name}.pt")
    manifest = _manifest()
    seconds = history.get("seconds", float("nan"))
    seconds = seconds[-1] if isinstance(seconds, list) else seconds
    manifest[name] = {"key": key(name), "recipe": registry()[name].get_recipe().as_dict(), "torch": torch.__version__,
                      "train_seconds": round(float(seconds), 2) if math.isfinite(seconds) else None,
                      "bytes": (WEIGHTS_DIR / f"{name}.pt").stat().st_size}
    MANIFEST.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return manifest[name]


def registry() -> dict[str, Entry]:
    """Every model of the course by name (built on first use: it imports the model modules)."""
    global _REGISTRY
    if _REGISTRY is None:
        from . import zoo_entries

        _REGISTRY = zoo_entries.entries()
    return _REGISTRY


_REGISTRY: dict[str, Entry] | None = None
