"""The council game's rules (council.game), its screens and export, and the notebooks'
reader of an export (utils.council).

Hand-checked values: the example session (data/council_example_session.csv) is 12 seats
of the 2003 Turkey card. Its briefs (data/council_briefs.csv): FRA 0.10 (threshold 0.15),
DEU 0.25 (0.2), BEL 0.15 (0.2), TUR 1.00 (0.25), USA 0.95 (0.25), LUX 0.40 (0.25),
NLD 0.85 (0.25), GBR 0.724, CAN 0.742, CZE 0.793, DNK 0.900, GRC 0.858 (all 0.2). An ally
objects when |draft - ideal| > threshold. On the class's first draft, 0.6: FRA 0.5, DEU
0.35, BEL 0.45, TUR 0.4, USA 0.35, DNK 0.3 and GRC 0.258 exceed their thresholds; LUX
(0.2) and NLD (0.25, not more than 0.25) do not, nor GBR, CAN, CZE (under 0.2).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from council import export, game, protocol, screens
from council.protocol import Refusal
from utils import consensus, council, data
from utils.errors import CourseError

T0 = 1_795_000_000.0
#: The scripted session committed as data/council_example_session.csv.
EXAMPLE = [("join", s) for s in range(1, 12)] + [
    ("circulate", 4),
    ("break", (1, "Planning now would say that war with Iraq is inevitable before the UN "
                  "has finished.")),
    ("break", (3, "Belgium cannot accept any step towards war while the inspectors are at "
                  "work.")),
    ("break", (2, "Too early: let the weapons inspectors report to the Security Council "
                  "first.")),
    ("circulate", 3),
    ("break", (1, "Any tasking of planning now prejudges the Security Council.")),
    ("break", (3, "Only with the primacy of the United Nations written into the text.")),
    ("circulate", 2),
    ("wait", 61)]


EXAMPLE_NOTE = ("An example session played by a script (tests/test_council_logic.py), "
                "not by a real class")


def play(card_id: str, seats: int, script: list[tuple[str, Any]], start_at: float = 0.0,
         seed: int = 0) -> tuple[list[dict[str, Any]], game.State]:
    """Run a scripted session through game.decide, as the server would.

    `script` is a list of steps: ``("join", seat)``, ``("circulate", wording_index)``,
    ``("break", (seat, reason))``, ``("wait", seconds)``; each circulation gives a silence
    of 60 seconds, and a wait ticks the clock forward.
    """
    now = start_at
    log = [game.start(card_id, seats, now, seed)]
    state = game.replay(log)
    for kind, value in script:
        now += 1
        if kind == "join":
            request, actor = {"type": "join", "device": f"device-{value}"}, value
        elif kind == "circulate":
            request, actor = {"type": "circulate", "wording": value, "seconds": 60}, "sg"
        elif kind == "break":
            request, actor = {"type": "break", "reason": value[1]}, value[0]
        else:
            now += value - 1
            request, actor = {"type": "tick"}, "server"
        entry = game.decide(state, actor, request, now)
        if entry is not None:
            log.append(entry)
            state = game.apply(state, entry)
    return log, state


def drawn_ideal(n: int, centre: float, spread: float, seed: int, index: int) -> float:
    """The `index`-th of `n` ideal points drawn as notebook 01 draws them
    (consensus.draw_allies), moved to scatter around `centre` instead of 0.5, kept in
    [0, 1], to three decimals: how the cards' 'drawn' briefs were made."""
    drawn = consensus.draw_allies(n, spread, 0, 0, seed).ideal
    return float(np.round(np.clip(drawn - consensus.CENTRE + centre, 0, 1), 3)[index])


def example() -> tuple[list[dict], game.State]:
    return play("turkey_defence_2003", 12, EXAMPLE, start_at=T0)


def test_the_committed_example_session_is_what_the_script_plays() -> None:
    _, state = example()
    text = export.to_csv(export.table(state, "example-2026-12-02", "2026-12-02",
                                         EXAMPLE_NOTE))
    path = data.DATA_DIR / "council_example_session.csv"
    if os.environ.get("COUNCIL_REGENERATE") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_the_example_plays_out_as_scripted() -> None:
    _, state = example()
    assert [(r.number, r.position, r.objectors, r.result) for r in state.rounds] == [
        (1, 0.6, (1, 3, 2), "reworded"), (2, 0.5, (1, 3), "reworded"),
        (3, 0.4, (), "silence_held")]
    assert state.outcome == "watered_down" and state.final_position == 0.4
    assert sorted(state.claimed) == list(range(1, 12))  # Greece never joined: silent


