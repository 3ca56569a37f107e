"""Numbers in a notebook's prose, and the numbers its cells actually produce.

The course's rule is that no number is typed into a sentence without a cell that
produces it. ``unbacked_numbers(nb)`` finds the prose numbers that break it:
every number token in a markdown cell (outside code spans, fenced code,
headings, links, subscripts and the References section) with two or more
significant digits that matches, at the precision it is written with, neither a
printed output nor a literal in the code of the same notebook.

"Stated precision": ``0.54`` matches anything that rounds to 0.54 (0.535 to
0.545); ``150 million`` has two significant digits, so it matches 145 to 155
million; ``1.4 × 10⁻⁴⁵`` matches 1.35e-45 to 1.45e-45. Integers with trailing
zeros (``4,000``, ``100``) have fewer significant digits than digits, so round
sizes and settings count as one-digit numbers and are not checked. Signs are
ignored (prose says "a loss of 120", a cell prints ``-120``), and ``83.6%``
also matches a printed fraction ``0.836``.

Not checked, by design: a year that also appears in the notebook's References
(the citation is there); numbers that name a place in a document (``Section
8``, ``notebook 04``, ``note 003``, ``§10.2``); the title cell's required
"Study time" estimate; and digits inside a word or an identifier (``float32``,
``AR-10``, ``L_{100}``). Everything else is either produced by the notebook or
listed, with its citation, in an explicit allow-list of the test.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from dataclasses import dataclass

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}

#: Words after which a number names a place in a document, not a quantity.
_PLACE = (
    r"(?:sections?|chapters?|notebooks?|notes?|exercises?|tables?|figures?|eqs?\.|equations?|theorems?"
    r"|prop\.|propositions?|lemmas?|algorithms?|appendix|parts?|lines?)"
)
#: The References heading, in either edition (the Korean one may say 참고 문헌).
REFERENCES_HEADING = r"^#+\s*(?:References|참고\s*문헌)"
#: Korean writes a section after its number: 8.2절 (장 is not one: 4,000장 counts images).
_PLACE_KO = re.compile(
    r"(?<![\d.,])\d+(?:\.\d+)*\s*절"
    r"|(?:보조정리|정리|명제|표|그림|식|부록|노트북|노트)\s*\d+(?:\.\d+)*"  # 보조정리 5.1, 노트북 04: the place word first
    r"|(?<![\d.,])(?:1[89]|20)\d0(?:s|년대)"  # a decade (the 2010s, 2010년대), not a quantity
)
_PLACE_REF = re.compile(_PLACE + r"\s+\d+(?:\.\d+)*(?:\s*(?:[-–,]|and|or|to)\s*\d+(?:\.\d+)*)*|§\s*\d+(?:\.\d+)*", re.I)

_NUMBER = re.compile(
    r"(?P<power>(?<![\d.])10\^[-+]?\d+)|"  # 10^-45: a power of ten, one significant digit
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?:[eE](?P<exp1>[-+]?\d+)|(?:×|\\times|\\cdot)\s*10\^(?P<exp2>[-+]?\d+)))?"
    r"(?P<pct>\s*(?:%|\\%))?"
    r"(?:\s+(?P<scale>thousand|million|billion)\b)?"
)
_OUTPUT_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?P<pct>%)?|(?<![\w\d])\.\d+")
_YEAR = re.compile(r"^(1[89]\d\d|20[0-4]\d)\Z")


@dataclass(frozen=True)
class ProseNumber:
    """A number as written in prose: its value, the half-unit of its last stated digit, and its text."""

    value: float
    tolerance: float
    text: str
    significant: int
    percent: bool

    def matches(self, candidate: float) -> bool:
        target = abs(self.value)
        slack = self.tolerance * (1 + 1e-9) + 1e-300
        if abs(abs(candidate) - target) <= slack:
            return True
        return self.percent and abs(abs(candidate) * 100 - target) <= slack


def _significant_digits(mantissa: str) -> tuple[int, int]:
    """(significant digits, exponent of the last significant digit) of a plain decimal string."""
    digits = mantissa.replace(",", "")
    if "." in digits:
        whole, frac = digits.split(".")
        stripped = (whole + frac).lstrip("0")
        return len(stripped), -len(frac)
    stripped = digits.lstrip("0")
    trailing = len(stripped) - len(stripped.rstrip("0"))
    return len(stripped) - trailing, trailing


def normalize_latex(text: str) -> str:
    """LaTeX and typographic forms of numbers written plainly: 16{,}777{,}215, 10^{-9}, ⁻⁴⁵, \\, spaces."""
    text = text.replace("{,}", ",").replace("−", "-").replace("\u2009", "").replace("\u202f", "")
    text = re.sub(r"(?<=\d)\\[,;!](?=\d{3}(?![\d.]))", "", text)  # 1\,000
    text = re.sub(r"\^\{\s*([-+]?[\d.]+)\s*\}", r"^\1", text)  # x^{-45} -> x^-45
    text = re.sub(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "^" + m.group(1).translate(SUPERSCRIPTS), text)
    text = re.sub(r"_\{[^{}]*\}|_\\?\w+", " ", text)  # subscripts are names, not quantities
    return text


def prose_of(markdown: str) -> str:
    """The sentences of a markdown cell: no fenced code, code spans, headings, links, HTML or URLs."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"(`+).*?\1", " ", text, flags=re.S)
    text = re.sub(r"!?\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"<https?://[^>]*>|https?://\S+|<[^>]+>", " ", text)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    lines = [line for line in lines if not re.match(r"\s*\**(?:Study time|학습 시간|공부 시간)\**\s*:", line)]
    return "\n".join(lines)


def prose_numbers(markdown: str) -> list[ProseNumber]:
    """Every number token of the prose with its stated precision."""
    text = normalize_latex(prose_of(markdown))
    text = _PLACE_KO.sub(" ", _PLACE_REF.sub(" ", text))
    found = []
    for m in _NUMBER.finditer(text):
        if m.group("power"):
            continue
        before = text[: m.start()]
        if re.search(r"[A-Za-z_\d]-?\Z|[\d.]\Z", before) or re.match(r"[A-Za-z_]", text[m.end():m.end() + 1]):
            continue  # part of a word or identifier: float32, AR-10, x1, 2nd
        mantissa = m.group("num")
        exponent = int(m.group("exp1") or m.group("exp2") or 0)
        scale = SCALE_WORDS.get(m.group("scale") or "", 1.0)
        significant, last = _significant_digits(mantissa)
        value = float(mantissa.replace(",", "")) * 10.0**exponent * scale
        tolerance = 0.5 * 10.0 ** (last + exponent) * scale
        found.append(ProseNumber(value, tolerance, m.group(0).strip(), significant, bool(m.group("pct"))))
    return found


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        for mime in ("text/plain", "text/html", "text/markdown"):
            value = out.get("data", {}).get(mime)
            if value:
                parts.append("".join(value))
    return "\n".join(parts)


def code_literals(code: str) -> list[float]:
    """The numeric literals of a code cell (Python's NUMBER tokens; comments and strings excluded)."""
    values = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NUMBER:
                try:
                    values.append(float(token.string.replace("_", "").rstrip("jJ")))
                except ValueError:
                    pass
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return values


def printed_numbers(text: str) -> list[float]:
    values = []
    for m in _OUTPUT_NUMBER.finditer(text.replace("−", "-")):
        try:
            values.append(float(m.group(0).rstrip("%").replace(",", "")))
        except ValueError:
            pass
    return values


def _references(nb) -> str:
    """Text of the References section (from its heading to the end of the notebook)."""
    text, inside = [], False
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = _source(cell)
        if not inside and re.search(REFERENCES_HEADING, src, re.M):
            inside = True
            src = src[re.search(REFERENCES_HEADING, src, re.M).start():]
        if inside:
            text.append(src)
    return "\n".join(text)


def unbacked_numbers(nb, allowed=()) -> list[tuple[int, str]]:
    """(cell index, number as written) for every prose number that nothing in the notebook produces."""
    candidates = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            candidates += code_literals(_source(cell))
            candidates += printed_numbers(_output_text(cell))
    references = _references(nb)
    cited_years = set(re.findall(r"\b(1[89]\d\d|20[0-4]\d)\b", references))
    allowed = set(allowed)
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        src = _source(cell)
        heading = re.search(REFERENCES_HEADING, src, re.M)
        if heading:
            src = src[: heading.start()]
        if references and _source(cell) in references and not heading:
            continue  # a cell after the References heading
        for number in prose_numbers(src):
            if number.significant < 2 or number.text in allowed:
                continue
            plain = number.text.replace(",", "")
            if _YEAR.match(plain) and plain in cited_years:
                continue
            if not any(number.matches(c) for c in candidates if math.isfinite(c)):
                problems.append((index, number.text))
    return problems
