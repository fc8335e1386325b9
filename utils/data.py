"""Load the course's tables from ``data/``, typed and checked against their schema.

``data/datapackage.json`` is a Frictionless Data Package: for every table it lists the
columns, their types (string, integer, number, date, boolean), constraints (required,
unique, enum, pattern, minimum, maximum, their exclusive forms, minLength, maxLength),
the primary key and the foreign keys (a column whose values are keys of another table).
Every table also carries, on every row, ``source`` (a citation), ``source_url`` and
``as_of`` (when we checked it).

:func:`load` reads a table by name, checks every cell, and returns a pandas DataFrame
with proper types. A bad cell raises :class:`DataError` naming the table, the line of
the CSV file and the column, so a maintainer can go straight to it. The descriptor is the
one authority on what a cell may hold: a property of it the loader does not apply is a
DataError too, never silently ignored.
"""

from __future__ import annotations

import csv
import io
import json
import math
import operator
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pandas as pd

from utils import checks
from utils.errors import CourseError, DataError

__all__ = ["CODE_CARDS", "CONSTRAINTS", "COUNCIL_SESSION", "COUNCIL_TABLES", "DATA_DIR",
           "NEEDED_ROWS", "PACKAGE", "POLL", "ROOT", "SOURCE_COLUMNS", "cell_problem", "columns",
           "forget", "is_web_address", "load",
           "load_file", "load_where", "names", "read_package", "read_rows", "resource",
           "today_anywhere", "validate"]


def _data_folder() -> Path:
    """The folder of the tables. Installed from a wheel, the package holds them as
    ``utils/_data`` (pyproject.toml ships the repository's data/ under that name); an
    editable install has no copy, and reads data/ beside utils/, where maintainers edit it."""
    shipped = resources.files(__package__) / "_data"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent / "data"


#: Where messages name files from: the repository ("data/nato_members.csv"), or
#: site-packages for an installed wheel ("utils/_data/nato_members.csv").
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = _data_folder()
PACKAGE = DATA_DIR / "datapackage.json"
SOURCE_COLUMNS = ("source", "source_url", "as_of")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_TYPES = ("string", "integer", "number", "date", "boolean")
#: The longest cell a table may hold, and the largest file (the tables are far smaller).
_MAX_CELL = 10_000
_MAX_FILE_BYTES = 20_000_000
#: No source can have been checked for the course before NATO existed: an earlier as_of is
#: a typing error (0202 for 2020).
_EARLIEST_CHECK = date(1949, 1, 1)
#: Every date in the tables falls in these years; one outside is a typing error (a year
#: 9999 would also stretch a year-by-year chart past Altair's 5,000 rows).
_EARLIEST_DATE, _LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)
#: The largest size of a number in a cell or in the descriptor: far above any count or
#: amount in the course, and small enough for pandas' Int64 and for a float to keep every
#: digit (a 30-digit integer made pandas raise OverflowError).
_MAX_MAGNITUDE = 10**15
#: How deeply the descriptor's JSON may nest: it needs 8 levels (package, resources, a
#: resource, its schema, fields, a field, constraints, an enum); far deeper nesting made
#: json.loads raise RecursionError.
_MAX_DEPTH = 20
#: The constraints the loader applies. The descriptor may use no other: a constraint the
#: loader ignored would pass data the schema forbids.
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minimum", "maximum",
               "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength")
#: The properties the loader reads or that only describe (title, description): any other
#: (a CSV dialect, missing values, true values...) would change how a table is read, so the
#: loader refuses it rather than read the table otherwise than the descriptor says.
_RESOURCE_KEYS = ("name", "path", "title", "description", "schema", "format", "encoding",
                 "mediatype", "profile", "sources", "licenses")
_RESOURCE_VALUES = {"format": "csv", "encoding": "utf-8", "mediatype": "text/csv",
                   "profile": "tabular-data-resource"}
_SCHEMA_KEYS = ("fields", "primaryKey", "foreignKeys")
_FIELD_KEYS = ("name", "type", "format", "title", "description", "constraints", "example")


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
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise DataError(f"{where}: the file is larger than {_MAX_FILE_BYTES:,} bytes.")
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
    """A data package descriptor, checked for everything the loader relies on: well-formed
    JSON without repeated keys or absurd values, resources with distinct names, and schemas
    the loader can apply in full (a property it does not implement is refused, never
    ignored)."""
    path = _check_path(path)
    where = _shown_path(path)
    text = _decode(path)
    if not text.strip():
        raise DataError(f"{where}, line 1, column 1: the file is empty.")
    descriptor = _parse_json(text, where)
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        raise DataError(f"{where}, line 1, column 1: a data package needs a list of "
                        "'resources'.")
    first: dict[str, int] = {}
    for index, item in enumerate(resources):
        _check_resource(item, index, text, where)
        if item["name"] in first:
            raise DataError(f"{_at(text, where, index)}: the resource name {item['name']!r} "
                            f"repeats resource {first[item['name']] + 1}; each table needs "
                            "its own name.")
        first[item["name"]] = index
    for index, item in enumerate(resources):
        _check_references_declared(item, index, resources, first, text, where)
    return descriptor


# Reading the descriptor's JSON. json.loads calls these hooks for every number, constant
# and object, so nothing it returns can be a repeated key, NaN, or a number too large to
# compare or to convert (a 5,000-digit integer is a ValueError inside json itself).

class _JsonFault(Exception):
    """A value the descriptor must not hold: `token` as written (for a repeated key, the
    key), `problem` in words."""

    def __init__(self, token: str, problem: str, key: bool = False) -> None:
        super().__init__(problem)
        self.token, self.problem, self.key = token, problem, key


