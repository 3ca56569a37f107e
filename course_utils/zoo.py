"""Trained models of the course, trained from their recipe and memoized on disk.

Notebook 04 trains NADE; notebooks 05 and 06 compare against it without paying
for its training again. ``trained(name)`` trains a model from its recipe in
``course_utils.recipes`` (deterministically: fixed seed, fixed epochs) and
caches the resulting weights and history. The cache key hashes the recipe and
the source of the model's module, so any change to either retrains. Weights
are loaded with ``weights_only=True``.

Set ``COURSE_UTILS_CACHE=off`` to always retrain (the timing benchmark does),
or to a folder to cache there (default ``~/.cache/course_utils/models``).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import tempfile
from pathlib import Path

import torch

from . import recipes

#: name -> (module with build_from_recipe / train_from_recipe, recipe attribute name)
REGISTRY: dict[str, tuple[str, str]] = {
    "nade": ("course_utils.models.nade", "NADE"),
    "pixelcnn": ("course_utils.models.pixelcnn", "PIXELCNN"),
    "vae_2d": ("course_utils.models.vae", "VAE_2D"),
    "vae_20d": ("course_utils.models.vae", "VAE_20D"),
    "dcgan": ("course_utils.models.gan", "DCGAN"),
}


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is switched off."""
    setting = os.environ.get("COURSE_UTILS_CACHE", "")
    if setting.lower() in ("off", "0", "none", "false"):
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "course_utils" / "models"


def _key(name: str, module, recipe) -> str:
    text = json.dumps(recipe.as_dict(), sort_keys=True) + inspect.getsource(module) + torch.__version__
    return f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def trained(name: str, *, progress: bool = True) -> tuple[torch.nn.Module, dict]:
    """Return ``(model, history)`` for a registered model, training it on first use.

    ``history`` is what the model's ``train_from_recipe`` returned (losses per
    epoch, ``seconds`` of training), so a cached model reports the time its
    training really took.
    """
    if name not in REGISTRY:
        raise ValueError(f"zoo.trained: name must be one of {sorted(REGISTRY)}; got {name!r}")
    module_name, recipe_name = REGISTRY[name]
    module = importlib.import_module(module_name)
    recipe = getattr(recipes, recipe_name)
    folder = cache_dir()
    path = folder / f"{_key(name, module, recipe)}.pt" if folder else None
    if path is not None and path.exists():
        saved = torch.load(path, weights_only=True)
        model = module.build_from_recipe(recipe)
        model.load_state_dict(saved["state_dict"])
        model.eval()
        return model, json.loads(saved["history"])
    model, history = module.train_from_recipe(recipe, progress=progress)
    model.eval()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        os.close(fd)
        torch.save({"state_dict": model.state_dict(), "history": json.dumps(history)}, tmp)
        os.replace(tmp, path)
    return model, history
