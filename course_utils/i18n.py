"""The learner's language for what course_utils says: checkers' verdicts and hints, widgets' captions and labels.

Messages are keyed by their English text (gettext's ``msgid``) in
``course_utils/locale/<lang>.po``; ``tr(text)`` gives the translation in the
language chosen by ``course_utils.setup(..., lang=...)``, or ``text`` itself
when the catalogue has no finished (non-fuzzy) entry for it. Templates keep
their ``{fields}`` and are filled after translation:
``tr("expected {want}, got {got}").format(want=..., got=...)``. Error messages
(ValueError / TypeError) are never translated: they stay English in every
edition. Figures (matplotlib text) stay English too.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from . import validation as V

#: The languages of the course; "en" needs no catalogue.
LANGUAGES = ("en", "ko")
LOCALE = Path(__file__).resolve().parent / "locale"

_current = {"lang": "en", "messages": {}}


def catalogue_path(lang: str) -> Path:
    return LOCALE / f"{lang}.po"


@functools.lru_cache(maxsize=None)
def messages(lang: str) -> dict[str, str]:
    """English -> translation for every finished entry of ``lang``'s catalogue (none for "en")."""
    V.choice("i18n.messages", "lang", lang, LANGUAGES)
    if lang == "en":
        return {}
    import polib

    po = polib.pofile(str(catalogue_path(lang)))
    return {e.msgid: e.msgstr for e in po if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}


def check_language(lang, where: str = "setup") -> str:
    """``lang`` if it is one of LANGUAGES, else ValueError naming the argument (``where``: the caller)."""
    return V.choice(where, "lang", lang, LANGUAGES)


def set_language(lang: str, where: str = "setup") -> None:
    """Choose the language of every later message (``where`` names the caller in the error)."""
    check_language(lang, where)
    _current["messages"] = messages(lang)
    _current["lang"] = lang


def language() -> str:
    """The language chosen by the last ``setup(lang=...)`` ("en" until then)."""
    return _current["lang"]


@contextlib.contextmanager
def using(lang: str):
    """Speak ``lang`` inside a ``with`` block (tests, the site's Korean frames), then the language before."""
    before = language()
    set_language(lang, "i18n.using")
    try:
        yield
    finally:
        set_language(before, "i18n.using")


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue where it is defined; ``tr`` translates it where it is shown."""
    return text


def tr(text: str | None) -> str | None:
    """``text`` in the current language; unchanged when there is no translation (or no text)."""
    if not text:
        return text
    return _current["messages"].get(text, text)