def _json_int(token: str) -> int:
    """A JSON integer, if its size is one a data package can mean."""
    if len(token.lstrip("-")) > len(str(_MAX_MAGNITUDE)) or abs(int(token)) > _MAX_MAGNITUDE:
        raise _JsonFault(token, f"the number {checks.cut(token, 30)} is beyond "
                                f"{_MAX_MAGNITUDE:.0e}, larger than any a data package needs.")
    return int(token)


def _json_float(token: str) -> float:
    """A JSON number with a fraction or exponent, if finite and of a size a data package
    can mean."""
    value = float(token)
    if not math.isfinite(value) or abs(value) > _MAX_MAGNITUDE:
        raise _JsonFault(token, f"the number {checks.cut(token, 30)} is beyond "
                                f"{_MAX_MAGNITUDE:.0e}, larger than any a data package needs.")
    return value


def _json_constant(token: str) -> None:
    """NaN, Infinity, -Infinity: Python's json reads them, but they are not JSON."""
    raise _JsonFault(token, f"{token} is not a JSON value (JSON has no NaN or infinity).")


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all distinct."""
    keys: set[str] = set()
    for key, _ in pairs:
        if key in keys:
            raise _JsonFault(key, f"the key {checks.shown(key)} appears twice in the same "
                                  "object; JSON readers keep only one of them, so which one "
                                  "was meant is unclear.", key=True)
        keys.add(key)
    return dict(pairs)


def _parse_json(text: str, where: str) -> Any:
    """The descriptor's JSON as Python; a DataError naming line and column (and the
    resource and field) of the first thing wrong with it."""
    if _depth(text) > _MAX_DEPTH:
        token = next(t for t in _json_tokens(text) if t.depth > _MAX_DEPTH)
        raise DataError(f"{_at_token(text, where, token)}: the JSON nests deeper than "
                        f"{_MAX_DEPTH} levels; a data package needs far fewer.")
    try:
        return json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int,
                          parse_float=_json_float, parse_constant=_json_constant)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}, line {error.lineno}, column {error.colno}: not valid "
                        f"JSON ({error.msg}).") from None
    except _JsonFault as fault:
        found = next((t for t in _json_tokens(text)
                      if ((t.repeated and t.key == fault.token) if fault.key
                          else (t.key is None and t.text == fault.token))), None)
        place = _at_token(text, where, found) if found else f"{where}, line 1, column 1"
        raise DataError(f"{place}: {fault.problem}") from None


def _depth(text: str) -> int:
    """How deeply a JSON text nests its objects and lists (counted outside its strings)."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[{\]}]", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class _Token(NamedTuple):
    """A token of a JSON text: where it starts, as written, how deeply it is nested, the
    JSON pointer of the value it is (or, for a key, of the value it names), and for a key,
    the key and whether its object already had it."""

    offset: int
    text: str
    depth: int
    pointer: tuple[str | int, ...]
    key: str | None
    repeated: bool


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_JSON_TOKEN = re.compile(_JSON_STRING.pattern + r'|[^\s"{}\[\]:,]+|\S', re.DOTALL)


def _json_text(token: str) -> str:
    """A JSON string token's text (the token itself if it is not a well-formed string)."""
    if "\\" not in token and len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    try:
        value = json.loads(token)
    except ValueError:
        return token
    return value if isinstance(value, str) else token


def _json_tokens(text: str) -> Iterator[_Token]:
    """The tokens of a JSON text, outside its strings. Reads any text, broken JSON too (it
    locates faults, so it must not fail on them)."""
    # One entry per open object or list: its pointer, its keys so far, and the key or index
    # of the value being read in it.
    open_: list[dict[str, Any]] = []
    expect_key = False
    for match in _JSON_TOKEN.finditer(text):
        token, offset = match.group(), match.start()
        parent = open_[-1] if open_ else None
        if token in ("}", "]"):
            if open_:
                open_.pop()
            expect_key = False
            yield _Token(offset, token, len(open_) + 1, parent["pointer"] if parent else (),
                         None, False)
            continue
        if token == ",":
            if parent is not None:
                if parent["object"]:
                    expect_key = True
                else:
                    parent["at"] += 1
            continue
        if token == ":":
            continue
        if expect_key and parent is not None:
            key = _json_text(token)
            repeated = key in parent["keys"]
            parent["keys"].add(key)
            parent["at"], expect_key = key, False
            yield _Token(offset, token, len(open_), (*parent["pointer"], key), key, repeated)
            continue
        pointer = (*parent["pointer"], parent["at"]) if parent is not None else ()
        if token in ("{", "["):
            open_.append({"object": token == "{", "pointer": pointer, "keys": set(), "at": 0})
            expect_key = token == "{"
        yield _Token(offset, token, len(open_), pointer, None, False)


def _at_token(text: str, where: str, token: _Token) -> str:
    """'file, line L, column C' of a token, and the resource and field it is in."""
    line, column = _position(text, token.offset)
    pointer = token.pointer
    names = []
    if len(pointer) >= 2 and pointer[0] == "resources":
        names.append(_name_at(text, pointer[:2]))
        if len(pointer) >= 5 and pointer[2:4] == ("schema", "fields"):
            names.append(_name_at(text, pointer[:5]))
    named = ".".join(n for n in names if n)
    return f"{where}, line {line}, column {column}" + (f": {named}" if named else "")


def _name_at(text: str, pointer: tuple[str | int, ...]) -> str | None:
    """The "name" of the object at a JSON pointer, read from the text (None if it has
    none)."""
    for token in _json_tokens(text):
        if token.key is None and token.pointer == (*pointer, "name"):
            return _json_text(token.text)
    return None


