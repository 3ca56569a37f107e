"""The one validation layer: every public function of ``course_utils`` checks its arguments here.

One wording everywhere, so that a learner can search for it::

    <where> expects <argument> <what was expected>; got <what came>

e.g. ``NADE.log_prob expects x with values in {0, 1} and shape (batch, 784);
got shape (32, 28, 28)``. A wrong *type* raises ``TypeError``, a wrong *value*
(shape, range, NaN, size) raises ``ValueError``.

One decision per input, the same in every function:

* sizes and counts are Python (or NumPy) ints, never bools or floats;
  ``sample(0)`` is allowed and returns an empty ``(0, n_dims)`` tensor;
* a model's data batch is a ``torch.Tensor`` of shape ``(batch, n_dims)``
  (a NumPy array is refused with the ``torch.from_numpy`` hint); float64,
  integer and bool batches are cast to the parameters' dtype and device;
* pure maths functions (``probability``, the GAN theory on a grid) accept
  anything array-like and let NaN in give NaN out where the docstring says so.

The checks are O(1) or one vectorised pass over the data, so that they cost
nothing measurable in a training step or a slider callback.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Iterable, Sequence

import numpy as np
import torch

__all__ = [
    "fail", "type_name", "integer", "positive_int", "count", "number", "positive", "probability",
    "flag", "choice", "text", "function", "generator", "device", "tensor", "batch", "latent",
    "labels", "array", "permutation", "same_shape",
]

_REPR_CHARS = 60


def type_name(value: Any) -> str:
    """``int``, ``numpy.ndarray``, ``NoneType``...: how a value is named in an error."""
    cls = type(value)
    module = cls.__module__
    if module in ("builtins", None):
        return cls.__name__
    return f"{module.split('.')[0]}.{cls.__name__}"


def _show(value: Any) -> str:
    """A short description of a scalar-ish value: its repr (cut), or its type for containers."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"{type_name(value)} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if isinstance(value, (list, tuple, dict, set)) and len(text) > _REPR_CHARS:
        return f"a {type_name(value)} of length {len(value)}"
    return text if len(text) <= _REPR_CHARS else text[: _REPR_CHARS - 3] + "..."


def fail(where: str, name: str, expected: str, got: str, error: type[Exception] = ValueError):
    """Raise ``error("<where> expects <name> <expected>; got <got>")``."""
    raise error(f"{where} expects {name} {expected}; got {got}")


# ----------------------------------------------------------------------------
# Scalars
# ----------------------------------------------------------------------------


