"""The bad-input battery (tests/bad_inputs.py): every wrong call gets a clear error.

A clear error is a ValueError or TypeError raised from a course_utils frame whose
message names the argument and says what came. Where the course's decision is
to accept (float64 / int / bool batches are cast, ``sample(0)`` is empty, NaN in
gives NaN out of pure maths), the result must be the right one. Issue 15
measured the code before the validation layer with the same table
(``python tests/bad_inputs.py``): 75.7% clear where an error is due.
"""

from __future__ import annotations

import pytest

import bad_inputs

CASES = bad_inputs.cases()


def test_the_table_is_broad():
    kinds = {c.kind for c in CASES}
    assert {"shape", "dtype", "range", "nan", "inf", "empty", "container", "size", "None", "generator"} <= kinds
    assert len({c.func for c in CASES}) >= 120 and len(CASES) >= 1300


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    outcome, detail = bad_inputs.classify(case)
    if case.expect == "error":
        assert outcome == "clear", f"{case.id}: {outcome}: {detail}"
    elif case.expect is bad_inputs.has_nan:  # NaN in, NaN out, or a clear error
        assert outcome in ("clear", "handled"), f"{case.id}: {outcome}: {detail}"
    else:  # the decision is to accept, with the right result
        assert outcome == "handled", f"{case.id}: {outcome}: {detail}"


def test_share_of_clear_errors():
    summary = bad_inputs.summary(bad_inputs.run())
    assert summary["clear_when_due"] >= 0.95
    assert summary["accepted"] == summary["wrong"] == 0
