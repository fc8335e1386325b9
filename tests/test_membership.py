"""Membership by year, checked against the record year by year."""

from __future__ import annotations

import pytest

from utils import membership, views
from utils.errors import CourseError


@pytest.mark.parametrize(("year", "count"), [
    (1949, 12), (1951, 12), (1952, 14), (1955, 15), (1981, 15), (1982, 16), (1998, 16),
    (1999, 19), (2004, 26), (2009, 28), (2017, 29), (2020, 30), (2023, 31), (2024, 32),
])
def test_nato_size_by_year(year: int, count: int) -> None:
    assert len(membership.nato_members(year)) == count


@pytest.mark.parametrize(("year", "count"), [
    (1992, 6), (1993, 9), (1998, 9), (1999, 6), (2005, 6), (2006, 7), (2012, 6), (2024, 6),
])
def test_csto_size_by_year(year: int, count: int) -> None:
    assert len(membership.csto_members(year)) == count


def test_csto_statuses_in_2024() -> None:
    status = membership.csto_status(2024).set_index("iso3")["status"].to_dict()
    assert status == {"ARM": "frozen", "AZE": "left", "BLR": "member", "GEO": "left",
                      "KAZ": "member", "KGZ": "member", "RUS": "member", "TJK": "member",
                      "UZB": "suspended"}


def test_no_csto_before_1992() -> None:
    assert membership.csto_status(1991).empty
    assert "not yet signed" in views.membership._member_list(1991).data


def test_member_list_names_frozen_and_former_parties() -> None:
    text = views.membership._member_list(2025).data
    assert "Armenia (participation frozen)" in text
    assert "Uzbekistan (suspended 2012)" in text
    assert "NATO, end of 2025: 32 members." in text


@pytest.mark.parametrize("year", [1900, 1948, 3000, 1999.5, "1999", True, None])
def test_bad_years_get_a_plain_message(year: object) -> None:
    with pytest.raises(CourseError, match="year"):
        membership.nato_members(year)  # type: ignore[arg-type]


def test_counts_cover_every_year() -> None:
    counts = membership.counts()
    nato = counts[counts["alliance"] == "NATO"]
    assert nato["year"].tolist() == list(range(1949, membership.last_year() + 1))
    assert nato["members"].is_monotonic_increasing


def test_chart_is_titled_and_described() -> None:
    spec = views.membership._chart(2004).to_dict()
    assert spec["title"]["subtitle"] == "End of 2004: NATO 26, CST/CSTO 6"
    assert "In 2004: NATO 26 members" in spec["description"]


def test_explore_returns_chart_and_list() -> None:
    chart, text = views.membership.explore(1955)
    assert chart.to_dict()["title"]["subtitle"].startswith("End of 1955: NATO 15")
    assert "Germany" in text.data


def test_chart_spec_is_valid_vega_lite() -> None:
    import altair as alt

    alt.LayerChart.from_dict(views.membership._chart(1992).to_dict(), validate=True)
