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
import io
import json
import math
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from utils import checks
from utils.errors import CourseError, DataError

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
PACKAGE = DATA_DIR / "datapackage.json"
SOURCE_COLUMNS = ("source", "source_url", "as_of")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
TYPES = ("string", "integer", "number", "date", "boolean")
#: The longest cell a table may hold, and the largest file (the tables are far smaller).
MAX_CELL = 10_000
MAX_FILE_BYTES = 20_000_000
#: The day the data was last checked: an ``as_of`` after today, or after this day when
#: the computer's clock is behind, is a typing error (so the loader does not depend on a
#: wrong clock in a classroom).
LAST_CHECKED = date(2026, 12, 7)


def today_anywhere() -> date:
    """The latest date it is anywhere on Earth now (UTC+14): a source checked "today" by
    someone far east is not in the future for a student far west."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()

def _check_path(path: object) -> Path:
    try:
        usable = isinstance(path, (str, Path)) and bool(str(path).strip()) \
            and len(str(path)) <= 4_096 and "\0" not in str(path) and bool(os.fsencode(path))
    except UnicodeEncodeError:
        usable = False
    if not usable:
        raise CourseError(f"Give the path of a file, not {checks.shown(path)}.")
    return Path(path)


def _shown_path(path: Path) -> str:
    """A file's path as a maintainer finds it: from the course's folder when inside it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def _position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset in a text."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _place(text: str, offset: int, header: list[str] | None) -> str:
    """'line L, column C' of a character offset: C is the CSV column's name when the
    file is a table (its header given), else the character's number on the line."""
    line, column = _position(text, offset)
    if not header:
        return f"line {line}, column {column}"
    start = text.rfind("\n", 0, offset) + 1
    field = _field_at(text[start:offset], offset - start)
    return f"line {line}, column {header[min(field, len(header) - 1)]} (character {column})"


def _decode(path: Path, header: list[str] | None = None) -> str:
    """A file's text, read as UTF-8; a DataError naming line and column otherwise (the
    column by name, for a table whose `header` is given)."""
    where = _shown_path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DataError(f"{where}: the file is larger than {MAX_FILE_BYTES:,} bytes.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{where}: the file is missing.") from None
    except OSError as error:
        raise DataError(f"{where}: the file cannot be read ({error.strerror}).") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{where}, line 1, column 1: the file is UTF-16; save it as UTF-8.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError(f"{where}, line 1, column 1: the file starts with a byte-order mark "
                        "(BOM); save it as UTF-8 without one.")
    if b"\0" in raw:
        before = raw[: raw.index(b"\0")].decode("utf-8", errors="replace")
        raise DataError(f"{where}, {_place(before, len(before), header)}: a NUL character "
                        "(is the file UTF-16?); save the file as UTF-8.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8", errors="replace")
        raise DataError(f"{where}, {_place(before, len(before), header)}: byte "
                        f"0x{raw[error.start]:02x} is not UTF-8 (latin-1 or Windows-1252?); "
                        "save the file as UTF-8.") from None
    return text


def read_package(path: Path = PACKAGE) -> dict[str, Any]:
    """A data package descriptor, checked for what the loader relies on."""
    path = _check_path(path)
    where = _shown_path(path)
    text = _decode(path)
    if not text.strip():
        raise DataError(f"{where}, line 1, column 1: the file is empty.")
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}, line {error.lineno}, column {error.colno}: not valid "
                        f"JSON ({error.msg}).") from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        raise DataError(f"{where}, line 1, column 1: a data package needs a list of "
                        "'resources'.")
    for index, item in enumerate(resources):
        _check_resource(item, index, text, where)
    return descriptor


def _locate(text: str, *keys: str) -> tuple[int, int]:
    """Line and column in a JSON text of `"name": "<key>"` for each key in turn (the
    resource, then the field), or of the last key found."""
    offset = 0
    for key in keys:
        found = re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(key))).search(text, offset)
        if found is None:
            break
        offset = found.start()
    return _position(text, offset)


