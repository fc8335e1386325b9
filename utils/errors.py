"""The course's error types, and how a notebook shows errors to a student.

A `CourseError` says, in plain words, what was wrong with an input and what to do
instead. Code in `utils` raises it for every mistake a student can make. A `DataError`
says that one of the course's own files in ``data/`` is broken: the fault of the course,
not of the student, so it is worded for whoever maintains the course.

Inside a notebook (:func:`install_ipython_handler`, run by ``utils.setup()``) both are
shown as a short message, never as a traceback; so are the commonest slips in exercise
code: a misspelt column or row of a table (``table["yeer"]``, ``table.groupby("yeer")``,
``table.query("yeer > 1")``, ``table.loc["Greec"]``), a misspelt attribute
(``table.nmae``, ``dates.dt.yeer``), a position past the end (``table.iloc[999]``),
arithmetic on text or dates (``table["name"] + 1``), an average of text
(``table.mean()``), ``.dt`` or ``.str`` on the wrong kind of column, a name that does not
exist, a ``____`` placeholder left in, a missing, extra or misspelt argument
(``membership.nato_members()``), a misspelt import (``from utils import memberhsip``), a
module the course does not install (``.plot`` needs matplotlib), a file that is not there
(``pd.read_csv("data/...")`` from notebooks/), a division by zero and a function that
calls itself without end; an interrupted cell (Ctrl+C, the stop button) shows one line.
Anything else is a real bug and keeps its full traceback.
Maintainers see the full traceback of everything by setting the environment variable
``COURSE_TRACEBACKS=1`` before starting JupyterLab, or with ``%xmode Verbose`` in a
running notebook.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import sys
from numbers import Integral
from types import ModuleType, TracebackType
from typing import Any

__all__ = ["PREFIX", "SHOW_TRACEBACKS", "CourseError", "DataError", "install_ipython_handler",
           "message_markdown", "student_message"]

#: The start of every message a student sees in place of a traceback.
PREFIX = "**Cannot do that:**"
_PLACEHOLDER = re.compile(r"(?<![\w])_{3,}(?![\w])")
SHOW_TRACEBACKS = "COURSE_TRACEBACKS"
_PLACEHOLDER_MESSAGE = (f"{PREFIX} this cell still has a `____` placeholder. Replace each "
                       "`____` with your answer, then run the cell again.")


class CourseError(ValueError):
    """A mistake in the input, explained for a student (not a bug in the course)."""


class DataError(Exception):
    """A file in data/ is broken (naming file, line and column): the course's fault."""


def message_markdown(error: BaseException) -> str:
    """The Markdown a notebook shows for an error raised in course code."""
    try:
        text = str(error)
    except Exception:  # an object that cannot describe itself is named by its type
        from utils.checks import shown

        text = shown(error)
    if isinstance(error, DataError):
        return ("**A data file of the course is broken** (not a mistake of yours: please "
                f"tell your instructor): {text}")
    return f"{PREFIX} {text}"


#: What an interrupted cell (Ctrl+C, or the stop button) shows instead of a traceback.
_INTERRUPTED = "**Stopped:** you interrupted the cell."
#: Labels compared with a misspelt one at most (difflib's time grows with their number).
_MOST_COMPARED = 10_000
#: The operations of pandas' arithmetic and comparisons, as a sentence says them;
#: {mine} is the column's kind of values, {other} the other side's.
_OPERATIONS = {
    "add": "add {other} to {mine}", "radd": "add {mine} to {other}",
    "sub": "subtract {other} from {mine}", "rsub": "subtract {mine} from {other}",
    "mul": "multiply {mine} by {other}", "rmul": "multiply {other} by {mine}",
    "truediv": "divide {mine} by {other}", "rtruediv": "divide {other} by {mine}",
    "floordiv": "divide {mine} by {other}", "rfloordiv": "divide {other} by {mine}",
    "mod": "divide {mine} by {other}", "rmod": "divide {other} by {mine}",
    "pow": "raise {mine} to a power", "rpow": "raise {other} to a power of {mine}",
    "lt": "compare {mine} with {other}", "le": "compare {mine} with {other}",
    "gt": "compare {mine} with {other}", "ge": "compare {mine} with {other}",
}
#: pandas' accessors, by class, as a student writes them.
_ACCESSORS = {"DatetimeProperties": ".dt", "TimedeltaProperties": ".dt",
             "PeriodProperties": ".dt", "CombinedDatetimelikeProperties": ".dt",
             "StringMethods": ".str", "CategoricalAccessor": ".cat"}


