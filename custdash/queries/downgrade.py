"""Downgrade risk (保级预警, DOMAIN.md §6): the page's figures over the list (custdash/lists/downgrade.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash import source
from custdash.lists.downgrade import ROWS
from custdash.rules import Rules
from custdash.scope import ALL, Scope


def downgrade_by_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Customers at risk per tier, every tier above the first (zeros included).
    Columns: tier, customers, shortfall (their total)."""
    columns = ["tier", "shortfall"]
    sub = ROWS.chart_rows(session, as_of=as_of, rules=rules, scope=scope, columns=columns)
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
    return source.extract_has(session, source.HAS_END_AUM)
