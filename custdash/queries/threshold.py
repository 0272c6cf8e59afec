"""Near-threshold customers (临界客户, 临门一脚): one push from the next tier."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from custdash import facts
from custdash.calendar import basis_month
from custdash.expressions import (
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
from custdash.models import Customer, CustomerFact
from custdash.queries.common import frame
from custdash.rules import Rules
from custdash.scope import ALL, Scope

LIST_COLUMNS = [
    "customer_id",
    "name",
    "phone",
    "branch_id",
    "manager_id",
    "tier",
    "aum",
    "next_tier",
    "next_bound",
    "gap",
    "gap_pct",
    "next_entitlement",
]


def threshold_select(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    band: float | None = None,
    limit: int | None = None,
) -> Select[Any]:
    """The near-threshold rows in list order: gap ascending, then customer id (the first
    `limit` of them, when given)."""
    band = rules.threshold.band if band is None else band
    ranges = near_ranges(rules, band)
    if facts.usable(session, as_of=as_of, rules=rules):
        f = CustomerFact
        aum = f.basis_aum
        if limit is not None:
            return _first_rows(ranges, scope, limit)
        nxt = next_bound(aum, ranges)
        stmt = select(*person_columns(f), f.tier, aum.label("aum"), nxt).where(in_ranges(aum, ranges), *scope.where(f))
    else:
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
    df = frame(session, threshold_select(session, as_of=as_of, rules=rules, scope=scope, band=band, limit=limit))
    return shape_list(df, as_of=as_of, rules=rules, band=band)


def shape_list(df: pd.DataFrame, *, rules: Rules, band: float | None = None, **_: Any) -> pd.DataFrame:
    """The rows of `threshold_select` as the list shows them."""
    band = rules.threshold.band if band is None else band
    df["aum"] = df["aum"].astype(float)
    df["next_bound"] = df["next_bound"].astype(float)
    nxt = {c: n for _lo, _hi, c, n in near_ranges(rules, band)}
    df["next_tier"] = df["tier"].map(nxt)
    df["gap"] = (df["next_bound"] - df["aum"]).round(2)
    df["gap_pct"] = (df["gap"] / df["next_bound"]).round(4)
    df["next_entitlement"] = df["next_tier"].map(rules.alliance.entitlement).astype("Int64")
    return df[LIST_COLUMNS]


def threshold_bands(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    bands: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10),
) -> pd.DataFrame:
    """How many customers sit within each band below each tier bound.

    Columns: next_tier, band, customers (cumulative: within 5% includes within 1%).
    """
    fast = facts.usable(session, as_of=as_of, rules=rules)
    if fast:
        aum = CustomerFact.basis_aum
    else:
        month = basis_month(as_of)
        a = aum_join(month)
        aum = aum_value(a)
    cols = []
    labels = []
    for band in bands:
        for lo, hi, _cur, nxt in near_ranges(rules, band):
            cols.append(func.sum(case((and_(aum >= lo, aum < hi), 1), else_=0)))
            labels.append((nxt, band))
    widest_ranges = near_ranges(rules, max(bands))
    widest = in_ranges(aum, widest_ranges)
    if fast:
        stmt = select(*cols).where(widest, *scope.where(CustomerFact))
    else:
        stmt = with_aum(select(*cols).select_from(Customer), a, month).where(
            *customers_at(as_of, scope, among=aum_in_ranges(month, range_bounds(widest_ranges))), widest
        )
    values = session.execute(stmt).one()
    return pd.DataFrame(
        [{"next_tier": nxt, "band": band, "customers": int(v or 0)} for (nxt, band), v in zip(labels, values)]
    )
