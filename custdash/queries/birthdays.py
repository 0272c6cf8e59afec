"""Birthdays (关怀提醒, DOMAIN.md §6): the page's figures over the list (custdash/lists/birthdays.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash.lists.birthdays import ROWS
from custdash.rules import Rules
from custdash.scope import ALL, Scope


def birthdays_by_day(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Birthdays per day of the window, zeros included. Columns: day, customers."""
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=["days_left"])
    found = dict(session.execute(select(sub.c.days_left, func.count()).group_by(sub.c.days_left)).all())
    days = range(rules.birthdays.window_days)
    return pd.DataFrame(
        {"day": [as_of + timedelta(days=n) for n in days], "customers": [int(found.get(n, 0)) for n in days]}
    )
