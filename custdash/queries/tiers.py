"""Tier distribution (客户分层) and month-over-month tier migration."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month
from custdash.expressions import aum_join, aum_value, customers_at, tier_case, with_aum
from custdash.models import Customer, FactRollup
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source
from custdash.statements import frame

Split = Literal["branch", "manager"] | None


def tier_distribution(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, split: Split = None
) -> pd.DataFrame:
    """Customers and basis-month AUM per tier (every tier listed, empty ones as 0).

    Columns: [branch_id | manager_id,] tier, customers, aum.
    """
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        keys = [getattr(r, f"{split}_id").label(f"{split}_id")] if split else []
        stmt = (
            select(*keys, r.tier, func.sum(r.customers).label("customers"), func.sum(r.aum).label("aum"))
            .where(r.as_of == as_of, *scope.where(r))
            .group_by(*keys, r.tier)
        )
    else:
        month = basis_month(as_of)
        a = aum_join(month)
        tier = tier_case(rules, aum_value(a)).label("tier")
        keys = [getattr(Customer, f"{split}_id").label(f"{split}_id")] if split else []
        stmt = (
            with_aum(
                select(*keys, tier, func.count().label("customers"), func.sum(aum_value(a)).label("aum")).select_from(
                    Customer
                ),
                a,
                month,
            )
            .where(*customers_at(as_of, scope, key_order=True))
            .group_by(*keys, tier)
        )
    df = frame(session, stmt)
    df["customers"] = df["customers"].astype(int)
    df["aum"] = df["aum"].astype(float)
    if split is None:
        full = pd.DataFrame({"tier": rules.tier_codes})
        df = full.merge(df, on="tier", how="left").fillna({"customers": 0, "aum": 0.0})
        df["customers"] = df["customers"].astype(int)
        return df
    order = {c: i for i, c in enumerate(rules.tier_codes)}
    key = f"{split}_id"
    df = df.sort_values([key, "tier"], key=lambda s: s.map(order) if s.name == "tier" else s.fillna(""))
    return df.reset_index(drop=True)


def tier_migration(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Customers by (tier in the month before the basis month, tier in the basis month).

    Columns: from_tier, to_tier, customers, move ("up" | "down" | "same").
    """
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        stmt = (
            select(r.prev_tier.label("from_tier"), r.tier.label("to_tier"), func.sum(r.customers).label("customers"))
            .where(r.as_of == as_of, *scope.where(r))
            .group_by(r.prev_tier, r.tier)
        )
    else:
        month = basis_month(as_of)
        prev = add_months(month, -1)
        a, b = aum_join(month), aum_join(prev)
        to_tier = tier_case(rules, aum_value(a)).label("to_tier")
        from_tier = tier_case(rules, aum_value(b)).label("from_tier")
        stmt = with_aum(
            with_aum(select(from_tier, to_tier, func.count().label("customers")).select_from(Customer), a, month),
            b,
            prev,
        )
        stmt = stmt.where(*customers_at(as_of, scope, key_order=True)).group_by(from_tier, to_tier)
    df = frame(session, stmt)
    df["customers"] = df["customers"].astype(int)
    order = {c: i for i, c in enumerate(rules.tier_codes)}
    diff = df["to_tier"].map(order) - df["from_tier"].map(order)
    df["move"] = ["up" if d > 0 else "down" if d < 0 else "same" for d in diff]
    return df.sort_values(["from_tier", "to_tier"], key=lambda s: s.map(order)).reset_index(drop=True)


def migration_summary(migration: pd.DataFrame) -> dict[str, int]:
    """Customers that moved up, down, or stayed."""
    return {m: int(migration.loc[migration["move"] == m, "customers"].sum()) for m in ("up", "down", "same")}
