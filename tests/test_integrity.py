"""The tables agree with each other: dates, codes and the facts they share."""

from __future__ import annotations

import re

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


# The same event carries the same date in every table. Each entry names one event
# and, for each table that records it, how to find its date there.

def row_date(table: str, column: str, **match: str) -> pd.Timestamp:
    """The one date in `column` of the rows of `table` that match (a value ending in * is a
    prefix)."""
    frame = data.load(table)
    for key, value in match.items():
        cells = frame[key].astype(str)
        frame = frame[cells.str.startswith(value[:-1]) if value.endswith("*") else cells == value]
    dates = set(frame[column])
    assert len(dates) == 1, (table, match, dates)
    return dates.pop()


SAME_EVENT = {
    "Collective Security Treaty signed": [
        ("csto_members", "date", {"event": "signed"}),
        ("nato_csto_timeline", "date", {"event": "Collective Security Treaty signed"}),
        ("primary_texts", "date", {"document": "Collective Security Treaty"})],
    "CSTO Charter signed": [
        ("csto_members", "date", {"event": "other", "description": "Signed the Charter*"}),
        ("nato_csto_timeline", "date", {"event": "CSTO Charter signed"}),
        ("primary_texts", "date", {"id": "csto-charter-art1"})],
    "NATO-Russia Council created": [
        ("nato_russia_timeline", "date", {"event": "NATO-Russia Council created at Rome summit"}),
        ("nato_csto_timeline", "date", {"event": "NATO-Russia Council established"})],
    "NATO suspends cooperation with Russia": [
        ("nato_russia_timeline", "date", {"event": "NATO suspends practical cooperation with "
                                                   "Russia"}),
        ("nato_csto_timeline", "date", {"event": "NATO suspends practical cooperation with "
                                                 "Russia"}),
        ("forecast_questions", "resolved_on", {"id": "suspend_russia_2015"})],
    "Armenia freezes its CSTO participation": [
        ("csto_members", "date", {"iso3": "ARM", "event": "froze_participation"}),
        ("nato_csto_timeline", "date", {"event": "Armenia freezes CSTO participation"}),
        ("forecast_questions", "resolved_on", {"id": "armenia_csto_freeze_2025"})],
    "CSTO forces deployed to Kazakhstan": [
        ("nato_csto_timeline", "date", {"event": "CSTO peacekeepers deployed to Kazakhstan"}),
        ("forecast_questions", "resolved_on", {"id": "csto_deploys_2025"})],
    "2010 Strategic Concept adopted": [
        ("strategic_concepts", "adopted", {"year": "2010"}),
        ("nato_russia_timeline", "date", {"event": "Lisbon Strategic Concept aims at strategic "
                                                   "partnership with Russia"}),
        ("scenario_events", "date", {"seed_claim": "es-strategic-concept-2010"}),
        ("primary_texts", "date", {"id": "sc2010-partners"})],
    "2022 Strategic Concept adopted": [
        ("strategic_concepts", "adopted", {"year": "2022"}),
        ("nato_russia_timeline", "date", {"event": "Madrid Strategic Concept calls Russia the "
                                                   "most significant and direct threat"}),
        ("primary_texts", "date", {"id": "sc2022-russia"})],
    "Finland joins NATO": [
        ("nato_members", "accession_date", {"iso3": "FIN"}),
        ("nato_russia_timeline", "date", {"event": "Finland joins NATO"}),
        ("partnerships", "left", {"iso3": "FIN"}),
        ("forecast_questions", "resolved_on", {"id": "finland_or_sweden_2025"})],
    "Sweden joins NATO": [
        ("nato_members", "accession_date", {"iso3": "SWE"}),
        ("nato_russia_timeline", "date", {"event": "Sweden joins NATO"}),
        ("partnerships", "left", {"iso3": "SWE"})],
    "North Macedonia joins NATO": [
        ("nato_members", "accession_date", {"iso3": "MKD"}),
        ("consensus_episodes", "end_date", {"id": "fyrom_invitation_bucharest_2008"})],
    "Montenegro joins NATO": [
        ("nato_members", "accession_date", {"iso3": "MNE"}),
        ("forecast_questions", "resolved_on", {"id": "new_member_2025"})],
}


@pytest.mark.parametrize("event", sorted(SAME_EVENT))
def test_the_same_event_has_the_same_date_in_every_table(event: str) -> None:
    # Once failed: scenario_events dated the 2010 Strategic Concept 20 Nov 2010 and
    # nato_russia_timeline November 2010, against its adoption on 19 Nov 2010.
    dates = {table: row_date(table, column, **match) for table, column, match in SAME_EVENT[event]}
    assert len(set(dates.values())) == 1, (event, dates)


def test_every_post_cold_war_concept_is_quoted_on_its_adoption_day() -> None:
    concepts = data.load("strategic_concepts")
    texts = data.load("primary_texts")
    public = concepts[concepts["era"] == "post_cold_war_public"]
    for row in public.itertuples():
        assert (texts["date"] == row.adopted).any(), row.year


# A verdict that something is false or did not happen must say, with a source, what did
# happen instead.

NEGATIVE = ("not_supported", "did_not_happen")
SEED_PAGES = ("eastwest.ngo",)


def test_negative_verdicts_cite_a_source_for_what_did_happen() -> None:
    claims = data.load("seed_claims")
    negative = claims[claims["verdict"].isin(NEGATIVE)]
    assert len(negative) >= 5
    for row in negative.itertuples():
        assert row.source_kind in {"official", "scholarly", "news", "document_copy"}, row.id
        assert not any(page in row.source_url for page in SEED_PAGES), row.id
        # The explanation says what happened, and when.
        assert re.search(r"\b(?:1[89]|20)\d\d\b", row.explanation), row.id


def test_scenario_events_that_did_not_happen_point_to_a_checked_claim() -> None:
    events = data.load("scenario_events")
    claims = data.load("seed_claims").set_index("id")
    for row in events[events["outcome"] == "did_not_happen"].itertuples():
        assert row.seed_claim in claims.index, row.seed_claim
        assert claims.loc[row.seed_claim, "verdict"] in NEGATIVE, row.seed_claim


def test_desert_shield_claim_is_not_supported_and_names_what_nato_did() -> None:
    claim = data.load("seed_claims").set_index("id").loc["es-desert-shield-nato-forces"]
    assert claim["verdict"] == "not_supported"
    for words in ("Anchor Guard", "Ace Guard", "Resolution 678", "five months"):
        assert words in claim["explanation"], words
