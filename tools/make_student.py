"""Write student copies of the notebooks: solutions removed, outputs cleared.

Each exercise's reference solution, the lines from ``### BEGIN SOLUTION`` to
``### END SOLUTION``, becomes ``raise NotImplementedError("Your code here")``
at the same indentation, so the notebook still runs and each check reports the
exercise as not yet done (see ``course_utils.checks``).

    python tools/make_student.py [--out student] [notebooks/*.ipynb]

Without notebooks named, both editions: the English notebooks into ``student/``
and the Korean ones (``notebooks/ko/``) into ``student/ko/``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("Your code here")'


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace every BEGIN/END SOLUTION block of ``source`` by the placeholder."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}: nested '{BEGIN}'")
            inside = True
            out.append(re.match(r"\s*", line).group(0) + PLACEHOLDER)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' without '{END}'")
    return "\n".join(out)


def student_copy(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` with solutions replaced and every output cleared."""
    nb = nbformat.from_dict(nb)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{name}, cell {k}")
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    if args.notebooks:
        jobs = [(path, args.out) for path in args.notebooks]
    else:
        jobs = [(path, args.out) for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
        jobs += [(path, args.out / "ko") for path in sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))]
    for path, out in jobs:
        out.mkdir(parents=True, exist_ok=True)
        nb = student_copy(nbformat.read(path, as_version=4), path.name)
        nbformat.validate(nb)
        nbformat.write(nb, out / path.name)
        print(f"wrote {out / path.name}")


if __name__ == "__main__":
    main()