def _close(word: str, known: list[str]) -> str | None:
    """The known word closest to `word`, if one is close enough to be a misspelling."""
    close = difflib.get_close_matches(word, known[:_MOST_COMPARED], n=1, cutoff=0.6)
    return close[0] if close else None


def _suggestion(words: list[object], known: list[str]) -> str:
    """' Did you mean 'x'?' for the known words closest to the misspelt ones, or nothing."""
    from utils.checks import listing

    close = [_close(str(word), known) for word in words[:3] if isinstance(word, str)]
    close = list(dict.fromkeys(word for word in close if word is not None))
    return f" Did you mean {listing(repr(word) for word in close)}?" if close else ""


def _frames(tb: TracebackType | None) -> list[Any]:
    """The frames of a traceback, from the cell down to where the error was raised."""
    frames = []
    while isinstance(tb, TracebackType):
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _in_cell(frame: Any) -> bool:
    """Whether a frame runs a notebook cell's own code (not a module's)."""
    name = frame.f_code.co_filename
    return name.startswith("<") or "ipykernel_" in name


def _module(frame: Any) -> str:
    """The name of the module whose code a frame runs ('pandas.core.frame')."""
    return str(frame.f_globals.get("__name__", ""))


def _local(frame: Any, name: str) -> Any:
    """A variable of a frame (None when it has none of that name)."""
    return frame.f_locals.get(name)


def student_message(error: BaseException, tb: TracebackType | None,
                    names: list[str]) -> str | None:
    """The short message for a student's mistake, or None when the error is a real bug
    (then the full traceback is shown). `names` are the variables the notebook has.

    A slip is an error of the cell's own code (a misspelt name or attribute), or one that
    pandas raises when the cell calls it directly (a misspelt column or row, a position
    past the end, arithmetic on text). An error raised inside course code or any other
    library is a bug, and keeps its traceback.
    """
    names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    if isinstance(error, (CourseError, DataError)):
        return message_markdown(error)
    if isinstance(error, KeyboardInterrupt):
        return _INTERRUPTED
    if isinstance(error, FileNotFoundError):  # the student named the file, wherever it failed
        return _no_file(error)
    if isinstance(error, ImportError):
        return _not_importable(error)
    if isinstance(error, SyntaxError):
        line = error.text if isinstance(error.text, str) else ""
        if _PLACEHOLDER.search(line):
            return _PLACEHOLDER_MESSAGE
        if any(frame.f_code.co_name in ("query", "eval") and _module(frame).startswith(
                "pandas.") for frame in _frames(tb)):
            return _QUERY_SYNTAX
        return None
    frames = _frames(tb)
    cells = [i for i, frame in enumerate(frames) if _in_cell(frame)]
    if not cells:
        return None
    called = frames[cells[-1] + 1:]  # what the cell's own code called, down to the error
    if not called:
        if isinstance(error, NameError):
            return _unknown_name(error, names)
        if isinstance(error, AttributeError):
            return _no_attribute(error)
        if isinstance(error, TypeError | ValueError | IndexError):
            return _wrong_arguments(error, frames[-1]) or _plain_slip(error)
        if isinstance(error, ZeroDivisionError):
            return _ZERO_DIVISION
        if isinstance(error, RecursionError):
            return _endless(frames[-1])
        return None
    if isinstance(error, AttributeError) and called[0].f_code.co_name == "__getattr__" \
            and _module(called[0]) == "utils.views":  # a view the package does not have
        return _no_attribute(error)
    if not _module(called[0]).startswith("pandas."):
        return None
    from pandas.errors import UndefinedVariableError

    if isinstance(error, UndefinedVariableError):  # table.query("yeer > 1999")
        return _query_name(error, called)
    if isinstance(error, KeyError):
        return _missing_labels(error, called)
    if isinstance(error, IndexError):
        return _out_of_range(called) or _pandas_refused(error)
    if isinstance(error, AttributeError) and called[0].f_code.co_name == "__getattr__":
        return _no_attribute(error)
    if isinstance(error, TypeError):
        text = _no_average(called) or _wrong_kinds(called)
    elif isinstance(error, ValueError):
        text = _not_convertible(error, called)
    else:
        text = None
    return text or _pandas_refused(error)


