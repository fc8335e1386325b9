"""Timelines drawn: spells (from a start to an end) and events on one date axis.

Used for the consensus episodes (notebook 01), NATO's operations (03) and the NATO–CSTO
and NATO–Russia records (04, 05). A spell with no end date is still running: it is drawn
up to the date the data was checked, and its label says "ongoing". The events' numbers
come from :func:`utils.timelines.numbered`, so a chart's dots and the table beside it agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from utils import charts, checks
from utils.errors import CourseError
from utils.timelines import numbered

__all__ = ["events", "spells"]

#: The most rows a timeline draws (the course's longest has under a hundred).
_MAX_ROWS = 2_000


def _check(table: object, dates: Sequence[object], columns: Sequence[object],
           names: object, tooltip: object, texts: dict[str, object]) -> pd.DataFrame:
    """The arguments of a timeline, or a CourseError: a table with these date and other
    columns, codes-to-words for the legend, tooltip columns and the chart's texts."""
    table = checks.instance("The table", table, pd.DataFrame, "data.load")
    if table.empty:
        raise CourseError("The table has no rows to draw.")
    checks.size("The table", table, _MAX_ROWS)
    for column in [*dates, *columns]:
        checks.one_of("The column", column, table.columns)
    for column in dates:
        if not pd.api.types.is_datetime64_any_dtype(table[column]):
            raise CourseError(f"The column {column!r} must hold dates.")
    names = checks.mapping("The legend's words", names, 50)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise CourseError("The legend's words must map codes to words, e.g. {'a': 'A'}.")
    if isinstance(tooltip, (str, bytes)) or not isinstance(tooltip, Sequence):
        raise CourseError(f"The tooltip must be a list of columns, not {checks.shown(tooltip)}.")
    for column in tooltip:
        checks.one_of("A tooltip column", column, table.columns)
    for what, text in texts.items():
        checks.text(what, text, 2_000)
    return table


def spells(table: pd.DataFrame, *, start: str, end: str, label: str, colour: str,
           colour_names: dict[str, str], until: pd.Timestamp, title: str, subtitle: str,
           description: str, tooltip: Sequence[str] = ()) -> alt.LayerChart:
    """One bar per row from `start` to `end` (or to `until` when open), coloured by a code
    column whose codes `colour_names` turns into words for the legend."""
    frame = _check(table, [start, end], [label, colour], colour_names, tooltip,
                   {"The title": title, "The subtitle": subtitle,
                    "The description": description}).copy()
    until = checks.instance("The end of open spells", until, pd.Timestamp, "pd.Timestamp")
    if pd.isna(until) or frame[start].isna().any():
        raise CourseError("Every spell needs a start date, and open spells an end date "
                          "(`until`).")
    frame["ongoing"] = frame[end].isna()
    frame["drawn_end"] = frame[end].fillna(until)
    frame["colour_name"] = frame[colour].map(colour_names)
    frame["period"] = [f"{s:%b %Y} – " + ("ongoing" if o else f"{e:%b %Y}")
                       for s, e, o in zip(frame[start], frame[end], frame["ongoing"],
                                          strict=True)]
    order = list(frame.sort_values(start)[label])
    scale = alt.Scale(domain=list(colour_names.values()),
                      range=charts.PALETTE[: len(colour_names)])
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("colour_name:N", scale=scale, title=None,
                        legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[label, "period", "colour_name", *tooltip])
    bars = base.mark_bar(height=9, cornerRadius=2).encode(
        x=alt.X(f"{start}:T", title=None, axis=alt.Axis(format="%Y")),
        x2="drawn_end:T")
    starts = base.mark_point(filled=True, size=45).encode(x=f"{start}:T")
    return (bars + starts).properties(
        height=22 * len(frame), title=alt.Title(title, subtitle=subtitle),
        description=description)


#: Where an event's number sits, in pixels from its dot: above, below, higher, lower,
#: so that the numbers of events close in time on one lane do not print over each other.
_LABEL_OFFSETS = (-12, 14, -24, 26)


#: Events on one lane closer than this share a cluster, whose numbers take turns.
_CLOSE = pd.Timedelta(days=730)


