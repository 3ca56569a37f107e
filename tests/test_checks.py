import pytest
import torch

from course_utils import checks


def _todo():
    raise NotImplementedError("Your code here")


def test_close_passes_and_prints_a_tick(capsys):
    assert checks.check_close("mean", lambda: torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-9], hint="h")
    assert capsys.readouterr().out.startswith("✅ mean: correct.")


def test_close_fails_with_values_and_hint(capsys):
    assert not checks.check_close("mean", lambda: 0.5, 0.3, hint="divide by n")
    out = capsys.readouterr().out
    assert out.startswith("❌ mean: not quite") and "expected 0.3" in out and "divide by n" in out


def test_close_reports_shape_mismatch(capsys):
    assert not checks.check_close("v", lambda: torch.zeros(3), torch.zeros(2), hint="h")
    assert "expected shape (2,), got shape (3,)" in capsys.readouterr().out


def test_unfinished_exercise_is_not_yet_done(capsys):
    for check in (
        lambda: checks.check_close("ex", _todo, 1.0, hint="use torch.log"),
        lambda: checks.check_equal("ex", _todo, 1, hint="use torch.log"),
        lambda: checks.check_true("ex", _todo, bool, hint="use torch.log"),
    ):
        assert check() is False
        assert capsys.readouterr().out == "⏳ ex: not yet done. Hint: use torch.log\n"


def test_learner_bug_is_reported_not_raised(capsys):
    assert not checks.check_equal("ex", lambda: 1 / 0, 1, hint="h")
    assert "your code raised ZeroDivisionError" in capsys.readouterr().out


def test_equal_handles_tensors_and_plain_values(capsys):
    assert checks.check_equal("t", lambda: torch.tensor([1, 2]), torch.tensor([1, 2]), hint="h")
    assert not checks.check_equal("t", lambda: torch.tensor([1, 3]), torch.tensor([1, 2]), hint="h")
    assert checks.check_equal("s", lambda: ("a", 1), ("a", 1), hint="h")


def test_true_with_failing_predicate_states_requirement(capsys):
    assert not checks.check_true("p", lambda: 3, lambda v: v > 5, hint="h", requirement="must exceed 5")
    assert "must exceed 5" in capsys.readouterr().out


def test_answer_must_be_callable():
    with pytest.raises(TypeError, match="zero-argument callable"):
        checks.check_close("x", 1.0, 1.0, hint="h")


def test_nan_matches_only_an_expected_nan(capsys):
    assert checks.check_close("nan", lambda: float("nan"), float("nan"), hint="h")
    assert not checks.check_close("nan", lambda: float("nan"), 1.0, hint="h")
    assert not checks.check_close("nan", lambda: torch.tensor([1.0, float("nan")]), [1.0, 2.0], hint="h")
    assert checks.check_equal("nan", lambda: float("nan"), float("nan"), hint="h")