def _at(text: str, where: str, resource_index: int, field_index: int | None = None,
        key: tuple[str, ...] = ()) -> str:
    """'file, line L, column C: resource.field' of a resource, or of one of its fields:
    the line of its property `key` (a path, such as ("schema", "primaryKey")) when it has
    one, else of its "name"."""
    pointer: tuple[str | int, ...] = ("resources", resource_index)
    if field_index is not None:
        pointer = (*pointer, "schema", "fields", field_index)
    wanted = [(*pointer, *key[:end]) for end in range(len(key), 0, -1)]
    wanted += [(*pointer, "name"), pointer]
    tokens = list(_json_tokens(text))
    for target in wanted:
        found = next((t for t in tokens if t.pointer == target), None)
        if found is not None:
            break
    else:
        return f"{where}, line 1, column 1"
    return _at_token(text, where, found)


def _check_resource(item: object, index: int, text: str, where: str) -> None:
    """One resource of the descriptor: a name, a safe path to a UTF-8 CSV file, and a
    schema whose every field, constraint and key the loader applies."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
            or not item["name"] or not isinstance(item.get("path"), str) \
            or not isinstance(item.get("schema"), dict) \
            or not isinstance(item["schema"].get("fields"), list) \
            or not item["schema"]["fields"]:
        raise DataError(f"{_at(text, where, index)}: resource {index + 1} needs a name, a "
                        "path and a schema with fields.")
    unknown = [key for key in item if key not in _RESOURCE_KEYS]
    if unknown:
        raise DataError(f"{_at(text, where, index, key=(unknown[0],))}: the loader does not "
                        f"implement the resource property {checks.shown(unknown[0])}; remove "
                        "it, or teach utils.data to apply it.")
    for key, allowed in _RESOURCE_VALUES.items():
        if key in item and item[key] != allowed:
            raise DataError(f"{_at(text, where, index, key=(key,))}: the loader reads only "
                            f"{key} {allowed!r}, not {checks.shown(item[key])}.")
    if not re.fullmatch(r"[A-Za-z0-9_-]+\.csv", item["path"]):
        raise DataError(f"{_at(text, where, index, key=('path',))}: the path "
                        f"{checks.shown(item['path'])} must be the name of a .csv file in "
                        "data/ (letters, digits, - and _).")
    schema = item["schema"]
    unknown = [key for key in schema if key not in _SCHEMA_KEYS]
    if unknown:
        at = _at(text, where, index, key=("schema", unknown[0]))
        raise DataError(f"{at}: the loader does not implement the schema property "
                        f"{checks.shown(unknown[0])}; remove it, or teach utils.data to apply "
                        "it.")
    names: list[str] = []
    for number, field in enumerate(schema["fields"]):
        try:
            rules = _rules(field)
        except _SchemaFault as fault:
            raise DataError(_at(text, where, index, number) + str(fault)) from None
        if rules.name in names:
            raise DataError(f"{_at(text, where, index, number)}: the column "
                            f"{rules.name!r} is listed twice.")
        names.append(rules.name)
    missing = [column for column in SOURCE_COLUMNS if column not in names]
    if missing:
        at = _at(text, where, index, key=("schema", "fields"))
        raise DataError(f"{at}: every table needs the columns {', '.join(SOURCE_COLUMNS)}; "
                        f"this one lacks {', '.join(missing)}.")
    if "primaryKey" in schema:
        keys = _column_names(schema["primaryKey"])
        if keys is None or not set(keys) <= set(names):
            at = _at(text, where, index, key=("schema", "primaryKey"))
            raise DataError(f"{at}: the primaryKey must be the name of one of the table's "
                            "columns, or a list of distinct ones; not "
                            f"{checks.shown(schema['primaryKey'])}.")


def _column_names(value: object) -> list[str] | None:
    """A schema's list of columns (a primary or foreign key): one name or a list of
    distinct names; None when `value` is neither."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names \
            or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return names


def _foreign_keys(schema: dict[str, Any]) -> list[tuple[list[str], str, list[str]]]:
    """A checked schema's foreign keys: (its columns, the table they refer to, that table's
    columns). An empty table name is the table itself, as in the Table Schema."""
    return [(_column_names(key["fields"]) or [], key["reference"].get("resource", ""),
             _column_names(key["reference"]["fields"]) or [])
            for key in schema.get("foreignKeys", [])]


