"""The call lists a manager exports: one name, one query, shared by CLI and dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from custdash.queries.alliance import unused_entitlement
from custdash.queries.common import Scope
from custdash.queries.dormant import dormant_list
from custdash.queries.honeymoon import wave_status
from custdash.queries.threshold import threshold_list
from custdash.rules import Rules


def _honeymoon(session: Session, *, as_of: date, rules: Rules, scope: Scope) -> pd.DataFrame:
    return wave_status(session, as_of=as_of, rules=rules, scope=scope, call_list_only=True)


LISTS: dict[str, Callable[..., pd.DataFrame]] = {
    "threshold": threshold_list,
    "dormant": dormant_list,
    "honeymoon": _honeymoon,
    "alliance-unused": unused_entitlement,
}


def call_list(name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope) -> pd.DataFrame:
    if name not in LISTS:
        raise ValueError(f"unknown list {name!r}; expected one of {', '.join(LISTS)}")
    return LISTS[name](session, as_of=as_of, rules=rules, scope=scope)
