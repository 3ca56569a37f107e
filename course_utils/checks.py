"""Exercise checkers: a friendly verdict and a hint, never a bare assert.

Every checker takes the learner's answer as a zero-argument callable (usually a
``lambda``), so that an unfinished exercise (``raise NotImplementedError``)
and a bug in the learner's code are reported here, as text, instead of as a
traceback from deep inside PyTorch. Each checker prints one line and returns
True only when the answer is right.

    check_close("Bernoulli MLE", lambda: bernoulli_mle(x), 0.3, hint="...")
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

PASS, FAIL, TODO = "✅", "❌", "⏳"


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def _short(value: Any) -> str:
    text = np.array2string(_as_array(value), precision=4, threshold=8) if _is_numeric(value) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_numeric(value: Any) -> bool:
    try:
        _as_array(value)
        return True
    except (TypeError, ValueError):
        return False


def _call(name: str, answer: Callable[[], Any], hint: str) -> tuple[bool, Any]:
    """Run the learner's code; report unfinished work and errors as text."""
    if not callable(answer):
        raise TypeError(
            f"check {name!r}: answer must be a zero-argument callable such as "
            f"`lambda: my_function(x)`; got {type(answer).__name__}"
        )
    try:
        return True, answer()
    except NotImplementedError:
        print(f"{TODO} {name}: not yet done. Hint: {hint}")
    except Exception as err:  # the learner's bug, reported rather than raised
        print(f"{FAIL} {name}: your code raised {type(err).__name__}: {err}. Hint: {hint}")
    return False, None


def _verdict(name: str, ok: bool, hint: str, detail: str = "") -> bool:
    if ok:
        print(f"{PASS} {name}: correct.")
    else:
        print(f"{FAIL} {name}: not quite{': ' + detail if detail else ''}. Hint: {hint}")
    return ok


def check_close(
    name: str,
    answer: Callable[[], Any],
    expected: Any,
    *,
    hint: str,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> bool:
    """Check that the answer equals ``expected`` elementwise within tolerances."""
    done, value = _call(name, answer, hint)
    if not done:
        return False
    if not _is_numeric(value):
        return _verdict(name, False, hint, f"expected a number or tensor, got {type(value).__name__}")
    got, want = _as_array(value), _as_array(expected)
    if got.shape != want.shape:
        return _verdict(name, False, hint, f"expected shape {want.shape}, got shape {got.shape}")
    ok = bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False))
    return _verdict(name, ok, hint, f"expected {_short(want)}, got {_short(got)}")


def check_equal(name: str, answer: Callable[[], Any], expected: Any, *, hint: str) -> bool:
    """Check that the answer equals ``expected`` exactly (ints, strings, tuples...)."""
    done, value = _call(name, answer, hint)
    if not done:
        return False
    if isinstance(value, torch.Tensor) or isinstance(expected, torch.Tensor):
        ok = torch.equal(torch.as_tensor(value), torch.as_tensor(expected))
    else:
        ok = value == expected
    return _verdict(name, bool(ok), hint, f"expected {_short(expected)}, got {_short(value)}")


def check_true(
    name: str,
    answer: Callable[[], Any],
    predicate: Callable[[Any], bool],
    *,
    hint: str,
    requirement: str = "",
) -> bool:
    """Check that ``predicate(answer())`` holds; ``requirement`` says what it tests."""
    done, value = _call(name, answer, hint)
    if not done:
        return False
    try:
        ok = bool(predicate(value))
    except Exception as err:
        return _verdict(name, False, hint, f"could not test your answer ({type(err).__name__}: {err})")
    return _verdict(name, ok, hint, requirement)
