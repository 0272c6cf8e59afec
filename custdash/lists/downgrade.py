"""Downgrade risk (降级预警/保级预警, DOMAIN.md §6): the month's average still holds the tier, the
month-end balance no longer does. In list order: shortfall ascending (easiest to hold
first), then customer id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month
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
from custdash.expressions_timing import downgrade_risk, tier_bound
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum
from custdash.models import Customer, CustomerFact
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows

LIST_COLUMNS = [*PERSON_COLUMNS, "tier", "aum", "end_aum", "shortfall"]


def _facts(*, rules: Rules, scope: Scope, **_: Any) -> Select[Any]:
    f = CustomerFact
    shortfall = tier_bound(rules, f.basis_aum) - f.end_aum
    return (
        select(*person_columns(f), f.tier, f.basis_aum.label("aum"), f.end_aum, shortfall.label("shortfall"))
        .where(f.downgrade, *scope.where(f))
        .order_by(shortfall, f.customer_id)
    )


def _live(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    month = basis_month(as_of)
    basis = aum_join(month)
    aum = aum_value(basis)
    shortfall = tier_bound(rules, aum) - basis.end_aum
    stmt = select(
        *person_columns(),
        tier_case(rules, aum).label("tier"),
        aum.label("aum"),
        basis.end_aum,
        shortfall.label("shortfall"),
    ).select_from(Customer)
    return (
        with_aum(stmt, basis, month)
        .where(
            # Only a tier above the first can be at risk: those customers are looked up, not all.
            *customers_at(as_of, scope, among=aum_in_ranges(month, [(rules.tiers[1].lower_bound, None)])),
            downgrade_risk(rules, aum, basis.end_aum),
        )
        .order_by(shortfall, Customer.customer_id)
    )


ROWS = Rows(
    live=_live,
    facts=_facts,
    month_end=MonthEndRows(
        "downgrade", ("tier", "aum", "end_aum", "shortfall"), order=lambda m: (m.shortfall, m.customer_id)
    ),
)


def shape_list(df: pd.DataFrame, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    for col in ("aum", "end_aum", "shortfall"):
        df[col] = df[col].astype(float).round(2)
    return df[LIST_COLUMNS]


def _tier_kept(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """The tier the list flagged (its basis month at `start`) held in the next basis month, once
    that is one by the window's end: a call late in the period still asks whether the customer
    kept the tier they were at risk of losing."""
    aum = basis_aum(session, members, start=start, as_of=as_of)
    rank = rules.tier_codes.index
    here = basis_month(start)
    month = add_months(here, 1)

    def kept(m: Any, d: Any) -> bool:
        months = aum.get(m.customer_id, {})
        return month <= basis_month(limit(d)) and rank(rules.tier_of(months.get(month, 0.0))) >= rank(
            rules.tier_of(months.get(here, 0.0))
        )

    return kept


LIST = CallList(
    name="downgrade",
    page="downgrade",
    count="downgrade",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    rollup={"downgrade": lambda c: c.downgrade},
    summary_key="downgrade",
    queue_rank=4,
    outcome=Outcome(_tier_kept),
    outcome_rank=6,
    outcome_label="page.downgrade",
)
