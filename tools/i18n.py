"""The Korean edition: PO catalogues kept in step with the English notebooks, and the notebooks built from them.

One catalogue per notebook, ``notebooks/locale/ko/<stem>.po``: one entry per
markdown cell, ``msgctxt`` = the cell's nbformat id, ``msgid`` = the English
cell exactly, ``msgstr`` = its Korean. The English notebooks stay the only source
of code; the Korean notebook ``notebooks/ko/<stem>.ipynb`` is the English one with
each markdown cell taken from the catalogue and ``lang="ko"`` added to the
``course_utils.setup(...)`` call, nothing else changed (cell ids included).

    python tools/i18n.py update           sync every catalogue with its notebook (new, fuzzy, obsolete entries)
    python tools/i18n.py build [STEM...]  write and execute notebooks/ko/<stem>.ipynb (--no-execute: write only)
    python tools/i18n.py check            list missing and fuzzy entries; exit 1 if any
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import polib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LOCALE = NOTEBOOKS / "locale"
LANG = "ko"
WRAP = 0  # one PO line per source line: diffs follow the English cell's lines
HEADER = {"Project-Id-Version": "dgm-course", "Language": LANG, "MIME-Version": "1.0",
          "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
SETUP_CALL = re.compile(r"(course_utils\.setup\()([^()]*)(\))")
#: course_utils's own catalogue (keyed by the English string): verdicts, hints, captions, slider labels.
CODE_CATALOGUE = ROOT / "course_utils" / "locale" / f"{LANG}.po"
#: Keyword arguments whose text the learner reads: slider_image translates captions and slider labels,
#: the checkers translate each exercise's name, hint and requirement.
SHOWN_KEYWORDS = {"caption", "description", "hint", "requirement"}


def english_notebooks(root: Path = ROOT) -> list[Path]:
    """Every English notebook of the course (a new one, such as 07, is picked up by its file alone)."""
    return sorted((root / "notebooks").glob("*.ipynb"))


def catalogue_path(stem: str, root: Path = ROOT, lang: str = LANG) -> Path:
    return root / "notebooks" / "locale" / lang / f"{stem}.po"


def built_path(stem: str, root: Path = ROOT, lang: str = LANG) -> Path:
    return root / "notebooks" / lang / f"{stem}.ipynb"


def markdown_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "markdown"]


def load_catalogue(path: Path) -> polib.POFile:
    """The catalogue at ``path``, or an empty one with the course's header."""
    po = polib.pofile(str(path), wrapwidth=WRAP) if path.exists() else polib.POFile(wrapwidth=WRAP)
    po.wrapwidth = WRAP
    if not po.metadata:
        po.metadata = dict(HEADER)
    return po


def save_catalogue(po: polib.POFile, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))


def sync(po: polib.POFile, nb) -> dict:
    """Bring ``po`` in step with the notebook ``nb``; return counts of what changed.

    A new markdown cell gets an empty entry; a cell whose English changed keeps
    its Korean but is marked fuzzy, with the English it was translated from as
    ``previous_msgid`` (kept across further changes, so the translator sees the
    whole difference); a cell that is gone becomes obsolete (``#~``), and comes
    back if its id does. Entries are kept in the notebook's cell order.
    """
    by_id = {e.msgctxt: e for e in po}
    counts = {"new": 0, "fuzzy": 0, "obsolete": 0}
    ordered = []
    for cell in markdown_cells(nb):
        entry = by_id.pop(cell.id, None)
        if entry is None:
            entry = polib.POEntry(msgctxt=cell.id, msgid=cell.source, msgstr="")
            counts["new"] += 1
        entry.obsolete = False
        if entry.msgid != cell.source:
            if entry.msgstr and "fuzzy" not in entry.flags:
                entry.previous_msgid = entry.msgid
                entry.flags.append("fuzzy")
                counts["fuzzy"] += 1
            entry.msgid = cell.source
        if entry.msgid == entry.previous_msgid:  # changed back: the translation fits again
            entry.previous_msgid = None
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        ordered.append(entry)
    for entry in by_id.values():
        if not entry.obsolete:
            counts["obsolete"] += 1
        entry.obsolete = True
        ordered.append(entry)
    po[:] = ordered
    return counts


def translation(entry: polib.POEntry | None, english: str) -> str | None:
    """The Korean of a cell, or None when it is missing, fuzzy or made for other English."""
    if entry is None or entry.obsolete or not entry.msgstr or "fuzzy" in entry.flags or entry.msgid != english:
        return None
    return entry.msgstr


