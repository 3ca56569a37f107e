import numpy as np
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


# ----------------------------------------------------------------------------
# Never crash, never mislead (issue 15, item 4)
# ----------------------------------------------------------------------------


def test_equal_compares_numpy_answers_instead_of_raising(capsys):
    assert checks.check_equal("np", lambda: np.array([1, 2]), np.array([1, 2]), hint="h")
    assert not checks.check_equal("np", lambda: np.array([1, 3]), np.array([1, 2]), hint="h")
    assert checks.check_equal("np vs tensor", lambda: np.array([1.0, 2.0]), torch.tensor([1.0, 2.0]), hint="h")
    assert not checks.check_equal("None vs tensor", lambda: None, torch.tensor([1.0]), hint="h")
    assert "❌ None vs tensor: not quite" in capsys.readouterr().out


def test_a_tuple_equals_a_list_with_the_same_elements(capsys):
    assert checks.check_equal("seq", lambda: (2, 11), [2, 11], hint="h")
    assert checks.check_equal("nested", lambda: [[4, 1], [1]], [(4, 1), (1,)], hint="h")
    assert not checks.check_equal("seq", lambda: (2, 12), [2, 11], hint="h")


def test_two_answers_that_print_alike_are_told_apart(capsys):
    assert not checks.check_equal("types", lambda: "2", 2, hint="h")
    assert "got '2'" in capsys.readouterr().out
    assert not checks.check_equal("bool list", lambda: [1.0, 0.0], np.array([True, False, True]), hint="h")
    assert not checks.check_equal("same text", lambda: [2.0, 11.0], np.array([2.0, 11.0, 0.0])[:2].tolist() + [1], hint="h")
    assert not checks.check_equal("list vs str", lambda: ["a"], "['a']", hint="h")
    assert "expected \"['a']\", got ['a']" in capsys.readouterr().out


def test_text_and_complex_numbers_are_not_numbers(capsys):
    assert not checks.check_close("str", lambda: "0.3", 0.3, hint="h")
    assert "expected a real number or tensor, got str '0.3'" in capsys.readouterr().out
    assert not checks.check_close("list of str", lambda: ["0.3"], [0.3], hint="h")
    assert not checks.check_equal("complex", lambda: 0.3 + 0j, 0.3, hint="h")
    assert not checks.check_close("complex tensor", lambda: torch.tensor([0.3 + 0j]), [0.3], hint="h")


@pytest.mark.parametrize("answer", [None, "abc", object(), {"a": 1}, torch.zeros(2, dtype=torch.complex64)])
@pytest.mark.parametrize("checker", [checks.check_close, checks.check_equal])
def test_answers_of_the_wrong_type_get_a_verdict_not_a_traceback(checker, answer, capsys):
    assert not checker("wrong type", lambda: answer, torch.tensor([1.0, 2.0]), hint="h")
    assert "❌ wrong type: not quite" in capsys.readouterr().out


def test_a_flood_of_printing_is_cut_before_the_verdict(capsys):
    def chatty():
        for i in range(20_000):
            print(f"line {i}")
        return 0.3

    assert checks.check_close("flood", chatty, 0.3, hint="h")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:20] == [f"line {i}" for i in range(20)]
    assert lines[20] == "… 19980 more lines" and lines[21] == "✅ flood: correct." and len(lines) == 22


def test_printing_stays_in_order_and_short_output_is_kept_whole(capsys):
    def answer():
        print("hello")
        raise ValueError("bad\nsecond line")

    assert not checks.check_true("p", answer, bool, hint="h")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "hello" and out[1].startswith("❌ p: your code raised ValueError: bad (+1 more lines)")


def test_keyboard_interrupt_still_stops_the_cell(capsys):
    def interrupted():
        print("working")
        raise KeyboardInterrupt

    for checker, extra in ((checks.check_close, (1.0,)), (checks.check_equal, (1,)), (checks.check_true, (bool,))):
        with pytest.raises(KeyboardInterrupt):
            checker("stop", interrupted, *extra, hint="h")
    assert capsys.readouterr().out.count("working") == 3  # what was printed is shown, then the cell stops