def _label_offsets(frame: pd.DataFrame, date: str, lane: str) -> list[int]:
    """Each event's number offset (one of LABEL_OFFSETS): the first of a lane's cluster of
    close events sits above its dot, the next below, the next higher, and round again."""
    offsets = [_LABEL_OFFSETS[0]] * len(frame)
    for _, rows in frame.groupby(lane, sort=False):
        previous, turn = None, 0
        for index, when in rows[date].sort_values(kind="stable").items():
            turn = turn + 1 if previous is not None and when - previous < _CLOSE else 0
            offsets[frame.index.get_loc(index)] = _LABEL_OFFSETS[turn % len(_LABEL_OFFSETS)]
            previous = when
    return offsets


def events(table: pd.DataFrame, *, date: str, label: str, lane: str,
           lane_names: dict[str, str], title: str, subtitle: str, description: str,
           tooltip: Sequence[str] = (), colour: str | None = None,
           colours: Mapping[str, str] | None = None,
           marks: Sequence[tuple[pd.Timestamp, str]] = ()) -> alt.LayerChart:
    """One dot per dated event, in lanes (e.g. who acted), each labelled by its number
    (see :func:`utils.timelines.numbered`: the notebook shows the numbered events as a table).

    The dots take their lane's colour, or, with `colour`, the colour `colours` gives the
    word in that column (with a legend). Each of `marks` (a date and its words) is a dashed
    rule across the lanes, its words at the top: the first left of the rule, the others right.
    """
    frame = numbered(_check(table, [date], [label, lane], lane_names, tooltip,
                            {"The title": title, "The subtitle": subtitle,
                             "The description": description}), date)
    marks = _check_marks(marks)
    frame["lane_name"] = frame[lane].map(lane_names)
    frame["label_dy"] = _label_offsets(frame, date, "lane_name")
    lanes = [name for name in lane_names.values() if name in set(frame["lane_name"])]
    if colour is None:
        colour_by = alt.Color("lane_name:N", legend=None, scale=alt.Scale(
            domain=list(lane_names.values()), range=charts.ON_WHITE[: len(lane_names)]))
    else:
        checks.one_of("The colour column", colour, frame.columns)
        colours = checks.mapping("The colours", colours, 20)
        colour_by = alt.Color(f"{colour}:N", title=None, legend=alt.Legend(orient="bottom"),
                              scale=alt.Scale(domain=list(colours),
                                              range=list(colours.values())))
    base = alt.Chart(frame).encode(
        x=alt.X(f"{date}:T", title=None, axis=alt.Axis(format="%Y")),
        y=alt.Y("lane_name:N", sort=lanes, title=None, axis=alt.Axis(labelLimit=320)),
        color=colour_by, tooltip=["n:Q", f"{date}:T", label, *tooltip])
    dots = base.mark_point(filled=True, size=90, opacity=0.85)
    numbers = [base.transform_filter(alt.datum.label_dy == dy)
               .mark_text(dy=dy, fontSize=11, color="black")
               .encode(text="n:Q", color=alt.value("black"))
               for dy in _LABEL_OFFSETS]
    rules = []
    for place, (when, words) in enumerate(marks):
        note = alt.Chart(pd.DataFrame({"date": [when], "note": [words]})).encode(x="date:T")
        rules += [note.mark_rule(strokeDash=[4, 3], color=charts.GREY),
                  note.mark_text(align="right" if place == 0 else "left",
                                 dx=-4 if place == 0 else 4, dy=-6, fontSize=11,
                                 color=charts.GREY).encode(y=alt.value(0), text="note:N")]
    return alt.layer(*rules, dots, *numbers).properties(
        width=620, height=66 * len(lanes), title=alt.Title(title, subtitle=subtitle),
        description=description)


def _check_marks(marks: object) -> list[tuple[pd.Timestamp, str]]:
    """Dated notes for a timeline: (date, words) pairs, or a CourseError."""
    listed = checks.items("The marks", marks, 20, "a list of (date, words) pairs")
    for mark in listed:
        if not (isinstance(mark, tuple) and len(mark) == 2
                and isinstance(mark[0], pd.Timestamp) and not pd.isna(mark[0])):
            raise CourseError("Each mark must be a (date, words) pair, e.g. "
                              "(pd.Timestamp('2014-04-01'), 'NATO suspends cooperation').")
        checks.text("A mark's words", mark[1], 200)
    return listed