def test_class_against_model_round_by_round_by_hand() -> None:
    table = council.compare(council.load_session())
    assert list(table["class broke silence"]) == ["FRA, DEU, BEL", "FRA, BEL", "nobody"]
    assert table["model would break"][0] == "FRA, DEU, BEL, TUR, USA, DNK, GRC"
    # 0.5: everyone but LUX (|0.5 - 0.4| = 0.1 <= 0.25) exceeds the threshold
    assert table["model would break"][1] == ("FRA, DEU, BEL, TUR, USA, NLD, GBR, CAN, CZE, "
                                             "DNK, GRC")
    # 0.4: DEU (0.15 <= 0.2) and LUX (0) stay silent
    assert table["model only"][2] == "FRA, BEL, TUR, USA, NLD, GBR, CAN, CZE, DNK, GRC"
    assert list(table["same"]) == [False, False, False]
    assert table["class only"][1] == ""


def test_class_against_model_overall_by_hand() -> None:
    # Model: median of the 12 ideal points = (0.742 + 0.793) / 2 = 0.7675. FRA accepts at
    # most 0.25 and TUR at least 0.75, so there is no consensus: deadlock in 5 rounds.
    # Round 1: only allies wanting less object, nearest upper end 0.25 -> 0.7175; then TUR
    # objects too (0.2825 > 0.25), the target is midway (0.25 + 0.75) / 2 = 0.5, so the
    # draft walks 0.6675, 0.6175, 0.5675.
    table = council.verdict(council.load_session())
    model = table.columns[1]
    assert table.loc["outcome"].tolist()[:2] == ["watered_down", "deadlock"]
    assert table.loc["rounds"].tolist()[:2] == [3, 5]
    assert table.loc["first draft", model] == pytest.approx(0.7675, abs=1e-3)
    assert table.loc["final text", model] == pytest.approx(0.5675, abs=1e-3)
    assert table.loc["allies who broke silence"].tolist()[:2] == [3, 10]
    assert not table["same?"].any()


def test_the_drawn_briefs_come_from_their_seeds() -> None:
    briefs = data.load("council_briefs")
    seeds = {"turkey_defence_2003": (0.75, 0.08, 2003), "finland_sweden_2022": (0.9, 0.06, 2022),
             "nato_csto_relations": (0.15, 0.10, 2011)}
    for card_id, (centre, spread, seed) in seeds.items():
        rows = briefs[(briefs["card"] == card_id)].sort_values("seat_order")
        drawn = rows[rows["basis"] == "drawn"]
        for index, row in enumerate(drawn.itertuples()):
            assert row.ideal == drawn_ideal(len(drawn), centre, spread, seed, index)


def test_every_card_has_its_allies_of_the_time_and_wordings_on_the_scale() -> None:
    members = data.load("nato_members")
    cards = data.load("council_cards")
    for row in cards.itertuples():
        played = game.card(row.id)
        assert played.max_seats == row.allies_at_the_time
        year = {"turkey_defence_2003": "2003-02-01", "finland_sweden_2022": "2022-06-28",
                "nato_csto_relations": "2026-12-02"}[row.id]
        allies = set(members.loc[members["accession_date"] <= year, "iso3"])
        assert {b.ally for b in played.briefs} == allies
        assert played.wordings[0].position == 0.0
        assert played.wordings[-1].position == 1.0
        for brief in played.briefs:
            assert len(brief.sentences) == 2 and all(u.startswith("http")
                                                      for _, _, u in brief.sentences)
    assert set(cards["episode"].dropna()) <= set(data.load("consensus_episodes")["id"])


def test_the_imagined_alliance_seats_2_to_40() -> None:
    assert game.card(game.IMAGINED, 40).max_seats == 40
    assert game.start(game.IMAGINED, 40, T0)["data"]["seats"] == 40
    assert game.start("turkey_defence_2003", 2, T0)["data"]["seats"] == 2
    assert game.card(game.IMAGINED, 2, seed=1).briefs[0].ideal == round(
        float(consensus.draw_allies(2, 0.08, 0.05, 0.1, 1).ideal[0]), 3)
    with pytest.raises(CourseError, match="number of seats"):
        game.start(game.IMAGINED, 41, T0)
    with pytest.raises(CourseError, match="number of seats"):
        game.start("turkey_defence_2003", 20, T0)  # 19 allies in 2003
    with pytest.raises(CourseError, match="number of seats"):
        game.start("turkey_defence_2003", 1, T0)


