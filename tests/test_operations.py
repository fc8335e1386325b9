"""Operations, the out-of-area measure and the map: consistency and hand-counted values."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from utils import data, operations, widgets


def test_operations_table_is_consistent() -> None:
    assert operations.check_consistency() == []


def test_consistency_check_finds_planted_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    table = data.load("nato_operations")
    table.loc[0, "countries"] = "TUR;ATL"
    table.loc[1, "end_date"] = pd.Timestamp("1980-01-01")
    table.loc[2, "status"] = "ongoing"
    monkeypatch.setattr(data, "load", lambda name, real=data.load: table.copy()
                        if name == "nato_operations" else real(name))
    problems = operations.check_consistency()
    assert "anchor_guard: unknown country code(s) ATL" in problems
    assert "ace_guard: ends before it starts" in problems
    assert "maritime_monitor: ongoing but has an end date" in problems


def test_every_operation_country_is_on_the_map_or_known_to_be_too_small() -> None:
    countries = data.load("countries").set_index("iso3")
    ids = {g.get("id") or g["properties"]["name"]
           for g in operations.topology()["objects"]["countries"]["geometries"]}
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
    assert operations.OPERATION_STROKE not in operations.STATUS_COLOURS


def test_explore_and_charts_are_valid() -> None:
    world, words, table = operations.explore(2011)
    spec = world.to_dict()
    alt.VConcatChart.from_dict(spec, validate=True)
    # The map travels as one JSON text (Vega parses it): see operations.topology_text.
    assert json.loads(spec["datasets"]["world"]) == operations.topology()
    assert list(table.columns) == ["name", "type", "area", "where"]
    assert set(table["area"]) <= {"in_area", "out_of_area"}  # the data's words
    assert table.set_index("name").loc["Operation Unified Protector", "where"] == "Libya"
    assert words.data.startswith("**8 NATO operations active in 2011**")
    assert len(table) == 8
    for chart in (operations.gantt(), operations.share_chart()):
        assert chart.to_dict()["description"]


def test_a_bad_year_is_a_message() -> None:
    (shown,) = widgets.outputs(operations.explore, {"year": 1800}, live=True)
    assert "Choose a year from 1949" in shown.data
