"""The contribution grade's views (客户分级, DOMAIN.md §9), over custdash/grades.py's rows."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash.grades import grade_rows
from custdash.rules import Rules
from custdash.rules_grades import GRADES
from custdash.scope import ALL, Scope
from custdash.statements import frame


def grades_by(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    split: Literal["branch", "manager"] = "branch",
) -> pd.DataFrame:
    """Customers per grade in each branch (or manager) of `scope`, every grade of each.
    Columns: key, grade, customers."""
    g = grade_rows(session, as_of=as_of, rules=rules, scope=scope).subquery("g")
    key = g.c.branch_id if split == "branch" else g.c.manager_id
    df = frame(session, select(key.label("key"), g.c.grade, func.count().label("customers")).group_by(key, g.c.grade))
    # Customers no manager serves: one key of their own (None), after the named ones.
    named = sorted({k for k in df["key"] if isinstance(k, str)})
    keys = named + ([None] if df["key"].isna().any() else [])
    df["key"] = [k if isinstance(k, str) else None for k in df["key"]]
    grid = pd.DataFrame([(k, x) for k in keys for x in GRADES], columns=["key", "grade"])
    out = grid.merge(df, on=["key", "grade"], how="left")
    out["customers"] = out["customers"].fillna(0).astype(int)
    return out


def grade_by_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Customers per tier x grade, every pair (zeros included): a low tier with a high grade is a
    hidden gem, a high tier with a low grade at risk. Columns: tier, grade, customers."""
    g = grade_rows(session, as_of=as_of, rules=rules, scope=scope).subquery("g")
    df = frame(session, select(g.c.tier, g.c.grade, func.count().label("customers")).group_by(g.c.tier, g.c.grade))
    grid = pd.DataFrame([(t, x) for t in rules.tier_codes for x in GRADES], columns=["tier", "grade"])
    out = grid.merge(df, on=["tier", "grade"], how="left")
    out["customers"] = out["customers"].fillna(0).astype(int)
    return out
