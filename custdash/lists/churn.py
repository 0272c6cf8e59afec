"""Churn warning (流失预警, DOMAIN.md §6): money leaving for other banks, or AUM falling away.
In list order: the earlier AUM descending (most to lose first), then customer id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from custdash.calendar import basis_month
from custdash.expressions import (
    PERSON_COLUMNS,
    aum_in_ranges,
    aum_join,
    aum_value,
    customers_at,
    person_columns,
    tier_case,
    with_aum,
)
from custdash.expressions_timing import churn_aum_drop, churn_outflow, earlier_join, earlier_month, outflow_facts
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum, months_after
from custdash.models import Customer, CustomerFact
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows

LIST_COLUMNS = [
    *PERSON_COLUMNS,
    "tier",
    "outflows",
    "outflow_total",
    "earlier_aum",
    "aum",
    "outflow",
    "aum_drop",
]
REASONS = ("outflow", "aum_drop")


def _facts(*, rules: Rules, scope: Scope, **_: Any) -> Select[Any]:
    f = CustomerFact
    return (
        select(
            *person_columns(f),
            f.tier,
            f.outflows,
            f.outflow_total,
            f.earlier_aum,
            f.basis_aum.label("aum"),
            f.churn_outflow.label("outflow"),
            f.churn_aum_drop.label("aum_drop"),
        )
        .where(or_(f.churn_outflow, f.churn_aum_drop), *scope.where(f))
        .order_by(f.earlier_aum.desc(), f.customer_id)
    )


def _live(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    month, early_month = basis_month(as_of), earlier_month(as_of, rules)
    basis, early = aum_join(month), earlier_join()
    aum, earlier = aum_value(basis), aum_value(early)
    out = outflow_facts(as_of=as_of, rules=rules, scope=scope, shared=scope.is_all)
    n = func.coalesce(out.c.outflows, 0)
    total = func.coalesce(out.c.outflow_total, 0.0)
    by_outflow, by_drop = churn_outflow(rules, n, total), churn_aum_drop(rules, aum, earlier)
    # Who can hold a reason: enough outflows, or an earlier AUM of at least the floor. For the
    # whole bank only they are looked up (about a quarter of the customers at 1M).
    dropping = aum_in_ranges(early_month, [(rules.churn.aum_drop_floor, None)])
    among = None
    if dropping is not None:
        leaving = select(out.c.customer_id).where(churn_outflow(rules, out.c.outflows, out.c.outflow_total))
        among = union_all(dropping, leaving.correlate(None))
    stmt = select(
        *person_columns(),
        tier_case(rules, aum).label("tier"),
        n.label("outflows"),
        total.label("outflow_total"),
        earlier.label("earlier_aum"),
        aum.label("aum"),
        by_outflow.label("outflow"),
        by_drop.label("aum_drop"),
    ).select_from(Customer)
    stmt = with_aum(stmt.outerjoin(out, out.c.customer_id == Customer.customer_id), basis, month)
    stmt = stmt.outerjoin(early, and_(early.customer_id == Customer.customer_id, early.month == early_month))
    return stmt.where(*customers_at(as_of, scope, key_order=True, among=among), or_(by_outflow, by_drop)).order_by(
        earlier.desc(), Customer.customer_id
    )


ROWS = Rows(
    live=_live,
    facts=_facts,
    month_end=MonthEndRows(
        "churn",
        ("tier", "outflows", "outflow_total", "earlier_aum", "aum", "outflow", "aum_drop"),
        order=lambda m: (m.earlier_aum.desc(), m.customer_id),
    ),
)


def shape_list(df: pd.DataFrame, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    for col in ("outflow_total", "earlier_aum", "aum"):
        df[col] = df[col].astype(float).round(2)
    df["outflows"] = df["outflows"].astype(int)
    for col in REASONS:
        df[col] = df[col].astype(bool)
    return df[LIST_COLUMNS]


def _aum_back(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A later basis month's AUM (by the window's end) at least the one at the contact's day."""
    aum = basis_aum(session, members, start=start, as_of=as_of)

    def held(m: Any, d: Any) -> bool:
        months = aum.get(m.customer_id, {})
        here = basis_month(d)
        then = months.get(here, 0.0)
        return any(months.get(month, 0.0) >= then for month in months_after(here, basis_month(limit(d))))

    return held


LIST = CallList(
    name="churn",
    page="churn",
    count="churn",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    rollup={"churn": lambda c: or_(c.churn_outflow, c.churn_aum_drop)},
    summary_key="churn",
    queue_rank=3,
    outcome=Outcome(_aum_back),
    outcome_rank=5,
    outcome_label="page.churn",
)
