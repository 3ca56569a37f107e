"""What a Korean markdown cell must keep from the English cell it translates, and how it uses the glossary.

**Kept exactly** (as multisets, per cell): fenced code blocks, code spans (whitespace
inside a span normalised: a span broken over a line is the same span on one line),
``$…$`` and ``$$…$$`` segments, and link targets (``[text](target)``,
``<a href>``, ``<img src>``). Text, link texts and alt texts are translated.

**The glossary** (``notebooks/locale/ko/glossary.tsv``: Korean term, TAB, the
English forms it translates separated by ";"; lines starting with "#" are
comments). In an English cell's prose (the text outside code, maths, link
targets, HTML tags and URLs, less the lines that already hold Hangul, such as
the term tables, and less the References section from its heading on, whose
paper titles stay English) an English form matches as a whole word
(case-insensitive; a hyphen counts as part of a word, so ``log-likelihood`` is
not an occurrence of ``likelihood``); where matches overlap, the longest wins.
Then, for every entry so matched:

1. *Consistency*: the Korean cell's prose contains the Korean term (spaces
   ignored: 최대가능도 추정 = 최대 가능도 추정). An acronym form (``ELBO``,
   ``NLL``) may also stay as it is.
2. *First use*: in the first cell of the notebook where the entry matches, the
   Korean term is followed at least once by the English in parentheses,
   ``가능도(likelihood)`` or ``가능도 (likelihood, …)``: a ``(`` right after the term
   (spaces allowed, and a closing ``**`` or ``*``: ``**가능도**(likelihood)``) whose text before ``)`` contains one of the entry's forms as a
   whole word; or the term shares a table row with one of its forms (the term
   tables of the title cells). A Korean cell before it that already gives the term
   so (in prose, where the English cell has no matching form) counts as the first use.

A catalogue entry can exempt itself from rule 1 for one term with a translator
comment ``glossary-skip: <Korean term>`` (for a form used in another sense).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "notebooks" / "locale" / "ko" / "glossary.tsv"

FENCED = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
DISPLAY_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)(?<!\\)\$")
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_TARGET = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
HTML_TARGET = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
HTML_TAG = re.compile(r"<[^>]+>")
URL = re.compile(r"https?://\S+")


def segments(markdown: str) -> dict[str, Counter]:
    """The parts a translation keeps: {"code": ..., "math": ..., "links": ...} as multisets."""
    text = markdown
    code = Counter(m.group(0).strip() for m in FENCED.finditer(text))
    text = FENCED.sub(" ", text)
    # A code span broken over a line renders as one line (CommonMark turns the line ending into a space).
    code += Counter(" ".join(m.group(0).split()) for m in CODE_SPAN.finditer(text))
    text = CODE_SPAN.sub(" ", text)
    math = Counter(m.group(0) for m in DISPLAY_MATH.finditer(text))
    text = DISPLAY_MATH.sub(" ", text)
    math += Counter(m.group(0) for m in INLINE_MATH.finditer(text))
    text = INLINE_MATH.sub(" ", text)
    links = Counter(m.group(1) for r in (LINK_TARGET, REF_TARGET, HTML_TARGET) for m in r.finditer(text))
    return {"code": code, "math": math, "links": links}


def segment_differences(english: str, korean: str) -> list[str]:
    """What the Korean lost or added among the kept parts, one line each (empty when they agree)."""
    a, b = segments(english), segments(korean)
    out = []
    for kind in a:
        missing, extra = a[kind] - b[kind], b[kind] - a[kind]
        out += [f"{kind} missing in Korean: {s!r}" for s in missing.elements()]
        out += [f"{kind} only in Korean: {s!r}" for s in extra.elements()]
    return out


def prose(markdown: str) -> str:
    """The translated part of a cell: no code, maths, link targets, HTML tags or URLs."""
    text = FENCED.sub(" ", markdown)
    text = CODE_SPAN.sub(" ", text)
    text = DISPLAY_MATH.sub(" ", text)
    text = INLINE_MATH.sub(" ", text)
    text = LINK_TARGET.sub("] ", text)
    text = REF_TARGET.sub(" ", text)
    text = HTML_TAG.sub(" ", text)
    return URL.sub(" ", text)


@dataclass(frozen=True)
class Term:
    korean: str
    forms: tuple[str, ...]


def load_glossary(path: Path = GLOSSARY) -> list[Term]:
    terms = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        korean, sep, forms = line.partition("\t")
        if not sep or not forms.strip():
            raise ValueError(f"{path.name} line {number}: expected 'Korean<TAB>form;form', got {line!r}")
        terms.append(Term(korean.strip(), tuple(f.strip() for f in forms.split(";") if f.strip())))
    return terms


def _form_pattern(form: str) -> re.Pattern:
    # ASCII word boundaries: in Korean text a particle follows an English word directly (ELBO입니다).
    return re.compile(r"(?<![A-Za-z0-9_-])" + re.escape(form) + r"(?![A-Za-z0-9_-])", re.I)


def _is_acronym(form: str) -> bool:
    return form.isupper() and len(form) >= 2


HANGUL = re.compile(r"[\uac00-\ud7a3]")
REFERENCES = re.compile(r"^#+\s*References", re.M)


def english_prose(english: str) -> str:
    """The prose the glossary reads: ``prose`` less the lines that already hold Korean (the term tables)."""
    return "\n".join(line for line in prose(english).splitlines() if not HANGUL.search(line))


def terms_used(english: str, glossary: list[Term]) -> dict[Term, list[str]]:
    """The entries whose forms occur in an English cell's prose (longest match wins), with the forms seen."""
    text = english_prose(REFERENCES.split(english)[0])
    hits = []
    for term in glossary:
        for form in term.forms:
            hits += [(m.start(), m.end(), term, m.group(0)) for m in _form_pattern(form).finditer(text)]
    hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
    taken, used = [], {}
    for start, end, term, seen in hits:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        used.setdefault(term, []).append(seen)
    return used


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _korean_pattern(term: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in _squash(term))


