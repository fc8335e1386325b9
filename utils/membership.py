"""Who belonged to NATO and to the Collective Security Treaty in a given year.

NATO's membership only ever grew: a country is a member from its accession date on.
The Collective Security Treaty (the CSTO since 2002) is told as a history of events:
countries signed or acceded, three left in 1999, Uzbekistan came back in 2006 and was
suspended in 2012, Armenia froze its participation in 2024. :func:`csto_status` replays
those events up to the end of a year.

All functions are pure: a year in, a table out (:mod:`utils.views.membership` draws them).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from utils import checks, data

__all__ = ["CSTO_LABEL", "CSTO_MEMBER_STATUSES", "CSTO_TRANSITIONS", "FIRST_YEAR",
           "check_year", "country_names", "counts", "csto_members", "csto_status", "last_year",
           "nato_members"]

FIRST_YEAR = 1949
CSTO_LABEL = "Collective Security Treaty (CSTO)"
#: What each CSTO event makes of a country's status; events not listed change nothing.
CSTO_TRANSITIONS = {
    "signed": "member",
    "acceded": "member",
    "rejoined": "member",
    "withdrew": "left",
    "suspended": "suspended",
    "froze_participation": "frozen",
}
#: Statuses that count as membership: a frozen member is still a party to the treaty.
CSTO_MEMBER_STATUSES = ("member", "frozen")


@cache
def last_year() -> int:
    """The latest year the membership tables speak for (the year they were checked; the
    tables are read once, so this is worked out once)."""
    checked = pd.concat([data.load("nato_members")["as_of"], data.load("csto_members")["as_of"]])
    return int(checked.max().year)


def check_year(year: int) -> int:
    """The year, if the course's data covers it; otherwise a CourseError saying which do."""
    last = last_year()
    return checks.whole("The year", year, FIRST_YEAR, last,
                        outside=f"Choose a year from {FIRST_YEAR} to {last}; {{value}} is "
                                "outside the years the data covers.")


def nato_members(year: int) -> pd.DataFrame:
    """NATO's members at the end of `year`, in order of accession."""
    members = data.load("nato_members")
    joined = members[members["accession_date"].dt.year <= check_year(year)]
    return joined.sort_values(["accession_date", "name"]).reset_index(drop=True)


def csto_status(year: int) -> pd.DataFrame:
    """Each country that was ever party to the Collective Security Treaty, with its
    status at the end of `year`: member, frozen, suspended or left (empty before 1992)."""
    events = data.load("csto_members").sort_values("date", kind="stable")
    events = events[events["date"].dt.year <= check_year(year)]
    status: dict[str, str] = {}
    names: dict[str, str] = {}
    since: dict[str, pd.Timestamp] = {}
    for event in events.itertuples():
        if event.event in CSTO_TRANSITIONS:
            new = CSTO_TRANSITIONS[event.event]
            if status.get(event.iso3) != new:
                since[event.iso3] = event.date
            status[event.iso3] = new
            names[event.iso3] = event.name
    table = pd.DataFrame({"iso3": list(status), "name": [names[c] for c in status],
                          "status": list(status.values()),
                          "since": [since[c] for c in status]},
                         columns=["iso3", "name", "status", "since"])
    return table.sort_values("name").reset_index(drop=True)


def csto_members(year: int) -> pd.DataFrame:
    """The parties to the Collective Security Treaty at the end of `year`."""
    status = csto_status(year)
    return status[status["status"].isin(CSTO_MEMBER_STATUSES)].reset_index(drop=True)


def counts(first: int = FIRST_YEAR, last: int | None = None) -> pd.DataFrame:
    """Members of each alliance at the end of every year (long format, for charts)."""
    return _counts(check_year(first), last_year() if last is None else check_year(last)).copy()


@cache
def _counts(first: int, last: int) -> pd.DataFrame:
    """The same numbers as ``len(nato_members(year))`` and ``len(csto_members(year))`` for
    every year, from one pass over each table (the slider in notebook 00 redraws this)."""
    accessions = data.load("nato_members")["accession_date"].dt.year.tolist()
    events = data.load("csto_members").sort_values("date", kind="stable")
    events = list(zip(events["date"].dt.year, events["iso3"], events["event"], strict=True))
    status: dict[str, str] = {}
    rows, next_event = [], 0
    for year in range(first, last + 1):
        rows.append({"year": year, "alliance": "NATO",
                     "members": sum(joined <= year for joined in accessions)})
        while next_event < len(events) and events[next_event][0] <= year:
            _, country, event = events[next_event]
            status[country] = CSTO_TRANSITIONS.get(event, status.get(country, ""))
            next_event += 1
        if year >= 1992:
            rows.append({"year": year, "alliance": CSTO_LABEL, "members": sum(
                value in CSTO_MEMBER_STATUSES for value in status.values())})
    return pd.DataFrame(rows)


@cache
def _country_names() -> dict[str, str]:
    countries = data.load("countries")
    return dict(zip(countries["iso3"], countries["name"], strict=True))


def country_names(codes: str) -> str:
    """Country codes separated by ";" ("BEL;DEU;FRA") as names ("Belgium, Germany, France").

    A code the table does not know is kept as it is, so nothing is silently lost.
    """
    if not isinstance(codes, str) or not codes.strip():
        return ""
    names = _country_names()
    return ", ".join(names.get(code.strip(), code.strip()) for code in codes.split(";"))
