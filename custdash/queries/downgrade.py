"""Downgrade risk (保级预警, DOMAIN.md §6): the month's average still holds the tier, the
month-end balance no longer does."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash import facts
from custdash.calendar import basis_month
from custdash.expressions import aum_in_ranges, aum_join, aum_value, customers_at, person_columns, tier_case, with_aum
from custdash.expressions_timing import downgrade_risk, tier_bound
from custdash.models import Customer, CustomerFact, MonthEndList
from custdash.queries.common import chart_rows, month_end_rows
from custdash.rules import Rules
from custdash.scope import ALL, Scope

LIST_COLUMNS = ["customer_id", "name", "phone", "branch_id", "manager_id", "tier", "aum", "end_aum", "shortfall"]


def downgrade_select(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """Customers at risk of falling a tier, in list order: shortfall ascending (easiest to hold
    first), then customer id."""
    if facts.usable(session, as_of=as_of, rules=rules):
        f = CustomerFact
        shortfall = tier_bound(rules, f.basis_aum) - f.end_aum
        return (
            select(*person_columns(f), f.tier, f.basis_aum.label("aum"), f.end_aum, shortfall.label("shortfall"))
            .where(f.downgrade, *scope.where(f))
            .order_by(shortfall, f.customer_id)
        )
    if facts.reads_month_end_rows(session, "downgrade", as_of=as_of, rules=rules):
        m = MonthEndList
        return month_end_rows("downgrade", as_of=as_of, scope=scope).order_by(m.shortfall, m.customer_id)
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


def shape_list(df: pd.DataFrame, **_: Any) -> pd.DataFrame:
    """The rows of `downgrade_select` as the list shows them."""
    for col in ("aum", "end_aum", "shortfall"):
        df[col] = df[col].astype(float).round(2)
    return df[LIST_COLUMNS]


def downgrade_by_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Customers at risk per tier, every tier above the first (zeros included).
    Columns: tier, customers, shortfall (their total)."""
    columns = ["tier", "shortfall"]
    sub = chart_rows(downgrade_select, "downgrade", session, as_of=as_of, rules=rules, scope=scope, columns=columns)
    stmt = select(sub.c.tier, func.count(), func.sum(sub.c.shortfall)).group_by(sub.c.tier)
    found = {t: (int(n), float(s or 0)) for t, n, s in session.execute(stmt)}
    codes = rules.tier_codes[1:]
    return pd.DataFrame(
        {
            "tier": codes,
            "customers": [found.get(c, (0, 0.0))[0] for c in codes],
            "shortfall": [round(found.get(c, (0, 0.0))[1], 2) for c in codes],
        }
    )


def has_end_aum(session: Session, **kw: Any) -> bool:
    """Does the extract hold month-end balances at all (an older one may not)? Recorded at load."""
    return facts.extract_has(session, facts.HAS_END_AUM)
