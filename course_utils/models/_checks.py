"""Argument checks shared by the models: one wording for every error they raise."""

from __future__ import annotations


def check_positive_int(where: str, name: str, value) -> int:
    """Return ``value`` if it is an int >= 1 (bools excluded); else ValueError naming ``where`` and ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int; got {value!r}")
    return value