def korean_setup_line(source: str, lang: str = LANG) -> str:
    """``course_utils.setup(seed=0, ...)`` -> ``course_utils.setup(seed=0, ..., lang="ko")``, exactly once."""
    new, n = SETUP_CALL.subn(lambda m: f'{m.group(1)}{m.group(2)}, lang="{lang}"{m.group(3)}', source)
    if n != 1:
        raise ValueError(f"korean_setup_line expects exactly one course_utils.setup(...) call; found {n}")
    return new


def setup_cell_index(nb) -> int:
    hits = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and SETUP_CALL.search(c.source)]
    if len(hits) != 1:
        raise ValueError(f"expected one cell calling course_utils.setup(...); found {len(hits)}")
    return hits[0]


def korean_notebook(nb, po: polib.POFile, lang: str = LANG) -> tuple[nbformat.NotebookNode, list[str]]:
    """The Korean edition of ``nb`` (outputs as in ``nb``) and the ids of cells left in English."""
    ko = copy.deepcopy(nb)
    by_id = {e.msgctxt: e for e in po if not e.obsolete}
    english = []
    for cell in markdown_cells(ko):
        text = translation(by_id.get(cell.id), cell.source)
        if text is None:
            english.append(cell.id)
        else:
            cell.source = text
    i = setup_cell_index(ko)
    ko.cells[i].source = korean_setup_line(ko.cells[i].source, lang)
    return ko, english


def cell_metadata(cell) -> dict:
    """A cell's metadata less the timestamps an execution writes (``execution``)."""
    return {k: v for k, v in cell.metadata.items() if k != "execution"}


def same_source(a, b) -> bool:
    """True when two notebooks have the same cells (type, id, source, metadata), whatever their outputs."""
    def key(nb):
        return [(c.cell_type, c.get("id"), c.source, cell_metadata(c), c.get("attachments")) for c in nb.cells]
    return key(a) == key(b)


def execute(paths: list[Path]) -> int:
    """Run each built notebook in a fresh kernel and save it, as ``course.py outputs`` does for the English."""
    if not paths:
        return 0
    names = [str(p) for p in paths]
    code = subprocess.call([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                            "--ExecutePreprocessor.timeout=900", "--ExecutePreprocessor.kernel_name=python3", *names])
    if code == 0:
        code = subprocess.call([sys.executable, str(ROOT / "tools" / "finish_progress_bars.py"), *names])
    return code


def _strings(node: ast.AST) -> list[str]:
    """Every str constant of an expression (both branches of ``a if c else b``, parts of ``"a" + "b"``),
    except keys (``style["label"]``), calls' own arguments and bare HTML tags (``"<br>"``)."""
    inner = {id(n) for sub in ast.walk(node) for n in ast.walk(sub)
             if (isinstance(sub, ast.Call) and sub is not node) or (isinstance(sub, ast.Subscript) and n is sub.slice)}
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in inner and not re.fullmatch(r"\s*(<[^>]+>\s*)+", n.value)]