def _check_references_declared(item: dict[str, Any], index: int, resources: list[Any],
                               first: dict[str, int], text: str, where: str) -> None:
    """A resource's foreignKeys: each names columns of its own and, in full, the primary
    key (or a unique column) of a table of the package, column for column of one type."""
    keys = item["schema"].get("foreignKeys", [])

    def at() -> str:  # found only for a message: finding it reads the whole descriptor
        return _at(text, where, index, key=("schema", "foreignKeys"))

    shape = ("each foreign key must be {\"fields\": columns, \"reference\": {\"resource\": "
             "a table, \"fields\": its columns}}")
    if not isinstance(keys, list):
        raise DataError(f"{at()}: the foreignKeys must be a list; {shape}.")
    for key in keys:
        if not isinstance(key, dict) or set(key) != {"fields", "reference"} \
                or not isinstance(key["reference"], dict) \
                or not set(key["reference"]) <= {"resource", "fields"} \
                or not isinstance(key["reference"].get("resource", ""), str) \
                or _column_names(key["fields"]) is None \
                or _column_names(key["reference"].get("fields")) is None:
            raise DataError(f"{at()}: {shape}; not {checks.shown(key)}.")
    for columns, table, referred in _foreign_keys(item["schema"]):
        target = item if table == "" else \
            resources[first[table]] if table in first else None
        if target is None:
            raise DataError(f"{at()}: a foreign key refers to the table {table!r}, which the "
                            "package does not have.")
        own = {f["name"]: f for f in item["schema"]["fields"]}
        theirs = {f["name"]: f for f in target["schema"]["fields"]}
        unknown = [c for c in columns if c not in own] + [c for c in referred if c not in theirs]
        if unknown:
            raise DataError(f"{at()}: the foreign key {'+'.join(columns)} names the column "
                            f"{unknown[0]!r}, which its table does not have.")
        primary = _column_names(target["schema"].get("primaryKey", [])) or []
        unique = len(referred) == 1 and theirs[referred[0]].get("constraints", {}).get("unique")
        if referred != primary and not unique:
            raise DataError(f"{at()}: the foreign key {'+'.join(columns)} must refer to the "
                            f"primary key of {target['name']} ({'+'.join(primary) or 'none'}) "
                            "or to a unique column of it, so that each value names one row.")
        types = [(own[c].get("type", "string"), theirs[r].get("type", "string"))
                 for c, r in zip(columns, referred, strict=False)]
        if len(columns) != len(referred) or any(a != b for a, b in types):
            raise DataError(f"{at()}: the foreign key {'+'.join(columns)} must refer to as many "
                            f"columns of {target['name']}, of the same types.")


# The schema of one field, checked once and then applied to every cell.

class _SchemaFault(ValueError):
    """A field definition the loader cannot apply, worded to follow the field's name
    ("nato_members.iso3" + ": the constraint ...")."""


@dataclass(frozen=True)
class _Rules:
    """One field of a schema, checked: its type, whether it is a web address, and its
    constraints with their values read as that type."""

    name: str
    kind: str
    uri: bool
    required: bool
    unique: bool
    enum: tuple[Any, ...] | None
    enum_words: str
    pattern: re.Pattern[str] | None
    bounds: tuple[tuple[str, Any, str], ...]
    lengths: tuple[tuple[str, int], ...]


#: What a constraint's value must be, for a field of each type.
_A_VALUE = {"string": "text", "integer": "a whole number", "number": "a number",
            "date": "a date (YYYY-MM-DD)", "boolean": "true or false"}
#: How a bound constraint compares a cell's value with its own, and the words for a cell
#: that breaks it.
_BOUNDS = {"minimum": (operator.ge, "is below the minimum"),
           "maximum": (operator.le, "is above the maximum"),
           "exclusiveMinimum": (operator.gt, "is not above the exclusive minimum"),
           "exclusiveMaximum": (operator.lt, "is not below the exclusive maximum")}


def _rules(field: object) -> _Rules:
    """A field's definition, checked: a name, a known type and format, and only constraints
    the loader applies, each with a value of the right kind for the field's type. Raises
    _SchemaFault saying what is wrong otherwise (one schema authority: what the loader does
    not apply is refused, never ignored)."""
    if not isinstance(field, dict) or not isinstance(field.get("name"), str) \
            or not field["name"]:
        raise _SchemaFault(": each field needs a name (text).")
    unknown = [key for key in field if key not in _FIELD_KEYS]
    if unknown:
        raise _SchemaFault(f": the loader does not implement the field property "
                           f"{checks.shown(unknown[0])}; remove it, or teach utils.data to "
                           "apply it.")
    kind = field.get("type", "string")
    if kind not in _TYPES:
        raise _SchemaFault(f" has the unknown type {checks.shown(kind)}; the types are "
                           f"{', '.join(_TYPES)}.")
    form = field.get("format", "default")
    if form not in ("default", "uri") or (form == "uri" and kind != "string"):
        raise _SchemaFault(f": the loader does not implement the format {checks.shown(form)} "
                           f"for a {kind} (it reads 'default', and 'uri' for a string).")
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        raise _SchemaFault(": the constraints must be a JSON object.")
    unknown = [key for key in constraints if key not in CONSTRAINTS]
    if unknown:
        raise _SchemaFault(f": the loader does not implement the constraint "
                           f"{checks.shown(unknown[0])}; it applies {', '.join(CONSTRAINTS)}.")
    for flag in ("required", "unique"):
        if not isinstance(constraints.get(flag, False), bool):
            raise _SchemaFault(f": the constraint {flag} must be true or false, not "
                               f"{checks.shown(constraints[flag])}.")
    enum = constraints.get("enum")
    if enum is not None and (not isinstance(enum, list) or not enum):
        raise _SchemaFault(f": the constraint enum must be a list of values, not "
                           f"{checks.shown(enum)}.")
    pattern = constraints.get("pattern")
    if pattern is not None:
        try:
            pattern = re.compile(pattern)
        except (re.error, TypeError, OverflowError, RecursionError) as error:
            raise _SchemaFault(f": the pattern {checks.shown(pattern)} is not a valid regular "
                               f"expression ({error}).") from None
    for key in [*_BOUNDS, "minLength", "maxLength"]:
        applies = ("integer", "number", "date") if key in _BOUNDS else ("string",)
        if key in constraints and kind not in applies:
            raise _SchemaFault(f": the constraint {key} does not apply to a {kind}.")
    lengths = tuple((key, constraints[key]) for key in ("minLength", "maxLength")
                    if key in constraints)
    for key, value in lengths:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _SchemaFault(f": the constraint {key} must be a whole number from 0, not "
                               f"{checks.shown(value)}.")
    return _Rules(
        field["name"], kind, form == "uri" or field["name"] == "source_url",
        constraints.get("required", False), constraints.get("unique", False),
        None if enum is None else tuple(_constraint_value(kind, "enum", v) for v in enum),
        "" if enum is None else checks.listing(enum, 20), pattern,
        tuple((key, _constraint_value(kind, key, constraints[key]), str(constraints[key]))
              for key in _BOUNDS if key in constraints), lengths)


