"""Dormant customers (睡眠卡 / 死卡 / 零元卡): the wake-up list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from custdash import facts
from custdash.calendar import days_before, end_of_day, months_back
from custdash.dormancy import all_dormant, card_facts, peak_months
from custdash.expressions import customers_at, person_columns, tier_case
from custdash.models import AumMonthly, Customer, CustomerFact, MonthEndList
from custdash.queries.common import chart_rows, frame, month_end_rows
from custdash.rules import Rules
from custdash.scope import ALL, Scope

LIST_COLUMNS = [
    "customer_id",
    "name",
    "phone",
    "branch_id",
    "manager_id",
    "dormant_cards",
    "last_activity",
    "never_used",
    "balance",
    "zero_balance",
    "peak_aum_12m",
    "priority",
]


def dormant_select(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """Customers all of whose active cards are dormant, in list order: 12-month peak AUM
    descending, then customer id (so the priority group, peak >= the rules' bound, comes first)."""
    if facts.usable(session, as_of=as_of, rules=rules):
        f = CustomerFact
        return (
            select(
                *person_columns(f),
                f.dormant_cards,
                f.last_activity_at.label("last_at"),
                f.never_used,
                f.card_balance.label("balance"),
                f.peak_aum_12m,
            )
            .where(f.dormant, *scope.where(f))
            .order_by(f.peak_aum_12m.desc(), f.customer_id)
        )
    if facts.reads_month_end_rows(session, "dormant", as_of=as_of, rules=rules):
        m = MonthEndList
        return month_end_rows("dormant", as_of=as_of, scope=scope).order_by(m.peak_aum_12m.desc(), m.customer_id)
    cards = card_facts(session, as_of=as_of, rules=rules, scope=scope, dormant_only=True)
    dormant = all_dormant(cards.c.active_cards, cards.c.dormant_cards)
    first_month, last_month = peak_months(as_of, rules)
    peak = func.coalesce(
        select(func.max(AumMonthly.avg_daily_aum))
        .where(
            AumMonthly.customer_id == Customer.customer_id,
            AumMonthly.month >= first_month,
            AumMonthly.month <= last_month,
        )
        .scalar_subquery(),
        0.0,
    )
    return (
        select(
            *person_columns(),
            cards.c.dormant_cards,
            cards.c.last_at,
            cards.c.any_at.is_(None).label("never_used"),
            cards.c.balance,
            peak.label("peak_aum_12m"),
        )
        .select_from(Customer)
        .join(cards, cards.c.customer_id == Customer.customer_id)
        .where(dormant, *customers_at(as_of, scope))
        .order_by(peak.desc(), Customer.customer_id)
    )


def dormant_list(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, limit: int | None = None
) -> pd.DataFrame:
    """The wake-up list (docs/RULES.md §3), in priority order; the first `limit` rows when given."""
    df = frame(session, dormant_select(session, as_of=as_of, rules=rules, scope=scope).limit(limit))
    return shape_list(df, as_of=as_of, rules=rules)


def shape_list(df: pd.DataFrame, *, rules: Rules, **_: Any) -> pd.DataFrame:
    """The rows of `dormant_select` as the list shows them."""
    r = rules.dormant
    df["dormant_cards"] = df["dormant_cards"].astype(int)
    last_at = pd.to_datetime(df["last_at"])
    df["last_activity"] = last_at.dt.date.astype(object).where(last_at.notna(), None)
    df["never_used"] = df["never_used"].astype(bool)
    df["balance"] = df["balance"].astype(float).round(2)
    df["zero_balance"] = df["balance"] < r.zero_balance_below
    df["peak_aum_12m"] = df["peak_aum_12m"].astype(float)
    df["priority"] = df["peak_aum_12m"] >= r.priority_peak_aum
    return df[LIST_COLUMNS]


def dormant_by_peak_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Dormant customers per tier of their 12-month peak AUM (every tier, empty ones as 0).

    Columns: tier, customers."""
    sub = chart_rows(
        dormant_select, "dormant", session, as_of=as_of, rules=rules, scope=scope, columns=["peak_aum_12m"]
    )
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
    sub = chart_rows(dormant_select, "dormant", session, as_of=as_of, rules=rules, scope=scope, columns=["last_at"])
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
