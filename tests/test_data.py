"""The data package: every table validates, carries its sources, and bad rows are named."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from utils import data
from utils.data import DataError, cell_problem
from utils.errors import CourseError


@pytest.mark.parametrize("name", data.names())
def test_every_table_loads_with_its_sources(name: str) -> None:
    table = data.load(name)
    assert len(table) > 0
    for column in data.SOURCE_COLUMNS:
        assert table[column].notna().all(), f"{name}: a row has no {column}"
    assert table["source_url"].str.match(r"https?://").all()
    assert pd.api.types.is_datetime64_any_dtype(table["as_of"])


@pytest.mark.parametrize("name", data.names())
def test_every_table_has_a_described_schema(name: str) -> None:
    resource = data.resource(name)
    assert resource.get("title") and resource.get("description")
    for field in resource["schema"]["fields"]:
        assert field.get("type") in {"string", "integer", "number", "date", "boolean"}, field
        assert field.get("description"), f"{name}.{field['name']} has no description"


def broken_copy(name: str, tmp_path: Path, row: int, column: str, value: str) -> Path:
    """A copy of a table's CSV with one cell replaced."""
    source = data.DATA_DIR / data.resource(name)["path"]
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    path = tmp_path / source.name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("name", data.names())
def test_a_broken_row_is_named_by_table_line_and_column(name: str, tmp_path: Path) -> None:
    row = min(3, len(data.load(name)))
    path = broken_copy(name, tmp_path, row=row, column="as_of", value="24/11/2026")
    with pytest.raises(DataError) as caught:
        data.validate(name, data.read_rows(name, path))
    assert str(caught.value) == (f"{path.name}, line {row + 1}, column as_of: '24/11/2026' is "
                                 "not a valid date (YYYY-MM-DD).")


def test_a_missing_source_is_rejected(tmp_path: Path) -> None:
    path = broken_copy("nato_members", tmp_path, row=5, column="source", value="")
    with pytest.raises(DataError, match=r"nato_members.csv, line 6, column source: is empty"):
        data.validate("nato_members", data.read_rows("nato_members", path))


def test_a_bad_url_is_rejected(tmp_path: Path) -> None:
    path = broken_copy("nato_members", tmp_path, row=1, column="source_url", value="nato.int")
    with pytest.raises(DataError, match=r"line 2, column source_url: 'nato.int' is not a web"):
        data.validate("nato_members", data.read_rows("nato_members", path))


def test_a_repeated_key_is_rejected(tmp_path: Path) -> None:
    path = broken_copy("nato_members", tmp_path, row=2, column="iso3", value="BEL")
    with pytest.raises(DataError, match=r"line 3, column iso3: 'BEL' repeats line 2"):
        data.validate("nato_members", data.read_rows("nato_members", path))


def test_a_row_with_too_few_values_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nato_members.csv"
    shutil.copy(data.DATA_DIR / "nato_members.csv", path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("XXX,Nowhere\n")
    with pytest.raises(DataError, match=r"nato_members.csv, line 34, column name: 2 values for "
                                        "8 columns"):
        data.read_rows("nato_members", path)


def test_unknown_table_lists_the_real_ones() -> None:
    # A student's typo, not a broken file: a CourseError.
    with pytest.raises(CourseError, match=r"There is no table called 'members'.*nato_members"):
        data.load("members")


@pytest.mark.parametrize(("field", "text", "problem"), [
    ({"name": "n", "type": "integer"}, "3.5", "'3.5' is not a valid integer."),
    ({"name": "n", "type": "number"}, "nan", "'nan' is not a finite number."),
    ({"name": "n", "type": "number"}, "inf", "'inf' is not a finite number."),
    ({"name": "d", "type": "date"}, "2024-02-30", "'2024-02-30' is not a valid date (YYYY-MM-DD)."),
    ({"name": "d", "type": "date"}, "20240101", "'20240101' is not a valid date (YYYY-MM-DD)."),
    ({"name": "b", "type": "boolean"}, "yes", "'yes' is not a valid boolean."),
    ({"name": "e", "constraints": {"enum": ["a", "b"]}}, "c", "'c' is not one of a, b."),
    ({"name": "p", "constraints": {"pattern": "[A-Z]{3}"}}, "DEUX",
     "'DEUX' does not match the pattern [A-Z]{3}."),
    ({"name": "m", "type": "integer", "constraints": {"minimum": 0}}, "-1",
     "-1 is below the minimum 0."),
    ({"name": "m", "type": "integer", "constraints": {"maximum": 10}}, "11",
     "11 is above the maximum 10."),
    ({"name": "r", "constraints": {"required": True}}, "", "is empty but required."),
])
def test_cell_problems_are_explained(field: dict, text: str, problem: str) -> None:
    assert cell_problem(field, text) == problem


@pytest.mark.parametrize(("field", "text"), [
    ({"name": "n", "type": "integer"}, "-12"),
    ({"name": "d", "type": "date"}, "2024-02-29"),
    ({"name": "b", "type": "boolean"}, "false"),
    ({"name": "o"}, ""),
    ({"name": "p", "constraints": {"pattern": "[A-Z]{3}(;[A-Z]{3})*"}}, "TUR;HUN"),
])
def test_good_cells_pass(field: dict, text: str) -> None:
    assert cell_problem(field, text) is None


def test_types_are_applied() -> None:
    members = data.load("nato_members")
    assert str(members["enlargement"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(members["accession_date"])


def test_load_returns_a_copy_the_caller_may_change() -> None:
    first = data.load("nato_members")
    first.loc[0, "name"] = "changed"
    assert data.load("nato_members").loc[0, "name"] != "changed"


# Published facts the tables must agree with.

def test_nato_members_match_the_record() -> None:
    members = data.load("nato_members").set_index("iso3")
    assert len(members) == 32
    founders = members[members["accession_date"] == "1949-04-04"]
    assert sorted(founders.index) == sorted(
        ["BEL", "CAN", "DNK", "FRA", "ISL", "ITA", "LUX", "NLD", "NOR", "PRT", "GBR", "USA"])
    assert str(members.loc["FIN", "accession_date"].date()) == "2023-04-04"
    assert str(members.loc["SWE", "accession_date"].date()) == "2024-03-07"
    assert str(members.loc["MKD", "accession_date"].date()) == "2020-03-27"
    assert members["enlargement"].max() == 10


def test_collective_security_treaty_signatories() -> None:
    events = data.load("csto_members")
    signed = events[events["event"] == "signed"]
    assert sorted(signed["iso3"]) == ["ARM", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
    assert set(signed["date"].dt.strftime("%Y-%m-%d")) == {"1992-05-15"}
