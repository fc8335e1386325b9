"""The data package: every table validates, carries its sources, and bad rows are named."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from utils import data, texts
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
    with path.open(newline="", encoding="utf-8") as handle:  # a quoted cell may span lines
        reader = csv.reader(handle)
        for _ in range(row):
            next(reader)
        line = reader.line_num + 1
    assert str(caught.value) == (f"{path.name}, line {line}, column as_of: '24/11/2026' is "
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
                                        "9 columns"):
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
    # Numbers as the Table Schema writes them: Python's int() and float() took these.
    ({"name": "n", "type": "integer"}, " 12 ", "' 12 ' is not a valid integer."),
    ({"name": "n", "type": "integer"}, "1_999", "'1_999' is not a valid integer."),
    ({"name": "n", "type": "integer"}, "١٩٩٩", "'١٩٩٩' is not a valid integer."),
    ({"name": "n", "type": "number"}, " 0.5", "' 0.5' is not a valid number."),
    ({"name": "n", "type": "number"}, "0x10", "'0x10' is not a valid number."),
    ({"name": "n", "type": "integer"}, "1" * 5000,
     "'111111111111111111111111111111111111111111111111111111…111' is beyond "
     "1,000,000,000,000,000, larger than any number in the course."),
    ({"name": "d", "type": "date"}, "\u0662\u0660\u0662\u0664-01-01",
     "'\u0662\u0660\u0662\u0664-01-01' is not a valid date (YYYY-MM-DD)."),
    ({"name": "d", "type": "date"}, "2101-01-01",
     "2101-01-01 is outside 1900–2100, the years the course's events fall in (a typing "
     "error?)."),
    ({"name": "s", "constraints": {"maxLength": 2}}, "abc", "'abc' has 3 characters; the "
                                                            "maximum is 2."),
    ({"name": "s", "constraints": {"minLength": 4}}, "abc", "'abc' has 3 characters; the "
                                                            "minimum is 4."),
    ({"name": "m", "type": "number", "constraints": {"exclusiveMinimum": 0}}, "0",
     "0 is not above the exclusive minimum 0."),
    ({"name": "m", "type": "number", "constraints": {"exclusiveMaximum": 1}}, "1.0",
     "1.0 is not below the exclusive maximum 1."),
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


# Web addresses: declared as URIs in the descriptor, and well formed.

def url_fields(name: str) -> list[dict]:
    return [f for f in data.resource(name)["schema"]["fields"] if f["name"].endswith("_url")]


@pytest.mark.parametrize("name", data.names())
def test_every_web_address_is_declared_a_uri_and_is_well_formed(name: str) -> None:
    fields = url_fields(name)
    assert fields, f"{name} has no web-address column"
    table = data.load(name)
    for field in fields:
        assert field.get("format") == "uri", f"{name}.{field['name']} lacks format: uri"
        bad = [u for u in table[field["name"]].dropna() if not data.is_web_address(u)]
        assert not bad, (name, field["name"], bad)


@pytest.mark.parametrize("address", ["https//www.nato.int/x", "http://", "nato.int/cps",
                                     "https://www.nato int/x", "ftp://nato.int/x",
                                     "https://localhost/page", "https://nato.int:8o/x",
                                     "https://.int/x", " https://nato.int/x"])
def test_a_malformed_official_url_is_rejected_by_its_declared_format(address: str,
                                                                      tmp_path: Path) -> None:
    # official_url is checked because the descriptor declares it "format": "uri" (the loader once
    # checked only the column named source_url, and this test failed).
    path = broken_copy("primary_texts", tmp_path, row=2, column="official_url", value=address)
    with pytest.raises(DataError, match=r"primary_texts.csv, line 3, column official_url: .* is "
                                        r"not a web address"):
        data.validate("primary_texts", data.read_rows("primary_texts", path))


# What kind of source each row rests on.

OWN_TABLES = ["nato_members", "csto_members", "consensus_episodes", "partnerships",
              "nato_csto_timeline", "nato_org_relations", "exercise_labels", "csto_evidence",
              "forecast_questions", "seed_claims", "nato_russia_timeline", "scenario_events",
              "countries", "nato_operations", "strategic_concepts", "milestones", "nato_weights",
              "eu_council_population", "voting_bodies", "primary_texts"]


@pytest.mark.parametrize("name", OWN_TABLES)
def test_every_row_says_what_kind_of_source_it_rests_on(name: str) -> None:
    table = data.load(name)
    assert table["source_kind"].notna().all()
    host = table["source_url"].str.extract(r"^https?://(?:www\.)?([^/:]+)")[0]
    kind = table["source_kind"]
    assert (kind[host.str.endswith("nato.int")] == "official").all(), name
    wiki = host.str.contains(r"wikipedia|wikimili|wikia|uncensored-wiki")
    assert (kind[wiki] == "wiki_copy").all(), name


def test_the_founders_and_the_2004_members_rest_on_primary_sources() -> None:
    members = data.load("nato_members").set_index("iso3")
    founders = members[members["enlargement"] == 0]
    assert (founders["source_url"] == "https://www.nato.int/cps/en/natohq/news_118651.htm").all()
    assert set(members[members["enlargement"].isin([0, 4, 5])]["source_kind"]) == {"official"}


# Primary texts: read verbatim from the documents.

def test_the_primary_texts_cover_the_treaties_the_course_discusses() -> None:
    texts = data.load("primary_texts").set_index("id")
    for article in ("nat-art4", "nat-art5", "nat-art6", "nat-art9", "nat-art10"):
        assert texts.loc[article, "document"] == "North Atlantic Treaty"
        assert str(texts.loc[article, "date"].date()) == "1949-04-04"
    assert texts.loc["nat-art5", "text"].startswith(
        "The Parties agree that an armed attack against one or more of them in Europe or North "
        "America shall be considered an attack against them all")
    article10 = texts.loc["nat-art10", "text"]
    assert "by unanimous agreement, invite any other European State" in article10
    assert "organization" not in article10.lower()
    assert "on the territory of Turkey" in texts.loc["nat-art6", "text"]
    assert str(texts.loc["cst-art4-1992-ru", "date"].date()) == "1992-05-15"
    assert texts.loc["cst-art4-1992-ru", "text"].startswith("Если одно из государств")


def test_every_primary_text_points_to_its_publisher() -> None:
    texts = data.load("primary_texts")
    publishers = texts["official_url"].str.extract(r"^https?://(?:www\.|en\.)?([^/]+)")[0]
    assert set(publishers) == {"nato.int", "odkb-csto.org"}


def test_strategic_concept_quotes_are_the_primary_texts() -> None:
    texts = data.load("primary_texts")
    concepts = data.load("strategic_concepts")
    for row in concepts.itertuples():
        same_day = texts[texts["date"] == row.adopted]["text"]
        for quote in (row.out_of_area_quote, row.partners_quote, row.russia_quote):
            if isinstance(quote, str):
                assert same_day.str.contains(quote, regex=False).any(), (row.year, quote)


def test_a_primary_text_is_read_with_its_heading_and_source() -> None:
    block = texts.read("nat-art4")
    assert block.splitlines() == [
        "North Atlantic Treaty, Article 4 (signed 4 April 1949)",
        "The Parties will consult together whenever, in the opinion of any of them, the "
        "territorial integrity, political independence or security of any of the Parties is "
        "threatened.",
        "[read at https://www.nato.int/archives/1st5years/annexes/a.htm]"]
    assert texts.read("nat-art10", "pfp-invitation").count("[read at ") == 2
    assert texts.read("cst-art4-1992-ru").startswith(
        "Договор о коллективной безопасности (Collective Security Treaty), Статья 4 "  # noqa: RUF001
        "(Article 4, 1992 text) (signed 15 May 1992)")


@pytest.mark.parametrize(("ids", "message"), [
    ((), "Name at least one passage"),
    (("article-5",), "No passage called 'article-5'. The passages are: nat-art4, nat-art5"),
])
def test_asking_for_a_passage_that_does_not_exist_explains_what_exists(ids: tuple,
                                                                       message: str) -> None:
    with pytest.raises(CourseError, match=message):
        texts.read(*ids)


# An independent check: Frictionless (test-only dependency) validates the whole package,
# descriptor and every table, including the "format": "uri" fields.

def test_frictionless_finds_the_package_valid() -> None:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.Package(str(data.PACKAGE)).validate()
    problems = [(task.name, error.note) for task in report.tasks for error in task.errors]
    assert report.valid, problems[:5]


def test_frictionless_rejects_a_malformed_url(tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    broken_copy("primary_texts", tmp_path, row=2, column="official_url", value="https//nato.int")
    descriptor = dict(data.resource("primary_texts"))
    report = frictionless.Resource(descriptor, basepath=str(tmp_path)).validate()
    errors = report.tasks[0].errors
    assert [(e.type, e.row_number, e.field_name) for e in errors] == [
        ("type-error", 3, "official_url")]



#: One field per cell rule the loader applies, with a cell that keeps it and one that breaks
#: it (the last three: number forms the Table Schema does not allow, which Python reads).
RULES = [
    ({"name": "req", "type": "string", "constraints": {"required": True}}, "x", ""),
    ({"name": "enum", "type": "string", "constraints": {"enum": ["a", "b"]}}, "a", "c"),
    ({"name": "pattern", "type": "string", "constraints": {"pattern": "[A-Z]{3}"}}, "ABC",
     "ABCD"),
    ({"name": "min", "type": "integer", "constraints": {"minimum": 1}}, "1", "0"),
    ({"name": "max", "type": "number", "constraints": {"maximum": 10}}, "10", "10.5"),
    ({"name": "xmin", "type": "number", "constraints": {"exclusiveMinimum": 0}}, "0.5", "0"),
    ({"name": "xmax", "type": "integer", "constraints": {"exclusiveMaximum": 5}}, "4", "5"),
    ({"name": "minlen", "type": "string", "constraints": {"minLength": 2}}, "ab", "a"),
    ({"name": "maxlen", "type": "string", "constraints": {"maxLength": 3}}, "abc", "abcd"),
    ({"name": "since", "type": "date", "constraints": {"minimum": "2000-01-01"}}, "2000-01-01",
     "1999-12-31"),
    ({"name": "url", "type": "string", "format": "uri"}, "https://example.org/x",
     "example.org/x"),
    ({"name": "flag", "type": "boolean"}, "true", "yes"),
    ({"name": "day", "type": "date"}, "2001-02-28", "2001-02-29"),
    ({"name": "count", "type": "integer"}, "12", " 12"),
    ({"name": "share", "type": "number"}, "0.5", "1_0"),
    ({"name": "digits", "type": "integer"}, "1999", "١٩٩٩"),
]


def test_the_loader_and_frictionless_refuse_the_same_cells(tmp_path: Path) -> None:
    # The loader is the one authority at run time, frictionless the validator in the tests:
    # every cell rule the loader applies (all its constraints but the table-wide `unique`)
    # must refuse exactly the cells frictionless refuses, and the loader alone also refuses
    # the number forms Python would read ('1_0', ' 12', other scripts' digits).
    frictionless = pytest.importorskip("frictionless")
    assert {c for field, _, _ in RULES for c in field.get("constraints", {})} == \
        set(data.CONSTRAINTS) - {"unique"}
    good = [keep for _, keep, _ in RULES]
    rows = [good, *([breaks if j == i else keep for j, (_, keep, _) in enumerate(RULES)]
                    for i, (_, _, breaks) in enumerate(RULES))]
    with (tmp_path / "rules.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [[field["name"] for field, _, _ in RULES], *rows])
    # Table Schema 2 has the exclusive bounds (frictionless refuses them in a version 1 file)
    resource = frictionless.Resource({
        "$schema": "https://datapackage.org/profiles/2.0/dataresource.json",
        "name": "rules", "path": "rules.csv",
        "schema": {"fields": [field for field, _, _ in RULES]}}, basepath=str(tmp_path))
    theirs = {(e.row_number, e.field_name) for e in resource.validate().tasks[0].errors}
    ours = {(line, field["name"]) for line, row in enumerate(rows, start=2)
            for (field, _, _), cell in zip(RULES, row, strict=True)
            if cell_problem(field, cell)}
    broken = {(line, field["name"]) for line, (field, _, _) in enumerate(RULES, start=3)}
    python_reads = {(line, field["name"]) for line, (field, _, _) in enumerate(RULES, start=3)
                    if field["name"] in ("count", "share", "digits")}
    assert ours == broken
    assert theirs == broken - python_reads

# Broken files: a DataError naming file, line and column, never a raw error.

def copy_of(name: str, tmp_path: Path) -> Path:
    path = tmp_path / data.resource(name)["path"]
    shutil.copy(data.DATA_DIR / data.resource(name)["path"], path)
    return path


def test_data_error_is_not_a_course_error() -> None:
    assert not issubclass(DataError, CourseError)  # the course's fault, not the student's


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.replace(b"Belgium", b"B\xe9lgium"),
     "nato_members.csv, line 2, column name (character 6): byte 0xe9 is not UTF-8"),
    (lambda b: b.decode().encode("utf-16"), "nato_members.csv, line 1, column 1: the file is "
                                            "UTF-16"),
    (lambda b: b.decode().encode("utf-16-le"), "nato_members.csv, line 1, column iso3 "
                                               "(character 2): a NUL character"),
    (lambda b: b"\xef\xbb\xbf" + b, "nato_members.csv, line 1, column 1: the file starts with "
                                    "a byte-order mark"),
    (lambda b: b.replace(b"BEL,Belgium", b"BEL,Belgium" + b"x" * 140_000),
     "nato_members.csv, line 2, column name: the cell has 140,007 characters; at most 10,000"),
    (lambda b: b.replace(b"BEL,Belgium", b"BEL,Belgium" + b"x" * 20_000),
     "nato_members.csv, line 2, column name: the cell has 20,007 characters; at most 10,000"),
    (lambda b: b.split(b"\n")[0] + b"\n", "nato_members.csv, line 2: the table has a header but "
                                          "no rows"),
    (lambda b: b"", "nato_members.csv, line 1, column 1: the file is empty"),
    (lambda b: re.sub(rb",\d{4}-\d\d-\d\d(\r?\n)", rb",2099-01-01\1", b, count=1),
     "nato_members.csv, line 2, column as_of: 2099-01-01 is after today"),
    (lambda b: b.replace(b"\nCAN,", b"\n\nCAN,"), "nato_members.csv, line 3, column iso3: 0 "
                                                  "values for 9 columns"),
])
def test_a_broken_table_is_named_by_file_line_and_column(tmp_path: Path, change: Any,
                                                         message: str) -> None:
    path = copy_of("nato_members", tmp_path)
    path.write_bytes(change(path.read_bytes()))
    with pytest.raises(DataError) as caught:
        data.validate("nato_members", data.read_rows("nato_members", path))
    assert str(caught.value).startswith(message), str(caught.value)
    assert len(str(caught.value)) < 400


def test_as_of_is_checked_against_today_by_the_clock(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # A row checked on 2026-12-05 is fine from that day on, and refused by a computer whose
    # clock says 2026-12-01: no date built into the loader decides instead of the clock.
    path = broken_copy("nato_members", tmp_path, row=1, column="as_of", value="2026-12-05")
    for day, refused in ((date(2026, 12, 5), False), (date(2031, 1, 1), False),
                         (date(2026, 12, 4), True), (date(2026, 12, 1), True)):
        monkeypatch.setattr(data, "today_anywhere", lambda day=day: day)
        if not refused:
            data.validate("nato_members", data.read_rows("nato_members", path))
            continue
        with pytest.raises(DataError) as caught:
            data.validate("nato_members", data.read_rows("nato_members", path))
        assert str(caught.value) == (
            f"nato_members.csv, line 2, column as_of: 2026-12-05 is after today ({day} "
            "anywhere on Earth, by this computer's clock); a source cannot have been checked "
            "then (or is the clock behind?).")


def test_trailing_blank_lines_are_fine(tmp_path: Path) -> None:
    path = copy_of("nato_members", tmp_path)
    path.write_bytes(path.read_bytes() + b"\n\r\n\n")
    rows = data.read_rows("nato_members", path)
    assert len(rows) == 32 and rows[-1].line == 33
    data.validate("nato_members", rows)


def test_a_repeated_row_in_a_table_without_a_key_is_named(tmp_path: Path) -> None:
    assert data.resource("milestones")["schema"].get("primaryKey") is None
    path = copy_of("milestones", tmp_path)
    lines = path.read_bytes().rstrip(b"\n").split(b"\n")
    path.write_bytes(b"\n".join([*lines, lines[1]]) + b"\n")
    with pytest.raises(DataError, match=rf"milestones.csv, line {len(lines) + 1}, column date: "
                                        "the row repeats line 2 exactly"):
        data.validate("milestones", data.read_rows("milestones", path))


def test_a_missing_table_file_points_to_the_descriptor(tmp_path: Path) -> None:
    descriptor = (data.DATA_DIR / "datapackage.json").read_text("utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(descriptor) if '"name": "milestones"' in text)
    with pytest.raises(DataError, match=rf"missing.csv: the file is missing; "
                                        rf"data/datapackage.json, line {line}, column 7, lists "
                                        "it for the table milestones"):
        data.read_rows("milestones", tmp_path / "missing.csv")


def broken_package(tmp_path: Path, change: Any) -> Path:
    path = tmp_path / "datapackage.json"
    path.write_text(change(data.PACKAGE.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: "", "datapackage.json, line 1, column 1: the file is empty"),
    (lambda t: t.replace('"resources": [', '"resources": [,', 1),
     "datapackage.json, line 11, column 17: not valid JSON (Expecting value)"),
    (lambda t: '{"name": "x"}', "datapackage.json, line 1, column 1: a data package needs a "
                                "list of 'resources'"),
    (lambda t: t.replace('"type": "date"', '"type": "datetime"', 1),
     "datapackage.json, line 38, column 13: nato_members.accession_date has the unknown type "
     "'datetime'"),
    (lambda t: t.replace('"pattern": "^[A-Z]{3}$"', '"pattern": "^[A-Z]{3$("', 1),
     "datapackage.json, line 20, column 13: nato_members.iso3: the pattern '^[A-Z]{3$(' is "
     "not a valid regular expression"),
])
def test_a_broken_descriptor_is_named_by_line_and_column(tmp_path: Path, change: Any,
                                                         message: str) -> None:
    with pytest.raises(DataError) as caught:
        data.read_package(broken_package(tmp_path, change))
    assert str(caught.value).startswith(message), str(caught.value)


def test_nothing_is_written_when_a_file_is_broken(tmp_path: Path) -> None:
    path = copy_of("nato_members", tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    before = path.read_bytes()
    with pytest.raises(DataError):
        data.read_rows("nato_members", path)
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


# Corruptions of a copy of data/ (the loader pointed at it): each is refused with a DataError
# naming the file, the line and the column, or shown harmless.

@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A copy of data/ that data.load reads instead of the real one."""
    folder = tmp_path / "data"
    folder.mkdir()
    for path in [data.PACKAGE, *data.DATA_DIR.glob("*.csv")]:
        shutil.copy(path, folder / path.name)
    monkeypatch.setattr(data, "DATA_DIR", folder)
    monkeypatch.setattr(data, "PACKAGE", folder / "datapackage.json")
    data.forget()
    yield folder
    data.forget()


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Replace one cell (row 1 is the first after the header) of a table in the copy."""
    path = folder / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def drop_row(folder: Path, table: str, key: str) -> None:
    """Remove the row of a table whose first cell is `key`."""
    path = folder / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle) if r[0] != key]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def edit_field(folder: Path, table: str, column: str, **properties: Any) -> None:
    """Set properties of a field in the copy's descriptor (constraints merged in)."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    field = next(f for f in resource["schema"]["fields"] if f["name"] == column)
    for key, value in properties.items():
        if key == "constraints":
            field.setdefault("constraints", {}).update(value)
        else:
            field[key] = value
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")


