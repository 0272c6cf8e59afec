"""Churn warning (流失预警, DOMAIN.md §6): the page's figures over the list (custdash/lists/churn.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from custdash.lists.churn import REASONS, ROWS
from custdash.rules import Rules
from custdash.scope import ALL, Scope


def churn_reasons(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """How many customers on the list hold each reason (both: counted under each).
    Columns: reason, customers."""
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=REASONS)
    row = session.execute(select(*[func.sum(case((getattr(sub.c, r), 1), else_=0)) for r in REASONS])).one()
    return pd.DataFrame({"reason": list(REASONS), "customers": [int(v or 0) for v in row]})
