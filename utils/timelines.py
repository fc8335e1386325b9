"""Timelines: dated rows in order, each numbered to find it by.

The records of notebooks 01, 03, 04 and 05 are tables of dated events; their charts
(:mod:`utils.views.timelines`) label each dot with its number here, and the table beside the
chart gives the same number, the date and the event in words.
"""

from __future__ import annotations

import pandas as pd

from utils import checks

__all__ = ["numbered"]


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
