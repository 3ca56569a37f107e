"""The Korean edition stays in step with the English one: catalogues, built notebooks, kept parts, glossary.

The English notebooks are the source of every code cell; the Korean prose lives in
notebooks/locale/ko/<stem>.po (tools/i18n.py) and course_utils's own messages in
course_utils/locale/ko.po (course_utils/i18n.py). What a translation must keep,
and the glossary's rules, are defined in tools/ko_rules.py. The tests over the
real catalogues fail until every cell is translated; the rules themselves are
checked here on small synthetic notebooks and catalogues.
"""

from __future__ import annotations

import re
import string
import sys

import nbformat
import polib
import pytest

from paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import i18n as tool  # noqa: E402
import ko_rules  # noqa: E402

NOTEBOOKS = tool.english_notebooks()
GLOSSARY = ko_rules.load_glossary()


def _po(path):
    return tool.load_catalogue(tool.catalogue_path(path.stem))


def _pairs(path):
    """(cell id, English, Korean or None, translator comment) of every markdown cell, in order."""
    nb = nbformat.read(path, as_version=4)
    by_id = {e.msgctxt: e for e in _po(path) if not e.obsolete}
    return [(c.id, c.source, tool.translation(by_id.get(c.id), c.source), getattr(by_id.get(c.id), "tcomment", None))
            for c in tool.markdown_cells(nb)]


# ----------------------------------------------------------------------------
# The notebooks' catalogues
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_markdown_cell_has_a_finished_korean_entry(path):
    """Missing, fuzzy, or made for English that has changed since: each is named with its notebook and cell."""
    found = tool.problems(ROOT).get(path.name, [])
    assert not found, f"{path.name}: {len(found)} markdown cells without a usable Korean entry:\n" + "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_catalogue_is_in_step_with_its_notebook(path):
    """`tools/i18n.py update` has been run: syncing again changes nothing (no new, fuzzy or obsolete entry)."""
    po = _po(path)
    before = po.__unicode__()
    counts = tool.sync(po, nbformat.read(path, as_version=4))
    assert counts == {"new": 0, "fuzzy": 0, "obsolete": 0} and po.__unicode__() == before, (
        f"{path.name}: the catalogue is behind its notebook ({counts}); run `python tools/i18n.py update`")
    assert po.metadata.get("Language") == "ko" and "UTF-8" in po.metadata.get("Content-Type", "")


def _tiny_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\nThe likelihood $p(x)$."),
                nbformat.v4.new_code_cell("import course_utils\ndevice = course_utils.setup(seed=0, live=False)"),
                nbformat.v4.new_markdown_cell("A second cell with `code`."),
                nbformat.v4.new_markdown_cell("A third cell.")]
    return nb


def _translated(nb):
    po = tool.load_catalogue(ROOT / "no-such.po")
    tool.sync(po, nb)
    for entry, korean in zip(po, ["# 제목\n\n가능도(likelihood) $p(x)$.", "`code`가 있는 둘째 셀.", "셋째 셀."]):
        entry.msgstr = korean
    return po


def test_a_changed_english_cell_becomes_one_fuzzy_entry_and_is_reported(tmp_path):
    nb = _tiny_notebook()
    po = _translated(nb)
    nb.cells[2].source = "A second cell, reworded, with `code`."
    nb.cells.pop(3)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new cell."))
    counts = tool.sync(po, nb)
    assert counts == {"new": 1, "fuzzy": 1, "obsolete": 1}
    changed = next(e for e in po if e.msgctxt == nb.cells[2].id)
    assert "fuzzy" in changed.flags and changed.previous_msgid == "A second cell with `code`."
    assert changed.msgid == nb.cells[2].source and changed.msgstr == "`code`가 있는 둘째 셀."
    assert [e.msgctxt for e in po.obsolete_entries()] != [] and len(po.fuzzy_entries()) == 1
    # A second change keeps the English the Korean was made from; changing back makes it right again.
    nb.cells[2].source = "A second cell, reworded twice, with `code`."
    tool.sync(po, nb)
    assert changed.previous_msgid == "A second cell with `code`." and len(po.fuzzy_entries()) == 1
    # The check names the notebook and the cell; the build keeps English there (and says so).
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "09_tiny.ipynb")
    tool.save_catalogue(po, tool.catalogue_path("09_tiny", tmp_path))
    report = tool.problems(tmp_path)["09_tiny.ipynb"]
    assert any(nb.cells[2].id in line and "fuzzy" in line for line in report)
    assert any(nb.cells[-1].id in line and "not translated" in line for line in report)
    # An English edit without `update`: the entry's msgid no longer matches and the cell is reported.
    nb.cells[0].source += " Edited."
    nbformat.write(nb, tmp_path / "notebooks" / "09_tiny.ipynb")
    assert any(nb.cells[0].id in line and "English changed" in line for line in tool.problems(tmp_path)["09_tiny.ipynb"])
    ko, english = tool.korean_notebook(nb, po)
    assert nb.cells[0].id in english and ko.cells[0].source == nb.cells[0].source


