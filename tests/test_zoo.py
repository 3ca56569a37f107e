"""The model zoo: shipped weights that match the code, a cache that recovers, keys that track the code."""

from __future__ import annotations

import json
import random
import sys
import textwrap
import types
import warnings
from dataclasses import fields, replace

import numpy as np
import pytest
import torch

from course_utils import recipes, zoo
from course_utils.zoo import Entry

# ----------------------------------------------------------------------------
# A toy entry: a Linear layer "trained" by counting calls
# ----------------------------------------------------------------------------


def _toy_build(recipe):
    return torch.nn.Linear(2, recipe.epochs)


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """Register 'toy' (trains in microseconds) with its own cache folder; count its trainings."""
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("COURSE_UTILS_LIVE", raising=False)
    calls = []

    def train(recipe, progress=True):
        calls.append(recipe)
        model = _toy_build(recipe)
        torch.randn(3)  # training draws random numbers: init_rng must hide them from the caller
        return model, {"train_loss": [1.0], "seconds": 0.5}

    monkeypatch.setattr(recipes, "TOY", recipes.Recipe(seed=1, epochs=3), raising=False)
    monkeypatch.setitem(zoo.registry(), "toy", Entry("TOY", _toy_build, train, (_toy_build,)))
    return types.SimpleNamespace(calls=calls, folder=tmp_path / "cache")


def _cache_file(toy):
    (path,) = toy.folder.glob("toy-*.pt")
    return path


def test_trains_once_then_reloads_identical_weights(toy):
    first, history = zoo.trained("toy")
    second, history2 = zoo.trained("toy")
    assert len(toy.calls) == 1
    assert (history["source"], history2["source"]) == ("trained", "cache")
    assert history["train_loss"] == history2["train_loss"] == [1.0]
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_a_changed_recipe_retrains(toy, monkeypatch):
    zoo.trained("toy")
    monkeypatch.setattr(recipes, "TOY", replace(recipes.TOY, seed=2))
    zoo.trained("toy")
    assert len(toy.calls) == 2


@pytest.mark.parametrize("setting", ["off", " OFF ", "no", "0", "false"])
def test_cache_off_always_trains_and_makes_no_folder(toy, monkeypatch, tmp_path, setting):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_UTILS_CACHE", setting)
    zoo.trained("toy")
    zoo.trained("toy")
    assert len(toy.calls) == 2
    assert not any(tmp_path.glob(setting.strip() or "x"))


def test_tilde_in_the_cache_setting_means_home(toy, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COURSE_UTILS_CACHE", "~/models")
    zoo.trained("toy")
    assert list((tmp_path / "home" / "models").glob("toy-*.pt")) and not (tmp_path / "~").exists()


def test_a_cache_setting_that_is_a_file_is_refused_before_training(toy, monkeypatch, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path / "a_file"))
    with pytest.raises(ValueError, match="COURSE_UTILS_CACHE must name a folder"):
        zoo.trained("toy")
    assert toy.calls == []


def _corrupt(kind, path):
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    elif kind == "garbage":
        path.write_bytes(b"\x00garbage" * 50)
    elif kind == "architecture":
        torch.save({"state_dict": torch.nn.Linear(5, 5).state_dict(), "history": "{}"}, path)
    elif kind == "nan":
        state = torch.nn.Linear(2, 3).state_dict()
        state["weight"][0, 0] = float("nan")
        torch.save({"state_dict": state, "history": json.dumps({"train_loss": [0.0]})}, path)


@pytest.mark.parametrize("kind", ["empty", "truncated", "garbage", "architecture", "nan"])
def test_a_bad_cache_file_is_named_retrained_and_replaced(toy, kind):
    zoo.trained("toy")
    path = _cache_file(toy)
    _corrupt(kind, path)
    with pytest.warns(UserWarning, match=f"{path.name}.*retraining 'toy'") as caught:
        model, history = zoo.trained("toy")
    assert "weights_only=False" not in str(caught[0].message)  # never advise unpickling an unknown file
    assert len(toy.calls) == 2 and history["source"] == "trained"
    assert all(torch.isfinite(t).all() for t in model.state_dict().values())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert zoo.trained("toy")[1]["source"] == "cache"  # the replacement is good
    assert not list(toy.folder.glob("*.part"))