def _pandas_refused(error: BaseException) -> str | None:
    """pandas, called by the cell itself, refused what it was given: its own words,
    without the pages of pandas' code between them and the cell."""
    if not isinstance(error, TypeError | ValueError | IndexError):
        return None
    from utils.checks import cut

    said = cut(str(error).strip(), 300).rstrip(".")
    return (f"{PREFIX} pandas cannot do this: {said}. Look at what the cell gives it: text "
            "(in quotes) where a number or True/False is needed, or a list of the wrong "
            "length?")


def _plain_slip(error: Exception) -> str | None:
    """A slip of plain Python (_PLAIN_SLIPS): ``[1, 2, 3][10]``, ``"year " + 1999``…"""
    for pattern, message in _PLAIN_SLIPS.items():
        found = re.fullmatch(pattern, str(error), flags=re.S)
        if found:
            from utils.checks import cut

            return f"{PREFIX} " + message.format(*(cut(part, 60) for part in found.groups()))
    return None


def _not_convertible(error: ValueError, called: list[Any]) -> str | None:
    """Text that cannot become numbers or dates (``table["name"].astype(int)``,
    ``pd.to_datetime(table["name"])``), or a whole column used as one yes or no
    (``if table["x"] > 3:``)."""
    import pandas as pd

    from utils.checks import shown

    functions = [frame.f_code.co_name for frame in called]
    if "__bool__" in functions or "__nonzero__" in functions:
        return (f"{PREFIX} a column holds many values, so it is not true or false as a "
                "whole. Ask about all of them, `(table['x'] > 3).all()`, or any, `.any()`; "
                "or keep the rows where it holds: `table[table['x'] > 3]`.")
    if functions[0] not in ("astype", "to_datetime", "to_numeric"):
        return None
    column = next((v for v in (_local(f, "self") for f in called)
                   if isinstance(v, pd.Series)), None)
    if column is None:
        column = _local(called[0], "arg")
    if not isinstance(column, pd.Series) or _kind(column) != "text":
        return None
    first = column.dropna().head(1).tolist()
    example = f" such as {shown(first[0])}" if first else ""
    wanted = "dates" if functions[0] == "to_datetime" else "numbers"
    return (f"{PREFIX} {_described(column)} holds text{example}, which cannot become "
            f"{wanted}. Is it the column you meant?")


#: Slips of plain Python in a cell's own code, by the message Python gives: what a
#: student sees instead (with {0}, {1}… the parts the pattern picked out).
_PLAIN_SLIPS = {
    r"(?:list|tuple|string) index out of range": (
        "a position past the end: a list of n items has positions 0 to n - 1 (and -1 for "
        "the last). `len(...)` says how many there are."),
    r'can only concatenate str \(not "(\w+)"\) to str': (
        "you can't add a value of type `{0}` to text: turn it into text first, "
        "`\"year \" + str(1999)`, or write `f\"year {{1999}}\"`."),
    r"unsupported operand type\(s\) for [-+*/]+: '(\w+)' and '(\w+)'": (
        "you can't do arithmetic with a value of type `{0}` and one of type `{1}`: is one "
        "of them text (in quotes) or None?"),
    r"invalid literal for int\(\) with base 10: (.*)": (
        "{0} is not a whole number written in digits, so `int()` cannot read it."),
    r"could not convert string to float: (.*)": (
        "{0} is not a number written in digits, so `float()` cannot read it."),
    r"object of type '(\w+)' has no len\(\)": (
        "a value of type `{0}` has no length: `len()` counts the items of a list, a table "
        "or a text."),
    r"(?:float|int)\(\) argument must be .*, not 'Series'": (
        "a column holds many values, so it is not one number: pick one, "
        "`table['column'].iloc[0]`, or sum or average them: `.sum()`, `.mean()`."),
}
_QUERY_SYNTAX = (f"{PREFIX} pandas cannot read this query. Write it as a comparison, "
                "`year > 1999`; text goes in quotes (`name == 'Greece'`), a variable of yours "
                "takes an @ (`year > @start`), and a column name with a space goes in "
                "backquotes (`` `accession date` > 1999 ``).")
