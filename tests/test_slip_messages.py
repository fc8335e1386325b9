"""The slip messages, worked out in this process (the kernel tests in test_errors.py show
them as a student sees them; these check the wording of each kind, fast and traced)."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from utils import data
from utils.errors import student_message

MEMBERS = data.load("nato_members")


def message(code: str) -> str | None:
    """Run `code` as a notebook cell would (its file name starts with '<') and return the
    course's message for the error it raises."""
    namespace = {"members": MEMBERS, "pd": pd}
    try:
        exec(compile(code, "<cell>", "exec"), namespace)
    except BaseException as error:
        return student_message(error, sys.exc_info()[2], list(namespace))
    raise AssertionError(f"{code!r} raised nothing")


@pytest.mark.parametrize(("code", "expected"), [
    ('members["nmae"]', "the table has no column 'nmae'. Did you mean 'name'?"),
    ('members[["name", "accesion_date"]]', "no column 'accesion_date'. Did you mean "
                                          "'accession_date'?"),
    ('members.groupby("enlargment")', "no column 'enlargment'. Did you mean 'enlargement'?"),
    ('members.query("enlargment > 1")', "'enlargment'"),
    ('members.iloc[999]', "there is no row 999"),
    ('members.iloc[:, 99]', "there is no column 99"),
    ('members.loc["Greece"]', "the table has no row 'Greece'"),
    ('members.nmae', "no column or method 'nmae'. Did you mean 'name'?"),
    ('members["name"] + 1', "you can't add a number to text"),
    ('membrs', "membrs"),
])
def test_each_slip_gets_its_message(code: str, expected: str) -> None:
    text = message(code)
    assert text is not None and expected in text, text


def test_an_interrupt_is_one_line_and_a_real_bug_keeps_its_traceback() -> None:
    assert message("raise KeyboardInterrupt") == "**Stopped:** you interrupted the cell."
    assert message("import json\njson.loads('{')") is None  # inside a library: a traceback
