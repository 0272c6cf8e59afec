"""Near the next tier (临界客户, DOMAIN.md §2): customers whose basis AUM is within the band
below the next tier's lower bound, in list order: gap ascending, then customer id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from custdash.calendar import basis_month
from custdash.expressions import (
    PERSON_COLUMNS,
    Range,
    aum_in_ranges,
    aum_join,
    aum_value,
    customers_at,
    in_ranges,
    near_ranges,
    next_bound,
    person_columns,
    range_bounds,
    tier_case,
    with_aum,
)
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum, tier_rose
from custdash.models import Customer, CustomerFact
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows
from custdash.statements import frame

LIST_COLUMNS = [
    *PERSON_COLUMNS,
    "tier",
    "aum",
    "next_tier",
    "next_bound",
    "gap",
    "gap_pct",
    "next_entitlement",
]


def _ranges(rules: Rules, band: float | None) -> list[Range]:
    return near_ranges(rules, rules.threshold.band if band is None else band)


def _facts(*, rules: Rules, scope: Scope, band: float | None = None, limit: int | None = None, **_: Any) -> Select[Any]:
    ranges = _ranges(rules, band)
    if limit is not None:
        return _first_rows(ranges, scope, limit)
    f = CustomerFact
    aum = f.basis_aum
    nxt = next_bound(aum, ranges)
    stmt = select(*person_columns(f), f.tier, aum.label("aum"), nxt).where(in_ranges(aum, ranges), *scope.where(f))
    return stmt.order_by(nxt - aum, stmt.selected_columns.customer_id)


def _live(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    band: float | None = None,
    limit: int | None = None,
) -> Select[Any]:
    ranges = _ranges(rules, band)
    month = basis_month(as_of)
    a = aum_join(month)
    aum = aum_value(a)
    nxt = next_bound(aum, ranges)
    stmt = with_aum(
        select(*person_columns(), tier_case(rules, aum).label("tier"), aum.label("aum"), nxt).select_from(Customer),
        a,
        month,
    ).where(*customers_at(as_of, scope, among=aum_in_ranges(month, range_bounds(ranges))), in_ranges(aum, ranges))
    return stmt.order_by(nxt - aum, stmt.selected_columns.customer_id).limit(limit)


def _first_rows(ranges: list[Range], scope: Scope, limit: int) -> Select[Any]:
    """The first `limit` rows of the list from the facts, without sorting the whole band.

    Within one tier's range the smallest gaps are the highest AUMs: a short walk down the AUM
    index per range (ix_fact_aum, or ix_fact_scope_aum in a scope) finds each range's first
    `limit` rows; the list's order is then applied to those few. A 10% band at a million
    customers holds about 100,000 rows, which the plain ORDER BY sorted for every screen."""
    f = CustomerFact
    parts = [
        select(*person_columns(f), f.tier, f.basis_aum.label("aum"), literal(hi).label("next_bound"))
        .where(f.basis_aum >= lo, f.basis_aum < hi, *scope.where(f))
        .order_by(f.basis_aum.desc(), f.customer_id)
        .limit(limit)
        .subquery()
        for lo, hi, _c, _n in ranges
    ]
    near = union_all(*[select(p) for p in parts]).subquery("near")
    return select(near).order_by(near.c.next_bound - near.c.aum, near.c.customer_id).limit(limit)


# Kept at the month-ends as who is on it, for the counts: its AUM-range statement is as fast
# at any date. Options: `band` (default from the rules), `limit` (the first rows only).
ROWS = Rows(live=_live, facts=_facts, month_end=MonthEndRows("threshold"))


def threshold_list(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    band: float | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Customers within `band` (default from the rules) below the next tier's bound, by gap
    ascending (the first `limit` of them, when given)."""
    df = frame(session, ROWS.select(session, as_of=as_of, rules=rules, scope=scope, band=band, limit=limit))
    return shape_list(df, as_of=as_of, rules=rules, band=band)


def shape_list(df: pd.DataFrame, *, rules: Rules, band: float | None = None, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    band = rules.threshold.band if band is None else band
    df["aum"] = df["aum"].astype(float)
    df["next_bound"] = df["next_bound"].astype(float)
    nxt = {c: n for _lo, _hi, c, n in near_ranges(rules, band)}
    df["next_tier"] = df["tier"].map(nxt)
    df["gap"] = (df["next_bound"] - df["aum"]).round(2)
    df["gap_pct"] = (df["gap"] / df["next_bound"]).round(4)
    df["next_entitlement"] = df["next_tier"].map(rules.alliance.entitlement).astype("Int64")
    return df[LIST_COLUMNS]


def _tier_higher(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A later basis month (by the window's end) in a higher tier than at the contact's day."""
    aum = basis_aum(session, members, start=start, as_of=as_of)

    def higher(m: Any, d: Any) -> bool:
        return tier_rose(rules, aum.get(m.customer_id, {}), d, limit(d))

    return higher


LIST = CallList(
    name="threshold",
    page="threshold",
    count="threshold",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    rollup={"threshold": lambda c: c.near_threshold},
    summary_key="threshold",
    queue_rank=5,
    outcome=Outcome(_tier_higher),
    outcome_rank=1,
    outcome_label="page.threshold",
)