def contains_term(korean: str, term: Term, seen: list[str]) -> bool:
    text = prose(korean)
    if _squash(term.korean) in _squash(text):
        return True
    return any(_is_acronym(form) and _form_pattern(form).search(text) for form in seen)


def defines_term(korean: str, term: Term, tables: bool = True) -> bool:
    """True when the Korean cell gives the term with its English once: 가능도(likelihood) or a table row."""
    text = prose(korean)
    forms = [_form_pattern(f) for f in term.forms]
    # Emphasis may close between the term and its English: **가능도**(likelihood).
    for m in re.finditer(_korean_pattern(term.korean) + r"(?:\*{1,2}|_{1,2})?\s*\(([^)]*)\)", text):
        if any(f.search(m.group(1)) for f in forms):
            return True
    if not tables:
        return False
    for line in text.splitlines():
        if line.lstrip().startswith("|") and re.search(_korean_pattern(term.korean), line) and any(f.search(line) for f in forms):
            return True
    return False


def skipped(comment: str | None) -> set[str]:
    return {_squash(m.group(1)) for m in re.finditer(r"glossary-skip:\s*(.+)", comment or "")}


def glossary_problems(cells: list[tuple[str, str, str, str | None]], glossary: list[Term]) -> list[str]:
    """Problems of one notebook: ``cells`` are (cell id, English, Korean, translator comment) in order."""
    out, defined = [], set()
    for cell_id, english, korean, comment in cells:
        if english.lstrip().startswith(("# ", "## ")) and REFERENCES.match(english.lstrip()):
            break  # the References (paper titles stay English) end the notebook's prose
        used = terms_used(english, glossary)
        # The Korean may give a term with its English before the English cell that first matches it (a
        # learning objective that says "joint, marginal and conditional distributions"): that is its first use.
        defined.update(t for t in glossary if t not in defined and t not in used and defines_term(korean, t, tables=False))
        for term, seen in used.items():
            if _squash(term.korean) not in skipped(comment) and not contains_term(korean, term, seen):
                out.append(f"cell {cell_id}: the English says {seen[0]!r}; the Korean lacks {term.korean!r}")
            if term not in defined:
                defined.add(term)
                if not defines_term(korean, term):
                    out.append(f"cell {cell_id}: first use of {term.korean!r} in this notebook; write it with its "
                               f"English once, e.g. {term.korean}({term.forms[0]})")
    return out
