"""Episodes of blocked consensus, timelines, the CSTO record and the error handler."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from utils import csto, data, episodes, errors, timelines, views
from utils.errors import CourseError


def test_episodes_are_ordered_and_translated() -> None:
    table = episodes.table()
    assert table["start_date"].is_monotonic_increasing
    assert table["parameter"].notna().all() and table["resolved"].notna().all()
    row = table.set_index("id").loc["iraq_turkey_defence_2003"]
    assert row["allies"] == "BEL;DEU;FRA;LUX"
    assert row["resolved"] == "decided in another forum or format"


def test_episode_chart_draws_open_episodes_to_the_checked_date() -> None:
    spec = views.episodes.chart().to_dict()
    rows = next(iter(spec["datasets"].values()))
    cyprus = next(r for r in rows if r["id"] == "nato_eu_cyprus_blockage")
    assert cyprus["ongoing"] and cyprus["period"].endswith("ongoing")
    assert cyprus["drawn_end"].startswith("2026-12-02")  # the latest as_of in the table
    assert spec["description"].startswith("12 episodes from 2003 to 2024")


def test_spells_and_events_charts() -> None:
    table = pd.DataFrame({"name": ["a", "b"], "start": pd.to_datetime(["2000-01-01",
                                                                      "2001-06-01"]),
                          "end": pd.to_datetime(["2002-01-01", None]), "kind": ["x", "y"]})
    spec = views.timelines.spells(
        table, start="start", end="end", label="name", colour="kind",
        colour_names={"x": "X", "y": "Y"}, until=pd.Timestamp("2005-01-01"), title="T",
        subtitle="S", description="D").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["period"] for r in rows] == ["Jan 2000 – Jan 2002", "Jun 2001 – ongoing"]
    events = views.timelines.events(table, date="start", label="name", lane="kind",
                                    lane_names={"x": "X", "y": "Y"}, title="T", subtitle="S",
                                    description="D").to_dict()
    # Two lanes of 66 px: room for the numbers above and below the dots.
    assert events["description"] == "D" and events["height"] == 132


def test_events_coloured_by_a_column_with_dated_marks() -> None:
    table = pd.DataFrame({"name": ["a", "b"], "kind": ["x", "y"], "verdict": ["yes", "no"],
                          "start": pd.to_datetime(["2000-01-01", "2001-06-01"])})
    spec = views.timelines.events(
        table, date="start", label="name", lane="kind", lane_names={"x": "X", "y": "Y"},
        title="T", subtitle="S", description="D", colour="verdict",
        colours={"yes": "#009E73", "no": "#D55E00"},
        marks=[(pd.Timestamp("2000-06-01"), "first"), (pd.Timestamp("2001-01-01"), "second")],
    ).to_dict()
    notes = [layer for layer in spec["layer"] if layer["mark"].get("type") == "text"
             and layer["encoding"]["text"]["field"] == "note"]
    assert [n["mark"]["align"] for n in notes] == ["right", "left"]
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    assert dots["encoding"]["color"]["scale"] == {"domain": ["yes", "no"],
                                                  "range": ["#009E73", "#D55E00"]}
    with pytest.raises(CourseError, match="Each mark must be a"):
        views.timelines.events(table, date="start", label="name", lane="kind",
                               lane_names={"x": "X", "y": "Y"}, title="T", subtitle="S",
                               description="D", marks=[("2000", "a date as text")])


def test_csto_evidence_and_record() -> None:
    assert set(csto.evidence()["reason"]) == set(csto.REASONS)
    assert (csto.evidence("us_veto")["direction"] == "supports").all()
    with pytest.raises(CourseError, match="The reason must be one of organizations"):
        csto.evidence("weather")
    assert csto.formal_relation()["relation"] == "no_formal_relation"
    partners = csto.csto_partners()
    pfp = partners[partners["framework"] == "pfp"].set_index("name")
    assert str(pfp.loc["Tajikistan", "joined"].date()) == "2002-02-20"
    assert len(set(partners["name"])) == 9
    title = views.csto.timeline_chart().to_dict()["title"]["text"]
    assert title == "NATO and the CSTO, 1992 to today"
    assert "22 pieces of evidence" in views.csto.evidence_chart().to_dict()["description"]


def test_course_errors_show_as_a_message_in_ipython() -> None:
    shell = InteractiveShell.instance()
    assert errors.install_ipython_handler()
    with capture_output() as shown:
        shell.run_cell("from utils.errors import CourseError\n"
                       "raise CourseError('Choose a year from 1949.')")
    assert shown.outputs[0].data["text/markdown"] == (
        "**Cannot do that:** Choose a year from 1949.")
    assert "Traceback" not in shown.stdout + shown.stderr


def test_the_numbers_of_close_events_take_turns_above_and_below() -> None:
    """Events on one lane less than two years apart never print their numbers at the same
    height (04's timeline had 33/34, 14/15/17 and 26-29 printed over each other)."""
    frame = timelines.numbered(data.load("nato_csto_timeline"), "date")
    frame["lane"] = frame["category"]
    frame["dy"] = views.timelines._label_offsets(frame, "date", "lane")
    clashes = []
    for _, rows in frame.sort_values("date").groupby("lane"):
        for (_, a), (_, b) in zip(rows.iterrows(), rows.iloc[1:].iterrows(), strict=False):
            if b["date"] - a["date"] < views.timelines._CLOSE and a["dy"] == b["dy"]:
                clashes.append((a["n"], b["n"]))
    assert not clashes
    assert set(frame["dy"]) == set(views.timelines._LABEL_OFFSETS)


#: Copies and mouthpieces: a fact that rests only on one of these needs a note saying what
#: was searched for a better source.
WEAK_DOMAINS = ("rt.com", "sputnik", "armeniandiaspora.com", "armenianclub.com", "wikipedia",
                "wikimili", "wonkypedia", "forum")
#: Kinds of source that are a party's own voice or a scholar's reading of it.
FIRST_HAND = {"official", "scholarly", "document_copy"}


def _load_bearing_rows() -> list[tuple[str, pd.Series]]:
    """The rows notebook 04 rests on: the timeline's offers and answers and every event that
    names NATO, all the evidence on the commentary's reasons and forecast, NATO's relation to
    the CSTO, and the seed claims about the CSTO."""
    timeline = data.load("nato_csto_timeline")
    timeline = timeline[timeline["category"].isin(["proposal", "response"])
                        | timeline["event"].str.contains("NATO")]
    evidence = data.load("csto_evidence")
    evidence = evidence[evidence["reason"] != "sea_breeze"]
    relation = data.load("nato_org_relations").query("organization == 'CSTO'")
    claims = data.load("seed_claims")
    claims = claims[claims["id"].isin(["cm-nato-prefers-countries",
                                       "cm-us-csto-dominance-concern",
                                       "cm-forecast-no-formal-nato-csto"])]
    named = [(f"timeline {row.date:%Y-%m-%d}", row) for _, row in timeline.iterrows()]
    named += [(f"evidence {row.id}", row) for _, row in evidence.iterrows()]
    named += [(f"seed claim {row.id}", row) for _, row in claims.iterrows()]
    return named + [("nato_org_relations CSTO", row) for _, row in relation.iterrows()]


def test_load_bearing_csto_rows_say_what_was_searched_unless_first_hand() -> None:
    """A row on a repost, state media or the press says which searches found nothing better."""
    rows = _load_bearing_rows()
    assert len(rows) >= 30
    missing = [name for name, row in rows
               if (row["source_kind"] not in FIRST_HAND
                   or any(d in row["source_url"] for d in WEAK_DOMAINS))
               and not ("Searched on" in str(row["notes"]) and "corpus" in str(row["notes"]))]
    assert missing == []


def test_the_csto_record_holds_natos_own_voice_beside_the_cstos() -> None:
    """Both sides speak: NATO's Secretaries General in 2003 and 2009, and the CSTO's
    secretariat and ministers on their offers."""
    timeline = data.load("nato_csto_timeline").set_index("date")
    robertson = timeline.loc[pd.Timestamp("2003-05-15")]
    assert robertson["actor"] == "nato" and "complements NATO" in robertson["event"]
    rasmussen = timeline.loc[pd.Timestamp("2009-09-18")]
    assert rasmussen["actor"] == "nato" and rasmussen["category"] == "response"
    assert "no consensus within NATO on official relations" in rasmussen["description"]
    offers = timeline[timeline["category"] == "proposal"]
    assert {"csto", "russia"} <= set(offers["actor"])
    assert pd.Timestamp("2012-04-06") in offers.index
    evidence = data.load("csto_evidence").set_index("id")
    assert evidence.loc["us-2009-no-consensus", "direction"] == "supports"
    assert evidence.loc["org-2009-members-one-by-one", "reason"] == "organizations"
    assert "no consensus" in csto.formal_relation()["description"]