def test_the_build_takes_the_korean_and_changes_only_the_setup_argument():
    nb = _tiny_notebook()
    ko, english = tool.korean_notebook(nb, _translated(nb))
    assert english == []
    assert [c.id for c in ko.cells] == [c.id for c in nb.cells]
    assert ko.cells[0].source.startswith("# 제목")
    assert ko.cells[1].source.endswith('course_utils.setup(seed=0, live=False, lang="ko")')
    assert tool.korean_setup_line("d = course_utils.setup(seed=0)  # c") == 'd = course_utils.setup(seed=0, lang="ko")  # c'
    with pytest.raises(ValueError, match="exactly one"):
        tool.korean_setup_line("x = 1")


# ----------------------------------------------------------------------------
# The built Korean notebooks
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_built_notebook_is_up_to_date(path):
    """Rebuilding from the English notebook and its catalogue would change no cell of notebooks/ko/."""
    built = tool.built_path(path.stem)
    assert built.exists(), f"{built.relative_to(ROOT)} is missing; run `python course.py ko`"
    expected, _ = tool.korean_notebook(nbformat.read(path, as_version=4), _po(path))
    assert tool.same_source(expected, nbformat.read(built, as_version=4)), (
        f"{built.relative_to(ROOT)} is stale: its English notebook or catalogue changed; run `python course.py ko`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_the_english_ones_except_the_setup_argument(path):
    built = tool.built_path(path.stem)
    assert built.exists(), f"{built.relative_to(ROOT)} is missing; run `python course.py ko`"
    en, ko = nbformat.read(path, as_version=4), nbformat.read(built, as_version=4)
    assert [(c.cell_type, c.id) for c in ko.cells] == [(c.cell_type, c.id) for c in en.cells]
    setup = tool.setup_cell_index(en)
    for i, (a, b) in enumerate(zip(en.cells, ko.cells)):
        if a.cell_type != "code":
            continue
        want = tool.korean_setup_line(a.source) if i == setup else a.source
        assert b.source == want and tool.cell_metadata(b) == tool.cell_metadata(a), f"{built.name} code cell {i} (id {a.id}) differs"


# ----------------------------------------------------------------------------
# What a translation keeps, and the glossary
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_translated_cell_keeps_maths_code_and_links(path):
    problems = [f"cell {cell_id}: {line}" for cell_id, english, korean, _ in _pairs(path) if korean
                for line in ko_rules.segment_differences(english, korean)]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_glossary_is_applied(path):
    """Rules 1 and 2 of tools/ko_rules.py over the translated cells (an untranslated one is the test above's)."""
    cells = [(i, e, k if k is not None else None, c) for i, e, k, c in _pairs(path)]
    problems = []
    for line in ko_rules.glossary_problems([(i, e, k or "", c) for i, e, k, c in cells], GLOSSARY):
        cell_id = line.split(":")[0].removeprefix("cell ")
        if next(k for i, _, k, _ in cells if i == cell_id) is not None:
            problems.append(line)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_segments_catch_a_lost_formula_code_span_or_link():
    english = ("See $p(x)$ and $$\\int f$$, `torch.exp` and [the paper](https://arxiv.org/abs/1) "
               "and <img src=\"a.png\">.\n\n```python\nx = 1\n```")
    korean = ("$p(x)$와 $$\\int f$$, `torch.exp`, [논문](https://arxiv.org/abs/1), <img src=\"a.png\">을 보세요.\n\n"
              "```python\nx = 1\n```")
    assert ko_rules.segment_differences(english, korean) == []
    assert ko_rules.segment_differences(english, korean.replace("$p(x)$", "$p(y)$")) == [
        "math missing in Korean: '$p(x)$'", "math only in Korean: '$p(y)$'"]
    assert "code missing in Korean: '`torch.exp`'" in ko_rules.segment_differences(english, korean.replace("`torch.exp`", "torch.exp"))
    assert ko_rules.segment_differences(english, korean.replace("abs/1", "abs/2"))[0].startswith("links missing")
    assert ko_rules.segment_differences("a \\$5 and $x$", "\\$5와 $x$") == []


def test_glossary_rules_on_a_small_notebook():
    terms = [ko_rules.Term("가능도", ("likelihood", "likelihoods")), ko_rules.Term("로그가능도", ("log-likelihood",)),
             ko_rules.Term("증거 하한", ("evidence lower bound", "ELBO"))]
    good = [("a", "The likelihood and the ELBO.", "가능도(likelihood)와 증거하한 (ELBO, evidence lower bound)을 봅니다.", None),
            ("b", "Likelihoods again, and the log-likelihood.", "다시 가능도, 그리고 로그가능도(log-likelihood)입니다.", None),
            ("c", "The ELBO.", "ELBO입니다.", None),  # an acronym may stay as it is
            ("d", "## References\n\nThe Likelihood Book.", "## 참고 문헌\n\nThe Likelihood Book.", None)]
    assert ko_rules.glossary_problems(good, terms) == []
    no_term = [good[0], ("b", "Likelihoods again.", "다시 우도입니다.", None)]
    assert ko_rules.glossary_problems(no_term, terms) == ["cell b: the English says 'Likelihoods'; the Korean lacks '가능도'"]
    assert ko_rules.glossary_problems([(*no_term[1][:3], "glossary-skip: 가능도")], terms) != []  # first use still counts
    no_parens = [("a", "The likelihood.", "가능도를 봅니다.", None)]
    assert "first use of '가능도'" in ko_rules.glossary_problems(no_parens, terms)[0]
    table = [("a", "| 가능도 | likelihood |\n\nThe likelihood.", "| 가능도 | likelihood |\n\n가능도를 봅니다.", None)]
    assert ko_rules.glossary_problems(table, terms) == []
    # log-likelihood is not an occurrence of likelihood (the longest match wins, hyphens join words)
    assert set(ko_rules.terms_used("the log-likelihood", terms)) == {terms[1]}


def test_the_glossary_file_is_well_formed():
    seen = {}
    for term in GLOSSARY:
        assert ko_rules.HANGUL.search(term.korean) or term.korean[:2].isupper(), term
        for form in term.forms:
            assert form.lower() not in seen, f"{form!r} is listed for {seen[form.lower()]!r} and {term.korean!r}"
            seen[form.lower()] = term.korean
    assert len(GLOSSARY) >= 80


# ----------------------------------------------------------------------------
# course_utils's own messages (course_utils/locale/ko.po)
# ----------------------------------------------------------------------------

CODE_PO = polib.pofile(str(tool.CODE_CATALOGUE))
#: Code in a hint that a translation must keep: calls, attributes, indexing, operators between names.
CODE_TOKEN = re.compile(r"[A-Za-z_][\w.]*\([^()]*\)|[A-Za-z_]\w*(?:\.\w+|\[[^\]]*\])+|(?<![\w-])--?[a-z][\w-]*|\w+_\w+")


def _fields(text):
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


def test_every_string_the_course_shows_has_a_korean_entry():
    entries = {e.msgid: e for e in CODE_PO if not e.obsolete}
    used = tool.code_messages(ROOT)
    missing = {text: where[0] for text, where in used.items()
               if text not in entries or not entries[text].msgstr or "fuzzy" in entries[text].flags}
    assert not missing, f"course_utils/locale/ko.po lacks (run `python tools/i18n.py update`, then translate): {missing}"
    unused = sorted(set(entries) - set(used))
    assert not unused, f"course_utils/locale/ko.po has entries nothing shows (run update): {unused}"


def test_korean_messages_keep_fields_tags_and_code():
    problems = []
    for entry in (e for e in CODE_PO if e.msgstr and not e.obsolete):
        if _fields(entry.msgstr) != _fields(entry.msgid):
            problems.append(f"{entry.msgid!r}: fields {_fields(entry.msgid)} became {_fields(entry.msgstr)}")
        if re.findall(r"</?\w+>", entry.msgstr) != re.findall(r"</?\w+>", entry.msgid):
            problems.append(f"{entry.msgid!r}: HTML tags differ")
        problems += [f"{entry.msgid!r}: the Korean lost {token!r}" for token in CODE_TOKEN.findall(entry.msgid)
                     if token not in entry.msgstr]
    assert not problems, "\n".join(problems)


def test_the_extractor_finds_checker_names_hints_and_captions(tmp_path):
    (tmp_path / "course_utils" / "widgets").mkdir(parents=True)
    (tmp_path / "course_utils" / "widgets" / "w.py").write_text(
        'def w():\n    s = IntSlider(description="steps")\n    return slider_image(r, {"s": s}, caption=tr("Move it" if a else "Still"))\n'
        'LABEL = N_("marked")\nstyle = dict(label="a plot label")\nx = tr(style["label"])\n')
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        '%matplotlib inline\nchecks.check_close("Exercise 1: x", lambda: f(), 1.0, hint="add them")\n'
        'box = replay_slider(steps, caption="<b>a story</b>")')])
    nbformat.write(nb, tmp_path / "notebooks" / "01_x.ipynb")
    assert set(tool.code_messages(tmp_path)) == {"steps", "Move it", "Still", "marked", "Exercise 1: x", "add them",
                                                 "<b>a story</b>"}


