"""Hygiene of every committed notebook: anatomy, saved outputs, size, kernel.

nbval (run by `make test`) checks that each notebook's fresh outputs equal the
saved ones; these tests check what nbval cannot: that the saved notebook is
one a learner can study.
"""

import json
import re

import pytest

from paths import ROOT

NOTEBOOK_DIR = ROOT / "notebooks"

#: The course map, and the fewest exercises each notebook's issue asks for.
MIN_EXERCISES = {
    "01_probability_and_mle.ipynb": 3,
    "02_tensors_and_autograd.ipynb": 4,
    "03_chain_rule_and_markov.ipynb": 3,
    "04_nade.ipynb": 3,
    "05_vae.ipynb": 3,
    "06_gans.ipynb": 3,
    "07_flows_and_diffusion.ipynb": 4,
    "A1_git_workflow.ipynb": 3,
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
MAX_BYTES = 2 * 1024 * 1024


def _notebooks():
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _korean_notebooks():
    """The Korean edition (notebooks/ko/, built by `python course.py ko`): the same hygiene applies."""
    return sorted((NOTEBOOK_DIR / "ko").glob("*.ipynb"))


def _is_korean(path):
    return path.parent.name == "ko"


def _english_of(path):
    return _load(NOTEBOOK_DIR / path.name)


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]


def _expects_error(cell):
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def test_the_course_map_is_complete():
    assert sorted(p.name for p in _notebooks()) == sorted(MIN_EXERCISES)


def test_the_korean_edition_has_every_notebook():
    assert sorted(p.name for p in _korean_notebooks()) == sorted(p.name for p in _notebooks()), (
        "notebooks/ko/ must hold the Korean edition of every notebook: run `python course.py ko`")


@pytest.fixture(params=_notebooks() + _korean_notebooks(), ids=lambda p: p.relative_to(NOTEBOOK_DIR).as_posix())
def notebook(request):
    return request.param, _load(request.param)


def test_opens_with_title_objectives_time_and_korean_terms(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    text = _source(first)
    assert first["cell_type"] == "markdown" and text.startswith("# "), f"{path.name}: no title cell"
    if _is_korean(path):  # the same parts, in Korean words: objectives as a list, the English study time
        minutes = re.search(r"Study time:\**\s*about (\d+) minutes", _source(_english_of(path)["cells"][0])).group(1)
        assert len(re.findall(r"^\s*[-*] ", text, re.M)) >= 3, f"ko/{path.name}: no learning objectives"
        assert re.search(rf"(?<!\d){minutes}\s*분", text), f"ko/{path.name}: no study time of {minutes} minutes (…{minutes}분)"
        assert sum(line.startswith("|") and bool(HANGUL.search(line)) for line in text.splitlines()) >= 5
        return
    assert "Learning objectives" in text, f"{path.name}: no learning objectives"
    assert len(re.findall(r"^\s*[-*] ", text.split("Learning objectives")[1], re.M)) >= 3
    assert "Prerequisites" in text, f"{path.name}: no prerequisites"
    assert re.search(r"Study time:\**\s*about \d+ minutes", text), f"{path.name}: no study-time estimate"
    table_rows = [line for line in text.splitlines() if line.startswith("|") and HANGUL.search(line)]
    assert len(table_rows) >= 5, f"{path.name}: the Korean term table needs at least 5 terms"


def test_second_cell_is_the_single_setup_cell(notebook):
    path, nb = notebook
    setup = nb["cells"][1]
    assert setup["cell_type"] == "code" and "course_utils" in _source(setup), f"{path.name}: no setup cell"


def test_ends_with_summary_pitfalls_and_references(notebook):
    path, nb = notebook
    if _is_korean(path):  # the Korean has the English's headings, level by level, cell by cell
        def levels(book):
            return [[len(m.group(1)) for m in re.finditer(r"^(#+) ", _source(c), re.M)]
                    for c in book["cells"] if c["cell_type"] == "markdown"]
        assert levels(nb) == levels(_english_of(path)), f"ko/{path.name}: headings differ from the English"
        return
    headings = [line for c in nb["cells"] if c["cell_type"] == "markdown" for line in _source(c).splitlines()]
    for section in ("## Summary", "## Common pitfalls", "## References"):
        assert any(h.startswith(section) for h in headings), f"{path.name}: missing '{section}'"


def test_saved_outputs_are_complete_in_order_and_error_free(notebook):
    path, nb = notebook
    counts = []
    for cell in _code_cells(nb):
        assert cell.get("execution_count") is not None, f"{path.name}: a code cell was never executed"
        counts.append(cell["execution_count"])
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not _expects_error(cell):
            assert not errors, f"{path.name}: cell {cell['execution_count']} saved an error: {errors[0].get('ename')}"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts out of order"
    with_output = sum(bool(c.get("outputs")) for c in _code_cells(nb))
    assert with_output >= len(counts) // 3, f"{path.name}: most cells have no saved output"


def test_size_and_kernel(notebook):
    path, nb = notebook
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size:,} bytes (limit 2 MB)"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_has_the_exercises_its_issue_asks_for(notebook):
    path, nb = notebook
    begins = sum(_source(c).count("### BEGIN SOLUTION") for c in _code_cells(nb))
    ends = sum(_source(c).count("### END SOLUTION") for c in _code_cells(nb))
    assert begins == ends, f"{path.name}: unbalanced solution markers"
    assert begins >= MIN_EXERCISES[path.name], f"{path.name}: {begins} exercises"
    checked = sum("checks.check_" in _source(c) for c in _code_cells(nb))
    assert checked >= MIN_EXERCISES[path.name], f"{path.name}: exercises without a check"


