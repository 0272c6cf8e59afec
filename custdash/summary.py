"""The morning summary: the CLI summary contract (README), and the overview page's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custdash import contacts
from custdash.grades import grade_counts
from custdash.lists import LISTS
from custdash.lists.base import CallList
from custdash.matrix import matrix_counts
from custdash.models import FactRollup
from custdash.queries.alliance import alliance_by_tier, alliance_totals
from custdash.queries.tiers import tier_distribution
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source
from custdash.statements import count_rows


def summary(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, Any]:
    tiers = tier_distribution(session, as_of=as_of, rules=rules, scope=scope)
    sizes = list_sizes(session, as_of=as_of, rules=rules, scope=scope)
    at = {"as_of": as_of, "rules": rules, "scope": scope}
    return {
        "as_of": as_of.isoformat(),
        "tiers": {row.tier: int(row.customers) for row in tiers.itertuples()},
        # The lists the contract counts at the top level, in registry order, then the blocks
        # of their own (the honeymoon's).
        **{spec.summary_key: sizes[spec.count] for spec in LISTS.values() if spec.summary_key},
        **{
            key: block(session, **at)
            for spec in LISTS.values()
            if spec.summary_block
            for key, block in [spec.summary_block]
        },
        "alliance": alliance_totals(alliance_by_tier(session, **at)),
        "grades": grade_counts(session, **at),
        "matrix": matrix_counts(session, **at),
    }


def _rolled_up() -> list[str]:
    """The sizes summed in the facts' rollup (`fact_rollup`'s columns), in registry order."""
    return [key for spec in LISTS.values() for key in spec.rollup]


def list_sizes(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, worked: bool = True
) -> dict[str, int]:
    """How long each call list is: the overview's headline numbers. `worked`: as the lists are
    worked, with the contact log applied (do-not-contact customers off every list, logged
    honeymoon contacts counting as touches); False: as the rules alone find them (what the
    overview compares over a month, from the rollups)."""
    until = contacts.counted_until(session, as_of)
    worked = worked and contacts.any_contacts(session, as_of=as_of, rules=rules, until=until)
    at = {"as_of": as_of, "rules": rules, "scope": scope}

    def size(spec: CallList, where: dict[str, str]) -> int:
        # At a month-end with the rules' own options, the members written after the load.
        stmt = spec.rows.members(session, **at, **where)
        if worked:
            stmt = contacts.reachable(stmt, as_of=as_of, rules=rules, until=until)
        return count_rows(session, stmt)

    tiles = [(key, spec, where) for spec in LISTS.values() for key, where in spec.overview_tiles()]
    if worked:
        # As each tile's list is worked (the honeymoon list with a wave due, overdue), the
        # do-not-contact customers off it: exactly what the tile opens.
        return {key: size(spec, where) for key, spec, where in tiles}
    rolled = _rolled_up()
    counted: dict[str, int] = {}
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        row = session.execute(
            select(*[func.sum(getattr(r, n)) for n in rolled]).where(r.as_of == as_of, *scope.where(r))
        ).one()
        counted = {n: int(v or 0) for n, v in zip(rolled, row)}
    for spec in LISTS.values():
        keys = [key for key, _where in spec.overview_tiles() if key not in counted]
        if keys and spec.sizes_by_rules is not None:
            counted.update(spec.sizes_by_rules(session, **at))
    # Every other list (maturities and birthdays: read through their own indexes; a list
    # without a rollup column) is counted through its own SELECT.
    return {key: counted[key] if key in counted else size(spec, where) for key, spec, where in tiles}
