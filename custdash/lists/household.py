"""Households near the next tier (家庭临界, DOMAIN.md §8): households of 2 or more members in
tier Vk (below the top) whose household AUM is within the §2 band below V(k+1)'s lower bound.
One row per household, called through its head (the row's customer for statuses, contacts
and scope), in list order: gap ascending, then household id.

The member with the most basis AUM is named (id and AUM) only when the viewer's scope holds
them; otherwise the row says only their relation (DOMAIN.md §8, Scope).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, select, true
from sqlalchemy.orm import Session, aliased

from custdash import contacts, households
from custdash.calendar import basis_month
from custdash.expressions import PERSON_COLUMNS, in_ranges, near_ranges, next_bound
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import aum_by_month, chunks, tier_rose
from custdash.models import Customer, HouseholdMember
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import Rows
from custdash.statements import count_rows

LIST_COLUMNS = [
    *PERSON_COLUMNS,  # the head's
    "household_id",
    "members",
    "household_aum",
    "household_tier",
    "next_tier",
    "next_bound",
    "gap",
    "next_entitlement",
    "top_relation",
    "top_member",
    "top_aum",
]


def _select(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    band: float | None = None,
    limit: int | None = None,
) -> Select[Any]:
    ranges = near_ranges(rules, rules.threshold.band if band is None else band)
    base = households.rows(session, as_of=as_of, rules=rules, scope=scope).subquery("households")
    aum = base.c.household_aum
    nxt = next_bound(aum, ranges)
    rel = aliased(HouseholdMember, name="top_rel")
    top = aliased(Customer, name="top_customer")
    # The top member is shown only inside the viewer's scope (the head is, by the list's scope).
    shown = and_(*scope.where(top)) if not scope.is_all else true()
    stmt = (
        select(
            base.c.customer_id,
            base.c.name,
            base.c.phone,
            base.c.branch_id,
            base.c.manager_id,
            base.c.household_id,
            base.c.members,
            aum,
            base.c.household_tier,
            nxt,
            rel.relation.label("top_relation"),
            case((shown, base.c.top_member), else_=None).label("top_member"),
            case((shown, base.c.top_aum), else_=None).label("top_aum"),
        )
        .select_from(base)
        .join(rel, rel.customer_id == base.c.top_member)
        .where(in_ranges(aum, ranges))
    )
    if not scope.is_all:
        stmt = stmt.join(top, top.customer_id == base.c.top_member)
    return stmt.order_by(nxt - aum, base.c.household_id).limit(limit)


# One statement for every source: households.rows picks the written households or live SQL.
ROWS = Rows(live=_select)


def shape_list(df: pd.DataFrame, *, rules: Rules, band: float | None = None, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    band = rules.threshold.band if band is None else band
    df["household_aum"] = df["household_aum"].astype(float)
    df["next_bound"] = df["next_bound"].astype(float)
    df["top_aum"] = df["top_aum"].astype(float)
    df["members"] = df["members"].astype(int)
    nxt = {c: n for _lo, _hi, c, n in near_ranges(rules, band)}
    df["next_tier"] = df["household_tier"].map(nxt)
    df["gap"] = (df["next_bound"] - df["household_aum"]).round(2)
    df["next_entitlement"] = df["next_tier"].map(rules.alliance.entitlement).astype("Int64")
    return df[LIST_COLUMNS]


def household_aum_by_month(
    session: Session, household_ids: list[str], *, first: str, last: str
) -> dict[str, dict[str, float]]:
    """Each household's AUM (its members' sum, to the cent) by month, `first` .. `last`."""
    members: dict[str, str] = {}
    for chunk in chunks(household_ids):
        stmt = select(HouseholdMember.customer_id, HouseholdMember.household_id).where(
            HouseholdMember.household_id.in_(chunk)
        )
        members.update({cid: hid for cid, hid in session.execute(stmt)})
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for cid, months in aum_by_month(session, members, first=first, last=last).items():
        for month, value in months.items():
            out[members[cid]][month] += value
    return {h: {m: round(v, 2) for m, v in months.items()} for h, months in out.items()}


def _household_tier_higher(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """The household's tier at a later basis month (by the window's end) above its tier at the
    contact's day (DOMAIN.md §8, Outcome)."""
    aum = household_aum_by_month(
        session, sorted({m.household_id for m in members}), first=basis_month(start), last=basis_month(as_of)
    )

    def higher(m: Any, d: Any) -> bool:
        return tier_rose(rules, aum.get(m.household_id, {}), d, limit(d))

    return higher


def household_counts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, int]:
    """The summary's `households` block: households shown (2 or more members, by their head's
    scope), those of hidden value, and the near-threshold list as it is worked (do-not-contact
    heads off it, as every list's count)."""
    counts = households.totals(session, as_of=as_of, rules=rules, scope=scope)
    near = ROWS.members(session, as_of=as_of, rules=rules, scope=scope)
    worked = count_rows(session, contacts.worked_rows(session, near, as_of=as_of, rules=rules))
    return {"households": counts["households"], "hidden_value": counts["hidden_value"], "near_threshold": worked}


LIST = CallList(
    name="household",
    page="household",
    count="household",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    summary_block=("households", household_counts),
    queue_rank=5,
    outcome=Outcome(_household_tier_higher, columns=lambda _rules: ["household_id"]),
    outcome_rank=8,
    outcome_label="page.household",
)