def integer(where: str, name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An int (NumPy ints too; never a bool or a float) in [minimum, maximum]; returned as ``int``."""
    if minimum is not None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    else:
        expected = "an int"
    if isinstance(value, (bool, np.bool_)):
        fail(where, name, expected, f"the bool {value!r}", TypeError)
    try:
        value = operator.index(value)
    except TypeError:
        fail(where, name, expected, f"{type_name(value)} {_show(value)}", TypeError)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        fail(where, name, expected, repr(value))
    return int(value)


def positive_int(where: str, name: str, value) -> int:
    """An int >= 1 (a size: n_dims, n_hidden, epochs, batch_size...)."""
    return integer(where, name, value, minimum=1)


def count(where: str, name: str, value) -> int:
    """An int >= 0 (a number of samples: ``sample(0)`` gives an empty batch)."""
    return integer(where, name, value, minimum=0)


def number(
    where: str,
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_min: bool = False,
    open_max: bool = False,
    expected: str | None = None,
) -> float:
    """A finite real number (int, float, NumPy scalar or 0-d real tensor) in the given interval."""
    if expected is None:
        lo = "" if minimum is None else ("(" if open_min else "[") + f"{minimum:g}"
        hi = "" if maximum is None else f"{maximum:g}" + (")" if open_max else "]")
        if minimum is not None and maximum is not None:
            expected = f"a number in {lo}, {hi}"
        elif minimum is not None:
            expected = f"a number {'>' if open_min else '>='} {minimum:g}"
        elif maximum is not None:
            expected = f"a number {'<' if open_max else '<='} {maximum:g}"
        else:
            expected = "a finite number"
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(where, name, expected, f"{type_name(value)} {_show(value)}", TypeError)
    value = float(value)
    bad = not math.isfinite(value)
    if minimum is not None:
        bad = bad or value < minimum or (open_min and value == minimum)
    if maximum is not None:
        bad = bad or value > maximum or (open_max and value == maximum)
    if bad:
        fail(where, name, expected, repr(value))
    return value


def positive(where: str, name: str, value) -> float:
    """A finite number > 0 (a standard deviation, a learning rate, a grid spacing...)."""
    return number(where, name, value, minimum=0.0, open_min=True, expected="a positive finite number")


def probability(where: str, name: str, value, *, open: bool = False) -> float:
    """A number in [0, 1] (in (0, 1) with ``open=True``)."""
    return number(where, name, value, minimum=0.0, maximum=1.0, open_min=open, open_max=open)


def flag(where: str, name: str, value) -> bool:
    """True or False (not 1, not "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        fail(where, name, "to be True or False", f"{type_name(value)} {_show(value)}", TypeError)
    return bool(value)


def choice(where: str, name: str, value, options: Sequence):
    """One of ``options`` (compared with ==)."""
    try:
        ok = any(value == option and type(value) is type(option) for option in options)
    except Exception:  # noqa: BLE001 - a value that cannot even be compared is not an option
        ok = False
    if not ok:
        fail(where, name, f"one of {list(options)}", _show(value))
    return value


def text(where: str, name: str, value, *, nonempty: bool = False) -> str:
    """A str (non-empty after stripping with ``nonempty=True``)."""
    if not isinstance(value, str):
        fail(where, name, "a str", f"{type_name(value)} {_show(value)}", TypeError)
    if nonempty and not value.strip():
        fail(where, name, "a non-empty str", repr(value))
    return value


def function(where: str, name: str, value, signature: str = "") -> Any:
    """A callable (``signature`` says how it is called, e.g. ``f(samples)``)."""
    if not callable(value):
        fail(where, name, f"a callable{' ' + signature if signature else ''}", f"{type_name(value)} {_show(value)}", TypeError)
    return value


def generator(where: str, value, name: str = "generator") -> torch.Generator | None:
    """A ``torch.Generator`` or None."""
    if value is not None and not isinstance(value, torch.Generator):
        fail(where, name, "a torch.Generator or None (e.g. torch.Generator().manual_seed(0))",
             f"{type_name(value)} {_show(value)}", TypeError)
    return value


def device(where: str, value, name: str = "device") -> torch.device:
    """A device that exists here: ``"cpu"``, ``"cuda"`` when CUDA is available, ``"mps"`` on Apple GPUs."""
    try:
        dev = torch.device(value)
    except (TypeError, RuntimeError):
        fail(where, name, "a device name such as 'cpu' or 'cuda'", _show(value),
             TypeError if not isinstance(value, str) else ValueError)
    if dev.type == "cuda" and not torch.cuda.is_available():
        fail(where, name, "a device that exists on this machine", f"{value!r}, but CUDA is not available")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            fail(where, name, "a device that exists on this machine", f"{value!r}, but MPS is not available")
    if dev.type not in ("cpu", "cuda", "mps"):
        fail(where, name, "one of the devices 'cpu', 'cuda' or 'mps'", repr(value))
    return dev


# ----------------------------------------------------------------------------
# Tensors and arrays
# ----------------------------------------------------------------------------


def tensor(where: str, name: str, value, expected: str = "a torch.Tensor") -> torch.Tensor:
    """A ``torch.Tensor`` (a NumPy array or a list is refused with the way to convert it)."""
    if not isinstance(value, torch.Tensor):
        hint = ""
        if isinstance(value, np.ndarray):
            hint = " (convert it with torch.from_numpy(x).float())"
        elif isinstance(value, (list, tuple)):
            hint = " (convert it with torch.tensor(x, dtype=torch.float32))"
        fail(where, name, expected, f"{type_name(value)}{hint}", TypeError)
    if value.is_complex():
        fail(where, name, expected + " with real values", f"dtype {value.dtype}", TypeError)
    return value


_VALUES = {"binary": "with values in {0, 1}", "unit": "with values in [0, 1]", "real": "with finite values"}


def batch(
    where: str,
    x,
    n_dims: int,
    *,
    values: str = "binary",
    like: torch.Tensor | None = None,
    name: str = "x",
    nonempty: bool = False,
) -> torch.Tensor:
    """A model's data batch: a real tensor of shape ``(batch, n_dims)`` whose values are
    ``"binary"`` ({0, 1}), ``"unit"`` ([0, 1]) or ``"real"`` (finite).

    Returned cast to the dtype and device of ``like`` (a parameter of the model;
    float32 when None), so that float64, integer and bool batches work everywhere.
    ``nonempty=True`` refuses a batch of 0 rows (for fits and means).
    """
    kind = _VALUES[values]
    expected = f"{kind} and shape (batch, {n_dims})"
    x = tensor(where, name, x, f"a torch.Tensor {expected}")
    if x.dim() != 2 or x.shape[1] != n_dims:
        fail(where, name, expected, f"shape {tuple(x.shape)}")
    if nonempty and x.shape[0] == 0:
        fail(where, name, f"at least one row {kind} and shape (batch, {n_dims})", f"shape {tuple(x.shape)}")
    dtype = torch.float32 if like is None else like.dtype
    target = x.device if like is None else like.device
    if x.dtype != dtype or x.device != target:
        x = x.to(device=target, dtype=dtype)
    if x.numel() == 0:
        return x
    if values == "binary":
        if bool(torch.any(x * (1 - x))):  # zero exactly when every value is 0 or 1 (NaN and inf are not)
            _fail_values(where, name, expected, x, binary=True)
    elif values == "unit":
        lo, hi = torch.aminmax(x)
        if not (lo >= 0 and hi <= 1):  # NaN fails both comparisons
            _fail_values(where, name, expected, x, binary=False)
    elif not bool(torch.isfinite(x).all()):
        fail(where, name, expected, "NaN or inf")
    return x


def _fail_values(where: str, name: str, expected: str, x: torch.Tensor, *, binary: bool) -> None:
    if not bool(torch.isfinite(x).all()):
        fail(where, name, expected, "NaN or inf")
    lo, hi = x.min().item(), x.max().item()
    if hi > 1.5:
        hint = " (pixels in 0..255? divide by 255 first" + (", then binarize, e.g. (x / 255 > 0.5).float())" if binary else ")")
    elif binary:
        hint = " (binarize first, e.g. (x > 0.5).float())"
    else:
        hint = ""
    if binary:
        bad = x[(x != 0) & (x != 1)][0].item()
        fail(where, name, expected, f"other values, e.g. {bad!r}{hint}")
    fail(where, name, expected, f"values in [{lo:.3g}, {hi:.3g}]{hint}")


def latent(where: str, z, n_latent: int, *, like: torch.Tensor | None = None, name: str = "z",
           leading: str = "...") -> torch.Tensor:
    """Latent codes of shape ``(..., n_latent)`` (``leading`` names the leading dims), finite,
    cast to ``like``'s dtype and device."""
    expected = f"of shape ({leading}, {n_latent}) with finite values"
    z = tensor(where, name, z, f"a torch.Tensor {expected}")
    if z.dim() < 1 or z.shape[-1] != n_latent or (leading != "..." and z.dim() != leading.count(",") + 2):
        fail(where, name, expected, f"shape {tuple(z.shape)}")
    if like is not None and (z.dtype != like.dtype or z.device != like.device):
        z = z.to(device=like.device, dtype=like.dtype)
    elif like is None and not z.is_floating_point():
        z = z.float()
    if z.numel() and not bool(torch.isfinite(z).all()):
        fail(where, name, expected, "NaN or inf")
    return z


def labels(where: str, name: str, y, n: int | None = None, n_classes: int | None = None) -> torch.Tensor:
    """Integer class labels (a long tensor of shape (n,)), each in 0..n_classes - 1."""
    shape = "(batch,)" if n is None else f"({n},)"
    classes = "" if n_classes is None else f" in 0..{n_classes - 1}"
    expected = f"integer class labels{classes} of shape {shape}"
    y = tensor(where, name, y, f"a torch.Tensor of {expected}")
    if y.is_floating_point() or y.dtype == torch.bool:
        fail(where, name, expected, f"dtype {y.dtype}", TypeError)
    if y.dim() != 1 or (n is not None and len(y) != n):
        fail(where, name, expected, f"shape {tuple(y.shape)}")
    if y.numel() and (int(y.min()) < 0 or (n_classes is not None and int(y.max()) >= n_classes)):
        fail(where, name, expected, f"values in [{int(y.min())}, {int(y.max())}]")
    return y.long()


def array(
    where: str,
    name: str,
    value,
    *,
    ndim: int | Iterable[int] | None = None,
    finite: bool = True,
    nonnegative: bool = False,
    nonempty: bool = False,
    expected: str | None = None,
) -> np.ndarray:
    """Anything array-like of real numbers, as a float64 NumPy array (tensors are detached)."""
    ndims = (ndim,) if isinstance(ndim, int) else (tuple(ndim) if ndim is not None else None)
    if expected is None:
        parts = ["an array of real numbers"]
        if ndims is not None:
            parts.append(" or ".join(f"{d}-D" for d in ndims))
        expected = ", ".join(parts)
    if value is None or isinstance(value, (str, bytes, dict, set)):
        fail(where, name, expected, type_name(value), TypeError)
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            fail(where, name, expected, f"dtype {value.dtype}", TypeError)
        value = value.detach().cpu().double().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(where, name, expected, type_name(value), TypeError)
    if ndims is not None and arr.ndim not in ndims:
        fail(where, name, expected, f"shape {arr.shape}")
    if nonempty and arr.size == 0:
        fail(where, name, "a non-empty " + expected.removeprefix("an ").removeprefix("a "), f"shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        fail(where, name, expected + " with finite values", "NaN or inf")
    if nonnegative and arr.size and np.nanmin(arr) < 0:
        fail(where, name, expected + " >= 0", f"minimum {np.nanmin(arr):.3g}")
    return arr


def permutation(where: str, name: str, value, n: int) -> torch.Tensor:
    """A permutation of range(n) (a sequence or tensor of ints), as a long CPU tensor."""
    expected = f"a permutation of range({n})"
    if isinstance(value, (str, bytes)) or value is None:
        fail(where, name, expected, type_name(value), TypeError)
    try:
        perm = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        fail(where, name, expected, type_name(value), TypeError)
    if perm.is_floating_point() or perm.is_complex() or perm.dtype == torch.bool:
        fail(where, name, expected + " (integers)", f"dtype {perm.dtype}", TypeError)
    perm = perm.to(torch.long).cpu()
    if perm.shape != (n,):
        fail(where, name, expected, f"shape {tuple(perm.shape)}")
    if not torch.equal(torch.sort(perm).values, torch.arange(n)):
        fail(where, name, expected, "repeated or out-of-range entries")
    return perm


def same_shape(where: str, names: tuple[str, str], a, b) -> None:
    """Two arrays or tensors of the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        fail(where, f"{names[0]} and {names[1]}", "of the same shape", f"{tuple(a.shape)} and {tuple(b.shape)}")