def running(seats: int = 3, rounds: int | None = None) -> game.State:
    state = game.replay([game.start("turkey_defence_2003", seats, T0)])
    if rounds is not None:
        state = game.State(**{**state.__dict__, "rounds_allowed": rounds})
    return state


def do(state: game.State, actor: object, request: dict, now: float) -> game.State:
    entry = game.decide(state, actor, request, now)
    return state if entry is None else game.apply(state, entry)


CIRCULATE = {"type": "circulate", "wording": 6, "seconds": 10}


def test_consensus_on_the_first_draft_at_the_deadline() -> None:
    state = do(running(), "sg", CIRCULATE, T0 + 1)
    assert game.decide(state, "server", {"type": "tick"}, T0 + 10.9) is None
    state = do(state, "server", {"type": "tick"}, T0 + 11)
    assert state.outcome == "consensus" and state.final_position == 1.0
    with pytest.raises(Refusal, match="session is over"):
        game.decide(state, "sg", CIRCULATE, T0 + 12)


def test_objections_in_the_last_round_allowed_are_deadlock() -> None:
    state = do(running(rounds=1), "sg", CIRCULATE, T0)
    state = do(state, 1, {"type": "break", "reason": "No."}, T0 + 1)
    with pytest.raises(Refusal, match="All 1 rounds allowed are used"):
        game.decide(state, "sg", CIRCULATE, T0 + 2)
    state = do(state, "server", {"type": "tick"}, T0 + 10)
    assert state.outcome == "deadlock" and state.rounds[-1].result == "broken"


def test_refusals_name_the_rule() -> None:
    state = running()
    with pytest.raises(Refusal, match="No draft has been circulated"):
        game.decide(state, 1, {"type": "break", "reason": "why"}, T0)
    state = do(state, "sg", CIRCULATE, T0)
    with pytest.raises(Refusal, match="nobody has broken it"):
        game.decide(state, "sg", CIRCULATE, T0 + 1)
    with pytest.raises(Refusal, match="Only the Secretary General"):
        game.decide(state, 2, CIRCULATE, T0 + 1)
    with pytest.raises(Refusal, match="Only an ally"):
        game.decide(state, "sg", {"type": "break", "reason": "why"}, T0 + 1)
    with pytest.raises(Refusal, match="Too late: the silence deadline of round 1"):
        game.decide(state, 1, {"type": "break", "reason": "why"}, T0 + 10)
    state = do(state, 1, {"type": "break", "reason": "why"}, T0 + 2)
    with pytest.raises(Refusal, match="already broken silence"):
        game.decide(state, 1, {"type": "break", "reason": "again"}, T0 + 3)
    with pytest.raises(Refusal, match="one of the card's 7 wordings"):
        game.decide(state, "sg", {**CIRCULATE, "wording": 7}, T0 + 3)
    with pytest.raises(Refusal, match="1 to 3600 seconds"):
        game.decide(state, "sg", {**CIRCULATE, "seconds": 0}, T0 + 3)
    reworded = do(state, "sg", {**CIRCULATE, "wording": 2}, T0 + 3)
    assert [r.result for r in reworded.rounds] == ["reworded", "open"]


def test_a_seat_belongs_to_one_device_until_released() -> None:
    state = do(running(), 1, {"type": "join", "device": "aaa"}, T0)
    assert game.decide(state, 1, {"type": "join", "device": "aaa"}, T0 + 1) is None
    with pytest.raises(Refusal, match="already taken on another device"):
        game.decide(state, 1, {"type": "join", "device": "bbb"}, T0 + 1)
    state = do(state, "sg", {"type": "release", "seat": 1}, T0 + 2)
    state = do(state, 1, {"type": "join", "device": "bbb"}, T0 + 3)
    assert state.claimed == {1: "bbb"}
    with pytest.raises(Refusal, match="no seat 4"):
        game.decide(state, "sg", {"type": "release", "seat": 4}, T0 + 3)


def test_a_restart_gives_an_open_round_time_to_breathe() -> None:
    state = do(running(), "sg", CIRCULATE, T0)
    assert game.decide(state, "server", {"type": "resume"}, T0 - 30) is None
    entry = game.decide(state, "server", {"type": "resume"}, T0 + 5)
    assert entry["kind"] == "extended" and entry["data"]["deadline"] == T0 + 35


def test_replaying_the_log_gives_the_same_state() -> None:
    log, state = example()
    assert game.replay(log) == state
    assert game.replay(json.loads(json.dumps(log))) == state


