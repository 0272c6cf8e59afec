"""One customer (客户360): who they are, their tier over 13 months, cards, products, cinema
benefits, every list they are on today and why, and every contact (the extract's touches and
the logged contacts). Everything inside the viewer's scope: a customer outside it is None."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month, end_of_day, year_start
from custdash.expressions import aum_join, aum_value
from custdash.households import HEAD, MIN_MEMBERS, RELATIONS
from custdash.models import (
    AumMonthly,
    Card,
    ContactLog,
    Customer,
    HouseholdMember,
    Product,
    Redemption,
    Touch,
    Txn,
)
from custdash.rules import Rules
from custdash.scope import Scope
from custdash.statements import frame

HISTORY_MONTHS = 13  # the basis month and the twelve before it
SEARCH_ROWS = 20


def find_customers(session: Session, *, query: str, scope: Scope, limit: int = SEARCH_ROWS) -> pd.DataFrame:
    """Customers in `scope` whose id or name starts with `query` (plain text: the
    LIKE wildcards in it match only themselves). Columns: customer_id, name, branch_id, manager_id."""
    q = query.strip()[:64]
    if not q:
        return pd.DataFrame(columns=["customer_id", "name", "branch_id", "manager_id"])
    pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Customer.customer_id, Customer.name, Customer.branch_id, Customer.manager_id)
        .where(
            or_(Customer.customer_id.like(pattern, escape="\\"), Customer.name.like(pattern, escape="\\")),
            *scope.where(),
        )
        .order_by(Customer.customer_id)
        .limit(limit)
    )
    return frame(session, stmt)


def profile(session: Session, *, customer_id: str, as_of: date, rules: Rules, scope: Scope) -> dict[str, Any] | None:
    """Who the customer is and where they stand at `as_of`: tier and basis AUM, the next tier,
    the gap to it and what it brings. None outside `scope` (or unknown: the same answer)."""
    row = session.execute(
        select(
            Customer.customer_id,
            Customer.name,
            Customer.phone,
            Customer.gender,
            Customer.birth_date,
            Customer.branch_id,
            Customer.manager_id,
            Customer.opened_on,
            Customer.channel,
        ).where(Customer.customer_id == customer_id, *scope.where())
    ).one_or_none()
    if row is None:
        return None
    out = dict(row._mapping)
    month = basis_month(as_of)
    aum = session.execute(
        select(AumMonthly.avg_daily_aum).where(AumMonthly.customer_id == customer_id, AumMonthly.month == month)
    ).scalar_one_or_none()
    basis = float(aum or 0.0)
    tier = rules.tier_of(basis)
    codes = rules.tier_codes
    nxt = codes[codes.index(tier) + 1] if tier != codes[-1] else None
    bound = rules.tier(nxt).lower_bound if nxt else None
    out.update(
        opened=out["opened_on"] <= as_of,
        basis_month=month,
        basis_aum=basis,
        tier=tier,
        next_tier=nxt,
        next_bound=bound,
        gap=round(bound - basis, 2) if bound is not None else None,
        entitlement=rules.alliance.entitlement[tier],
        next_entitlement=rules.alliance.entitlement[nxt] if nxt else None,
    )
    return out


def aum_history(session: Session, *, customer_id: str, as_of: date, rules: Rules) -> pd.DataFrame:
    """The basis month and the twelve before it, every month present (0 when the extract has
    none). Columns: month, avg_daily_aum, tier."""
    last = basis_month(as_of)
    months = [add_months(last, -k) for k in range(HISTORY_MONTHS - 1, -1, -1)]
    rows = dict(
        session.execute(
            select(AumMonthly.month, AumMonthly.avg_daily_aum).where(
                AumMonthly.customer_id == customer_id, AumMonthly.month.between(months[0], months[-1])
            )
        ).all()
    )
    values = [float(rows.get(m, 0.0)) for m in months]
    return pd.DataFrame({"month": months, "avg_daily_aum": values, "tier": rules.tiers_of(values)})


def cards(session: Session, *, customer_id: str, as_of: date, rules: Rules) -> pd.DataFrame:
    """The customer's cards opened by `as_of`, with their last activity on or before it and
    whether they are dormant then (docs/RULES.md §3). Columns: card_id, opened_on, status,
    balance, last_activity, dormant."""
    last = (
        select(Txn.card_id, func.max(Txn.ts).label("last_at"))
        .join(Card, Card.card_id == Txn.card_id)
        .where(
            Card.customer_id == customer_id,
            Txn.ts <= end_of_day(as_of),
            Txn.kind.not_in(rules.dormant.non_activity_kinds),
        )
        .group_by(Txn.card_id)
        .subquery("last")
    )
    stmt = (
        select(Card.card_id, Card.opened_on, Card.status, Card.balance, last.c.last_at)
        .outerjoin(last, last.c.card_id == Card.card_id)
        .where(Card.customer_id == customer_id, Card.opened_on <= as_of)
        .order_by(Card.card_id)
    )
    df = frame(session, stmt, ["card_id", "opened_on", "status", "balance", "last_at"])
    days = rules.dormant.days
    last_day = [pd.Timestamp(v).date() if v is not None and not pd.isna(v) else None for v in df["last_at"]]
    since = [d if d is not None else o for d, o in zip(last_day, df["opened_on"])]
    df["last_activity"] = last_day
    df["dormant"] = [s == "active" and (as_of - d).days >= days for s, d in zip(df["status"], since)]
    df["balance"] = df["balance"].astype(float).round(2)
    return df[["card_id", "opened_on", "status", "balance", "last_activity", "dormant"]]


def products(session: Session, *, customer_id: str, as_of: date) -> pd.DataFrame:
    """Products held at `as_of`: opened by then and not matured (a deposit that matured on or
    before it is no longer held), oldest first. Columns: product, opened_on, matures_on and
    amount (None where the extract has none)."""
    stmt = (
        select(Product.product, Product.opened_on, Product.matures_on, Product.amount)
        .where(
            Product.customer_id == customer_id,
            Product.opened_on <= as_of,
            or_(Product.matures_on.is_(None), Product.matures_on > as_of),
        )
        .order_by(Product.opened_on, Product.product, Product.id)
    )
    return frame(session, stmt, ["product", "opened_on", "matures_on", "amount"])


def redemptions_ytd(session: Session, *, customer_id: str, as_of: date) -> dict[str, int]:
    """Cinema redemptions this year up to `as_of`: redemptions, tickets, free tickets used."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Redemption.tickets), 0),
            func.coalesce(func.sum(Redemption.free_tickets), 0),
        ).where(
            Redemption.customer_id == customer_id,
            Redemption.screen_date.between(year_start(as_of), as_of),
        )
    ).one()
    return {"redemptions": int(row[0]), "tickets": int(row[1]), "free_used": int(row[2])}