_ZERO_DIVISION = (f"{PREFIX} a division by zero: the number you divide by is 0. Check it "
                 "first (`share = part / total if total else 0`), or look at why it is 0.")
#: What pandas' reductions say, as a sentence says them.
_AVERAGES = {"mean": "mean", "median": "median", "std": "standard deviation",
            "var": "variance", "sem": "standard error", "quantile": "quantile",
            "prod": "product", "skew": "skew", "kurt": "kurtosis"}
#: Modules the course does not install, with what it uses instead.
_INSTEAD = {"matplotlib": "Altair (`import altair as alt`), as the course's charts do",
           "seaborn": "Altair (`import altair as alt`), as the course's charts do",
           "plotly": "Altair (`import altair as alt`), as the course's charts do",
           "sklearn": "plain pandas and numpy", "scipy": "plain pandas and numpy"}


def _no_file(error: FileNotFoundError) -> str:
    """A file that is not there: most often data/… named from the notebooks/ folder."""
    from utils.checks import shown

    name = error.filename if isinstance(error.filename, str) else ""
    text = f"{PREFIX} there is no file {shown(name)} here" if name else \
        f"{PREFIX} a file is not there"
    text += f" (this notebook runs in the folder {shown(os.path.basename(os.getcwd()))})."
    table = re.fullmatch(r"(?:\./)?data/(\w+)\.csv", name)
    if table:
        text += (f" The course's tables are one folder up, but read them with "
                 f"`data.load({table[1]!r})` (`from utils import data`): it checks them and "
                 "gives dates and numbers their types.")
    return text


def _not_importable(error: ImportError) -> str | None:
    """A misspelt part of the course (``from utils import memberhsip``), or a module the
    course does not install (``import seaborn``; pandas' ``.plot`` needs matplotlib)."""
    import pkgutil

    import utils
    from utils.checks import listing, shown

    found = re.fullmatch(r"cannot import name '(\w+)' from '(\w+)'.*", str(error), flags=re.S)
    if found and found[2] == "utils":
        parts = sorted(m.name for m in pkgutil.iter_modules(utils.__path__)
                       if not m.name.startswith("_"))
        return (f"{PREFIX} the course has no part called {shown(found[1])}."
                + _suggestion([found[1]], parts) + f" Its parts are: {listing(parts, 30)}.")
    missing = getattr(error, "name", None) or ""
    if not missing:
        needed = re.search(r"(\w+) is required", str(error))
        missing = needed[1] if needed else ""
    root = missing.split(".")[0]
    if root in _INSTEAD:
        plot = " (pandas' `.plot` needs it too)" if root == "matplotlib" else ""
        return f"{PREFIX} the course does not install {root}{plot}; use {_INSTEAD[root]}."
    if isinstance(error, ModuleNotFoundError) and root:
        return (f"{PREFIX} there is no module {shown(root)} in the course's environment. "
                "Check the spelling; the course uses pandas, numpy, Altair and its own "
                "`utils`.")
    return None