@pytest.mark.parametrize(("raw", "message"), [
    (b"{}", "not binary"),
    ("x" * 3000, "Message too long"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "Unknown kind"),
    ('{"type": "vote"}', "Unknown kind"),
    ('{"type": "break", "reason": "x", "seat": 2}', "Unexpected fields"),
    ('{"type": "break", "reason": 7}', "'reason' as str"),
    ('{"type": "circulate", "wording": true, "seconds": 5}', "'wording' as int"),
    ('{"type": "circulate", "wording": 1.5, "seconds": 5}', "'wording' as int"),
    ('{"type": "hello", "device": "short"}', "Bad device key"),
    (None, "JSON text"),
])
def test_malformed_messages_are_refused(raw: object, message: str) -> None:
    with pytest.raises(Refusal, match=message):
        game.parse_message(raw)


def test_a_reason_is_cleaned_text() -> None:
    assert game.clean_reason("  <script>alert(1)</script>\n\tno\x00 ") == (
        "<script>alert(1)</script> no")
    assert game.clean_reason("a\u202eb\u200bc") == "a b c"
    with pytest.raises(Refusal, match="at least 3"):
        game.clean_reason(" \n ")
    with pytest.raises(Refusal, match="280 characters; yours has 281"):
        game.clean_reason("x" * 281)
    with pytest.raises(Refusal, match="short text"):
        game.clean_reason(["list"])


def test_a_formula_in_a_reason_is_defused_in_the_export() -> None:
    state = do(running(), "sg", CIRCULATE, T0)
    state = do(state, 2, {"type": "break", "reason": "=HYPERLINK(\"x\")"}, T0 + 1)
    table = export.table(state, "s", "2026-12-02")
    assert table.loc[table["seat"] == 2, "reason"].item() == "'=HYPERLINK(\"x\")"
    assert table["outcome"].tolist() == ["", "", ""]


def test_the_rate_limit_allows_a_burst_then_refills() -> None:
    limit = protocol.RateLimit(rate=2, burst=8)
    assert [limit.allow("seat1", 0.0) for _ in range(10)] == [True] * 8 + [False] * 2
    assert limit.allow("seat2", 0.0)  # per seat
    assert limit.allow("seat1", 0.5) and not limit.allow("seat1", 0.5)


def test_the_projector_chart_hides_the_briefs_until_the_end() -> None:
    log, state = example()
    middle = game.replay(log[:-3])
    spec = screens.chart_spec(middle)
    assert len(spec["vconcat"]) == 1 and "title" not in spec  # the page's heading names it
    assert screens.chart_spec(middle, full=True)["vconcat"] == spec["vconcat"]  # not yet
    final = screens.chart_spec(state, full=True)
    assert len(final["vconcat"]) == 2
    assert [row["ally"] for row in final["datasets"]["allies"]][:3] == ["FRA", "DEU", "BEL"]
    assert screens.chart_spec(running()) is None


def font_sizes(spec: object) -> list[float]:
    if isinstance(spec, dict):
        return [v for k, v in spec.items() if k.lower().endswith("fontsize")] + [
            size for v in spec.values() for size in font_sizes(v)]
    if isinstance(spec, list):
        return [size for v in spec for size in font_sizes(v)]
    return []


def test_the_projector_chart_says_only_what_is_true_in_large_type() -> None:
    state = do(running(), "sg", CIRCULATE, T0 + 1)
    spec = screens.chart_spec(state)
    assert [r["label"] for r in spec["datasets"]["drafts"]] == ["open"]  # not "silence holds"
    state = do(state, 2, {"type": "break", "reason": "Not yet."}, T0 + 2)
    assert screens.chart_spec(state)["datasets"]["drafts"][0]["label"] == "open: 1 broke silence"
    state = do(state, "server", {"type": "tick"}, T0 + 11)
    state = do(state, "sg", CIRCULATE, T0 + 12)
    state = do(state, "server", {"type": "tick"}, T0 + 22)
    spec = screens.chart_spec(state)
    assert [r["label"] for r in spec["datasets"]["drafts"]] == ["1 broke silence",
                                                                "silence held"]
    for chart in (spec, screens.chart_spec(state, full=True)):
        assert min(font_sizes(chart)) >= 16 and chart["config"]["text"]["fontSize"] >= 16


def test_a_declared_deadlock_is_not_called_allies_still_objecting() -> None:
    state = do(do(running(), "sg", CIRCULATE, T0 + 1), "sg", {"type": "deadlock"}, T0 + 2)
    assert screens.public_view(state, T0 + 3)["outcome_text"] == (
        "deadlock, declared by the Secretary General")
    assert screens.chart_spec(state)["datasets"]["drafts"][0]["label"] == "ended by deadlock"
    state = running(rounds=1)
    state = do(do(state, "sg", CIRCULATE, T0 + 1), 1, {"type": "break", "reason": "No."}, T0 + 2)
    state = do(state, "server", {"type": "tick"}, T0 + 11)
    assert screens.public_view(state, T0 + 12)["outcome_text"] == (
        "deadlock: allies still object after the last round")


