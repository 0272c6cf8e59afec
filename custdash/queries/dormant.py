"""Dormant customers (睡眠卡 / 死卡 / 零元卡): the wake-up list."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from custdash.calendar import days_before, end_of_day, months_back
from custdash.expressions import tier_case
from custdash.lists.dormant import ROWS
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.statements import frame


def dormant_by_peak_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Dormant customers per tier of their 12-month peak AUM (every tier, empty ones as 0).

    Columns: tier, customers."""
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=["peak_aum_12m"])
    tier = tier_case(rules, sub.c.peak_aum_12m).label("tier")
    df = frame(session, select(tier, func.count().label("customers")).group_by(tier))
    out = pd.DataFrame({"tier": rules.tier_codes}).merge(df, on="tier", how="left").fillna({"customers": 0})
    out["customers"] = out["customers"].astype(int)
    return out


MONTHS_CAP = 24  # the chart's last bar: "24+" months since the last activity


def dormant_by_months(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Dormant customers per whole month since their last activity on an active card, counted
    in the database: every month from the youngest a dormant customer can have (the dormant
    days in whole months) to 23, then "24+", then "never" (no activity on an active card),
    zeros included, so the chart's axis runs without gaps.

    Columns: months, customers."""
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=["last_at"])
    # Whole months since a day reach k exactly when that day is on or before the as-of date
    # moved back k months (31 March back one month is 28 February, as in `months_back`), so a
    # CASE over the cutoffs, oldest first, buckets the times without reading them out.
    cutoffs = [(k, end_of_day(months_back(as_of, k))) for k in range(MONTHS_CAP, 0, -1)]
    months = case(
        (sub.c.last_at.is_(None), literal("never")),
        *[(sub.c.last_at < cut, literal(f"{k}+" if k == MONTHS_CAP else str(k))) for k, cut in cutoffs],
        else_=literal("0"),
    )
    # Grouped through a subquery: PostgreSQL will not match a GROUP BY expression whose bound
    # parameters are numbered differently from the select list's.
    bucketed = select(months.label("months")).subquery("b")
    counts = dict(session.execute(select(bucketed.c.months, func.count()).group_by(bucketed.c.months)).all())
    order = [*map(str, range(min_months_dormant(as_of, rules), MONTHS_CAP)), f"{MONTHS_CAP}+", "never"]
    return pd.DataFrame({"months": order, "customers": [int(counts.get(k, 0)) for k in order]})


def min_months_dormant(as_of: date, rules: Rules) -> int:
    """Whole months since the most recent activity a dormant customer can have (dormant.days
    before the as-of date): the first bar of the months chart."""
    latest = days_before(as_of, rules.dormant.days)
    k = 0
    while k < MONTHS_CAP and latest <= months_back(as_of, k + 1):
        k += 1
    return k