#: First line of a cell whose printed numbers come from trained models (see the README's "make test").
CPU_DEPENDENT = "# Numbers from trained models: their last digits depend on your CPU's float kernels"


def test_cpu_dependent_cells_are_ignored_by_nbval_but_assert_their_claims(notebook):
    """A cell whose digits vary across CPUs must not be compared exactly, and must still check what it shows."""
    path, nb = notebook
    cells = _code_cells(nb)
    for index, cell in enumerate(cells):
        source = _source(cell)
        if not source.startswith(CPU_DEPENDENT):
            continue
        assert "nbval-ignore-output" in cell["metadata"].get("tags", []), f"{path.name} code cell {index}: not tagged"
        following = _source(cells[index + 1]) if index + 1 < len(cells) else ""
        assert "assert " in source or "assert " in following, (
            f"{path.name} code cell {index} prints trained-model numbers but nothing asserts them"
        )


# ----------------------------------------------------------------------------
# Numbers in prose are produced by the notebook (see tests/prose_numbers.py)
# ----------------------------------------------------------------------------

#: Prose numbers that no cell can produce, each with its citation. Keep this short: a number a cell can compute
#: belongs in a cell. Notebooks not listed here (a new one, say) get an empty list.
CITED_NUMBERS = {
    "04_nade.ipynb": {
        "256": "PixelRNN models each colour channel with a 256-way softmax (van den Oord et al. 2016, Section 2.2)",
    },
    "06_gans.ipynb": {
        "1024": "Progressive GAN grows to 1024×1024 images (Karras et al. 2018)",
    },
    "A1_git_workflow.ipynb": {
        "2.33": "git pull refuses divergent branches without pull.rebase/pull.ff from Git 2.33.1 "
        "(Documentation/RelNotes/2.33.1.txt)",
    },
}


def test_every_prose_number_is_produced_by_the_notebook_or_cited(notebook):
    """Two or more significant digits in a markdown cell must match an output or a code literal, or be cited."""
    from prose_numbers import unbacked_numbers

    path, nb = notebook
    cited = CITED_NUMBERS.get(path.name, {})
    problems = unbacked_numbers(nb, allowed=cited)
    assert not problems, (
        f"{path.name}: numbers in prose that no cell prints or uses (markdown cell index, number): {problems}. "
        "Print them from a cell, or cite them in CITED_NUMBERS with their source."
    )


