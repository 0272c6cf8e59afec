"""The morning summary: the CLI summary contract (README), and the overview page's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash import contacts, facts
from custdash.models import FactRollup
from custdash.queries.alliance import alliance_by_tier, alliance_totals, unused_select
from custdash.queries.common import count_rows
from custdash.queries.dormant import dormant_select
from custdash.queries.honeymoon import honeymoon_counts
from custdash.queries.threshold import threshold_select
from custdash.queries.tiers import tier_distribution
from custdash.rules import Rules
from custdash.scope import ALL, Scope


def summary(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, Any]:
    tiers = tier_distribution(session, as_of=as_of, rules=rules, scope=scope)
    sizes = list_sizes(session, as_of=as_of, rules=rules, scope=scope)
    return {
        "as_of": as_of.isoformat(),
        "tiers": {row.tier: int(row.customers) for row in tiers.itertuples()},
        "threshold": sizes["threshold"],
        "dormant": sizes["dormant"],
        "honeymoon": honeymoon_counts(session, as_of=as_of, rules=rules, scope=scope),
        "alliance": alliance_totals(alliance_by_tier(session, as_of=as_of, rules=rules, scope=scope)),
    }


def list_sizes(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, worked: bool = True
) -> dict[str, int]:
    """How long each call list is: the overview's headline numbers. `worked`: as the lists are
    worked, with the contact log applied (do-not-contact customers off every list, logged
    honeymoon contacts counting as touches); False: as the rules alone find them (what the
    overview compares over a month, from the rollups)."""
    until = contacts.counted_until(session, as_of)
    worked = worked and contacts.any_contacts(session, as_of=as_of, rules=rules, until=until)
    if not worked and facts.usable(session, as_of=as_of, rules=rules, rollup=True):
        r = FactRollup
        names = ["threshold", "dormant", "honeymoon_due", "honeymoon_overdue", "unused"]
        row = session.execute(
            select(*[func.sum(getattr(r, n)) for n in names]).where(r.as_of == as_of, *scope.where(r))
        ).one()
        return {n: int(v or 0) for n, v in zip(names, row)}
    counts = honeymoon_counts(session, as_of=as_of, rules=rules, scope=scope)

    def size(stmt: Any) -> int:
        if worked:
            stmt = contacts.reachable(stmt, as_of=as_of, rules=rules, until=until)
        return count_rows(session, stmt)

    return {
        "threshold": size(threshold_select(session, as_of=as_of, rules=rules, scope=scope)),
        "dormant": size(dormant_select(session, as_of=as_of, rules=rules, scope=scope)),
        "honeymoon_due": counts["due"],
        "honeymoon_overdue": counts["overdue"],
        "unused": size(unused_select(session, as_of=as_of, rules=rules, scope=scope)),
    }
