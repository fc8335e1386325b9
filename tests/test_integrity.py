"""The tables agree with each other: dates, codes and the facts they share."""

from __future__ import annotations

import pandas as pd
import pytest

from utils import data, membership

CODE_COLUMNS = {"nato_members": "iso3", "csto_members": "iso3", "partnerships": "iso3",
                "nato_weights": "iso3", "eu_council_population": "iso3"}


def accession(iso3: str) -> pd.Timestamp:
    return data.load("nato_members").set_index("iso3").loc[iso3, "accession_date"]


@pytest.mark.parametrize(("table", "column"), sorted(CODE_COLUMNS.items()))
def test_every_country_code_is_known(table: str, column: str) -> None:
    known = set(data.load("countries")["iso3"])
    assert set(data.load(table)[column]) <= known


def test_operation_and_episode_country_lists_are_known() -> None:
    known = set(data.load("countries")["iso3"])
    for table, column in (("nato_operations", "countries"), ("consensus_episodes", "allies")):
        codes = {c for cell in data.load(table)[column] for c in cell.split(";")}
        assert codes <= known, (table, codes - known)


def test_partners_who_joined_nato_left_partnership_on_accession() -> None:
    partners = data.load("partnerships")
    joined = partners[partners["change"].fillna("").str.startswith("became NATO member")]
    assert len(joined) >= 10
    for row in joined.itertuples():
        assert row.left == accession(row.iso3), row.iso3


def test_nobody_was_a_partner_before_the_partnership_began() -> None:
    partners = data.load("partnerships")
    first = {"pfp": "1994-01-01", "nacc": "1991-12-01", "mediterranean_dialogue": "1994-01-01",
             "istanbul_cooperation_initiative": "2004-06-01"}
    for framework, start in first.items():
        rows = partners[partners["framework"] == framework]
        assert (rows["joined"] >= pd.Timestamp(start)).all(), framework


def test_episode_blockers_were_allies_at_the_time() -> None:
    for row in data.load("consensus_episodes").itertuples():
        members = set(membership.nato_members(row.start_date.year)["iso3"])
        assert set(row.allies.split(";")) <= members, row.id


def test_operations_fall_within_nato_history() -> None:
    operations = data.load("nato_operations")
    checked = operations["as_of"].max()
    assert (operations["start_date"] >= pd.Timestamp("1990-01-01")).all()
    assert (operations["start_date"] <= checked).all()
    ended = operations.dropna(subset=["end_date"])
    assert (ended["end_date"] >= ended["start_date"]).all()


def test_csto_events_follow_the_treaty() -> None:
    events = data.load("csto_members")
    assert (events["date"] >= pd.Timestamp("1992-05-15")).all()


def test_forecast_resolutions_agree_with_the_other_tables() -> None:
    resolved = data.load("forecast_questions").set_index("id")["resolved_on"]
    assert resolved["finland_or_sweden_2025"] == accession("FIN")
    assert resolved["new_member_2025"] == accession("MNE")
    freeze = data.load("csto_members")
    armenia = freeze[(freeze["iso3"] == "ARM") & (freeze["event"] == "froze_participation")]
    assert resolved["armenia_csto_freeze_2025"] == armenia["date"].iloc[0]
    timeline = data.load("nato_russia_timeline").set_index("event")["date"]
    assert resolved["suspend_russia_2015"] == timeline[
        "NATO suspends practical cooperation with Russia"]


def test_the_weights_cover_every_ally() -> None:
    weights = data.load("nato_weights")
    allies = set(data.load("nato_members")["iso3"])
    for measure in ("population", "gdp"):
        assert set(weights[weights["measure"] == measure]["iso3"]) == allies
    assert set(weights[weights["measure"] == "defence_expenditure"]["iso3"]) == allies - {"ISL"}


def test_the_eu_populations_add_up() -> None:
    populations = data.load("eu_council_population")
    assert len(populations) == 27
    assert int(populations["population"].sum()) == 446_735_291