def _wrong_arguments(error: TypeError, frame: Any) -> str | None:
    """A function called with an argument missing, one too many, or a misspelt name:
    ``membership.nato_members()``, ``make_allies(..., tolerence=0.1)``."""
    import inspect

    from utils.checks import shown

    found = re.fullmatch(r"(?:\w+\.)*(\w+)\(\) (missing \d+ required (?:positional|keyword-only) "
                         r"arguments?: .*|takes .* but \d+ (?:was|were) given|got an "
                         r"unexpected keyword argument '(\w+)'|got multiple values for "
                         r"argument '\w+')", str(error))
    if not found:
        return None
    name, problem, unknown = found[1], found[2], found[3]
    function = next((getattr(module, name) for module_name, module in list(sys.modules.items())
                     if module_name.startswith("utils.") and inspect.isfunction(
                         getattr(module, name, None))), None)
    if function is None:  # the student's own function, or a library's
        function = frame.f_globals.get(name) or frame.f_locals.get(name)
    try:
        signature = inspect.signature(function)
        module = function.__module__.removeprefix("utils.")
    except (TypeError, ValueError, AttributeError):
        return f"{PREFIX} `{name}()` {problem}."
    called = f"{module}.{name}" if function.__module__.startswith("utils.") else name
    parameters = list(signature.parameters.values())
    needed = [p.name for p in parameters if p.default is p.empty
              and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    written = ", ".join(p.name if p.default is p.empty or p.kind in (p.VAR_POSITIONAL,
                                                                     p.VAR_KEYWORD)
                        else f"{p.name}={shown(p.default)}" for p in parameters)
    text = f"{PREFIX} `{called}` is called as `{called}({written})`"
    if unknown:
        text += (f": it has no argument {shown(unknown)}."
                 + _suggestion([unknown], [p.name for p in parameters]))
    elif needed:
        text += (f": it needs {len(needed)} value{'s' if len(needed) > 1 else ''} "
                 f"({', '.join(needed)}), in this order.")
    else:
        text += f": {problem}."
    return text


def _endless(frame: Any) -> str:
    """A function that calls itself without end (RecursionError)."""
    return (f"{PREFIX} the function `{frame.f_code.co_name}` calls itself again and again "
            f"without end (Python stops after {sys.getrecursionlimit():,} calls). A function "
            "that calls itself needs a case where it stops and returns a value.")


def _no_average(called: list[Any]) -> str | None:
    """A mean (or median, …) of a table or column that holds text: ``table.mean()``."""
    import pandas as pd

    from utils.checks import listing, shown

    frame = next((f for f in called if f.f_code.co_name in _AVERAGES), None)
    if frame is None:
        return None
    table = _table_of(_local(frame, "self"))
    if table is None:
        return None
    columns = [table] if isinstance(table, pd.Series) else [table[c] for c in table.columns]
    text = [c for c in columns if _kind(c) == "text"]
    if not text:
        return None
    what = _AVERAGES[frame.f_code.co_name]
    if isinstance(table, pd.Series):
        return f"{PREFIX} {_described(table)} holds {_kind(table) or 'text'}: it has no {what}."
    numbers = [str(c.name) for c in columns if _kind(c) == "numbers"]
    hint = (f" Take the columns of numbers first, e.g. `table[[{shown(numbers[0])}]]."
            f"{frame.f_code.co_name}()`, or write `.{frame.f_code.co_name}(numeric_only=True)`."
            if numbers else "")
    return (f"{PREFIX} you can't take a {what} of text: the column"
            f"{'s' if len(text) > 1 else ''} {listing(shown(c.name) for c in text)} "
            f"hold{'' if len(text) > 1 else 's'} text." + hint)


def _unknown_name(error: NameError, names: list[str]) -> str | None:
    """A name used before it has a value: misspelt, a placeholder, or not yet run."""
    found = re.search(r"variable '(\w+)'", str(error))
    if isinstance(error, UnboundLocalError) or found:
        if not found:
            return None
        return (f"{PREFIX} inside the function, `{found[1]}` is used before it is given a "
                "value. A name given a value anywhere in a function belongs to that "
                "function: to use a value from outside, pass it in as an argument.")
    name = getattr(error, "name", None)
    if not isinstance(name, str) or not name:
        found = re.fullmatch(r"name '(\w+)' is not defined", str(error))
        if not found:
            return None
        name = found[1]
    if _PLACEHOLDER.fullmatch(name):
        return _PLACEHOLDER_MESSAGE
    return (f"{PREFIX} there is nothing called `{name}` yet." + _suggestion([name], names)
            + " Check the spelling, and run the cells above this one first.")


def _table_of(value: Any) -> Any:
    """The table (DataFrame) or column (Series) behind a pandas object: itself, or what
    an indexer (``table.loc``) or a grouping (``table.groupby(...)``) works on."""
    import pandas as pd

    for _ in range(3):
        if isinstance(value, (pd.DataFrame, pd.Series)):
            return value
        try:  # not getattr: a half-made grouping's __getattr__ recurses without end
            value = object.__getattribute__(value, "obj")
        except Exception:
            return None
    return None


def _described(table: Any) -> str:
    """'the table', or 'the column 'name'' for a column taken out of one."""
    import pandas as pd

    from utils.checks import shown

    if isinstance(table, pd.DataFrame):
        return "the table"
    return "the series" if table.name is None else f"the column {shown(table.name)}"


def _columns(table: Any) -> str:
    """' Its columns are: a, b, c.' for a table."""
    from utils.checks import listing

    return f" Its columns are: {listing(str(c) for c in table.columns)}."


def _labels(text: str, pattern: str) -> list[object] | None:
    """The labels in a pandas message such as "['a', 'b'] not in index", or None."""
    found = re.fullmatch(pattern, text, flags=re.S)
    if not found or len(text) > 100_000:
        return None
    inner = found["labels"].strip()
    index = re.fullmatch(r"\[?\s*Index\(\[(.*)\],.*\)\s*\]?", inner, flags=re.S)
    if index:  # "None of [Index(['a', 'b'], dtype='str')] are in the [columns]"
        inner = index[1]
    elif inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    try:
        labels = ast.literal_eval(f"[{inner}]")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [inner] if pattern.startswith("Column") else None
    return labels if isinstance(labels, list) and labels else None


#: pandas' messages for labels that are missing, each with the labels it names.
_MISSING_LABELS = (r"Columns? not found: (?P<labels>.*)",
                  r"Label\(s\) (?P<labels>\[.*\]) do not exist",
                  r"(?P<labels>\[.*\]) not (?:in index|found in axis)",
                  r"None of (?P<labels>.*) are in the \[?\w+\]?")


def _missing_labels(error: KeyError, called: list[Any]) -> str | None:
    """A column or row label that the table does not have (table["yeer"], .loc, .at,
    drop, set_index, groupby, merge, sort_values...)."""
    import pandas as pd

    from utils.checks import shown

    selves = [_local(frame, "self") for frame in called]
    tables = [table for table in map(_table_of, selves) if table is not None]
    if not tables or not error.args:
        return None
    key = error.args[0]
    labels = [key]
    if isinstance(key, str):
        labels = next((found for pattern in _MISSING_LABELS
                       if (found := _labels(key, pattern)) is not None), [key])
    elif isinstance(key, list | pd.Index) and 0 < len(key) <= _MOST_COMPARED:
        labels = list(key)  # dropna(subset=["nmae"]), drop_duplicates(subset=...)
    # The table the cell worked on, unless it has the labels: then the deepest (in a
    # merge, the table that lacks the key; in a pivot table, not a part made on the way).
    table = next((t for t in tables if not any(
        _holds(t.index if isinstance(t, pd.Series) else t.columns, label)
        for label in labels)), tables[-1])
    # Which axis was searched: pandas looks a label up in an Index, the table's columns
    # or its rows; without one (groupby, set_index, merge) it was a column.
    searched = next((value for value in reversed(selves) if isinstance(value, pd.Index)), None)
    rows = isinstance(table, pd.Series) or (searched is not None and searched is table.index)
    axis = table.index if rows else table.columns
    missing = [label for label in labels if not _holds(axis, label)] or labels
    known = [str(label) for label in axis[:_MOST_COMPARED]]
    what = "row" if rows else "column"
    named = " and ".join(shown(label) for label in missing[:3]) + (
        " …" if len(missing) > 3 else "")
    text = (f"{PREFIX} {_described(table)} has no {what}{'s' if len(missing) > 1 else ''} "
            f"{named}." + _suggestion(missing, known))
    if not rows:
        return text + _columns(table)
    if isinstance(axis, pd.RangeIndex) and axis.step == 1 and axis.start == 0:
        text += (f" Its rows are numbered {axis.start} to {axis.stop - 1}." if len(axis)
                 else " It has no rows.")
    elif pd.api.types.is_integer_dtype(axis.dtype) and isinstance(missing[0], Integral):
        text += (" Rows keep the numbers they had in the table they were picked from"
                 f" ({', '.join(str(label) for label in axis[:5])}{' …' if len(axis) > 5 else ''}"
                 "); to take a row by its position, write `.iloc[0]`." if len(axis)
                 else " It has no rows.")
    column = _holds(table.columns, missing[0]) and missing[0] if isinstance(
        table, pd.DataFrame) else None
    if isinstance(table, pd.DataFrame) and not column and isinstance(missing[0], str):
        column = _close(missing[0], [str(c) for c in table.columns])
    if column:  # table.loc["name"], or table.drop("nmae") for drop(columns=...)
        text += f" ({shown(column)} is a column, not a row.)"
    return text


def _holds(axis: Any, label: object) -> bool:
    """Whether an index has the label (False for one it cannot even compare)."""
    try:
        return bool(label in axis)
    except Exception:  # an unhashable or uncomparable label is not there
        return False


def _query_name(error: Exception, called: list[Any]) -> str | None:
    """A name in table.query("...") that is neither a column nor a variable."""
    from utils.checks import shown

    found = re.search(r"name '(.+)' is not defined", str(error))
    table = next((t for t in map(_table_of, (_local(f, "self") for f in called))
                  if t is not None and hasattr(t, "columns")), None)
    if not found or table is None:
        return None
    name = found[1]
    hint = _suggestion([name], [str(c) for c in table.columns])
    if not hint:
        hint = (" In a query, text goes in quotes (name == 'Greece') and a variable of "
                "yours takes an @ (year > @start).")
    return f"{PREFIX} the table has no column {shown(name)}." + hint + _columns(table)


def _out_of_range(called: list[Any]) -> str | None:
    """A position past the end of a table: table.iloc[999], .iloc[:, 99], .iat[...]."""
    indexer = next((_local(frame, "self") for frame in called
                    if type(_local(frame, "self")).__name__ in ("_iLocIndexer", "_iAtIndexer")),
                   None)
    table = _table_of(indexer)
    frame = next((frame for frame in called if _local(frame, "self") is indexer), None)
    if table is None or frame is None:
        return None
    key = _local(frame, "key")
    keys = key if isinstance(key, tuple) else (key,)
    for axis, (size, position) in enumerate(zip(table.shape, keys, strict=False)):
        positions = position if isinstance(position, (list, range)) else [position]
        beyond = next((p for p in positions if isinstance(p, Integral)
                       and not isinstance(p, bool) and not -size <= p < size), None)
        if beyond is not None:
            what = "row" if axis == 0 else "column"
            count = (f"no {what}s" if size == 0 else f"1 {what} (number 0)" if size == 1
                     else f"{size} {what}s (0 to {size - 1})")
            return (f"{PREFIX} {_described(table)} has {count}; there is no {what} "
                    f"{int(beyond)}.")
    return None


def _no_attribute(error: AttributeError) -> str | None:
    """A misspelt attribute or method: table.nmae, dates.dt.yeer, text.uper()."""
    import pandas as pd

    from utils.checks import shown

    name = getattr(error, "name", None)
    if not isinstance(name, str) or not hasattr(error, "obj"):
        return None
    value = error.obj
    try:
        if isinstance(value, ModuleType) and hasattr(value, "__all__"):
            known = sorted(value.__all__)  # what a course module offers, not what it imports
        else:
            known = sorted(n for n in dir(value) if not n.startswith("_"))
    except Exception:  # an object that cannot list its attributes
        known = []
    table = _table_of(value)
    if isinstance(value, pd.DataFrame) or (table is not None and "GroupBy" in type(value).__name__):
        columns = [str(c) for c in table.columns]
        what = "the table" if value is table else "the grouped table"
        return (f"{PREFIX} {what} has no column or method {shown(name)}."
                + (_suggestion([name], columns) or _suggestion([name], known))
                + _columns(table))
    if isinstance(value, pd.Series) and f".{name}" in _ACCESSORS.values():
        works_on = {".dt": "dates", ".str": "text", ".cat": "categories"}[f".{name}"]
        return (f"{PREFIX} `.{name}` works only on a column of {works_on}; "
                f"{_described(value)} holds {_kind(value) or 'other values'}.")
    if isinstance(value, pd.Series):
        what = _described(value)
    elif type(value).__name__ in _ACCESSORS:
        what = f"`{_ACCESSORS[type(value).__name__]}`"
    elif value is None:
        what = "`None` (no value at all)"
    elif isinstance(value, ModuleType):
        what = f"the module `{value.__name__}`"
        view = _in_view(value, name)
        if view:
            return (f"{PREFIX} `{value.__name__}` computes; its pictures and words are in "
                    f"its view: `{view}` (after `from utils import views`).")
    else:
        what = f"a value of type `{type(value).__name__}`"
    return f"{PREFIX} {what} has nothing called {shown(name)}." + _suggestion([name], known)


def _in_view(module: ModuleType, name: str) -> str | None:
    """Where a course model's chart or words are (``views.consensus.summary`` for
    ``consensus.summary``), if `name` is one of them."""
    import importlib

    model = module.__name__.removeprefix("utils.")
    if module.__name__ == model or "." in model:
        return None
    try:
        view = importlib.import_module(f"utils.views.{model}")
    except ImportError:  # a module with no view
        return None
    return f"views.{model}.{name}" if name in view.__all__ else None


def _kind(value: Any) -> str | None:
    """What a value holds, as a sentence says it: 'a number', 'text', 'dates'..."""
    import pandas as pd
    from pandas.api import types

    from utils.checks import is_number

    if isinstance(value, pd.Series):
        dtype = value.dtype
        if types.is_bool_dtype(dtype):
            return "yes/no values"
        if types.is_numeric_dtype(dtype):
            return "numbers"
        if types.is_datetime64_any_dtype(dtype):
            return "dates"
        if types.is_string_dtype(dtype) and not types.is_object_dtype(dtype):
            return "text"
        first = value.dropna().head(1).tolist()
        return "text" if first and isinstance(first[0], str) else None
    if isinstance(value, str):
        return "text"
    if isinstance(value, pd.Timestamp):
        return "a date"
    return "a number" if is_number(value) else None


def _wrong_kinds(called: list[Any]) -> str | None:
    """Arithmetic or a comparison between kinds that do not go together: a number added
    to a column of text, a date column compared with a year."""
    import pandas as pd

    from utils.checks import shown

    for frame in called:
        operation = re.fullmatch(r"__(\w+)__", frame.f_code.co_name)
        table = _local(frame, "self")
        if operation and operation[1] in _OPERATIONS \
                and isinstance(table, (pd.DataFrame, pd.Series)):
            break
    else:
        return None
    other = _kind(_local(frame, "other"))
    columns = [table] if isinstance(table, pd.Series) else [table[c] for c in table.columns]
    column = next((c for c in columns if _kind(c) in ("text", "dates")), None)
    if column is None and other in ("text", "a date"):  # numbers + "a"
        column = next((c for c in columns if _kind(c) is not None), None)
    if other is None or column is None:
        return None
    mine = _kind(column)
    text = (f"{PREFIX} you can't " + _OPERATIONS[operation[1]].format(mine=mine, other=other)
            + f" (column {shown(column.name)} holds {mine}).")
    if mine == "dates" and other == "a number":
        text += (" Compare with a date such as pd.Timestamp('1999-03-12'), or compare the "
                 "year: .dt.year > 1999." if operation[1] in ("lt", "le", "gt", "ge") else
                 " To move dates, add pd.DateOffset(years=1).")
    return text


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
        try:
            text = None if full_tracebacks() else student_message(value, tb, names())
        except Exception:  # never hide the error itself: IPython drops a failing handler
            text = None
        if text is None:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return None
        display(Markdown(text))
        return []

    # IPython hands these to show_message at run time and (SyntaxError) when it parses;
    # show_message gives each back its traceback unless it is a slip.
    shell.set_custom_exc((CourseError, DataError, NameError, KeyError, IndexError,
                          AttributeError, TypeError, KeyboardInterrupt, SyntaxError,
                          FileNotFoundError, ImportError, ZeroDivisionError,
                          RecursionError, ValueError),
                         show_message)
    return True
