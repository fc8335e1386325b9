"""Load the course's tables from ``data/``, typed and checked against their schema.

``data/datapackage.json`` is a Frictionless Data Package: for every table it lists the
columns, their types (string, integer, number, date, boolean), constraints (required,
unique, enum, pattern, minimum, maximum) and the primary key. Every table also carries,
on every row, ``source`` (a citation), ``source_url`` and ``as_of`` (when we checked it).

:func:`load` reads a table by name, checks every cell, and returns a pandas DataFrame
with proper types. A bad cell raises :class:`DataError` naming the table, the line of
the CSV file and the column, so a maintainer can go straight to it.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from utils import checks
from utils.errors import CourseError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PACKAGE = DATA_DIR / "datapackage.json"
SOURCE_COLUMNS = ("source", "source_url", "as_of")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


class DataError(CourseError):
    """A table in data/ does not match its schema."""


@cache
def package() -> dict[str, Any]:
    """The data package descriptor (data/datapackage.json)."""
    return json.loads(PACKAGE.read_text(encoding="utf-8"))


def names() -> list[str]:
    """The names of all tables, in the order the descriptor lists them."""
    return [resource["name"] for resource in package()["resources"]]


def resource(name: str) -> dict[str, Any]:
    """The descriptor of one table: title, description, path and schema."""
    if not isinstance(name, str):
        raise DataError(f"A table's name is text, such as 'nato_members'; not {name!r}.")
    for candidate in package()["resources"]:
        if candidate["name"] == name:
            return candidate
    raise DataError(f"There is no table called {name!r}. The tables are: "
                    + ", ".join(names()) + ".")


def read_rows(name: str, path: Path | None = None) -> list[dict[str, str]]:
    """The raw rows of a table as text, exactly as the CSV file has them."""
    path = path or DATA_DIR / resource(name)["path"]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{name}: the file {path.name} is empty.")
        rows = []
        for line, values in enumerate(reader, start=2):
            if len(values) != len(header):
                raise DataError(f"{name}, line {line}: {len(values)} values for "
                                f"{len(header)} columns.")
            rows.append(dict(zip(header, values, strict=True)))
    expected = [field["name"] for field in resource(name)["schema"]["fields"]]
    if header != expected:
        raise DataError(f"{name}: the columns are {header}, the schema expects {expected}.")
    return rows


def validate(name: str, rows: list[dict[str, str]]) -> None:
    """Check every cell of a table against its schema; raise DataError at the first fault."""
    schema = resource(name)["schema"]
    fields = schema["fields"]
    missing = [column for column in SOURCE_COLUMNS if column not in {f["name"] for f in fields}]
    if missing:
        raise DataError(f"{name}: every table needs the columns {', '.join(missing)}.")
    for line, row in enumerate(rows, start=2):
        for field in fields:
            problem = cell_problem(field, row[field["name"]])
            if problem:
                raise DataError(f"{name}, line {line}, column {field['name']}: {problem}")
    keys = schema.get("primaryKey")
    unique_sets = [[f["name"]] for f in fields if f.get("constraints", {}).get("unique")]
    if keys:
        unique_sets.append([keys] if isinstance(keys, str) else keys)
    for columns in unique_sets:
        seen: dict[tuple[str, ...], int] = {}
        for line, row in enumerate(rows, start=2):
            key = tuple(row[c] for c in columns)
            if key in seen and all(key):
                raise DataError(f"{name}, line {line}, column {'+'.join(columns)}: "
                                f"{'/'.join(key)!r} repeats line {seen[key]}.")
            seen.setdefault(key, line)


def cell_problem(field: dict[str, Any], text: str) -> str | None:
    """What is wrong with one cell, in words, or None when it is fine."""
    constraints = field.get("constraints", {})
    if text == "":
        return "is empty but required." if constraints.get("required") else None
    kind = field.get("type", "string")
    try:
        value = parse(kind, text)
    except ValueError:
        return f"{text!r} is not a valid {kind}" + (" (YYYY-MM-DD)." if kind == "date" else ".")
    if (field.get("format") == "uri" or field["name"] == "source_url") and not is_web_address(text):
        return f"{text!r} is not a web address (http:// or https://)."
    if kind == "number" and not math.isfinite(value):
        return f"{text!r} is not a finite number."
    allowed = constraints.get("enum")
    if allowed is not None and value not in [parse(kind, str(a)) for a in allowed]:
        return f"{text!r} is not one of {', '.join(str(a) for a in allowed)}."
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], text):
        return f"{text!r} does not match the pattern {constraints['pattern']}."
    if "minimum" in constraints and value < parse(kind, str(constraints["minimum"])):
        return f"{text} is below the minimum {constraints['minimum']}."
    if "maximum" in constraints and value > parse(kind, str(constraints["maximum"])):
        return f"{text} is above the maximum {constraints['maximum']}."
    return None


def is_web_address(text: str) -> bool:
    """Whether `text` is a well-formed absolute http(s) address with a dotted host name.

    Checks the fields declared ``"format": "uri"`` in the descriptor (and ``source_url``).
    """
    if not URL.match(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    return "." in host.strip(".") and not host.startswith("-")


def parse(kind: str, text: str) -> Any:
    """One cell's value as Python, by its Table Schema type; ValueError if it is not one."""
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(text)
        return text == "true"
    return text


def to_frame(name: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    """Typed columns: integers as Int64, numbers as float, dates as datetime64."""
    frame = pd.DataFrame(rows, columns=[f["name"] for f in resource(name)["schema"]["fields"]])
    for field in resource(name)["schema"]["fields"]:
        column = frame[field["name"]].replace("", pd.NA)
        kind = field.get("type", "string")
        if kind == "integer":
            column = column.astype("Int64")
        elif kind == "number":
            column = column.astype("Float64")
        elif kind == "date":
            column = pd.to_datetime(column, format="%Y-%m-%d")
        elif kind == "boolean":
            column = column.map({"true": True, "false": False}).astype("boolean")
        frame[field["name"]] = column
    return frame


@cache
def _load(name: str) -> pd.DataFrame:
    rows = read_rows(name)
    validate(name, rows)
    return to_frame(name, rows)


def load(name: str) -> pd.DataFrame:
    """A table from data/ by name, validated and typed (a fresh copy each call)."""
    return _load(resource(name)["name"]).copy()


def load_where(name: str, column: str, value: str | None, allowed: Iterable[str],
               label: str) -> pd.DataFrame:
    """A table's rows whose `column` equals `value` (all rows when `value` is None);
    `value` must be one of `allowed`, which a message calls `label`."""
    table = load(name)
    if value is not None:
        table = table[table[column] == checks.one_of(label, value, allowed)]
    return table.reset_index(drop=True)
