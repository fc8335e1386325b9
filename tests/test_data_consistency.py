"""The rules across rows and tables that the loader applies at load (utils/data.py): a
broken reference, an impossible date or a row the notebooks need is a DataError naming
file, line and column, never a silent load or a traceback later in a notebook."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from utils import data
from utils.data import DataError

ROOT = Path(__file__).resolve().parent.parent


def rows_of(name: str) -> list[list[str]]:
    with (data.DATA_DIR / data.resource(name)["path"]).open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def changed(name: str, tmp_path: Path, change: Callable[[list[list[str]]], object]) -> Path:
    """A copy of a table's CSV, its rows (header first) changed in place by `change`."""
    rows = rows_of(name)
    change(rows)
    path = tmp_path / data.resource(name)["path"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def set_cell(row: int, column: str, value: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[row][rows[0].index(column)] = value
    return change


def refused(name: str, path: Path) -> str:
    with pytest.raises(DataError) as caught:
        data.validate(name, data.read_rows(name, path))
    return str(caught.value)


@pytest.mark.parametrize(("name", "change", "message"), [
    ("nato_operations", set_cell(1, "countries", "TUR;XXX"),
     "nato_operations.csv, line 2, column countries: 'XXX' is not in the table countries"),
    ("consensus_episodes", set_cell(1, "allies", "XXX;YYY"),
     "consensus_episodes.csv, line 2, column allies: 'XXX' is not in the table countries"),
    ("nato_operations", set_cell(1, "end_date", "1950-01-01"),
     "nato_operations.csv, line 2, column end_date: 1950-01-01 is before start_date "
     "(1990-08-08)"),
    ("forecast_questions", set_cell(1, "resolves_by", "1950-01-01"),
     "forecast_questions.csv, line 2, column resolves_by: 1950-01-01 is before asked_on"),
    ("nato_members", set_cell(1, "accession_date", "2030-01-01"),
     "nato_members.csv, line 2, column accession_date: 2030-01-01 is after today"),
    ("milestones", set_cell(1, "date", "2030-01-01"),
     "milestones.csv, line 2, column date: 2030-01-01 is after today"),
    ("nato_members", set_cell(1, "name", "\t"),
     "nato_members.csv, line 2, column name: '\\t' holds only spaces or invisible characters"),
    ("consensus_episodes", set_cell(1, "title", "\u200b"),
     "consensus_episodes.csv, line 2, column title: '\\u200b' holds only spaces or invisible"),
    ("eu_council_population", set_cell(1, "population", "-0"),
     "eu_council_population.csv, line 2, column population: -0 is below the minimum 1"),
    ("council_cards", set_cell(1, "scale", " \ufeff "),
     "council_cards.csv, line 2, column scale: ' \\ufeff ' holds only spaces or invisible"),
    ("nato_org_relations",
     lambda rows: [r.__setitem__(0, "CSTO-x") for r in rows if r[0] == "CSTO"],
     "nato_org_relations.csv, line "),
    ("primary_texts", lambda rows: rows.__setitem__(
        slice(None), [r for r in rows if r[0] != "nat-art10"]),
     "primary_texts.csv, line "),
    ("csto_members", lambda rows: rows.__setitem__(slice(None), rows[:2]),
     "csto_members.csv, line 3, column iso3: the table has no row 'KAZ', which the "
     "notebooks use"),
    ("council_wordings", lambda rows: rows.__setitem__(
        slice(None), [r for r in rows if r[0] != "turkey_defence_2003"]),
     "council_cards.csv, line 2, column id: the card 'turkey_defence_2003' has 0 wording(s)"),
    ("council_briefs", set_cell(2, "iso3", "FRA"),
     "council_briefs.csv, line 3, column iso3: 'FRA' already has a brief on the card "
     "'turkey_defence_2003' (line 2)"),
    ("council_briefs", set_cell(2, "seat_order", "40"),
     "council_cards.csv, line 2, column allies_at_the_time: the card 'turkey_defence_2003' "
     "has 19 allies and 19 brief(s) in council_briefs.csv: no brief for seat 2; a brief for "
     "seat 40 (beyond the allies or repeated)"),
    ("council_cards", set_cell(1, "allies_at_the_time", "40"),
     "council_cards.csv, line 2, column allies_at_the_time: the card 'turkey_defence_2003' "
     "has 40 allies and 19 brief(s) in council_briefs.csv: no brief for seat 20, 21"),
    ("council_briefs", lambda rows: rows.__setitem__(
        slice(None), [r for r in rows if r[0] != "turkey_defence_2003"]),
     "council_cards.csv, line 2, column allies_at_the_time: the card 'turkey_defence_2003' "
     "has 19 allies and 0 brief(s) in council_briefs.csv: no brief for seat 1, 2"),
])
def test_broken_references_and_impossible_rows_are_refused_at_load(
        name: str, change: Callable[[list[list[str]]], object], message: str,
        tmp_path: Path) -> None:
    text = refused(name, changed(name, tmp_path, change))
    assert message in text, text
    assert len(text) < 500


def test_the_csto_row_notebook_04_relies_on_is_named_when_missing(tmp_path: Path) -> None:
    path = changed("nato_org_relations", tmp_path,
                   lambda rows: [r.__setitem__(0, "OTHER") for r in rows if r[0] == "CSTO"])
    assert "column organization: the table has no row 'CSTO', which the notebooks use" \
        in refused("nato_org_relations", path)


def test_an_unknown_session_card_is_refused_and_the_imagined_card_kept(
        tmp_path: Path) -> None:
    path = changed("council_example_session", tmp_path, set_cell(1, "card", "nope"))
    assert "council_example_session.csv, line 2, column card: 'nope' is not a council card" \
        in refused("council_example_session", path)
    # the card the council builds in code: a class's export of it is a valid session
    path = changed("council_example_session", tmp_path,
                   lambda rows: [r.__setitem__(1, "imagined_alliance") for r in rows[1:]])
    data.validate("council_example_session", data.read_rows("council_example_session", path))
    from council import game
    assert game.IMAGINED in data.CODE_CARDS


def test_every_passage_the_notebooks_name_is_a_needed_row() -> None:
    ids = [row[0] for row in rows_of("primary_texts")[1:]]
    sources = [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "utils").rglob("*.py")]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    named = {i for i in ids if re.search(r'\\?["\']' + re.escape(i) + r'\\?["\']', text)}
    assert named, "the notebooks name passages"
    assert named <= set(data.NEEDED_ROWS["primary_texts"][1])


def test_the_tables_as_shipped_keep_every_rule() -> None:
    data.forget()
    for name in data.names():
        data.load(name)
    cards = json.loads(data.PACKAGE.read_text(encoding="utf-8"))
    assert {r["name"] for r in cards["resources"]} >= set(data.COUNCIL_TABLES)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("name", " Belgium", "column name: ' Belgium' starts or ends with a space"),
    ("name", "Belgium\n", "column name: 'Belgium\\n' starts or ends with a space or a line"),
    ("notes", "abc\u202edef", "column notes: the character U+202E at position 4 reorders"),
    ("name", "\ufeffBelgium", "column name: the character U+FEFF at position 1"),
])
def test_the_course_s_own_text_has_no_edge_spaces_or_hidden_characters(
        column: str, value: str, message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, folder)
    changed_path = changed("nato_members", folder, set_cell(1, column, value))
    assert changed_path.parent == folder
    monkeypatch.setattr(data, "DATA_DIR", folder)
    monkeypatch.setattr(data, "PACKAGE", folder / "datapackage.json")
    data.forget()
    try:
        with pytest.raises(DataError) as caught:
            data.load("nato_members")
    finally:
        monkeypatch.undo()
        data.forget()
    assert "nato_members.csv, line 2, " + message in str(caught.value), str(caught.value)
