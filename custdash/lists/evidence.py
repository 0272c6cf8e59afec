"""What 回检 reads to tell whether a list's outcome happened (DOMAIN.md §7): the events of the
list's members only (never a whole table), in chunks. Each list's `Outcome` is built from
these in its own module."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month
from custdash.models import AumMonthly, Product

CHUNK = 5000


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def any_between(days: list[date], after: date, until: date) -> bool:
    """Is there a day d in sorted `days` with after < d <= until?"""
    i = bisect.bisect_right(days, after)
    return i < len(days) and days[i] <= until


def event_days(session: Session, stmt_for: Any, ids: Sequence[str]) -> dict[str, list[date]]:
    """Sorted days of each customer's events: `stmt_for(chunk)` selects (customer_id, day or
    timestamp) for a chunk of ids."""
    out: dict[str, list[date]] = defaultdict(list)
    for chunk in chunks(ids):
        for cid, when in session.execute(stmt_for(chunk)):
            out[cid].append(when if type(when) is date else when.date())
    return {cid: sorted(days) for cid, days in out.items()}


def event_after(session: Session, stmt_for: Any, members: Sequence[Any], limit: Any) -> Any:
    """An outcome test: an event of the member (`stmt_for`, as for `event_days`) after the
    reference day D, by `limit(D)`."""
    days = event_days(session, stmt_for, [m.customer_id for m in members])
    return lambda m, d: any_between(days.get(m.customer_id, []), d, limit(d))


def aum_by_month(session: Session, ids: Iterable[str], *, first: str, last: str) -> dict[str, dict[str, float]]:
    """Each customer's average daily AUM by month, `first` .. `last`."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for chunk in chunks(list(ids)):
        stmt = select(AumMonthly.customer_id, AumMonthly.month, AumMonthly.avg_daily_aum).where(
            AumMonthly.customer_id.in_(chunk), AumMonthly.month.between(first, last)
        )
        for cid, month, value in session.execute(stmt):
            out[cid][month] = float(value)
    return out


def products_of(session: Session, ids: Sequence[str]) -> dict[str, list[tuple[date, str, date | None]]]:
    """Each customer's products: (opened_on, product, matures_on)."""
    held: dict[str, list[tuple[date, str, date | None]]] = defaultdict(list)
    for chunk in chunks(list(ids)):
        stmt = select(Product.customer_id, Product.opened_on, Product.product, Product.matures_on).where(
            Product.customer_id.in_(chunk)
        )
        for cid, opened, product, matures in session.execute(stmt):
            held[cid].append((opened, product, matures))
    return held


def months_after(here: str, last: str) -> Iterator[str]:
    """The basis months after `here`, up to `last`."""
    month = add_months(here, 1)
    while month <= last:
        yield month
        month = add_months(month, 1)


def basis_aum(session: Session, members: Sequence[Any], *, start: date, as_of: date) -> dict[str, dict[str, float]]:
    """The members' monthly AUM from the basis month at `start` to the one at the as-of date."""
    return aum_by_month(session, [m.customer_id for m in members], first=basis_month(start), last=basis_month(as_of))


def tier_rose(rules: Any, months: dict[str, float], day: date, last: date) -> bool:
    """A basis month after `day`'s, up to `last`'s, in a higher tier than `day`'s basis month
    (AUM by month in `months`; a month without a row is 0): the near-threshold lists' outcome."""
    rank = rules.tier_codes.index
    here = basis_month(day)
    tier = rank(rules.tier_of(months.get(here, 0.0)))
    return any(rank(rules.tier_of(months.get(m, 0.0))) > tier for m in months_after(here, basis_month(last)))
