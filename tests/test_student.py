"""Student copies: solutions out, outputs cleared, and every check says 'not yet done'."""

from __future__ import annotations

import sys

import nbformat
import pytest

from paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from make_student import BEGIN, END, PLACEHOLDER, strip_solutions, student_copy  # noqa: E402

#: Both editions: the Korean student copies go to student/ko/.
ENGLISH = sorted((ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOKS = ENGLISH + sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))
#: The checkers' verdict for an unfinished exercise, in each edition's language (course_utils/locale).
NOT_YET_DONE = {"en": "not yet done", "ko": "아직 풀지 않았습니다"}
#: Run before each student copy in the shared kernel: the state a notebook can leave behind, back to a fresh
#: kernel's (names, working folder, autograd mode, default dtype). What setup() sets (seeds, threads, plot style,
#: language) it sets again, and the inline backend closes every figure after each cell.
FRESH_START = f"""import os as _os, torch as _torch
_os.chdir({str(ROOT / "notebooks")!r}); _torch.set_grad_enabled(True); _torch.set_default_dtype(_torch.float32)
%reset -f"""


def test_strip_keeps_indentation_and_surrounding_code():
    source = f"def f(x):\n    '''doc'''\n    {BEGIN}\n    y = x + 1\n    return y\n    {END}\n\ncheck(f)"
    assert strip_solutions(source) == f"def f(x):\n    '''doc'''\n    {PLACEHOLDER}\n\ncheck(f)"


@pytest.mark.parametrize(
    "source, message",
    [(f"{BEGIN}\nx", "without"), (f"x\n{END}", "without"), (f"{BEGIN}\n{BEGIN}\n{END}", "nested")],
)
def test_unbalanced_markers_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        strip_solutions(source)


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "notebooks").as_posix())
def copies(request):
    original = nbformat.read(request.param, as_version=4)
    return request.param, original, student_copy(original, request.param.name)


def test_student_copy_is_valid_with_solutions_removed_and_outputs_cleared(copies):
    path, original, student = copies
    nbformat.validate(student)
    exercises = sum(c.source.count(BEGIN) for c in original.cells if c.cell_type == "code")
    code = [c for c in student.cells if c.cell_type == "code"]
    assert sum(c.source.count(PLACEHOLDER) for c in code) == exercises
    assert not any(BEGIN in c.source or END in c.source for c in code)
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]
    assert "widgets" not in student.metadata