TIMELINE_COLUMNS = ["day", "source", "list_name", "channel", "outcome", "note", "username"]


def timeline(session: Session, *, customer_id: str, as_of: date | None = None) -> pd.DataFrame:
    """Every contact, newest first: the extract's honeymoon touches (source "extract", list
    honeymoon-k) and the logged contacts (source "log"). `as_of` None: all of them."""
    touches = select(Touch.touched_on, Touch.wave, Touch.channel, Touch.outcome).where(Touch.customer_id == customer_id)
    logged = select(
        ContactLog.contacted_on,
        ContactLog.list_name,
        ContactLog.channel,
        ContactLog.outcome,
        ContactLog.note,
        ContactLog.username,
        ContactLog.id,
    ).where(ContactLog.customer_id == customer_id)
    if as_of is not None:
        touches = touches.where(Touch.touched_on <= as_of)
    rows: list[tuple[Any, ...]] = [
        (r[0], "extract", f"honeymoon-{r[1]}", r[2], r[3], None, None, 0) for r in session.execute(touches)
    ]
    rows += [(r[0], "log", r[1], r[2], r[3], r[4], r[5], r[6]) for r in session.execute(logged)]
    rows.sort(key=lambda r: (r[0], r[1] == "log", r[7]), reverse=True)
    return pd.DataFrame([r[:7] for r in rows], columns=TIMELINE_COLUMNS)


def household(session: Session, *, customer_id: str, as_of: date, rules: Rules, scope: Scope) -> dict[str, Any] | None:
    """The customer's household at `as_of` (DOMAIN.md §8): its id, size, AUM and tier (of every
    member opened by then, in scope or not), and its members, head first, then by relation and
    customer id. A member outside `scope` is given only as their relation and where they are
    served ("manager": another manager of the viewer's branch, "branch": another branch): no
    id, name, phone, tier or money. None when the customer is in no household; `shown` False
    when it is not a household at `as_of` (its head not opened yet, or one member)."""
    h = HouseholdMember
    hid = session.execute(select(h.household_id).where(h.customer_id == customer_id)).scalar_one_or_none()
    if hid is None:
        return None
    month = basis_month(as_of)
    a = aum_join(month)
    rows = session.execute(
        select(h.customer_id, h.relation, Customer.name, Customer.branch_id, Customer.manager_id, aum_value(a))
        .join(Customer, Customer.customer_id == h.customer_id)
        .outerjoin(a, and_(a.customer_id == h.customer_id, a.month == month))
        .where(h.household_id == hid, Customer.opened_on <= as_of)
    ).all()
    order = {r: k for k, r in enumerate(RELATIONS)}
    rows = sorted(rows, key=lambda r: (order.get(r.relation, len(order)), r.customer_id))
    total = round(sum(float(r[5]) for r in rows), 2)
    # The viewed customer's branch is the viewer's (a manager's or a head's): the customer is in scope.
    home = next((r.branch_id for r in rows if r.customer_id == customer_id), None)
    members = []
    for cid, relation, name, branch, manager, aum in rows:
        inside = scope.branch_id in (None, branch) and scope.manager_id in (None, manager)
        if inside:
            aum = float(aum)
            members.append(
                {"relation": relation, "customer_id": cid, "name": name, "tier": rules.tier_of(aum), "basis_aum": aum}
            )
        else:
            elsewhere = "manager" if branch == home else "branch"
            members.append({"relation": relation, "elsewhere": elsewhere})
    head_opened = any(r.relation == HEAD for r in rows)
    return {
        "household_id": hid,
        "shown": head_opened and len(rows) >= MIN_MEMBERS,
        "members": members,
        "size": len(rows),
        "household_aum": total,
        "household_tier": rules.tier_of(total),
    }