def test_setup_lang_ko_speaks_korean_and_errors_stay_english(capsys):
    import course_utils
    from course_utils import checks, i18n

    name, hint = "Exercise 2: KL to the prior", "0.5 * sum over dimensions of (mu^2 + sigma^2 - 1 - log sigma^2), with sigma^2 = exp(logvar)"
    try:
        course_utils.setup(seed=0, lang="ko")
        assert i18n.language() == "ko"
        checks.check_close(name, lambda: 1.0, 2.0, hint=hint)
        checks.check_close(name, lambda: 2.0, 2.0, hint=hint)
        korean = capsys.readouterr().out.splitlines()
        assert korean == [f"❌ {i18n.tr(name)}: 아직 틀렸습니다: 기대한 값은 2.인데 1.이(가) 나왔습니다. 힌트: {i18n.tr(hint)}",
                          f"✅ {i18n.tr(name)}: 정답입니다."]
        assert i18n.tr(name) == "연습 2: 사전 분포까지의 KL"
        with pytest.raises(TypeError, match="expects answer as a zero-argument callable"):
            checks.check_close(name, 1.0, 2.0, hint=hint)
    finally:
        course_utils.setup(seed=0)
    checks.check_close(name, lambda: 2.0, 2.0, hint=hint)
    assert capsys.readouterr().out == f"✅ {name}: correct.\n"
    for bad in ("fr", "KO", None, 1):
        with pytest.raises(ValueError, match=r"setup expects lang one of \['en', 'ko'\]"):
            course_utils.setup(seed=0, lang=bad)
    assert i18n.language() == "en"


