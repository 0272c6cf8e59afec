"""Households (家庭经营, DOMAIN.md §8): the household page's views, over the household rows of
custdash/households.py (written at the extract date and the month-ends, live otherwise)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash import households
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import HAS_HOUSEHOLDS, extract_has
from custdash.statements import frame

# The hidden-value households the page shows (the count above it is the whole number).
HIDDEN_ROWS = 500


def has_households(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> bool:
    """Did the extract hold households.csv (with any row)? An older extract may not."""
    return extract_has(session, HAS_HOUSEHOLDS)


def household_totals(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, float | int]:
    """Households shown in `scope`, their members and AUM, and those of hidden value."""
    return households.totals(session, as_of=as_of, rules=rules, scope=scope)


def household_grid(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Households per (household tier, highest member's own tier), every pair of the ladder with
    the household tier at or above the member's (the only ones there can be), zeros included.
    Columns: household_tier, top_tier, households."""
    h = households.rows(session, as_of=as_of, rules=rules, scope=scope).subquery("h")
    counted = frame(
        session,
        select(h.c.household_tier, h.c.top_tier, func.count().label("households")).group_by(
            h.c.household_tier, h.c.top_tier
        ),
    )
    codes = rules.tier_codes
    grid = pd.DataFrame(
        [(hh, top) for i, hh in enumerate(codes) for top in codes[: i + 1]], columns=["household_tier", "top_tier"]
    )
    out = grid.merge(counted, on=["household_tier", "top_tier"], how="left")
    out["households"] = out["households"].fillna(0).astype(int)
    return out


def household_sizes(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Households by number of members. Columns: members, households (sizes present only)."""
    h = households.rows(session, as_of=as_of, rules=rules, scope=scope).subquery("h")
    stmt = select(h.c.members, func.count().label("households")).group_by(h.c.members).order_by(h.c.members)
    df = frame(session, stmt)
    return df.astype({"members": int, "households": int})


def hidden_households(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, limit: int | None = HIDDEN_ROWS
) -> pd.DataFrame:
    """The households of hidden value (家庭破壁), highest household AUM first, then household id.
    Columns: customer_id (the head), name, phone, branch_id, manager_id, household_id, members,
    household_aum, household_tier, top_tier."""
    h = households.rows(session, as_of=as_of, rules=rules, scope=scope).subquery("h")
    cols = ["customer_id", "name", "phone", "branch_id", "manager_id", "household_id", "members"]
    stmt = (
        select(*[h.c[c] for c in cols], h.c.household_aum, h.c.household_tier, h.c.top_tier)
        .where(households.hidden(rules, h.c))
        .order_by(h.c.household_aum.desc(), h.c.household_id)
        .limit(limit)
    )
    df = frame(session, stmt)
    return df.astype({"members": int, "household_aum": float})
