"""Every period derived from an as-of date, in one place (docs/RULES.md §0).

Months are "YYYY-MM" strings, as stored in aum_monthly. Views, pages, the facts build and
the CLI take their periods from here; none computes a month or a window of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# How far before the extract date an as-of date may go (the demo and extracts carry 13
# months of AUM history; two years keeps a margin for last year's comparisons).
AS_OF_WINDOW_DAYS = 730


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> date:
    """The last day of a month."""
    y, m = int(month[:4]), int(month[5:7])
    return date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)


def basis_month(as_of: date) -> str:
    """The calendar month before the as-of date's month (docs/RULES.md §1)."""
    return add_months(month_of(as_of), -1)


def months_back(d: date, n: int) -> date:
    """The same day `n` months earlier (the last day of that month when it is shorter)."""
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def month_before(d: date) -> date:
    """The same day a month earlier (the last day of that month when it is shorter)."""
    return months_back(d, 1)


def end_of_day(d: date) -> datetime:
    """The first instant after day `d`: times strictly before it are "on or before d"."""
    return datetime.combine(d + timedelta(days=1), time())


def year_start(as_of: date) -> date:
    """1 January of the as-of year: the start of "year to date" (docs/RULES.md §4)."""
    return date(as_of.year, 1, 1)


def trailing_start(as_of: date, days: int) -> date:
    """The first day of a trailing window of `days` days that ends with the as-of date."""
    return as_of - timedelta(days=days - 1)


def days_before(as_of: date, days: int) -> date:
    return as_of - timedelta(days=days)


def as_of_window(store_as_of: date, first_aum_month: str | None = None) -> tuple[date, date]:
    """The as-of dates a viewer may choose: up to the extract date, back to the first date whose
    basis month and the month before it (tiers, migration) the extract's AUM history holds
    (`first_aum_month`, kept in meta at each load), and never more than AS_OF_WINDOW_DAYS. Before
    that every customer would silently be V0 with no AUM."""
    lo = store_as_of - timedelta(days=AS_OF_WINDOW_DAYS)
    if first_aum_month:
        lo = min(max(lo, first_day(add_months(first_aum_month, 2))), store_as_of)
    return lo, store_as_of


@dataclass(frozen=True)
class Periods:
    """The periods the views read at one as-of date."""

    as_of: date
    basis_month: str  # §1: the month whose average daily AUM sets the tier
    prev_month: str  # the month before it (tier migration)
    year_start: date  # §4: year to date from here
    month_earlier: date  # the same day a month earlier (the overview's changes)

    @classmethod
    def at(cls, as_of: date) -> Periods:
        basis = basis_month(as_of)
        return cls(
            as_of=as_of,
            basis_month=basis,
            prev_month=add_months(basis, -1),
            year_start=year_start(as_of),
            month_earlier=month_before(as_of),
        )
