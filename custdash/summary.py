"""The morning summary: the CLI summary contract (README), and the overview page's figures."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash import contacts, facts
from custdash.lists import LISTS
from custdash.models import FactRollup, MonthEndList
from custdash.queries.alliance import alliance_by_tier, alliance_totals, unused_select
from custdash.queries.churn import churn_select
from custdash.queries.common import count_rows, ids_only
from custdash.queries.dormant import dormant_select
from custdash.queries.downgrade import downgrade_select
from custdash.queries.honeymoon import honeymoon_counts
from custdash.queries.threshold import threshold_select
from custdash.queries.tiers import tier_distribution
from custdash.rules import Rules
from custdash.scope import ALL, Scope

# The lists a rule finds among all customers (list_sizes keys): kept for the last month-ends
# in `month_end_list` (custdash/month_ends.py). Maturities and birthdays are read through their
# own indexes at any date; the honeymoon counts come from the rollup or live.
RULE_LISTS: dict[str, Any] = {
    "threshold": threshold_select,
    "dormant": dormant_select,
    "unused": unused_select,
    "churn": churn_select,
    "downgrade": downgrade_select,
}


def summary(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, Any]:
    tiers = tier_distribution(session, as_of=as_of, rules=rules, scope=scope)
    sizes = list_sizes(session, as_of=as_of, rules=rules, scope=scope)
    return {
        "as_of": as_of.isoformat(),
        "tiers": {row.tier: int(row.customers) for row in tiers.itertuples()},
        # The lists the contract counts at the top level (the honeymoon and alliance lists
        # are counted in their own blocks), in registry order.
        **{spec.summary_key: sizes[spec.count] for spec in LISTS.values() if spec.summary_key},
        "honeymoon": honeymoon_counts(session, as_of=as_of, rules=rules, scope=scope),
        "alliance": alliance_totals(alliance_by_tier(session, as_of=as_of, rules=rules, scope=scope)),
    }


def written_list(session: Session, *, name: str, as_of: date, rules: Rules, scope: Scope) -> Select[Any] | None:
    """The customer ids on list `name` (a list_sizes key) at a month-end whose lists were written
    after the load (custdash/month_ends.py), or None when they were not: then compute it."""
    if name not in RULE_LISTS or not _lists_written(session, as_of=as_of, rules=rules):
        return None
    return _written_members(name, as_of=as_of, scope=scope)


def _lists_written(session: Session, *, as_of: date, rules: Rules) -> bool:
    return facts.usable(session, as_of=as_of, rules=rules, dates_key=facts.LIST_DATES_KEY)


def _written_members(name: str, *, as_of: date, scope: Scope) -> Select[Any]:
    m = MonthEndList
    return select(m.customer_id).where(m.as_of == as_of, m.list_name == name, *scope.where(m))


# The sizes summed in the facts' rollup (`fact_rollup`'s columns), in list_sizes' order.
SIZES = ["threshold", "dormant", "honeymoon_due", "honeymoon_overdue", "unused", "churn", "downgrade"]
# The honeymoon tiles' counts as the rules alone find them (the rollup's, or live).
HONEYMOON_RULES_ONLY = {"honeymoon_due": "due", "honeymoon_overdue": "overdue"}


def list_sizes(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, worked: bool = True
) -> dict[str, int]:
    """How long each call list is: the overview's headline numbers. `worked`: as the lists are
    worked, with the contact log applied (do-not-contact customers off every list, logged
    honeymoon contacts counting as touches); False: as the rules alone find them (what the
    overview compares over a month, from the rollups)."""
    until = contacts.counted_until(session, as_of)
    worked = worked and contacts.any_contacts(session, as_of=as_of, rules=rules, until=until)
    written = _lists_written(session, as_of=as_of, rules=rules)

    def size(name: str, select_list: Any) -> int:
        if written and name in RULE_LISTS:
            stmt = _written_members(name, as_of=as_of, scope=scope)
        else:
            stmt = ids_only(select_list(session, as_of=as_of, rules=rules, scope=scope))
        if worked:
            stmt = contacts.reachable(stmt, as_of=as_of, rules=rules, until=until)
        return count_rows(session, stmt)

    tiles = [(key, spec, where) for spec in LISTS.values() for key, where in spec.overview_tiles()]
    # Every other list (maturities and birthdays: read through their own indexes) is counted
    # through its own SELECT, never from the rollup.
    live = {key: size(key, partial(spec.select, **where)) for key, spec, where in tiles if key not in SIZES}
    if not worked and facts.usable(session, as_of=as_of, rules=rules, rollup=True):
        r = FactRollup
        row = session.execute(
            select(*[func.sum(getattr(r, n)) for n in SIZES]).where(r.as_of == as_of, *scope.where(r))
        ).one()
        rolled = {**{n: int(v or 0) for n, v in zip(SIZES, row)}, **live}
        return {key: rolled[key] for key, _spec, _where in tiles}
    sizes = {name: size(name, select_list) for name, select_list in RULE_LISTS.items()}
    if worked:
        # As each tile's list is worked (the honeymoon list with a wave due, overdue), the
        # do-not-contact customers off it: exactly what the tile opens.
        sizes.update(
            {
                key: size(key, partial(spec.select, **where))
                for key, spec, where in tiles
                if key not in sizes and key not in live
            }
        )
    else:
        counts = honeymoon_counts(session, as_of=as_of, rules=rules, scope=scope, logged_contacts=False)
        sizes.update({key: counts[which] for key, which in HONEYMOON_RULES_ONLY.items()})
    counted = {**sizes, **live}
    return {key: counted[key] for key, _spec, _where in tiles}