def test_a_failed_save_leaves_no_part_file(toy, monkeypatch):
    def broken_save(obj, f):
        open(f, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(zoo.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        zoo.trained("toy")
    assert not list(toy.folder.glob("*"))


def test_training_never_moves_the_callers_random_state(toy):
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    zoo.trained("toy")  # trains
    after_miss = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    zoo.trained("toy")  # cache hit
    after_hit = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    untouched = (random.random(), np.random.rand(), torch.rand(1).item())
    assert after_miss == after_hit == untouched


def test_live_trains_every_time_and_writes_nothing(toy, monkeypatch):
    zoo.trained("toy", live=True)
    assert not toy.folder.exists()
    monkeypatch.setenv("COURSE_UTILS_LIVE", "1")
    _, history = zoo.trained("toy")
    assert len(toy.calls) == 2 and history["source"] == "live"
    monkeypatch.delenv("COURSE_UTILS_LIVE")
    zoo.set_live(True)
    try:
        zoo.trained("toy")
    finally:
        zoo.set_live(False)
    assert len(toy.calls) == 3


def test_a_diverged_training_is_stopped_with_a_message(toy, monkeypatch):
    def diverge(recipe, progress=True):
        model = _toy_build(recipe)
        with torch.no_grad():
            model.weight.fill_(float("nan"))
        return model, {}

    monkeypatch.setitem(zoo.registry(), "toy", Entry("TOY", _toy_build, diverge, (_toy_build,)))
    with pytest.raises(ValueError, match="training 'toy' diverged"):
        zoo.trained("toy")
    assert not toy.folder.exists() or not list(toy.folder.glob("*"))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="name to be one of .*'nade'"):
        zoo.trained("gpt")


# ----------------------------------------------------------------------------
# Keys track code, not prose
# ----------------------------------------------------------------------------


def _function_from(source: str):
    namespace: dict = {}
    module = types.ModuleType("zoo_key_probe")
    path = f"<zoo_key_probe_{abs(hash(source))}>"
    import linecache

    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    exec(compile(source, path, "exec"), module.__dict__, namespace)
    function = namespace["step"]
    function.__module__ = module.__name__
    return function


def _key_of(monkeypatch, function):
    monkeypatch.setitem(zoo.registry(), "probe", Entry("NADE", _toy_build, _toy_build, (function,)))
    return zoo.key("probe")


def test_a_docstring_or_comment_edit_keeps_the_key_and_a_code_edit_changes_it(monkeypatch):
    base = textwrap.dedent('''
        def step(x):
            """Take one step."""
            return x + 1  # plus one
    ''')
    prose = base.replace("Take one step.", "Take one stpe.").replace("# plus one", "# add one")
    code = base.replace("x + 1", "x + 2")
    keys = [_key_of(monkeypatch, _function_from(s)) for s in (base, prose, code)]
    assert keys[0] == keys[1] != keys[2]


def test_every_entry_has_a_recipe_and_distinct_keys():
    keys = {name: zoo.key(name) for name in zoo.registry()}
    assert len(set(keys.values())) == len(keys)
    for name, entry in zoo.registry().items():
        assert isinstance(entry.get_recipe(), recipes.Recipe), name


# ----------------------------------------------------------------------------
# Shipped weights
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(zoo.registry()))
def test_shipped_weights_exist_and_match_todays_code(name):
    """Fails when a recipe or code the training reaches changed: run `make weights` and commit the result."""
    listed = json.loads(zoo.MANIFEST.read_text()).get(name)
    assert listed is not None, f"{name}: no shipped weights; run `make weights`"
    assert listed["key"] == zoo.key(name), f"{name}: shipped weights are stale; run `make weights`"
    assert zoo.shipped_path(name) is not None


