"""Free cinema tickets left unused (异业联盟, DOMAIN.md §4): customers with at least one free
ticket of this year's entitlement left, in list order: most left first, then customer id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from custdash import households
from custdash.expressions import (
    PERSON_COLUMNS,
    aum_in_ranges,
    aum_value,
    basis_tier,
    customers_at,
    entitlement_case,
    free_used_facts,
    person_columns,
    with_aum,
)
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import event_after
from custdash.models import Customer, CustomerFact, Redemption
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows
from custdash.statements import frame

LIST_COLUMNS = [
    *PERSON_COLUMNS,
    "tier",
    "entitled",
    "free_used_ytd",
    "remaining",
]


def _facts(*, rules: Rules, scope: Scope, **_: Any) -> Select[Any]:
    f = CustomerFact
    return (
        select(*person_columns(f), f.tier, f.entitled, f.free_used_ytd)
        .where(f.remaining >= 1, *scope.where(f))
        .order_by(f.remaining.desc(), f.customer_id)
    )


def _live(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    a, month, tier = basis_tier(rules, as_of)
    ent = rules.alliance.entitlement
    entitled_tier, shared = households.entitlement_tier(
        rules, as_of=as_of, aum=aum_value(a), customer_id=Customer.customer_id
    )
    entitled = entitlement_case(rules, entitled_tier)
    # Free tickets used this year, summed once per customer and joined: as a correlated
    # subquery it ran three times per row (select list, filter, order), 8-10 s at 1M.
    ytd = free_used_facts(as_of=as_of, scope=scope)
    used = func.coalesce(ytd.c.used, 0)
    # Only tiers with an entitlement can have any left: only customers with at least the lowest
    # such tier's AUM are looked up (ix_aum_month_value).
    min_bound = min((rules.tier(c).lower_bound for c, n in ent.items() if n > 0), default=None)
    if shared:
        # A member of a richer household may have tickets below that AUM: nobody is skipped.
        min_bound = 0.0 if min_bound is not None else None
    among = None if min_bound is None or shared else aum_in_ranges(month, [(min_bound, None)])
    stmt = (
        with_aum(
            select(
                *person_columns(), tier.label("tier"), entitled.label("entitled"), used.label("free_used_ytd")
            ).select_from(Customer),
            a,
            month,
        )
        .outerjoin(ytd, ytd.c.customer_id == Customer.customer_id)
        .where(*customers_at(as_of, scope, key_order=True, among=among), entitled - used >= 1)
    )
    for sub, on in shared:
        stmt = stmt.outerjoin(sub, on)
    stmt = stmt.where(false()) if min_bound is None else stmt.where(aum_value(a) >= min_bound)
    return stmt.order_by((entitled - used).desc(), Customer.customer_id)


ROWS = Rows(
    live=_live,
    facts=_facts,
    month_end=MonthEndRows(
        "unused",
        ("tier", "entitled", "free_used_ytd"),
        order=lambda m: ((m.entitled - m.free_used_ytd).desc(), m.customer_id),
    ),
)


def unused_entitlement(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, limit: int | None = None
) -> pd.DataFrame:
    """The unused-entitlement list (who to invite); the first `limit` rows when given."""
    df = frame(session, ROWS.select(session, as_of=as_of, rules=rules, scope=scope).limit(limit))
    return shape_list(df)


def shape_list(df: pd.DataFrame, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    df["entitled"] = df["entitled"].astype(int)
    df["free_used_ytd"] = df["free_used_ytd"].astype(int)
    df["remaining"] = df["entitled"] - df["free_used_ytd"]
    return df[LIST_COLUMNS]


def _redeemed(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A redemption after the contact (by the window's end)."""

    def stmt(chunk: Any) -> Any:
        return (
            select(Redemption.customer_id, Redemption.screen_date)
            .distinct()
            .where(Redemption.customer_id.in_(chunk), Redemption.screen_date > start, Redemption.screen_date <= as_of)
        )

    return event_after(session, stmt, members, limit)


LIST = CallList(
    name="alliance-unused",
    page="alliance",
    count="unused",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    rollup={"unused": lambda c: c.remaining >= 1},
    queue_rank=8,
    outcome=Outcome(_redeemed),
    outcome_rank=3,
    outcome_label="outcomes.list.alliance-unused",
)
