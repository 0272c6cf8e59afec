"""The call lists a manager exports: one name, one query, shared by CLI and dashboard.

Each list is an ordered SELECT (`*_select`); the list function runs it (all rows for an
export, the first rows for the screen) and the total is a COUNT over the same SELECT, so
the screen never materialises a 150,000-row list to show 500 of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash.queries.alliance import unused_entitlement, unused_select
from custdash.queries.dormant import dormant_list, dormant_select
from custdash.queries.honeymoon import wave_status, wave_status_select
from custdash.queries.threshold import threshold_list, threshold_select
from custdash.rules import Rules
from custdash.scope import Scope


def _honeymoon(session: Session, **kw: Any) -> pd.DataFrame:
    return wave_status(session, call_list_only=True, **kw)


def _honeymoon_select(session: Session, **kw: Any) -> Any:
    return wave_status_select(session, call_list_only=True, **kw)


LISTS: dict[str, Callable[..., pd.DataFrame]] = {
    "threshold": threshold_list,
    "dormant": dormant_list,
    "honeymoon": _honeymoon,
    "alliance-unused": unused_entitlement,
}
SELECTS: dict[str, Callable[..., Any]] = {
    "threshold": threshold_select,
    "dormant": dormant_select,
    "honeymoon": _honeymoon_select,
    "alliance-unused": unused_select,
}


def _check(name: str) -> None:
    if name not in LISTS:
        raise ValueError(f"unknown list {name!r}; expected one of {', '.join(LISTS)}")


def call_list(
    name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, limit: int | None = None, **extra: Any
) -> pd.DataFrame:
    """A whole call list (an export), or its first `limit` rows (the screen)."""
    _check(name)
    return LISTS[name](session, as_of=as_of, rules=rules, scope=scope, limit=limit, **extra)


def list_total(name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, **extra: Any) -> int:
    """How many rows the whole list has."""
    _check(name)
    stmt = SELECTS[name](session, as_of=as_of, rules=rules, scope=scope, **extra).order_by(None)
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
