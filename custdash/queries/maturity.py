"""Maturity takeover (到期承接, DOMAIN.md §6): time deposits and wealth products about to
mature, and how many matured ones the branch kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from custdash import source
from custdash.calendar import trailing_start
from custdash.expressions import customers_at
from custdash.expressions_timing import retained
from custdash.lists.maturity import ROWS
from custdash.models import Customer, Product
from custdash.rules import MATURING, Rules
from custdash.scope import ALL, Scope


def maturities_by_week(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """The list by week of maturity (weeks start on Monday), every week of the window.
    Columns: week (its Monday), products, amount (the known amounts' total)."""
    columns = ["matures_on", "amount"]
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=columns)
    stmt = select(sub.c.matures_on, func.count(), func.sum(sub.c.amount)).group_by(sub.c.matures_on)
    weeks: dict[date, list[float]] = {}
    first, last = as_of + timedelta(days=1), as_of + timedelta(days=rules.maturity.days_ahead)
    d = first - timedelta(days=first.weekday())
    while d <= last:
        weeks[d] = [0, 0.0]
        d += timedelta(days=7)
    for day, n, amount in session.execute(stmt):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        w = weeks[day - timedelta(days=day.weekday())]
        w[0] += int(n)
        w[1] += float(amount or 0)
    return pd.DataFrame(
        {
            "week": list(weeks),
            "products": [int(v[0]) for v in weeks.values()],
            "amount": [round(v[1], 2) for v in weeks.values()],
        }
    )


def retention(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, Any]:
    """Of the products that matured in the `retained_window_days` days up to `as_of`, how many
    were retained (DOMAIN.md §6). {"matured": n, "retained": n, "rate": share or None}."""
    p = Product
    stmt = (
        select(func.count(), func.sum(case((retained(as_of, rules), 1), else_=0)))
        .select_from(p)
        .join(Customer, Customer.customer_id == p.customer_id)
        .where(
            p.product.in_(MATURING),
            p.matures_on >= trailing_start(as_of, rules.maturity.retained_window_days),
            p.matures_on <= as_of,
            p.opened_on <= as_of,
            *customers_at(as_of, scope),
        )
    )
    matured, kept = session.execute(stmt).one()
    matured, kept = int(matured or 0), int(kept or 0)
    return {"matured": matured, "retained": kept, "rate": round(kept / matured, 4) if matured else None}


def has_maturity_dates(session: Session, **kw: Any) -> bool:
    """Does the extract hold maturity dates at all (an older one may not)? Recorded at load."""
    return source.extract_has(session, source.HAS_MATURITY_DATES)
