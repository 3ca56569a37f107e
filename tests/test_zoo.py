"""The trained-model cache: trains once, reloads the same weights, retrains on change."""

import sys
import types
from dataclasses import replace

import pytest
import torch

from course_utils import recipes, zoo


@pytest.fixture
def toy_entry(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path / "cache"))
    module = types.ModuleType("toy_model_for_zoo")
    module.calls = 0
    source = "def build_from_recipe(recipe): ...\n"

    def build_from_recipe(recipe):
        return torch.nn.Linear(2, recipe.epochs)

    def train_from_recipe(recipe, progress=True):
        module.calls += 1
        torch.manual_seed(recipe.seed)
        return build_from_recipe(recipe), {"train_loss": [1.0], "seconds": [0.5]}

    module.build_from_recipe, module.train_from_recipe = build_from_recipe, train_from_recipe
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(zoo.inspect, "getsource", lambda m: source if m is module else "")
    monkeypatch.setattr(recipes, "TOY", recipes.Recipe(seed=1, epochs=3), raising=False)
    monkeypatch.setitem(zoo.REGISTRY, "toy", (module.__name__, "TOY"))
    return module


def test_trains_once_then_reloads_identical_weights(toy_entry):
    first, history = zoo.trained("toy")
    second, history2 = zoo.trained("toy")
    assert toy_entry.calls == 1
    assert history == history2 == {"train_loss": [1.0], "seconds": [0.5]}
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_a_changed_recipe_retrains(toy_entry, monkeypatch):
    zoo.trained("toy")
    monkeypatch.setattr(recipes, "TOY", replace(recipes.TOY, seed=2))
    zoo.trained("toy")
    assert toy_entry.calls == 2


def test_cache_off_always_trains(toy_entry, monkeypatch):
    monkeypatch.setenv("COURSE_UTILS_CACHE", "off")
    zoo.trained("toy")
    zoo.trained("toy")
    assert toy_entry.calls == 2


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="must be one of"):
        zoo.trained("gpt")