def edit_text(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first `old` with `new` in a file of the copy."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_resource(folder: Path, table: str, change: Any) -> None:
    """Apply `change` to a resource (a dict) of the copy's descriptor."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(next(r for r in descriptor["resources"] if r["name"] == table))
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")


THIRTY_DIGITS = "9" * 30

# (what is corrupted, how, the table loaded, the start of the message)
CSV_CORRUPTIONS = [
    ("integer with spaces", lambda f: set_cell(f, "nato_members", 1, "enlargement", " 0 "),
     "nato_members", "nato_members.csv, line 2, column enlargement: ' 0 ' is not a valid "
                     "integer."),
    ("integer with an underscore", lambda f: set_cell(f, "exercise_labels", 1, "year", "1_999"),
     "exercise_labels", "exercise_labels.csv, line 2, column year: '1_999' is not a valid "
                        "integer."),
    ("Arabic-Indic digits", lambda f: set_cell(f, "exercise_labels", 1, "year", "١٩٩٩"),
     "exercise_labels", "exercise_labels.csv, line 2, column year: '١٩٩٩' is not a valid "
                        "integer."),
    ("number with a space", lambda f: set_cell(f, "council_wordings", 1, "position", " 0.5"),
     "council_wordings", "council_wordings.csv, line 2, column position: ' 0.5' is not a "
                         "valid number."),
    ("30-digit integer, no maximum",
     lambda f: set_cell(f, "nato_operations", 1, "peak_personnel", THIRTY_DIGITS),
     "nato_operations", f"nato_operations.csv, line 2, column peak_personnel: "
                        f"'{THIRTY_DIGITS}' is beyond 1,000,000,000,000,000"),
    ("30-digit number", lambda f: set_cell(f, "nato_weights", 1, "value", THIRTY_DIGITS),
     "nato_weights", f"nato_weights.csv, line 2, column value: '{THIRTY_DIGITS}' is beyond"),
    ("as_of in the year 0202", lambda f: set_cell(f, "nato_members", 1, "as_of", "0202-11-24"),
     "nato_members", "nato_members.csv, line 2, column as_of: 0202-11-24 is before 1949"),
    ("event in 9999", lambda f: set_cell(f, "nato_operations", 1, "end_date", "9999-12-31"),
     "nato_operations", "nato_operations.csv, line 2, column end_date: 9999-12-31 is outside "
                        "1900–2100"),
    ("event in 1066", lambda f: set_cell(f, "nato_russia_timeline", 1, "date", "1066-10-14"),
     "nato_russia_timeline", "nato_russia_timeline.csv, line 2, column date: 1066-10-14 is "
                             "outside 1900–2100"),
    ("maxLength", lambda f: edit_field(f, "nato_members", "name", constraints={"maxLength": 5}),
     "nato_members", "nato_members.csv, line 2, column name: 'Belgium' has 7 characters; the "
                     "maximum is 5."),
    ("minLength", lambda f: edit_field(f, "nato_members", "name", constraints={"minLength": 8}),
     "nato_members", "nato_members.csv, line 2, column name: 'Belgium' has 7 characters; the "
                     "minimum is 8."),
    ("exclusiveMaximum",
     lambda f: edit_field(f, "nato_members", "enlargement", constraints={"exclusiveMaximum": 0}),
     "nato_members", "nato_members.csv, line 2, column enlargement: 0 is not below the "
                     "exclusive maximum 0."),
    ("exclusiveMinimum",
     lambda f: edit_field(f, "nato_members", "enlargement", constraints={"exclusiveMinimum": 0}),
     "nato_members", "nato_members.csv, line 2, column enlargement: 0 is not above the "
                     "exclusive minimum 0."),
    ("a date minimum", lambda f: edit_field(f, "nato_members", "accession_date",
                                            constraints={"minimum": "1950-01-01"}),
     "nato_members", "nato_members.csv, line 2, column accession_date: 1949-04-04 is below "
                     "the minimum 1950-01-01."),
    ("a referred row dropped", lambda f: drop_row(f, "nato_members", "SWE"),
     "council_briefs", "council_briefs.csv, line 69, column iso3: 'SWE' is not in the table "
                       "nato_members (its column iso3, in nato_members.csv)."),
    ("an unknown episode",
     lambda f: set_cell(f, "council_cards", 1, "episode", "no_such_episode"),
     "council_cards", "council_cards.csv, line 2, column episode: 'no_such_episode' is not in "
                      "the table consensus_episodes"),
    ("a missing column", lambda f: edit_text(f, "nato_members.csv", ",notes,", ",note,"),
     "nato_members", "nato_members.csv, line 1, column notes: missing: notes; not in the "
                     "schema: note (the schema has 9 columns)."),
    ("two columns swapped", lambda f: edit_text(f, "nato_members.csv", "iso3,name,", "name,iso3,"),
     "nato_members", "nato_members.csv, line 1, column name: the columns are out of order; "
                     "column 1 should be iso3"),
    ("a repeated column", lambda f: edit_text(f, "nato_members.csv", ",notes,", ",name,"),
     "nato_members", "nato_members.csv, line 1, column notes: missing: notes; repeated: name"),
]


@pytest.mark.parametrize(("change", "table", "message"),
                         [case[1:] for case in CSV_CORRUPTIONS],
                         ids=[case[0] for case in CSV_CORRUPTIONS])
def test_a_corrupted_table_is_refused_naming_file_line_and_column(
        copied: Path, change: Any, table: str, message: str) -> None:
    change(copied)
    with pytest.raises(DataError) as caught:
        data.load(table)
    assert str(caught.value).startswith(message), str(caught.value)


def field_line(text: str, table: str, column: str | None = None) -> int:
    """The line of a resource's "name" (or of one of its fields') in a descriptor."""
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines) if t.strip() == f'"name": "{table}",')
    if column is not None:
        line = next(i for i, t in enumerate(lines) if i > line
                    and t.strip() == f'"name": "{column}",')
    return line + 1


def deeply_nested(folder: Path) -> None:
    edit_text(folder, "datapackage.json", '"title": "Alliance', '"deep": ' + "[" * 100_000
              + "]" * 100_000 + ', "title": "Alliance')


def repeated_key(folder: Path) -> None:
    edit_text(folder, "datapackage.json", '"name": "enlargement",',
              '"name": "enlargement",\n            "type": "string",')


def repeated_resource(folder: Path) -> None:
    edit_text(folder, "datapackage.json", '"name": "csto_members",', '"name": "nato_members",')


# (what is corrupted, how, the start of the message after "datapackage.json, line L,
# column C: ", and what the line reported holds)
DESCRIPTOR_CORRUPTIONS = [
    ("minimum not a number",
     lambda f: edit_field(f, "nato_members", "enlargement", constraints={"minimum": "abc"}),
     "nato_members.enlargement: the constraint minimum must be a whole number, not 'abc'.",
     '"name": "enlargement"'),
    ("enum not a list",
     lambda f: edit_field(f, "nato_members", "source_kind", constraints={"enum": 5}),
     "nato_members.source_kind: the constraint enum must be a list of values, not 5.",
     '"name": "source_kind"'),
    ("an enum value of the wrong type",
     lambda f: edit_field(f, "eu_council_population", "year", constraints={"enum": [True]}),
     "eu_council_population.year: the constraint enum must be a whole number, not True.",
     '"name": "year"'),
    ("primaryKey not a column",
     lambda f: edit_resource(f, "nato_members", lambda r: r["schema"].update(primaryKey=5)),
     "nato_members: the primaryKey must be the name of one of the table's columns",
     '"primaryKey": 5'),
    ("deep nesting", deeply_nested, "the JSON nests deeper than 20 levels", "["),
    ("a huge integer", lambda f: edit_text(f, "datapackage.json", '"maximum": 10',
                                           '"maximum": 1' + "0" * 400),
     "nato_members.enlargement: the number 1000", "1000"),
    ("a huge float", lambda f: edit_text(f, "datapackage.json", '"maximum": 10',
                                         '"maximum": 1e999'),
     "nato_members.enlargement: the number 1e999 is beyond 1e+15", "1e999"),
    ("NaN", lambda f: edit_text(f, "datapackage.json", '"maximum": 10', '"maximum": NaN'),
     "nato_members.enlargement: NaN is not a JSON value", "NaN"),
    ("a repeated key", repeated_key,
     "nato_members.enlargement: the key 'type' appears twice in the same object",
     '"type": "integer"'),
    ("a repeated resource name", repeated_resource,
     "nato_members: the resource name 'nato_members' repeats resource 1", '"name": '),
    ("an unknown constraint",
     lambda f: edit_field(f, "nato_members", "enlargement", constraints={"minimim": 0}),
     "nato_members.enlargement: the loader does not implement the constraint 'minimim'",
     '"name": "enlargement"'),
    ("a constraint for another type",
     lambda f: edit_field(f, "nato_members", "name", constraints={"minimum": 3}),
     "nato_members.name: the constraint minimum does not apply to a string.",
     '"name": "name"'),
    ("an unknown field property",
     lambda f: edit_field(f, "nato_members", "enlargement", bareNumber=False),
     "nato_members.enlargement: the loader does not implement the field property "
     "'bareNumber'", '"name": "enlargement"'),
    ("a CSV dialect", lambda f: edit_resource(f, "nato_members",
                                              lambda r: r.update(dialect={"delimiter": ";"})),
     "nato_members: the loader does not implement the resource property 'dialect'",
     '"dialect"'),
    ("a path outside data/", lambda f: edit_resource(f, "nato_members",
                                                     lambda r: r.update(path="../x.csv")),
     "nato_members: the path '../x.csv' must be the name of a .csv file", '"path"'),
    ("a foreign key to a missing table",
     lambda f: edit_text(f, "datapackage.json", '"resource": "countries"',
                         '"resource": "country"'),
     "nato_members: a foreign key refers to the table 'country'", '"foreignKeys"'),
    ("a foreign key to a column that is no key",
     lambda f: edit_resource(f, "nato_weights", lambda r: r["schema"]["foreignKeys"][0][
         "reference"].update(fields="name")),
     "nato_weights: the foreign key iso3 must refer to the primary key of nato_members",
     '"foreignKeys"'),
]


@pytest.mark.parametrize(("change", "message", "marker"),
                         [case[1:] for case in DESCRIPTOR_CORRUPTIONS],
                         ids=[case[0] for case in DESCRIPTOR_CORRUPTIONS])
def test_a_corrupted_descriptor_is_refused_naming_line_column_resource_and_field(
        copied: Path, change: Any, message: str, marker: str) -> None:
    change(copied)
    with pytest.raises(DataError) as caught:
        data.load("nato_members")
    found = re.match(r"datapackage\.json, line (\d+), column (\d+): (.*)", str(caught.value),
                     re.DOTALL)
    assert found, str(caught.value)
    assert found[3].startswith(message), str(caught.value)
    line, column = int(found[1]), int(found[2])
    text = (copied / "datapackage.json").read_text(encoding="utf-8").splitlines()[line - 1]
    assert text[column - 1:].startswith(marker), (text, column)
    assert len(str(caught.value)) < 500


def test_a_council_card_says_which_ally_is_missing(copied: Path) -> None:
    # Before foreign keys were checked, this loaded and then every card raised KeyError 'SWE'.
    from council import game

    drop_row(copied, "nato_members", "SWE")
    game._cards.cache_clear()
    try:
        with pytest.raises(DataError, match=r"council_briefs.csv, line 69, column iso3: 'SWE' "
                                            "is not in the table nato_members"):
            game.card("finland_sweden_2022")
    finally:
        game._cards.cache_clear()


def test_the_latest_plausible_end_date_still_charts(copied: Path) -> None:
    # Today is the latest end the loader accepts (an end records something that happened;
    # 2100 is refused): a year-by-year chart has some 80 rows, far below Altair's 5,000 (a
    # 9999 end date broke it).
    from utils import operations, views

    set_cell(copied, "nato_operations", 1, "end_date", data.today_anywhere().isoformat())
    assert len(operations.out_of_area_share()) < 200
    views.operations.share_chart().to_dict()
    views.operations.gantt().to_dict()


def test_the_foreign_keys_declared_hold_in_the_real_data() -> None:
    declared = {(name, "+".join(columns), table) for name in data.names()
                for columns, table, _ in data._foreign_keys(data.resource(name)["schema"])}
    assert ("council_briefs", "iso3", "nato_members") in declared
    assert ("nato_weights", "iso3", "nato_members") in declared
    assert ("council_briefs", "card", "council_cards") in declared
    assert len(declared) >= 10
    for name in data.names():
        data.validate(name, data.read_rows(name))


@pytest.mark.parametrize(("field", "problem"), [
    ({"name": "m", "type": "integer", "constraints": {"minimum": "abc"}},
     "the constraint minimum must be a whole number, not 'abc'"),
    ({"name": "e", "constraints": {"enum": 5}}, "the constraint enum must be a list"),
    ({"name": "b", "type": "boolean", "constraints": {"enum": ["yes"]}},
     "the constraint enum must be true or false, not 'yes'"),
    ({"name": "s", "constraints": {"maxLength": -1}}, "maxLength must be a whole number from 0"),
    ({"name": "s", "constraints": {"uniqueness": True}}, "does not implement the constraint"),
])
def test_a_field_the_loader_cannot_apply_is_refused(field: dict, problem: str) -> None:
    with pytest.raises(CourseError, match=re.escape(problem)):
        cell_problem(field, "1")
