"""Operations, the out-of-area measure and the map: consistency and hand-counted values."""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd
import pytest

from utils import data, operations, views, widgets
from utils.errors import CourseError


def consistency_problems() -> list[str]:
    """Problems in the operations table: unknown countries, dates out of order, ongoing
    operations with an end date, an operation in area on members' territory but out of the
    Article 6 area (an empty list when all is well)."""
    table = operations.operations()
    known = set(data.load("countries")["iso3"])
    problems = []
    for row in table.itertuples():
        unknown = [c for c in row.countries.split(";") if c not in known]
        if unknown:
            problems.append(f"{row.id}: unknown country code(s) {', '.join(unknown)}")
        if pd.notna(row.end_date) and row.end_date < row.start_date:
            problems.append(f"{row.id}: ends before it starts")
        if row.status == "ongoing" and pd.notna(row.end_date):
            problems.append(f"{row.id}: ongoing but has an end date")
        # Article 6 leaves out only members' territory outside Europe, North America and the
        # North Atlantic (Hawaii, overseas departments), where no operation in the table ran.
        if row.area == "in_area" and row.area_article_6 == "out_of_area":
            problems.append(f"{row.id}: in area on members' territory but out of the "
                            "Article 6 area")
    return problems


def test_operations_table_is_consistent() -> None:
    assert consistency_problems() == []


def test_consistency_check_finds_planted_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    table = data.load("nato_operations")
    table.loc[0, "countries"] = "TUR;ATL"
    table.loc[1, "end_date"] = pd.Timestamp("1980-01-01")
    table.loc[2, "status"] = "ongoing"
    monkeypatch.setattr(data, "load", lambda name, real=data.load: table.copy()
                        if name == "nato_operations" else real(name))
    problems = consistency_problems()
    assert "anchor_guard: unknown country code(s) ATL" in problems
    assert "ace_guard: ends before it starts" in problems
    assert "maritime_monitor: ongoing but has an end date" in problems


def test_consistency_check_finds_territory_in_area_outside_article_6(
        monkeypatch: pytest.MonkeyPatch) -> None:
    table = data.load("nato_operations")
    table.loc[table["id"] == "baltic_air_policing", "area_article_6"] = "out_of_area"
    monkeypatch.setattr(data, "load", lambda name, real=data.load: table.copy()
                        if name == "nato_operations" else real(name))
    assert consistency_problems() == [
        "baltic_air_policing: in area on members' territory but out of the Article 6 area"]


def test_every_operation_country_is_on_the_map_or_known_to_be_too_small() -> None:
    countries = data.load("countries").set_index("iso3")
    ids = {g.get("id") or g["properties"]["name"]
           for g in views.operations._topology()["objects"]["countries"]["geometries"]}
    too_small = {"BHR", "GIB", "MCO", "MLT"}
    for codes in data.load("nato_operations")["countries"]:
        for code in codes.split(";"):
            map_id = "Kosovo" if code == "XKX" else countries.loc[code, "iso_numeric"]
            assert map_id in ids or code in too_small, code


def test_active_operations_by_hand() -> None:
    assert sorted(operations.active(1999)["id"]) == [
        "allied_force", "allied_harbour", "eagle_eye", "kfor", "sfor"]
    assert sorted(operations.active(1990)["id"]) == ["anchor_guard"]
    assert len(operations.active(2011)) == 8


def test_out_of_area_share() -> None:
    share = operations.out_of_area_share().set_index("year")
    assert share.loc[1990].to_dict() == {"in_area": 1, "out_of_area": 0, "share_out": 0.0}
    assert share.loc[1995, "share_out"] == 1.0
    assert share.loc[2011, "in_area"] + share.loc[2011, "out_of_area"] == 8
    assert ((share["share_out"] >= 0) & (share["share_out"] <= 1)).all()