def _constraint_value(kind: str, key: str, value: object) -> Any:
    """A constraint's value as the field's type: written as in a cell, or as the JSON
    number or boolean it is; _SchemaFault otherwise."""
    if isinstance(value, str):
        try:
            typed = _parse(kind, value)
        except ValueError:
            typed = None
    elif kind in ("integer", "number") and isinstance(value, int | float) \
            and not isinstance(value, bool):
        typed = value if kind == "number" or isinstance(value, int) else None
    else:
        typed = value if kind == "boolean" and isinstance(value, bool) else None
    if typed is None or (kind == "number" and not math.isfinite(typed)) \
            or (kind in ("integer", "number") and abs(typed) > _MAX_MAGNITUDE):
        raise _SchemaFault(f": the constraint {key} must be {_A_VALUE[kind]}, not "
                           f"{checks.shown(value)}.")
    return typed


@cache
def _package() -> dict[str, Any]:
    """The data package descriptor (data/datapackage.json)."""
    return read_package(PACKAGE)


def names() -> list[str]:
    """The names of all tables, in the order the descriptor lists them."""
    return [resource["name"] for resource in _package()["resources"]]


def columns(name: str) -> tuple[str, ...]:
    """A table's column names, in the order its schema declares them (the order an
    export of the council or the poll writes them in)."""
    return tuple(field["name"] for field in resource(name)["schema"]["fields"])


def resource(name: str) -> dict[str, Any]:
    """The descriptor of one table: title, description, path and schema."""
    if not isinstance(name, str):
        raise CourseError(f"A table's name is text, such as 'nato_members'; not "
                          f"{checks.shown(name)}.")
    name = str.__str__(name)  # plain text: a subclass's own == never runs after this
    for candidate in _package()["resources"]:
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
        at = _at(PACKAGE.read_text(encoding="utf-8"), _shown_path(PACKAGE), names().index(name))
        raise DataError(f"{where}: the file is missing; {at.split(': ')[0]}, lists it for "
                        f"the table {name}.")
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
    limit = csv.field_size_limit(_MAX_FILE_BYTES)
    try:
        for values in reader:
            line = previous + 1
            previous = reader.line_num
            if not header:
                header = values
                if header != expected:
                    raise DataError(_header_problem(where, header, expected))
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
        long = [m.end() for m in re.finditer(rf"[^,]{{{_MAX_CELL},}}", record)]
        column = header[min(_field_at(record, long[0]), len(header) - 1)] if long and header \
            else "?"
        raise DataError(f"{where}, line {line}, column {column}: not readable as CSV "
                        f"({error}).") from None
    finally:
        csv.field_size_limit(limit)
    if not rows:
        raise DataError(f"{where}, line 2: the table has a header but no rows.")
    return rows


def _header_problem(where: str, header: list[str], expected: list[str]) -> str:
    """What is wrong with a table's first line, by column: the columns missing, those the
    schema does not have, those repeated, or else the first one out of order."""
    missing = [c for c in expected if c not in header]
    unexpected = [c for c in header if c not in expected]
    repeated = [c for i, c in enumerate(header) if c in header[:i] and c in expected]
    faults = [(words, columns) for words, columns in (
        ("missing", missing), ("not in the schema", unexpected), ("repeated", repeated))
        if columns]
    if not faults:
        index = next(i for i, (a, b) in enumerate(zip(header, expected, strict=True)) if a != b)
        return (f"{where}, line 1, column {header[index]}: the columns are out of order; "
                f"column {index + 1} should be {expected[index]}, as in the schema: "
                f"{checks.listing(expected, 40)}.")
    return (f"{where}, line 1, column {checks.cut(faults[0][1][0], 40)}: "
            + "; ".join(f"{words}: {checks.listing(columns, 20)}" for words, columns in faults)
            + f" (the schema has {len(expected)} columns).")


def validate(name: str, rows: list[dict[str, str]]) -> None:
    """Check a table against its schema, raising DataError at the first fault: every cell
    (type, constraints, plausible dates), the unique columns and the primary key, repeated
    rows, and every foreign key (each value must be a key of the table it refers to)."""
    if not isinstance(rows, list) or not all(
            isinstance(r, dict) and all(isinstance(v, str) for v in r.values()) for r in rows):
        raise CourseError(f"The rows must be what data.read_rows returns, not "
                          f"{checks.shown(rows)}.")
    _check_table(name, rows)
    _check_references(name, rows)
    _check_consistency(name, rows)


def _row_place(name: str, index: int, row: dict[str, str]) -> str:
    """'file, line L' of a row: where read_rows found it, else counted from the header."""
    return (f"{getattr(row, 'file', '') or resource(name)['path']}, line "
            f"{getattr(row, 'line', 0) or index + 2}")


