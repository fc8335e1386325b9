"""Timelines: spells (from a start to an end) and events on one date axis.

Used for the consensus episodes (notebook 01), NATO's operations (03) and the NATO–CSTO
and NATO–Russia records (04, 05). A spell with no end date is still running: it is drawn
up to the date the data was checked, and its label says "ongoing".
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from utils import checks
from utils.charts import PALETTE
from utils.errors import CourseError

#: The most rows a timeline draws (the course's longest has under a hundred).
MAX_ROWS = 2_000


def _check(table: object, dates: Sequence[object], columns: Sequence[object],
           names: object, tooltip: object, texts: dict[str, object]) -> pd.DataFrame:
    """The arguments of a timeline, or a CourseError: a table with these date and other
    columns, codes-to-words for the legend, tooltip columns and the chart's texts."""
    table = checks.instance("The table", table, pd.DataFrame, "data.load")
    if table.empty:
        raise CourseError("The table has no rows to draw.")
    checks.size("The table", table, MAX_ROWS)
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
                      range=PALETTE[: len(colour_names)])
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


def numbered(table: pd.DataFrame, date: str) -> pd.DataFrame:
    """The rows in date order, each with a number ``n`` (1, 2, …) to find it by.

    A chart of many dated events labels each dot with its number, and a table beside it
    gives the number, the date and the event in words: readable without hovering.
    """
    checks.text("The date column", date, 100)
    checks.table("The table", table, [date], "data.load(...)")
    frame = table.sort_values(date, kind="stable").reset_index(drop=True)
    frame.insert(0, "n", range(1, len(frame) + 1))
    return frame


#: Where an event's number sits, in pixels from its dot: above, below, higher, lower,
#: so that the numbers of events close in time on one lane do not print over each other.
LABEL_OFFSETS = (-12, 14, -24, 26)
#: Events on one lane closer than this share a cluster, whose numbers take turns.
CLOSE = pd.Timedelta(days=730)


def _label_offsets(frame: pd.DataFrame, date: str, lane: str) -> list[int]:
    """Each event's number offset (one of LABEL_OFFSETS): the first of a lane's cluster of
    close events sits above its dot, the next below, the next higher, and round again."""
    offsets = [LABEL_OFFSETS[0]] * len(frame)
    for _, rows in frame.groupby(lane, sort=False):
        previous, turn = None, 0
        for index, when in rows[date].sort_values(kind="stable").items():
            turn = turn + 1 if previous is not None and when - previous < CLOSE else 0
            offsets[frame.index.get_loc(index)] = LABEL_OFFSETS[turn % len(LABEL_OFFSETS)]
            previous = when
    return offsets


def events(table: pd.DataFrame, *, date: str, label: str, lane: str,
           lane_names: dict[str, str], title: str, subtitle: str, description: str,
           tooltip: Sequence[str] = ()) -> alt.LayerChart:
    """One dot per dated event, in lanes (e.g. who acted), each labelled by its number
    (see :func:`numbered`: the notebook shows the numbered events as a table)."""
    frame = numbered(_check(table, [date], [label, lane], lane_names, tooltip,
                            {"The title": title, "The subtitle": subtitle,
                             "The description": description}), date)
    frame["lane_name"] = frame[lane].map(lane_names)
    frame["label_dy"] = _label_offsets(frame, date, "lane_name")
    lanes = [name for name in lane_names.values() if name in set(frame["lane_name"])]
    dark = [c for c in PALETTE if c != "#F0E442"]  # yellow dots vanish on white
    scale = alt.Scale(domain=list(lane_names.values()), range=dark[: len(lane_names)])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{date}:T", title=None, axis=alt.Axis(format="%Y")),
        y=alt.Y("lane_name:N", sort=lanes, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("lane_name:N", scale=scale, legend=None),
        tooltip=["n:Q", f"{date}:T", label, *tooltip])
    dots = base.mark_point(filled=True, size=90, opacity=0.85)
    numbers = [base.transform_filter(alt.datum.label_dy == dy)
               .mark_text(dy=dy, fontSize=11, color="black")
               .encode(text="n:Q", color=alt.value("black"))
               for dy in LABEL_OFFSETS]
    return alt.layer(dots, *numbers).properties(
        width=620, height=66 * len(lanes), title=alt.Title(title, subtitle=subtitle),
        description=description)