def test_out_of_area_share_under_each_coding_by_hand() -> None:
    """Counted by hand from data/nato_operations.csv. 2011: KFOR, Active Endeavour, ISAF,
    NTM-I, Ocean Shield and Unified Protector, with Baltic and Iceland air policing in area;
    Article 6 adds Active Endeavour (the Mediterranean) to the in-area side."""
    territory = operations.out_of_area_share(coding="territory").set_index("year")
    treaty = operations.out_of_area_share(coding="article_6").set_index("year")
    assert territory.loc[2011].to_dict() == {"in_area": 2, "out_of_area": 6, "share_out": 0.75}
    assert treaty.loc[2011].to_dict() == {"in_area": 3, "out_of_area": 5, "share_out": 0.625}
    # 1992: Maritime Monitor and Maritime Guard in the Adriatic, Sky Monitor over Bosnia.
    assert treaty.loc[1992].to_dict() == {"in_area": 2, "out_of_area": 1, "share_out": 1 / 3}
    assert territory.loc[1992, "share_out"] == 1.0
    # 1995: Sharp Guard in the Adriatic; Deny Flight, Deliberate Force and IFOR in Bosnia.
    assert (treaty.loc[1995, "in_area"], treaty.loc[1995, "out_of_area"]) == (1, 3)
    # 2025: KFOR, Sea Guardian and NATO Mission Iraq out of area; nine in area, among them
    # the assurance measures (2014) and the enhanced Forward Presence (2017).
    assert (territory.loc[2025, "in_area"], territory.loc[2025, "out_of_area"]) == (9, 3)
    assert (treaty.loc[2025, "in_area"], treaty.loc[2025, "out_of_area"]) == (10, 2)
    assert territory.equals(operations.out_of_area_share().set_index("year"))


def test_the_codings_differ_only_at_sea_in_the_mediterranean() -> None:
    table = operations.operations()
    differ = table[table["area"] != table["area_article_6"]]
    assert sorted(differ["id"]) == ["active_endeavour", "maritime_guard", "maritime_monitor",
                                    "sea_guardian", "sharp_guard"]
    assert set(differ["area_article_6"]) == {"in_area"}


def test_codings_compared_by_hand() -> None:
    table = operations.codings_compared([1999, 2011, 2025]).set_index("year")
    assert list(table["operations"]) == [5, 8, 12]
    assert list(table["out of area (territory)"]) == [5, 6, 3]
    assert list(table["out of area (Article 6)"]) == [5, 5, 2]
    assert list(table["% out (territory)"]) == [100, 75, 25]
    assert list(table["% out (Article 6)"]) == [100, 62, 17]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: operations.out_of_area_share(coding="treaty"),
     "The coding must be one of territory, article_6; not 'treaty'."),
    (lambda: operations.codings_compared([1980]), "Choose years from 1990"),
    (lambda: operations.codings_compared(2011), "The years must be a list"),
])
def test_a_bad_coding_or_year_is_a_course_error(call, message: str) -> None:
    with pytest.raises(CourseError, match=re.escape(message)):
        call()


def test_deterrence_in_the_east_after_2014() -> None:
    """The assurance measures (2014) and the enhanced Forward Presence (2017): in area under
    both codings, the first of type deterrence."""
    table = operations.operations().set_index("id")
    east = table.loc[["assurance_measures", "enhanced_forward_presence"]]
    assert list(east["first_year"]) == [2014, 2017]
    assert set(east["area"]) == set(east["area_article_6"]) == {"in_area"}
    assert set(east["type_name"]) == {"deterrence and assurance"}
    assert "assurance_measures" in set(operations.active(2014)["id"])
    assert "enhanced_forward_presence" not in set(operations.active(2016)["id"])


def test_markers_are_the_public_concepts_and_article_5() -> None:
    labels = list(operations.markers()["label"])
    assert labels == ["Strategic Concept 1991", "Strategic Concept 1999", "Article 5 invoked",
                      "Strategic Concept 2010", "Strategic Concept 2022"]


def test_map_statuses() -> None:
    status = operations.statuses(2024).set_index("iso3")
    assert status.loc["SWE", "status"] == "NATO member"
    assert status.loc["AUT", "status"] == "Partner: Partnership for Peace"
    assert status.loc["RUS", "status"] == "Neither"  # cooperation suspended in 2014
    assert status.loc["XKX", "operation"]  # KFOR
    before = operations.statuses(2004).set_index("iso3")
    assert before.loc["SWE", "status"] == "Partner: Partnership for Peace"
    assert before.loc["RUS", "status"] == "Partner: Partnership for Peace"


