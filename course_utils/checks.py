"""Exercise checkers: a friendly verdict and a hint, never a bare assert.

Every checker takes the learner's answer as a zero-argument callable (usually a
``lambda``), so that an unfinished exercise (``raise NotImplementedError``)
and a bug in the learner's code are reported here, as text, instead of as a
traceback from deep inside PyTorch. Each checker prints one line and returns
True only when the answer is right.

    check_close("Bernoulli MLE", lambda: bernoulli_mle(x), 0.3, hint="...")
"""

from __future__ import annotations

import contextlib
import io
import math
from typing import Any, Callable

import numpy as np
import torch

from .i18n import tr

PASS, FAIL, TODO = "✅", "❌", "⏳"

#: Lines of the learner's own printing shown before the verdict (the rest is counted).
MAX_OUTPUT_LINES = 20


def _as_array(value: Any) -> np.ndarray:
    """A real numeric array, or TypeError (strings, None, objects and complex numbers are not numbers here)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.is_complex():
            raise TypeError("complex")
        return value.double().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(type(value).__name__)
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"array of {arr.dtype}")
    return arr.astype(np.float64)


def _short(value: Any) -> str:
    text = np.array2string(_as_array(value), precision=4, threshold=8) if _is_numeric(value) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_numeric(value: Any) -> bool:
    try:
        _as_array(value)
        return True
    except (TypeError, ValueError):
        return False


def _kind(value: Any) -> str:
    """What an answer is, in words: ``a str '0.3'``, ``a tuple (2, 11)``, ``a tensor of shape (3,)``."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _show_output(text: str) -> None:
    """Print what the learner's code printed: its first lines, then how many more there were."""
    if not text:
        return
    lines = text.rstrip("\n").split("\n")
    print("\n".join(lines[:MAX_OUTPUT_LINES]))
    if len(lines) > MAX_OUTPUT_LINES:
        print(f"… {len(lines) - MAX_OUTPUT_LINES} more lines")


def _call(name: str, answer: Callable[[], Any], hint: str) -> tuple[bool, Any]:
    """Run the learner's code; report unfinished work and errors as text.

    What the code prints is captured and shown first, cut to its first 20
    lines, so the verdict is never buried. KeyboardInterrupt (the stop button)
    still stops the cell.
    """
    if not callable(answer):
        raise TypeError(
            f"check {name!r} expects answer as a zero-argument callable such as "
            f"`lambda: my_function(x)`; got {type(answer).__name__}"
        )
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            value = answer()
    except NotImplementedError:
        _show_output(printed.getvalue())
        print(tr("{mark} {name}: not yet done. Hint: {hint}").format(mark=TODO, name=tr(name), hint=tr(hint)))
    except Exception as err:  # the learner's bug, reported rather than raised
        _show_output(printed.getvalue())
        print(tr("{mark} {name}: your code raised {error}. Hint: {hint}").format(
            mark=FAIL, name=tr(name), error=f"{type(err).__name__}: {_first_line(err)}", hint=tr(hint)))
    except BaseException:  # KeyboardInterrupt, SystemExit: show what was printed, then stop
        _show_output(printed.getvalue())
        raise
    else:
        _show_output(printed.getvalue())
        return True, value
    return False, None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().split("\n")
    more = f" (+{len(text) - 1} more lines)" if len(text) > 1 else ""
    return (text[0] if len(text[0]) <= 300 else text[0][:297] + "...") + more


def _verdict(name: str, ok: bool, hint: str, detail: str = "") -> bool:
    if ok:
        print(tr("{mark} {name}: correct.").format(mark=PASS, name=tr(name)))
    elif detail:
        print(tr("{mark} {name}: not quite: {detail}. Hint: {hint}").format(mark=FAIL, name=tr(name), detail=tr(detail), hint=tr(hint)))
    else:
        print(tr("{mark} {name}: not quite. Hint: {hint}").format(mark=FAIL, name=tr(name), hint=tr(hint)))
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
    """Check that the answer equals ``expected`` elementwise within tolerances.

    The answer must be a real number, tensor or array (a str such as "0.3" or a
    complex number is not); NaN matches only where ``expected`` is NaN too.
    """
    done, value = _call(name, answer, hint)
    if not done:
        return False
    if not _is_numeric(value):
        return _verdict(name, False, hint, tr("expected a real number or tensor, got {got}").format(got=_kind(value)))
    got, want = _as_array(value), _as_array(expected)
    if got.shape != want.shape:
        return _verdict(name, False, hint, tr("expected shape {want}, got shape {got}").format(want=want.shape, got=got.shape))
    ok = bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True))
    return _verdict(name, ok, hint, tr("expected {want}, got {got}").format(want=_short(want), got=_short(got)))


def _equal(value: Any, expected: Any) -> bool:
    """Exact equality that never raises: arrays by shape and values, lists and tuples element by
    element (a tuple equals a list with the same elements), NaN equals NaN, a complex or str answer
    never equals a real number."""
    if isinstance(value, (torch.Tensor, np.ndarray)) or isinstance(expected, (torch.Tensor, np.ndarray)):
        try:
            a, b = _as_array(value), _as_array(expected)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(value, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(value) == len(expected) and all(_equal(v, e) for v, e in zip(value, expected))
    if isinstance(value, dict) and isinstance(expected, dict):
        return value.keys() == expected.keys() and all(_equal(value[k], expected[k]) for k in expected)
    if isinstance(value, complex) != isinstance(expected, complex) or isinstance(value, str) != isinstance(expected, str):
        return False
    if isinstance(value, float) and isinstance(expected, float) and math.isnan(value) and math.isnan(expected):
        return True
    try:
        return bool(value == expected)
    except Exception:  # noqa: BLE001 - a comparison that fails is not equality
        return False


def check_equal(name: str, answer: Callable[[], Any], expected: Any, *, hint: str) -> bool:
    """Check that the answer equals ``expected`` exactly (ints, strings, tuples, tensors...)."""
    done, value = _call(name, answer, hint)
    if not done:
        return False
    if _equal(value, expected):
        return _verdict(name, True, hint)
    shown, want = _short(value), _short(expected)
    if shown == want:  # the same text for two different things: say what each one is
        shown, want = _kind(value), _kind(expected)
    return _verdict(name, False, hint, tr("expected {want}, got {got}").format(want=want, got=shown))


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
        return _verdict(name, False, hint, tr("could not test your answer ({error})").format(error=f"{type(err).__name__}: {_first_line(err)}"))
    return _verdict(name, ok, hint, requirement)