def test_the_citation_list_has_no_stale_entries():
    """An allow-list entry whose number no longer appears in its notebook's prose must go."""
    from prose_numbers import prose_numbers

    for name, cited in CITED_NUMBERS.items():
        nb = _load(NOTEBOOK_DIR / name)
        written = {n.text for c in nb["cells"] if c["cell_type"] == "markdown" for n in prose_numbers(_source(c))}
        assert set(cited) <= written, f"{name}: CITED_NUMBERS lists {sorted(set(cited) - written)}, not in the prose"


def _markdown_notebook(*texts, code="x = 1", printed=""):
    cells = [{"cell_type": "markdown", "source": text, "metadata": {}} for text in texts]
    cells.append({"cell_type": "code", "source": code, "metadata": {},
                  "outputs": [{"output_type": "stream", "name": "stdout", "text": printed}]})
    return {"cells": cells}


def test_the_prose_number_check_catches_a_planted_number():
    from prose_numbers import unbacked_numbers

    printed = "NADE 90.7 nats, Markov 129.4 nats, ratio 153,468,000 / 391,500; tiny 1.401e-45\n"
    honest = _markdown_notebook(
        "NADE scores 90.7 nats, the Markov model 129.4: about 150 million multiply-adds, $1.4 \\times 10^{-45}$.",
        "Round sizes are not claims: 4,000 digits, 100 steps, 28×28 (a literal), Section 12, notebook 04, $2^{784}$.",
        "Years cited below are fine: Larochelle & Murray (2011).\n\n## References\n\n- Larochelle (2011). NADE.",
        code="assert x.shape[1] == 784\nimage = x.view(-1, 28, 28)",
        printed=printed,
    )
    assert unbacked_numbers(honest) == []
    planted = _markdown_notebook("NADE beats the Markov model by 38.7 nats.", printed=printed)
    assert unbacked_numbers(planted) == [(0, "38.7")]
    at_line_start = _markdown_notebook("NADE beats the Markov model by\n38.7 nats.", printed=printed)
    assert unbacked_numbers(at_line_start) == [(0, "38.7")]  # "$" would match before the newline and skip it
    wrong_precision = _markdown_notebook("NADE scores 90.8 nats.", printed=printed)
    assert unbacked_numbers(wrong_precision) == [(0, "90.8")]
    uncited_year = _markdown_notebook("As shown in 2013, ...", printed=printed)
    assert unbacked_numbers(uncited_year) == [(0, "2013")]
    assert unbacked_numbers(planted, allowed={"38.7": "a citation"}) == []
    only_in_a_comment = _markdown_notebook("Each image has 784 pixels.", code="x = 1  # 784 pixels")
    assert unbacked_numbers(only_in_a_comment) == [(0, "784")]
    in_code_span = _markdown_notebook("Run `fit(epochs=37)` and look at $L_{100}$ and float32.", printed=printed)
    assert unbacked_numbers(in_code_span) == []


#: A tqdm bar's saved text fallback: "desc:  37%|███▋      | 37/100 [...]".
FROZEN_BAR = re.compile(r"(\d+)%\|[^|\n]*\|\s*(\d+)/(\d+)")


def test_saved_progress_bars_show_their_final_state(notebook):
    """The text fallback of every saved tqdm bar is its end state, not the 0% of the moment it appeared."""
    path, nb = notebook
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/plain", ""))
            for match in FROZEN_BAR.finditer(text):
                done, total = int(match.group(2)), int(match.group(3))
                assert done == total, (
                    f"{path.name} cell {index}: a progress bar saved at {match.group(0)!r}; "
                    "run tools/finish_progress_bars.py (make outputs does)"
                )


def test_checker_cells_do_not_echo_their_return_value(notebook):
    """A checker prints its verdict; a bare `True` under it is noise (assign the result: `passed = checks...`)."""
    path, nb = notebook
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or "checks.check_" not in _source(cell):
            continue
        echoed = [o for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"]
        assert not echoed, f"{path.name} cell {index}: the checker's return value is echoed under its verdict"