def _check_table(name: str, rows: list[dict[str, str]]) -> None:
    """Everything validate checks but the foreign keys, which need the other tables."""
    schema = resource(name)["schema"]
    rules = {field["name"]: _rules(field) for field in schema["fields"]}
    if not rows:
        raise DataError(f"{name}, line 2: the table has a header but no rows.")
    for index, row in enumerate(rows):
        for rule in rules.values():
            problem = _problem(rule, row.get(rule.name, ""))
            if problem:
                raise DataError(f"{_row_place(name, index, row)}, column {rule.name}: {problem}")
    primary = _column_names(schema.get("primaryKey", [])) or []
    for column in primary:  # a primary key's columns are required, as the Table Schema says
        for index, row in enumerate(rows):
            if row.get(column, "") == "":
                raise DataError(f"{_row_place(name, index, row)}, column {column}: is empty "
                                "but part of the primary key.")
    unique_sets = [[rule.name] for rule in rules.values() if rule.unique]
    if primary:
        unique_sets.append(primary)
    for columns in unique_sets:
        seen: dict[tuple[Any, ...], int] = {}
        for index, row in enumerate(rows):
            key = _key(rules, row, columns)
            if key in seen and None not in key:
                raise DataError(f"{_row_place(name, index, row)}, column {'+'.join(columns)}: "
                                f"{'/'.join(row[c] for c in columns)!r} repeats line "
                                f"{seen[key]}.")
            seen.setdefault(key, getattr(row, "line", 0) or index + 2)
    whole_rows: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(rows):
        key = tuple(row.values())
        if key in whole_rows:
            raise DataError(f"{_row_place(name, index, row)}, column {schema['fields'][0]['name']}"
                            f": the row repeats line {whole_rows[key]} exactly.")
        whole_rows[key] = getattr(row, "line", 0) or index + 2


def _key(rules: dict[str, _Rules], row: dict[str, str], columns: list[str]) -> tuple[Any, ...]:
    """The values of some columns of a checked row, typed (so 1.0 and 1 are one number);
    None for an empty cell."""
    return tuple(_parse(rules[c].kind, row[c]) if row.get(c, "") != "" else None
                 for c in columns)


def _check_references(name: str, rows: list[dict[str, str]]) -> None:
    """Each foreign key of a table: every value (but an empty one) is a key of the table
    it refers to."""
    schema = resource(name)["schema"]
    rules = {field["name"]: _rules(field) for field in schema["fields"]}
    for columns, table, referred in _foreign_keys(schema):
        target = table or name
        if table:
            known = _keys_of(target, tuple(referred))
        else:  # the table refers to itself
            known = {_key(rules, row, referred) for row in rows}
        for index, row in enumerate(rows):
            key = _key(rules, row, columns)
            if all(value is None for value in key) or key in known:
                continue
            raise DataError(f"{_row_place(name, index, row)}, column {'+'.join(columns)}: "
                            f"{'/'.join(row[c] for c in columns)!r} is not in the table "
                            f"{target} (its column {'+'.join(referred)}, in "
                            f"{resource(target)['path']}).")


@cache
def _checked_rows(name: str) -> tuple[_Row, ...]:
    """Another table's rows, once checked cell by cell (all but its own foreign keys and
    consistency rules, which its own loading checks: so tables may refer to each other in
    a circle)."""
    rows = read_rows(name)
    _check_table(name, rows)
    return tuple(rows)


@cache
def _keys_of(name: str, columns: tuple[str, ...]) -> frozenset[tuple[Any, ...]]:
    """The values of some columns of a table, typed, once the table is checked."""
    rules = {field["name"]: _rules(field) for field in resource(name)["schema"]["fields"]}
    return frozenset(_key(rules, row, list(columns)) for row in _checked_rows(name))


# Rules across rows and tables, which a Table Schema cannot state: a foreign key compares
# whole cells (not each code of a list), and a schema knows neither today's date nor the
# rows the notebooks rely on.

#: Columns holding ';'-separated ISO codes, each of which must be a row of countries.
_CODE_LISTS = {"nato_operations": ("countries",), "consensus_episodes": ("allies",)}
#: Dates of one row that happen in this order: the first cannot be after the second.
_IN_ORDER = {"nato_operations": (("start_date", "end_date"),),
            "consensus_episodes": (("start_date", "end_date"),),
            "partnerships": (("joined", "left"),),
            "forecast_questions": (("asked_on", "resolves_by"), ("asked_on", "resolved_on"))}
#: The date columns that may lie after today: when a forecast question is due, and the
#: imagined events of a scenario. Every other date records something that happened (and
#: as_of, when a source was checked, has its own rule).
_MAY_BE_FUTURE = {("forecast_questions", "resolves_by"), ("scenario_events", "date")}
#: Rows that notebooks and the course's functions name by key: without one, a notebook
#: would fail, or tell a student that a passage they were sent to does not exist.
NEEDED_ROWS = {
    "primary_texts": ("id", (
        "nat-art4", "nat-art5", "nat-art6", "nat-art9", "nat-art10", "nat-art13",
        "pfp-invitation", "pfp-framework-1", "ici-open-to-countries", "cst-art4-1992-en",
        "csto-charter-art1", "csto-charter-art2", "sc1991-soviet-union",
        "sc1991-partnership", "sc1999-crisis-management", "sc1999-partnership",
        "sc2010-crises-beyond-borders", "sc2010-partners", "sc2022-russia",
        "sc2022-no-threat")),
    "nato_org_relations": ("organization", ("CSTO",)),
    # the six signatories of 1992 and the three who joined in 1993 (notebooks 00 and 04
    # count them)
    "csto_members": ("iso3", ("ARM", "KAZ", "KGZ", "RUS", "TJK", "UZB", "AZE", "GEO", "BLR")),
}
#: The tables whose layout the live games' exports follow: a council session, a class poll.
COUNCIL_SESSION, POLL = "council_example_session", "poll_example"
#: The council's three tables: every card needs its wordings and one brief per ally.
COUNCIL_TABLES = ("council_cards", "council_wordings", "council_briefs")
#: The card the council builds in code, not from the tables (council.game.IMAGINED): a
#: class's exported session of it is valid, so the session's card cannot be a foreign key.
CODE_CARDS = ("imagined_alliance",)