def _shown_strings(tree: ast.AST, where: str, in_package: bool) -> list[tuple[str, str]]:
    """(text, where) for every string a learner reads: ``tr(...)``'s argument in the package; a checker's
    name (first argument of ``check_*``) and the keywords of SHOWN_KEYWORDS in notebooks and widgets."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in ("tr", "N_") and node.args:
            found += [(text, where) for text in _strings(node.args[0])]
            continue
        values = [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        if name.startswith("check_") and not in_package and node.args:
            values.append(node.args[0])
        for value in values:  # an f-string (a label such as f"z[{d}]") has no fixed text to look up
            if isinstance(value, (ast.Constant, ast.BinOp, ast.IfExp)):
                found += [(text, where) for text in _strings(value)]
    return found


def code_messages(root: Path = ROOT) -> dict[str, list[str]]:
    """Every string of course_utils's own catalogue that the course shows, with where it is used.

    From the package: the arguments of ``tr(...)`` and, in ``widgets/``, the captions and slider labels
    that ``slider_image`` translates. From the English notebooks' code: each checker's name, hint and
    requirement, and the captions passed to widgets.
    """
    found: dict[str, list[str]] = {}
    package = root / "course_utils"
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        pairs = _shown_strings(tree, rel, in_package=True)
        if "widgets" not in path.parts:
            pairs = [p for p in pairs if p[0] in _tr_args(tree)]
        for text, where in pairs:
            found.setdefault(text, []).append(where)
    for path in english_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            for text, where in _shown_strings(ast.parse("\n".join(lines)), f"notebooks/{path.name}#{cell.id}", False):
                found.setdefault(text, []).append(where)
    return {text: sorted(set(where)) for text, where in found.items() if text.strip()}


def _tr_args(tree: ast.AST) -> set[str]:
    return {text for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("tr", "N_") and node.args
            for text in _strings(node.args[0])}


def update_code_catalogue(root: Path = ROOT, log=print) -> dict:
    """Add an empty entry for each new string of ``code_messages``; mark the ones no longer used obsolete."""
    path = root / "course_utils" / "locale" / f"{LANG}.po"
    po = load_catalogue(path)
    used = code_messages(root)
    by_id = {e.msgid: e for e in po}
    counts = {"new": 0, "obsolete": 0}
    ordered = []
    for text, where in used.items():
        entry = by_id.pop(text, None)
        if entry is None:
            entry = polib.POEntry(msgid=text, msgstr="")
            counts["new"] += 1
        entry.obsolete = False
        entry.occurrences = [(w, "") for w in where]
        ordered.append(entry)
    for entry in by_id.values():
        counts["obsolete"] += not entry.obsolete
        entry.obsolete = True
        ordered.append(entry)
    po[:] = ordered
    save_catalogue(po, path)
    log(f"{path.relative_to(root)}: {len(used)} entries; new {counts['new']}, obsolete {counts['obsolete']}")
    return counts


def update(root: Path = ROOT, log=print) -> None:
    update_code_catalogue(root, log)
    for path in english_notebooks(root):
        po = load_catalogue(catalogue_path(path.stem, root))
        counts = sync(po, nbformat.read(path, as_version=4))
        save_catalogue(po, catalogue_path(path.stem, root))
        log(f"{path.stem}: {len(markdown_cells(nbformat.read(path, as_version=4)))} entries; "
            f"new {counts['new']}, fuzzy {counts['fuzzy']}, obsolete {counts['obsolete']}")


def build(stems: list[str] | None = None, root: Path = ROOT, run: bool = True, log=print) -> list[Path]:
    """Write ``notebooks/ko/<stem>.ipynb`` for each notebook (all by default); execute them unless ``run=False``.

    Written unexecuted (``run=False``), a notebook carries the English outputs; only execution gives it its own.
    """
    written = []
    for path in english_notebooks(root):
        if stems and path.stem not in stems:
            continue
        nb = nbformat.read(path, as_version=4)
        ko, english = korean_notebook(nb, load_catalogue(catalogue_path(path.stem, root)))
        if english:
            log(f"WARNING {path.stem}: {len(english)} of {len(markdown_cells(nb))} markdown cells have no Korean "
                f"yet and stay ENGLISH in the Korean edition (cells {', '.join(english[:5])}"
                f"{', ...' if len(english) > 5 else ''}); `python tools/i18n.py check` lists them")
        out = built_path(path.stem, root)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(ko)
        nbformat.write(ko, str(out))
        written.append(out)
        log(f"wrote {out.relative_to(root)}")
    if run:
        code = execute(written)
        if code:
            raise SystemExit(code)
    return written


def problems(root: Path = ROOT) -> dict[str, list[str]]:
    """Per notebook, each markdown cell without a usable Korean entry: 'cell <id>: missing|fuzzy|stale'."""
    report = {}
    for path in english_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        po_path = catalogue_path(path.stem, root)
        by_id = {e.msgctxt: e for e in load_catalogue(po_path) if not e.obsolete}
        found = []
        for k, cell in enumerate(markdown_cells(nb)):
            entry = by_id.get(cell.id)
            where = f"markdown cell {k} (id {cell.id}, {cell.source.splitlines()[0][:50]!r})" if cell.source else f"cell {cell.id}"
            if entry is None:
                found.append(f"{where}: no entry (run `python tools/i18n.py update`)")
            elif entry.msgid != cell.source:
                found.append(f"{where}: the English changed since the entry was updated (run update, then translate)")
            elif "fuzzy" in entry.flags:
                found.append(f"{where}: fuzzy (the English changed; check the Korean, then remove the fuzzy flag)")
            elif not entry.msgstr:
                found.append(f"{where}: not translated")
        if found:
            report[path.name] = found
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="sync every catalogue with its English notebook")
    b = sub.add_parser("build", help="write (and execute) the Korean notebooks")
    b.add_argument("stems", nargs="*", help="notebook stems, e.g. 04_nade (default: all)")
    b.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    sub.add_parser("check", help="list missing and fuzzy entries")
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
    elif args.command == "build":
        build(args.stems or None, run=not args.no_execute)
    else:
        report = problems()
        for name, found in report.items():
            print(f"{name}: {len(found)} cells without a usable Korean entry")
            for line in found:
                print(f"  {line}")
        if not report:
            print("every markdown cell of every notebook has its Korean entry")
        return 1 if report else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
