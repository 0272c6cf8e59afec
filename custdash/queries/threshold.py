"""Near-threshold customers (临界客户, 临门一脚): one push from the next tier."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from custdash.calendar import basis_month
from custdash.expressions import (
    aum_in_ranges,
    aum_join,
    aum_value,
    customers_at,
    in_ranges,
    near_ranges,
    range_bounds,
    with_aum,
)
from custdash.models import Customer, CustomerFact
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source


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
    fast = source(session, as_of=as_of, rules=rules).facts
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