def _check_consistency(name: str, rows: list[dict[str, str]]) -> None:
    """The rules across rows and tables of one table (see _CODE_LISTS, _IN_ORDER,
    _MAY_BE_FUTURE, NEEDED_ROWS and the council's cards)."""
    schema = resource(name)["schema"]
    for column in _CODE_LISTS.get(name, ()):
        known = _keys_of("countries", ("iso3",))
        for index, row in enumerate(rows):
            unknown = [c for c in row[column].split(";") if c and (c,) not in known]
            if unknown:
                raise DataError(f"{_row_place(name, index, row)}, column {column}: "
                                f"{unknown[0]!r} is not in the table countries (its column "
                                f"iso3, in {resource('countries')['path']}).")
    for first, then in _IN_ORDER.get(name, ()):
        for index, row in enumerate(rows):  # checked dates: YYYY-MM-DD sorts as text
            if row[first] and row[then] and row[then] < row[first]:
                raise DataError(f"{_row_place(name, index, row)}, column {then}: "
                                f"{row[then]} is before {first} ({row[first]}).")
    today = today_anywhere().isoformat()
    past = [f["name"] for f in schema["fields"] if f.get("type") == "date"
            and f["name"] != "as_of" and (name, f["name"]) not in _MAY_BE_FUTURE]
    for index, row in enumerate(rows):
        for column in past:
            if row.get(column, "") > today:
                raise DataError(f"{_row_place(name, index, row)}, column {column}: "
                                f"{row[column]} is after today ({today} anywhere on Earth, "
                                "by this computer's clock); it records something that "
                                "happened (or is the clock behind?).")
    if name in NEEDED_ROWS:
        column, needed = NEEDED_ROWS[name]
        have = {row[column] for row in rows}
        missing = [key for key in needed if key not in have]
        if missing:
            raise DataError(f"{_row_place(name, len(rows), {})}, column {column}: the table "
                            f"has no row {missing[0]!r}, which the notebooks use (it needs "
                            f"{checks.listing(list(needed), 30)}).")
    if name == "council_example_session":
        cards = {row["id"] for row in _checked_rows("council_cards")} | set(CODE_CARDS)
        for index, row in enumerate(rows):
            if row["card"] not in cards:
                raise DataError(f"{_row_place(name, index, row)}, column card: "
                                f"{row['card']!r} is not a council card (the cards: "
                                f"{checks.listing(sorted(cards), 10)}).")
    if name in COUNCIL_TABLES:
        _check_cards({table: rows if table == name else list(_checked_rows(table))
                      for table in COUNCIL_TABLES})


def _check_cards(tables: dict[str, list[Any]]) -> None:
    """Every council card playable: two wordings or more to circulate, and one brief per
    ally at the time, each ally once, in seats 1, 2, 3... without a gap."""
    for index, card in enumerate(tables["council_cards"]):
        where = _row_place("council_cards", index, card)
        wordings = [w for w in tables["council_wordings"] if w["card"] == card["id"]]
        if len(wordings) < 2:
            raise DataError(f"{where}, column id: the card {card['id']!r} has "
                            f"{len(wordings)} wording(s) in "
                            f"{resource('council_wordings')['path']}; it needs two or more "
                            "for the Secretary General to choose from.")
        briefs = [(i, b) for i, b in enumerate(tables["council_briefs"])
                  if b["card"] == card["id"]]
        seen: dict[str, int] = {}
        for i, brief in briefs:
            if brief["iso3"] in seen:
                raise DataError(f"{_row_place('council_briefs', i, brief)}, column iso3: "
                                f"{brief['iso3']!r} already has a brief on the card "
                                f"{card['id']!r} (line {seen[brief['iso3']]}).")
            seen[brief["iso3"]] = getattr(brief, "line", 0) or i + 2
        seats = sorted(int(b["seat_order"]) for _, b in briefs)
        allies = int(card["allies_at_the_time"])
        if seats != list(range(1, allies + 1)):
            empty = [str(s) for s in range(1, allies + 1) if s not in seats]
            beyond = [str(s) for s in seats if not 1 <= s <= allies or seats.count(s) > 1]
            faults = ([f"no brief for seat {checks.listing(empty, 5)}"] if empty else []) + (
                [f"a brief for seat {checks.listing(beyond, 5)} (beyond the allies or "
                 "repeated)"] if beyond else [])
            raise DataError(f"{where}, column allies_at_the_time: the card {card['id']!r} "
                            f"has {allies} allies and {len(seats)} brief(s) in "
                            f"{resource('council_briefs')['path']}: "
                            f"{'; '.join(faults)}. It needs one brief for each seat from 1 "
                            f"to {allies}.")


def cell_problem(field: dict[str, Any], text: str) -> str | None:
    """What is wrong with one cell, in words, or None when it is fine."""
    field = checks.mapping("The field", field)
    text = checks.text("The cell", text)
    try:
        rules = _rules(field)
    except _SchemaFault as fault:
        raise CourseError(f"The field must be one of a schema's fields, such as "
                          f"{{'name': 'iso3', 'type': 'string'}}; "
                          f"{checks.shown(field.get('name'))}{fault}") from None
    return _problem(rules, text)