def test_the_map_outlines_operation_sites_not_every_coast_of_a_patrolled_sea() -> None:
    """Active Endeavour patrolled the Mediterranean: Syria, Israel and Algeria were never
    operation sites (before the fix, all three were outlined in 2011)."""
    status = operations.statuses(2011).set_index("iso3")
    outlined = set(status.index[status["operation"]])
    assert {"AFG", "LBY", "XKX", "IRQ"} <= outlined
    assert not {"SYR", "ISR", "DZA", "EGY", "LBN"} & outlined
    assert views.operations._OPERATION_STROKE not in views.operations._STATUS_COLOURS


def test_explore_and_charts_are_valid() -> None:
    world, words, table = views.operations.explore(2011)
    spec = world.to_dict()
    alt.VConcatChart.from_dict(spec, validate=True)
    # The map travels as one JSON text (Vega parses it): see views.operations._topology_text.
    assert json.loads(spec["datasets"]["world"]) == views.operations._topology()
    assert list(table.columns) == ["name", "type", "area", "where"]
    assert set(table["area"]) <= {"in_area", "out_of_area"}  # the data's words
    assert table.set_index("name").loc["Operation Unified Protector", "where"] == "Libya"
    assert words.data.startswith("**8 NATO operations active in 2011**")
    assert len(table) == 8
    for chart in (views.operations.gantt(), views.operations.share_chart()):
        assert chart.to_dict()["description"]


def test_a_bad_year_is_a_message() -> None:
    (shown,) = widgets.outputs(views.operations.explore, {"year": 1800}, live=True)
    assert "Choose a year from 1949" in shown.data


def test_the_share_charts_title_names_every_year_at_the_highest_share():
    # Every operation active from 1992 to 2000 was out of area: the highest share, 100%,
    # holds for all nine years, not only the first.
    table = operations.out_of_area_share()
    full = table.loc[table["share_out"] == 1.0, "year"].tolist()
    assert full == list(range(1992, 2001))
    chart = views.operations.share_chart()
    assert "highest 100% (1992–2000)" in chart.title.subtitle
    assert "highest, 100%, in 1992–2000" in chart.description


def test_share_by_time_by_hand() -> None:
    """1992 (days counted by hand): Maritime Monitor 16 Jul to 22 Nov, 130 days; Sky Monitor
    16 Oct to 31 Dec, 77; Maritime Guard 22 Nov to 31 Dec, 40. All three are out of members'
    territory; under Article 6 only Sky Monitor, over Bosnia, is: 77 of 247 days."""
    territory = operations.share_by_time().set_index("year")
    article_6 = operations.share_by_time("article_6").set_index("year")
    assert territory.loc[1992, "share_out_by_time"] == pytest.approx(1.0)
    assert territory.loc[1992, "years_out_of_area"] == pytest.approx(round(247 / 366, 4))
    assert article_6.loc[1992, "share_out_by_time"] == pytest.approx(77 / 247)
    assert article_6.loc[1992, "share_out"] == pytest.approx(1 / 3)
    # 2005: out of area all year KFOR, Active Endeavour, ISAF and NTM-I (4 x 365 days), the
    # Pakistan earthquake relief from 11 Oct (82 days) and the support to the AU in Darfur
    # from 1 Jun (214); in area Baltic air policing (365) and the Katrina relief from 1 Sep,
    # no end found, so to 31 Dec (122). The count says 6 of 8.
    assert territory.loc[2005, "share_out"] == pytest.approx(6 / 8)
    assert territory.loc[2005, "share_out_by_time"] == pytest.approx(1756 / 2243)
    assert territory.loc[2005, "years_in_area"] == pytest.approx(round(487 / 365, 4))


def test_share_by_time_weighs_a_short_operation_less_than_the_count() -> None:
    """A relief flight of a few weeks must not weigh as much as a year-long mission."""
    table = operations.share_by_time()
    assert set(table["year"]) == set(operations.out_of_area_share()["year"])
    assert table["share_out_by_time"].between(0, 1).all()
    row = table.set_index("year").loc[2005]
    assert row["years_in_area"] + row["years_out_of_area"] < 8
    with pytest.raises(CourseError, match="The coding"):
        operations.share_by_time("treaty")