@pytest.fixture(scope="session")
def student_kernel():
    """One kernel per test process for every student copy it runs, so that torch, matplotlib and the course
    are imported once, not once per copy (about 2 s each). Each copy starts with FRESH_START; nbval runs every
    notebook as saved, each in a kernel of its own."""
    from jupyter_client.manager import AsyncKernelManager  # nbclient's own kind: it notices a kernel that died
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(cwd=str(ROOT / "notebooks"))
    try:
        yield km
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def _run_in(km, *sources):
    """Run ``sources`` as the cells of one notebook in the kernel of ``km``; return the last cell's stdout."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    NotebookClient(nb, km=km, timeout=60).execute(reset_kc=True)
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


def test_fresh_start_clears_what_a_notebook_leaves_behind(student_kernel):
    leave = ("import os, torch\nleft = 1\nos.chdir('/')\n"
             "torch.set_grad_enabled(False)\ntorch.set_default_dtype(torch.float64)")
    look = "import os, torch\nprint('left' in globals(), os.getcwd(), torch.is_grad_enabled(), torch.get_default_dtype())"
    state = _run_in(student_kernel, leave, FRESH_START, look)
    assert state.split() == ["False", str(ROOT / "notebooks"), "True", "torch.float32"], state


#: A cell that switches the checkers' language: before and after each exercise cell's Korean run (test below).
SPEAK = 'from course_utils import i18n as _i18n; _i18n.set_language("{}")'


def _korean_student_copy_runs_the_english_code(path, student):
    """The Korean student copy's code cells are the English copy's, but for ``lang="ko"`` in the set-up call."""
    import i18n as tool  # tools/i18n.py: the Korean edition's builder

    korean = student_copy(nbformat.read(ROOT / "notebooks" / "ko" / path.name, as_version=4), path.name)
    setup = tool.setup_cell_index(student)
    want = [tool.korean_setup_line(c.source) if i == setup else c.source
            for i, c in enumerate(student.cells) if c.cell_type == "code"]
    assert [c.source for c in korean.cells if c.cell_type == "code"] == want, (
        f"ko/{path.name}: its student copy's code is not the English copy's with lang='ko'")


def _verdicts_and_errors(cells):
    texts, errors = [], []
    for cell in cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif out.get("output_type") == "error":
                errors.append((cell.source[:80], out["ename"], "\n".join(out["traceback"])))
            elif "text/plain" in out.get("data", {}):
                texts.append(out["data"]["text/plain"])
    verdicts = {lang: sum(line.startswith("⏳") and words in line for t in texts for line in t.splitlines())
                for lang, words in NOT_YET_DONE.items()}
    return verdicts, errors


@pytest.mark.slow
@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_executed_student_copy_reports_each_exercise_not_yet_done(path, student_kernel):
    """Run the student copy with errors allowed: checks must speak, in each edition's language, not crash.

    Both editions in one run: the Korean copy's code is the English copy's but for the set-up argument
    (checked first), so each exercise cell runs once as the English copy has it and once more right after
    in Korean, as the Korean copy would run it. Every other cell runs once (nbval runs the Korean notebooks
    as saved, solutions in)."""
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    original = nbformat.read(path, as_version=4)
    student = student_copy(original, path.name)
    _korean_student_copy_runs_the_english_code(path, student)
    if not run_sync(student_kernel.is_alive)():  # an earlier copy killed it: that test failed; this one starts afresh
        run_sync(student_kernel.restart_kernel)(now=True)
    cells = [nbformat.v4.new_code_cell(FRESH_START)]
    korean = []
    for cell in student.cells:
        cells.append(cell)
        if cell.cell_type == "code" and PLACEHOLDER in cell.source:
            korean.append(nbformat.v4.new_code_cell(cell.source))
            cells += [nbformat.v4.new_code_cell(SPEAK.format("ko")), korean[-1], nbformat.v4.new_code_cell(SPEAK.format("en"))]
    student.cells = cells
    client = NotebookClient(student, km=student_kernel, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    client.execute(reset_kc=True)
    exercises = sum(c.source.count(BEGIN) for c in original.cells if c.cell_type == "code")
    rerun = {id(c) for c in korean}
    in_english, errors = _verdicts_and_errors(c for c in cells if id(c) not in rerun)
    in_korean, korean_errors = _verdicts_and_errors(korean)
    for where, lang, count in ((path.name, "en", in_english["en"]), (f"ko/{path.name}", "ko", in_korean["ko"])):
        assert count >= exercises, f"{where}: {count} {NOT_YET_DONE[lang]!r} verdicts for {exercises} exercises"
    assert in_korean["en"] == 0, f"ko/{path.name}: {in_korean['en']} verdicts in English"
    leaked = [e for e in errors + korean_errors if "NotImplementedError" in e[1] or "course_utils" in e[2]]
    assert not leaked, f"{path.name}: a check crashed instead of reporting: {leaked[0][:2]}"


def test_make_student_writes_both_editions(tmp_path, monkeypatch):
    import make_student

    (tmp_path / "notebooks" / "ko").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1\n{END}")])
    for name in ("notebooks/01_a.ipynb", "notebooks/ko/01_a.ipynb"):
        nbformat.write(nb, tmp_path / name)
    monkeypatch.setattr(make_student, "ROOT", tmp_path)
    make_student.main(["--out", str(tmp_path / "student")])
    for name in ("student/01_a.ipynb", "student/ko/01_a.ipynb"):
        assert PLACEHOLDER in nbformat.read(tmp_path / name, as_version=4).cells[0].source