def _problem(rules: _Rules, text: str) -> str | None:
    """What is wrong with one cell of a field, in words, or None when it is fine."""
    if len(text) > _MAX_CELL:
        return f"the cell has {len(text):,} characters; at most {_MAX_CELL:,} are allowed."
    if text == "":
        return "is empty but required." if rules.required else None
    if _blank_to_the_eye(text):
        return (f"{checks.shown(text)} holds only spaces or invisible characters; write the "
                "text, or leave the cell empty" + (" (it is required)." if rules.required
                                                   else "."))
    kind = rules.kind
    try:
        value = _parse(kind, text)
    except ValueError as error:
        return f"{checks.shown(text)} {str(error) or f'is not a valid {kind}'}" + (
            " (YYYY-MM-DD)." if kind == "date" and not str(error) else ".")
    if rules.uri and not is_web_address(text):
        return f"{checks.shown(text)} is not a web address (http:// or https://)."
    if kind == "number" and not math.isfinite(value):
        return f"{checks.shown(text)} is not a finite number."
    if kind == "date":
        problem = _date_problem(rules.name, value)
        if problem:
            return problem
    if rules.enum is not None and value not in rules.enum:
        return f"{checks.shown(text)} is not one of {rules.enum_words}."
    if rules.pattern is not None and not rules.pattern.fullmatch(text):
        return f"{checks.shown(text)} does not match the pattern {rules.pattern.pattern}."
    for key, bound, written in rules.bounds:
        compare, words = _BOUNDS[key]
        if not compare(value, bound):
            return f"{checks.cut(text)} {words} {checks.cut(written)}."
    for key, length in rules.lengths:
        if (len(text) < length) if key == "minLength" else (len(text) > length):
            return (f"{checks.shown(text)} has {len(text):,} characters; the "
                    f"{'minimum' if key == 'minLength' else 'maximum'} is {length:,}.")
    return None


def _blank_to_the_eye(text: str) -> bool:
    """Whether a cell shows nothing: only spaces, tabs, line breaks and characters that
    are not drawn (a zero-width space, a byte-order mark, a direction mark)."""
    if text[:1].isprintable() and not text[:1].isspace():  # the usual cell, decided at once
        return False
    return all(char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
               for char in text)


def _date_problem(column: str, value: date) -> str | None:
    """Why a date cannot be right, or None: every date falls in the years the course is
    about, and an as_of (when a source was checked) neither before 1949 nor after today.
    Today is the computer's: no date built into the course has to be moved on by hand when
    sources are checked again."""
    if column == "as_of":
        today = today_anywhere()
        if value > today:
            return (f"{value} is after today ({today} anywhere on Earth, by this computer's "
                    "clock); a source cannot have been checked then (or is the clock "
                    "behind?).")
        if value < _EARLIEST_CHECK:
            return (f"{value} is before {_EARLIEST_CHECK.year}; the sources were checked for "
                    "this course (a typing error?).")
    if not _EARLIEST_DATE <= value <= _LATEST_DATE:
        return (f"{value} is outside {_EARLIEST_DATE.year}–{_LATEST_DATE.year}, the years the "
                "course's events fall in (a typing error?).")
    return None


def is_web_address(text: str) -> bool:
    """Whether `text` is a well-formed absolute http(s) address with a dotted host name.

    Checks the fields declared ``"format": "uri"`` in the descriptor (and ``source_url``).
    """
    if not isinstance(text, str) or not _URL.match(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    return "." in host.strip(".") and not host.startswith("-")


#: The Table Schema's forms of a cell, in ASCII only (Python's int() and float() would also
#: take surrounding spaces, underscores between digits and other scripts' digits, '١٩٩٩').
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                     r"|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse(kind: str, text: str) -> Any:
    """One cell's value as Python, by its Table Schema type; ValueError if it is not one
    (with the reason in words, when there is more to say than that it is not valid)."""
    if kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise ValueError
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > len(str(_MAX_MAGNITUDE)) or int(text) > _MAX_MAGNITUDE \
                or int(text) < -_MAX_MAGNITUDE:
            raise ValueError(f"is beyond {_MAX_MAGNITUDE:,}, larger than any number in the "
                             "course")
        return int(text)
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise ValueError
        value = float(text)
        if math.isfinite(value) and abs(value) > _MAX_MAGNITUDE:
            raise ValueError(f"is beyond {_MAX_MAGNITUDE:,}, larger than any number in the "
                             "course")
        return value
    if kind == "date":
        if not _DATE.fullmatch(text):
            raise ValueError
        try:
            return date.fromisoformat(text)
        except ValueError:  # its own words ("day is out of range") would hide the format
            raise ValueError from None
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError
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


def forget() -> None:
    """Read the descriptor and the tables again at the next load (after they changed)."""
    for cached in (_package, _load, _keys_of, _checked_rows):
        cached.cache_clear()


@cache
def _load(name: str) -> pd.DataFrame:
    """A table, read, validated and typed once per session (load hands out copies)."""
    rows = read_rows(name)
    validate(name, rows)
    _check_own_text(name, rows)
    return _to_frame(name, rows)


#: Characters that change how text around them is shown without showing themselves: the
#: direction overrides and isolates, and a byte-order mark inside a cell.
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\ufeff]")


def _check_own_text(name: str, rows: list[_Row]) -> None:
    """The course's own tables (not a class's export, which holds what students typed):
    no text cell starts or ends with a space, since notebooks compare names exactly
    (' Belgium' is not 'Belgium'), and none holds a character that reorders or hides the
    text around it."""
    columns = [f["name"] for f in resource(name)["schema"]["fields"]
               if f.get("type", "string") == "string"]
    for index, row in enumerate(rows):
        for column in columns:
            text = row[column]
            if text != text.strip():
                raise DataError(f"{_row_place(name, index, row)}, column {column}: "
                                f"{checks.shown(text)} starts or ends with a space or a line "
                                "break; remove it (names are compared exactly).")
            hidden = _HIDDEN.search(text)
            if hidden:
                raise DataError(f"{_row_place(name, index, row)}, column {column}: the "
                                f"character U+{ord(hidden.group()):04X} at position "
                                f"{hidden.start() + 1} reorders or hides the text around it; "
                                "remove it.")


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
