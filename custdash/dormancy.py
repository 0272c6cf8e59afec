"""Card activity and dormancy (docs/RULES.md §3) as SQL expressions: one definition each.

A card's activity at an as-of date is read from one of three places (`source.source(...).activity`):
the card's stored last activity at the extract date, the dormancy periods (card_dormancy)
at an earlier date, or the transactions themselves when either was built under other rules.
The periods are built from the transactions by the same rule (`dormancy_periods`), and
tests/test_facts.py checks both give the same answer on every date where a card changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Date, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month, days_before, end_of_day
from custdash.expressions import in_scope
from custdash.models import Card, CardDormancy, Txn
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source
from custdash.sql import add_days


def last_activity(session: Session | Connection, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Any:
    """card_id -> time of last activity on or before the as-of date (a subquery): stored on
    the card at the extract date, else computed from the transactions."""
    if source(session, as_of=as_of, rules=rules).activity == "stored":
        return (
            select(Card.card_id.label("card_id"), Card.last_activity_at.label("last_at"))
            .where(*in_scope(Card.customer_id, scope))
            .subquery("act")
        )
    kinds = sorted(rules.dormant.non_activity_kinds)
    scoped_cards = (
        [] if scope.is_all else [Txn.card_id.in_(select(Card.card_id).where(*in_scope(Card.customer_id, scope)))]
    )
    return (
        select(Txn.card_id.label("card_id"), func.max(Txn.ts).label("last_at"))
        .where(Txn.kind.not_in(kinds), Txn.ts < end_of_day(as_of), *scoped_cards)
        .group_by(Txn.card_id)
        .subquery("act")
    )


def card_facts(
    session: Session | Connection, *, as_of: date, rules: Rules, scope: Scope = ALL, dormant_only: bool = False
) -> Any:
    """Per customer holding cards at the as-of date (a subquery): active_cards, dormant_cards,
    last_at (latest activity on an active card: activity on a frozen or closed card neither
    wakes a customer nor shows as their last activity, docs/RULES.md §3), any_at (NULL when
    no card has activity: never used), balance (of active cards).

    Before the extract date these come from the dormancy periods (`dormancy_facts`).
    `dormant_only`: the caller reads only customers with a dormant card (a dormant view), so
    the rows of others may be left out."""
    if source(session, as_of=as_of, rules=rules).activity == "periods":
        return dormancy_facts(as_of=as_of, scope=scope, dormant_only=dormant_only)
    r = rules.dormant
    cutoff = end_of_day(days_before(as_of, r.days))  # activity before this is >= `days` old
    act = last_activity(session, as_of=as_of, rules=rules, scope=scope)
    is_active = active_card(as_of)
    dormant_card = is_active & (
        ((act.c.last_at.is_not(None)) & (act.c.last_at < cutoff))
        | ((act.c.last_at.is_(None)) & (Card.opened_on <= days_before(as_of, r.days)))
    )
    return (
        select(
            Card.customer_id.label("customer_id"),
            func.sum(case((is_active, 1), else_=0)).label("active_cards"),
            func.sum(case((dormant_card, 1), else_=0)).label("dormant_cards"),
            func.max(case((is_active, act.c.last_at), else_=None)).label("last_at"),
            func.max(act.c.last_at).label("any_at"),
            func.sum(case((is_active, Card.balance), else_=0.0)).label("balance"),
        )
        .select_from(Card)
        .outerjoin(act, act.c.card_id == Card.card_id)
        .where(Card.opened_on <= as_of, *in_scope(Card.customer_id, scope))
        .group_by(Card.customer_id)
        .subquery("dc")
    )


def active_card(as_of: date) -> ColumnElement[bool]:
    return (Card.status == "active") & (Card.opened_on <= as_of)


def dormancy_periods(*, as_of: date, rules: Rules) -> Select[Any]:
    """card_dormancy's rows (card_id, customer_id, dormant_from, dormant_until, last_at) from
    the transactions up to the as-of date (the extract date), by the rule of `card_facts`:
    with last activity on day d, a card is dormant from d + days; never used, from its
    opening + days; either until the day of its next activity. Periods that would begin
    after the as-of date are left out: no view asks for a later date."""
    days = rules.dormant.days
    kinds = sorted(rules.dormant.non_activity_kinds)
    day = func.date(Txn.ts, type_=Date)
    act = (
        select(
            Txn.card_id.label("card_id"),
            Txn.ts.label("ts"),
            day.label("d"),
            func.lead(day).over(partition_by=Txn.card_id, order_by=Txn.ts).label("next_d"),
        )
        .where(Txn.kind.not_in(kinds), Txn.ts < end_of_day(as_of))
        .subquery("act")
    )
    after = add_days(act.c.d, days)
    after_activity = (
        select(act.c.card_id, Card.customer_id, after, act.c.next_d, act.c.ts)
        .join(Card, Card.card_id == act.c.card_id)
        .where(or_(act.c.next_d.is_(None), act.c.next_d > after), after <= as_of)
    )
    first_day = func.date(Card.first_activity_at, type_=Date)
    unused = add_days(Card.opened_on, days)
    before_first_use = select(Card.card_id, Card.customer_id, unused, first_day, literal(None)).where(
        or_(Card.first_activity_at.is_(None), first_day > unused), unused <= as_of
    )
    return union_all(after_activity, before_first_use)


def dormancy_facts(*, as_of: date, scope: Scope = ALL, dormant_only: bool = False) -> Any:
    """`card_facts` from the dormancy periods: the same columns, where last_at is exact for a
    customer whose active cards are all dormant (the only customers a view shows it for at
    such a date) and any_at is NULL exactly when no card was used by the as-of date.
    `dormant_only`: rows for the customers with a period at the date only, read through the
    card index by customer (a few per cent of the cards, not all of them)."""
    p = CardDormancy
    periods = (
        select(p.card_id.label("card_id"), p.customer_id.label("customer_id"), p.last_at.label("last_at"))
        .where(
            p.dormant_from <= as_of,
            or_(p.dormant_until.is_(None), p.dormant_until > as_of),
            *in_scope(p.customer_id, scope),
        )
        .subquery("per")
    )
    is_active = active_card(as_of)
    dormant_card = is_active & periods.c.card_id.is_not(None)
    used = Card.first_activity_at < end_of_day(as_of)
    who = [Card.customer_id.in_(select(periods.c.customer_id))] if dormant_only else in_scope(Card.customer_id, scope)
    return (
        select(
            Card.customer_id.label("customer_id"),
            func.sum(case((is_active, 1), else_=0)).label("active_cards"),
            func.sum(case((dormant_card, 1), else_=0)).label("dormant_cards"),
            func.max(case((dormant_card, periods.c.last_at), else_=None)).label("last_at"),
            func.max(case((used, Card.first_activity_at), else_=None)).label("any_at"),
            func.sum(case((is_active, Card.balance), else_=0.0)).label("balance"),
        )
        .select_from(Card)
        # By customer as well as card: then each card finds its periods through the customer
        # index, never by walking every period of the scope (quadratic in a branch).
        .outerjoin(periods, and_(periods.c.customer_id == Card.customer_id, periods.c.card_id == Card.card_id))
        .where(Card.opened_on <= as_of, *who)
        .group_by(Card.customer_id)
        .subquery("dc")
    )


def all_dormant(active_cards: Any, dormant_cards: Any) -> ColumnElement[bool]:
    """A customer is dormant: at least one active card, and all of them dormant (never NULL
    when `active_cards` is not)."""
    return and_(active_cards > 0, active_cards == dormant_cards)


def peak_months(as_of: date, rules: Rules) -> tuple[str, str]:
    """First and last month of the peak-AUM window: the `peak_months` months ending with the basis month."""
    last_month = basis_month(as_of)
    return add_months(last_month, -(rules.dormant.peak_months - 1)), last_month