@pytest.mark.parametrize("name", sorted(zoo.registry()))
def test_shipped_weights_load_with_weights_only_and_are_finite(name, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_UTILS_CACHE", str(tmp_path))
    model, history = zoo.trained(name, progress=False)
    assert history["source"] == "shipped"
    assert all(torch.isfinite(t).all() for t in model.state_dict().values() if t.is_floating_point())
    assert not model.training and not list(tmp_path.iterdir())  # shipped weights are never copied to the cache


def test_no_file_in_the_weights_folder_is_unlisted():
    files = {p.stem for p in zoo.WEIGHTS_DIR.glob("*.pt")}
    assert files == set(json.loads(zoo.MANIFEST.read_text())), "delete stale .pt files or run `make weights`"


# ----------------------------------------------------------------------------
# `reaches` covers what training really runs
# ----------------------------------------------------------------------------

#: Course functions a training run calls that cannot change the weights it produces.
NOT_KEYED = {
    "course_utils.zoo", "course_utils.zoo_entries", "course_utils.data", "course_utils.validation",
    "course_utils.models._checks", "course_utils.training.torch_threads", "course_utils.training.seed_everything",
    "course_utils.training.init_rng",
    # NADE's scratch-buffer pool: memory reuse only
    "course_utils.models.nade.release_buffers", "course_utils.models.nade._take_buffer",
    "course_utils.models.nade._give_buffer", "course_utils.models.nade._Lease",
}


def _tiny(recipe):
    short = {"epochs": 1, "steps": 3}
    return replace(recipe, **{f.name: short[f.name] for f in fields(recipe) if f.name in short})


def _covered(qualified: str, keyed: set[str]) -> bool:
    if any(qualified == k or qualified.startswith(k + ".") for k in keyed | NOT_KEYED):
        return True
    if "__create_fn__" in qualified:  # a dataclass's generated __init__: its fields are in the listed source
        return True
    name = qualified.rsplit(".", 1)[-1]
    return name.startswith(("_check", "check_")) or name in ("<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(zoo.registry()))
def test_reaches_lists_every_course_function_that_training_calls(name, monkeypatch):
    import course_utils.data
    import course_utils.zoo_entries

    entry = zoo.registry()[name]
    monkeypatch.setattr(recipes, entry.recipe, _tiny(entry.get_recipe()))
    full_load = course_utils.data.load_mnist
    few_digits = lambda *args, **kwargs: tuple(t[:200] for t in full_load(*args, **kwargs))  # noqa: E731
    monkeypatch.setattr(course_utils.data, "load_mnist", few_digits)
    monkeypatch.setattr(course_utils.zoo_entries, "load_mnist", few_digits)
    called: set[str] = set()

    def profile(frame, event, arg):
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if module.startswith("course_utils"):
                called.add(f"{module}.{frame.f_code.co_qualname}")

    sys.setprofile(profile)
    try:
        zoo.train(name, progress=False)
    finally:
        sys.setprofile(None)
    keyed = {f"{obj.__module__}.{obj.__qualname__}" for obj in entry.reaches}
    missing = sorted(q for q in called if not _covered(q, keyed))
    assert not missing, f"{name}: add these to its `reaches` in course_utils/zoo_entries.py: {missing}"


def test_provenance_says_where_a_model_came_from_and_how_long_it_trained():
    assert "shipped" not in zoo.provenance({"source": "shipped", "seconds": 2.0})  # speaks to the learner
    assert "trained weights (training took 2.0 s" in zoo.provenance({"source": "shipped", "seconds": 2.0})
    assert zoo.provenance({"source": "live", "seconds": [1.0, 3.25]}) == "trained live in 3.2 s"
    assert "cache" in zoo.provenance({"source": "cache", "seconds": 1.0})


def test_train_takes_another_recipe_of_the_same_kind_only(toy):
    model, _ = zoo.train("toy", recipe=recipes.TOY.replace(epochs=5))
    assert model.out_features == 5 and toy.calls[-1].epochs == 5
    with pytest.raises(TypeError, match="recipe to be a Recipe"):
        zoo.train("toy", recipe={"epochs": 5})
    with pytest.raises(ValueError, match="fields among"):
        recipes.TOY.replace(epoch=5)
