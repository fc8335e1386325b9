"""The course's error types, and how a notebook shows errors to a student.

A `CourseError` says, in plain words, what was wrong with an input and what to do
instead. Code in `utils` raises it for every mistake a student can make. A `DataError`
says that one of the course's own files in ``data/`` is broken: the fault of the course,
not of the student, so it is worded for whoever maintains the course.

Inside a notebook (:func:`install_ipython_handler`, run by ``import utils``) both are
shown as a short message, never as a traceback; so are the commonest slips in exercise
code: a misspelt column of a table (``table["yeer"]``), a name that does not exist, and a
``____`` placeholder left in. Anything else is a real bug and keeps its full traceback.
Maintainers see the full traceback of everything by setting the environment variable
``COURSE_TRACEBACKS=1`` before starting JupyterLab, or with ``%xmode Verbose`` in a
running notebook.
"""

from __future__ import annotations

import difflib
import os
import re
from types import TracebackType
from typing import Any

#: The start of every message a student sees in place of a traceback.
PREFIX = "**Cannot do that:**"
PLACEHOLDER = re.compile(r"(?<![\w])_{3,}(?![\w])")
SHOW_TRACEBACKS = "COURSE_TRACEBACKS"
PLACEHOLDER_MESSAGE = (f"{PREFIX} this cell still has a `____` placeholder. Replace each "
                       "`____` with your answer, then run the cell again.")


class CourseError(ValueError):
    """A mistake in the input, explained for a student (not a bug in the course)."""


class DataError(Exception):
    """A file in data/ is broken (naming file, line and column): the course's fault."""


def message_markdown(error: BaseException) -> str:
    """The Markdown a notebook shows for an error raised in course code."""
    if isinstance(error, DataError):
        return ("**A data file of the course is broken** (not a mistake of yours: please "
                f"tell your instructor): {error}")
    return f"{PREFIX} {error}"


def _suggestion(word: str, known: list[str]) -> str:
    """' Did you mean 'x'?' for the closest known word, or nothing."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _frames(tb: TracebackType | None) -> list[Any]:
    frames = []
    while isinstance(tb, TracebackType):
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _in_cell(frame: Any) -> bool:
    """Whether a frame runs a notebook cell's own code (not a module's)."""
    name = frame.f_code.co_filename
    return name.startswith("<") or "ipykernel_" in name


def student_message(error: BaseException, tb: TracebackType | None,
                    names: list[str]) -> str | None:
    """The short message for a student's mistake, or None when the error is a real bug
    (then the full traceback is shown). `names` are the variables the notebook has."""
    names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    if isinstance(error, (CourseError, DataError)):
        return message_markdown(error)
    if isinstance(error, SyntaxError):
        line = error.text if isinstance(error.text, str) else ""
        return PLACEHOLDER_MESSAGE if PLACEHOLDER.search(line) else None
    frames = _frames(tb)
    cell = next((i for i, frame in enumerate(frames) if _in_cell(frame)), None)
    if cell is None:
        return None
    if isinstance(error, NameError) and _in_cell(frames[-1]):
        name = str(getattr(error, "name", None) or "")
        if PLACEHOLDER.fullmatch(name):
            return PLACEHOLDER_MESSAGE
        return (f"{PREFIX} there is nothing called `{name}` yet." + _suggestion(name, names)
                + " Check the spelling, and run the cells above this one first.")
    callee = next((frame for frame in frames[cell:] if not _in_cell(frame)), None)
    if isinstance(error, KeyError) and error.args and callee is not None \
            and callee.f_globals.get("__name__", "").startswith("pandas."):
        table = callee.f_locals.get("self")
        table = getattr(table, "obj", table)  # table.loc[...] indexes the table itself
        columns = getattr(table, "columns", None)
        if columns is not None:
            from utils.checks import shown  # utils.checks imports this module

            known = [str(c) for c in columns]
            key = error.args[0]
            return (f"{PREFIX} the table has no column {shown(key)}."
                    + _suggestion(str(key), known) + " Its columns are: " + ", ".join(known)
                    + ".")
    return None


def install_ipython_handler() -> bool:
    """In IPython, show course errors and students' slips as a message, not a traceback.

    Returns True when a running IPython shell was found and the handler installed.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython is always installed with the course
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def full_tracebacks() -> bool:
        return bool(os.environ.get(SHOW_TRACEBACKS)) or shell.InteractiveTB.mode == "Verbose"

    def names() -> list[str]:
        return [n for n in shell.user_ns if not n.startswith("_")]

    def show_message(shell: Any, etype: type, value: BaseException, tb: Any,
                     tb_offset: int | None = None) -> list[str] | None:
        text = None if full_tracebacks() else student_message(value, tb, names())
        if text is None:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return None
        display(Markdown(text))
        return []

    # IPython hands these to show_message at run time and (SyntaxError) when it parses.
    shell.set_custom_exc((CourseError, DataError, NameError, KeyError, SyntaxError),
                         show_message)
    return True