def _check_resource(item: object, index: int, text: str, where: str) -> None:
    """One resource of the descriptor: a name, a path, and fields with known types and
    valid patterns."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
            or not isinstance(item.get("path"), str) \
            or not isinstance(item.get("schema"), dict) \
            or not isinstance(item["schema"].get("fields"), list) \
            or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                       for f in item["schema"]["fields"]):
        line, column = _locate(text, item.get("name", "") if isinstance(item, dict) else "")
        raise DataError(f"{where}, line {line}, column {column}: resource {index + 1} needs a "
                        "name, a path and a schema with named fields.")
    for field in item["schema"]["fields"]:
        line, column = _locate(text, item["name"], field["name"])
        at = f"{where}, line {line}, column {column}: {item['name']}.{field['name']}"
        if field.get("type", "string") not in TYPES:
            raise DataError(f"{at} has the unknown type {checks.shown(field.get('type'))}; "
                            f"the types are {', '.join(TYPES)}.")
        constraints = field.get("constraints", {})
        if not isinstance(constraints, dict):
            raise DataError(f"{at}: the constraints must be a JSON object.")
        if "pattern" in constraints:
            try:
                re.compile(constraints["pattern"])
            except (re.error, TypeError) as error:
                raise DataError(f"{at}: the pattern {checks.shown(constraints['pattern'])} "
                                f"is not a valid regular expression ({error}).") from None


@cache
def package() -> dict[str, Any]:
    """The data package descriptor (data/datapackage.json)."""
    return read_package(PACKAGE)


def names() -> list[str]:
    """The names of all tables, in the order the descriptor lists them."""
    return [resource["name"] for resource in package()["resources"]]


def resource(name: str) -> dict[str, Any]:
    """The descriptor of one table: title, description, path and schema."""
    if not isinstance(name, str):
        raise CourseError(f"A table's name is text, such as 'nato_members'; not "
                          f"{checks.shown(name)}.")
    for candidate in package()["resources"]:
        if candidate["name"] == name:
            return candidate
    raise CourseError(f"There is no table called {checks.shown(name)}. The tables are: "
                      + ", ".join(names()) + ".")


class _Row(dict):
    """One row of a table as text, by column, and the line of the file it starts on."""

    line: int = 0
    file: str = ""


def _field_at(record: str, offset: int) -> int:
    """Which field (from 0) of a CSV record the character at `offset` is in."""
    field, quoted = 0, False
    for char in record[:offset]:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            field += 1
    return field


def read_rows(name: str, path: Path | None = None) -> list[_Row]:
    """The raw rows of a table as text, exactly as the CSV file has them.

    Blank lines at the end of the file are ignored; every other fault is a DataError
    naming the file, the line and, where there is one, the column.
    """
    expected = [field["name"] for field in resource(name)["schema"]["fields"]]
    path = DATA_DIR / resource(name)["path"] if path is None else _check_path(path)
    where = _shown_path(path)
    if not path.is_file():
        line, column = _locate(PACKAGE.read_text(encoding="utf-8"), name)
        raise DataError(f"{where}: the file is missing; {_shown_path(PACKAGE)}, line {line}, "
                        f"column {column}, lists it for the table {name}.")
    text = _decode(path, expected).rstrip("\r\n")
    lines = text.split("\n")
    if not text:
        raise DataError(f"{where}, line 1, column 1: the file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_Row] = []
    header: list[str] = []
    previous = 0
    # The csv module's cell limit is process-wide, and other libraries change it (Frictionless
    # sets its own on import): read with one fixed, generous limit, so that the same file
    # gives the same message whatever was imported before; cell_problem checks the size.
    limit = csv.field_size_limit(MAX_FILE_BYTES)
    try:
        for values in reader:
            line = previous + 1
            previous = reader.line_num
            if not header:
                header = values
                if header != expected:
                    raise DataError(f"{where}, line 1: the columns are "
                                    f"{checks.shown(header)}, the schema expects "
                                    f"{checks.shown(expected)}.")
                continue
            if len(values) != len(header):
                column = header[min(len(values), len(header)) - 1] if values else header[0]
                raise DataError(f"{where}, line {line}, column {column}: {len(values)} values "
                                f"for {len(header)} columns.")
            row = _Row(zip(header, values, strict=True))
            row.line, row.file = line, where
            rows.append(row)
    except csv.Error as error:
        line = reader.line_num
        record = lines[min(line, len(lines)) - 1]
        long = [m.end() for m in re.finditer(rf"[^,]{{{MAX_CELL},}}", record)]
        column = header[min(_field_at(record, long[0]), len(header) - 1)] if long and header \
            else "?"
        raise DataError(f"{where}, line {line}, column {column}: not readable as CSV "
                        f"({error}).") from None
    finally:
        csv.field_size_limit(limit)
    if not rows:
        raise DataError(f"{where}, line 2: the table has a header but no rows.")
    return rows


def validate(name: str, rows: list[dict[str, str]]) -> None:
    """Check every cell of a table against its schema; raise DataError at the first fault."""
    schema = resource(name)["schema"]
    fields = schema["fields"]
    missing = [column for column in SOURCE_COLUMNS if column not in {f["name"] for f in fields}]
    if missing:
        raise DataError(f"{name}: every table needs the columns {', '.join(missing)}.")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CourseError(f"The rows must be what data.read_rows returns, not "
                          f"{checks.shown(rows)}.")
    if not rows:
        raise DataError(f"{name}, line 2: the table has a header but no rows.")

    def at(index: int, row: dict[str, str]) -> str:
        return (f"{getattr(row, 'file', '') or resource(name)['path']}, line "
                f"{getattr(row, 'line', 0) or index + 2}")

    latest = max(today_anywhere(), LAST_CHECKED)
    for index, row in enumerate(rows):
        for field in fields:
            problem = cell_problem(field, row.get(field["name"], ""))
            if problem is None and field["name"] == "as_of" and row["as_of"] \
                    and _parse("date", row["as_of"]) > latest:
                problem = f"{row['as_of']} is after today; a source cannot have been checked then."
            if problem:
                raise DataError(f"{at(index, row)}, column {field['name']}: {problem}")
    keys = schema.get("primaryKey")
    unique_sets = [[f["name"]] for f in fields if f.get("constraints", {}).get("unique")]
    if keys:
        unique_sets.append([keys] if isinstance(keys, str) else keys)
    for columns in unique_sets:
        seen: dict[tuple[str, ...], int] = {}
        for index, row in enumerate(rows):
            key = tuple(row[c] for c in columns)
            if key in seen and all(key):
                raise DataError(f"{at(index, row)}, column {'+'.join(columns)}: "
                                f"{'/'.join(key)!r} repeats line {seen[key]}.")
            seen.setdefault(key, getattr(row, "line", 0) or index + 2)
    whole_rows: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(rows):
        key = tuple(row.values())
        if key in whole_rows:
            raise DataError(f"{at(index, row)}, column {fields[0]['name']}: the row repeats "
                            f"line {whole_rows[key]} exactly.")
        whole_rows[key] = getattr(row, "line", 0) or index + 2


def cell_problem(field: dict[str, Any], text: str) -> str | None:
    """What is wrong with one cell, in words, or None when it is fine."""
    field = checks.mapping("The field", field)
    text = checks.text("The cell", text)
    if not isinstance(field.get("name"), str) or not isinstance(field.get("constraints", {}),
                                                                 dict):
        raise CourseError("The field must be one of a schema's fields, such as "
                          "{'name': 'iso3', 'type': 'string'}.")
    constraints = field.get("constraints", {})
    if len(text) > MAX_CELL:
        return f"the cell has {len(text):,} characters; at most {MAX_CELL:,} are allowed."
    if text == "":
        return "is empty but required." if constraints.get("required") else None
    kind = field.get("type", "string")
    try:
        value = _parse(kind, text)
    except ValueError:
        return f"{text!r} is not a valid {kind}" + (" (YYYY-MM-DD)." if kind == "date" else ".")
    if (field.get("format") == "uri" or field["name"] == "source_url") and not is_web_address(text):
        return f"{text!r} is not a web address (http:// or https://)."
    if kind == "number" and not math.isfinite(value):
        return f"{text!r} is not a finite number."
    allowed = constraints.get("enum")
    if allowed is not None and value not in [_parse(kind, str(a)) for a in allowed]:
        return f"{text!r} is not one of {', '.join(str(a) for a in allowed)}."
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], text):
        return f"{text!r} does not match the pattern {constraints['pattern']}."
    if "minimum" in constraints and value < _parse(kind, str(constraints["minimum"])):
        return f"{text} is below the minimum {constraints['minimum']}."
    if "maximum" in constraints and value > _parse(kind, str(constraints["maximum"])):
        return f"{text} is above the maximum {constraints['maximum']}."
    return None


def is_web_address(text: str) -> bool:
    """Whether `text` is a well-formed absolute http(s) address with a dotted host name.

    Checks the fields declared ``"format": "uri"`` in the descriptor (and ``source_url``).
    """
    if not isinstance(text, str) or not URL.match(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    return "." in host.strip(".") and not host.startswith("-")


def _parse(kind: str, text: str) -> Any:
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


def _to_frame(name: str, rows: list[dict[str, str]]) -> pd.DataFrame:
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
    return _to_frame(name, rows)


def load(name: str) -> pd.DataFrame:
    """A table from data/ by name, validated and typed (a fresh copy each call)."""
    return _load(resource(name)["name"]).copy()


def load_file(name: str, path: Path) -> pd.DataFrame:
    """Another file with the columns of the table `name` (a class's exported session, say),
    validated against that table's schema and typed."""
    rows = read_rows(name, _check_path(path))
    validate(name, rows)
    return _to_frame(name, rows)


def load_where(name: str, column: str, value: str | None, allowed: Iterable[str],
               label: str) -> pd.DataFrame:
    """A table's rows whose `column` equals `value` (all rows when `value` is None);
    `value` must be one of `allowed`, which a message calls `label`."""
    table = load(name)
    column = checks.one_of("The column", column, table.columns)
    label = checks.text("The label", label, 200)
    if isinstance(allowed, (str, bytes)) or not isinstance(allowed, Iterable):
        raise CourseError(f"The allowed values must be a list of words, not "
                          f"{checks.shown(allowed)}.")
    if value is not None:
        table = table[table[column] == checks.one_of(label, value, allowed)]
    return table.reset_index(drop=True)