def test_widget_captions_and_labels_are_korean_and_figures_identical():
    from course_utils import i18n
    from course_utils.widgets.probability import clt_slider
    from course_utils.widgets.probability import likelihood_slider as likelihood_explorer

    english = likelihood_explorer()
    with i18n.using("ko"):
        korean = likelihood_explorer()
        clt = clt_slider()
    assert "가능도" in korean.children[0].value and "Likelihood" in english.children[0].value
    assert clt.children[0].value.startswith("<b>중심극한정리</b>") and clt.controls["n"].description == "표본 크기 n"
    assert clt_slider().controls["n"].description == "sample size n"
    # The figure has no translated text (matplotlib text stays English, so no Hangul glyph can be missing).
    assert korean.image.value == english.image.value
    assert i18n.language() == "en"


# ----------------------------------------------------------------------------
# README.md and README.ko.md say the same things
# ----------------------------------------------------------------------------

def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _outline(text: str):
    """Per heading, its level; per table, its rows and columns (outside fenced code)."""
    text = ko_rules.FENCED.sub("", text)
    headings = [len(m.group(1)) for m in re.finditer(r"^(#+) ", text, re.M)]
    tables = [[line.count("|") for line in block.splitlines()]
              for block in re.findall(r"(?:^\|.*\|[ \t]*\n?)+", text, re.M)]
    return headings, tables


def test_the_two_readmes_are_in_step():
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    ko = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    assert _outline(en) == _outline(ko), "README.md and README.ko.md differ in sections or tables"
    own = {"#": None, "README.md": None, "README.ko.md": None}
    differences = [d for d in ko_rules.segment_differences(en, ko)
                   if not any(d.endswith(f"'{name}'") for name in own) and "'#" not in d]
    assert not differences, "README.ko.md has drifted from README.md (same commands, code blocks and links):\n" + \
        "\n".join(differences)
    assert "README.ko.md" in ko_rules.segments(en)["links"] and "README.md" in ko_rules.segments(ko)["links"]
    for name, text in (("README.md", en), ("README.ko.md", ko)):
        anchors = {_anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", ko_rules.FENCED.sub("", text), re.M)}
        for target in ko_rules.segments(text)["links"]:
            if target.startswith("#"):
                assert target[1:] in anchors, f"{name} links to a missing section {target}"
    assert "notebooks/ko" in en and "lang=\"ko\"" in en