def test_session_functions_refuse_other_tables() -> None:
    with pytest.raises(CourseError, match="session table"):
        council.compare(pd.DataFrame({"a": [1]}))
    unfinished = export.table(do(running(), "sg", CIRCULATE, T0), "s", "2026-12-02")
    with pytest.raises(CourseError, match="no outcome yet"):
        council.compare(unfinished)


def test_an_exported_file_loads_as_the_example_does(tmp_path) -> None:
    path = tmp_path / "council-2026-12-02.csv"
    path.write_text(export.to_csv(council.load_session()), encoding="utf-8")
    assert council.load_session(path).equals(council.load_session())
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CourseError, match="column session: missing: session, card"):
        council.load_session(path)
    with pytest.raises(CourseError, match="There is no file"):
        council.load_session(tmp_path / "missing.csv")
    path.write_bytes(b"\xff\xfe\x00")  # told what is wrong with the file, as in a table
    with pytest.raises(CourseError, match=r"is not an exported session: .*the file is "
                                          r"UTF-16; save it as UTF-8"):
        council.load_session(str(path))


def test_the_class_chart_names_the_allies() -> None:
    spec = council.chart(council.load_session()).spec
    assert [r["ally"] for r in spec["datasets"]["allies"]][:4] == ["FRA", "DEU", "BEL", "TUR"]
    assert [r["text"] for r in spec["datasets"]["drafts"]] == [0.6, 0.5, 0.4]
    assert spec["title"]["subtitle"] == "consensus on a watered-down (reworded) draft"


# ------------------------------------------------------------------ the session in words

def test_in_words_tells_the_example_session_as_computed_by_hand():
    words = council.in_words(council.load_session()).data
    # Class objections 3 + 2 + 0 = 5; the model's on the same drafts 7 + 11 + 10 = 28.
    assert "broke silence 5 times in class; the model has them break it 28 times" in words
    assert "more willing to stay silent than the model" in words
    assert ("- Draft 0.6 (round 1): Türkiye, United States, Denmark and Greece stayed silent "
            "where the model objects.") in words
    # France accepts up to 0.1 + 0.1 + 0.05 = 0.25; Türkiye needs 1.0 - 0.15 - 0.1 = 0.75.
    assert ("France's brief accepts nothing above 0.25 and Türkiye's nothing below 0.75"
            in words)
    assert "a watered-down consensus in 3 rounds (final text 0.4)" in words
    assert "reaches deadlock after 5 rounds (final text 0.567)" in words
    assert "on 16 February" in words  # the card's record, from council_cards.csv


def test_in_words_follows_the_session_loaded_not_the_example():
    session = council.load_session()
    allies, _ = council._class_allies(session)
    # A class whose allies broke silence exactly where the model says they would.
    model = {r: {i + 1 for i in council._model_objectors(allies, text)}
             for r, text in session.groupby("round")["position"].first().items()}
    session = session.assign(
        broke_silence=[seat in model[r] for r, seat in zip(session["round"], session["seat"],
                                                           strict=True)],
        session="our-class-2026-12-07", notes="", card="imagined_alliance")
    words = council.in_words(session).data
    assert "`our-class-2026-12-07`" in words and "example" not in words
    assert "broke silence 28 times in class; the model has them break it 28 times" in words
    assert "exactly as willing to stay silent as the model" in words
    assert words.count("the class and the model agree") == 3
    assert "an imagined alliance has none to compare with" in words


def test_notebook_01_section_6_prose_names_no_outcome_of_the_example():
    """The prose around the comparison must hold for any class's session: the example's
    facts are in the cell outputs (council.in_words), not in the text."""
    import nbformat

    notebook = (Path(__file__).resolve().parent.parent / "notebooks"
                / "01-consensus-and-silence.ipynb")
    cells = nbformat.read(notebook, 4).cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## 6."))
    end = next(i for i, c in enumerate(cells) if c.source.startswith("## Exercises"))
    prose = [c.source for c in cells[start + 1:end] if c.cell_type == "markdown"
             and "answer-key" not in c.metadata.get("tags", [])
             and not c.source.startswith("**Questions")]
    for text in prose:
        for example_fact in ("Türkiye", "France", "0.6 draft", "three rounds", "deadlocks"):
            assert example_fact not in text, (example_fact, text[:80])
