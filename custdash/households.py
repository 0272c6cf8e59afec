"""Households (家庭经营, DOMAIN.md §8): the family as the unit a manager serves.

A household at an as-of date A is its members opened by A (`household_member`, from the
optional households.csv). It is shown when its head was opened by A and it has 2 or more such
members; it belongs to its head's branch and manager. Its AUM is the sum of its members'
basis AUM (§1) — members outside the viewer's scope count too: scope decides only what is
shown — rounded to the cent, so a bound is compared exactly; its tier is the tier whose
bounds hold that AUM, on the same ladder.

`rows(session, *, as_of, rules, scope)` gives one row per household shown, from the one
source that holds it (custdash/source.py): `household_fact`, written with the facts for the
extract date and at each month-end written after a load, or live SQL for any other date.
Both come from `live_rows` (tests/test_households.py compares them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Float, Numeric, Select, and_, case, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from custdash.calendar import basis_month
from custdash.expressions import PERSON_COLUMNS, aum_join, aum_value, tier_case, tier_rank
from custdash.models import Customer, HouseholdFact, HouseholdMember
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source

# A member's relation to the head (households.csv); each household has exactly one head.
RELATIONS = ("head", "spouse", "child", "parent", "other")
HEAD = RELATIONS[0]
# A household row's columns, in the order every source gives them.
COLUMNS = [
    "household_id",
    *PERSON_COLUMNS,  # the head's
    "members",
    "household_aum",
    "household_tier",
    "top_tier",
    "top_member",
    "top_aum",
]
# The fewest members a household is shown with ("a household of one is not shown as one").
MIN_MEMBERS = 2


def cents(total: Any) -> Any:
    """A sum of money rounded to the cent: 49,999.99 + 0.01 is exactly 50,000 then, as the bound
    it is compared with (a float sum can land a hair below it). PostgreSQL rounds numeric only."""
    return cast(func.round(cast(total, Numeric(24, 6)), 2), Float)


def _heads_in(scope: Scope) -> Select[Any]:
    """The households whose head is in `scope` (whatever their opening date)."""
    h = aliased(HouseholdMember, name="scope_head")
    c = aliased(Customer, name="scope_customer")
    return select(h.household_id).join(c, c.customer_id == h.customer_id).where(h.relation == HEAD, *scope.where(c))


def member_rows(*, as_of: date, scope: Scope = ALL) -> Any:
    """Every member of the households in `scope` opened by `as_of`, with their basis AUM and
    their rank in the household by it (1: the highest, ties to the lowest customer id)."""
    month = basis_month(as_of)
    a = aum_join(month)
    h = HouseholdMember
    aum = aum_value(a)
    stmt = (
        select(
            h.household_id,
            h.customer_id,
            h.relation,
            aum.label("aum"),
            func.row_number().over(partition_by=h.household_id, order_by=(aum.desc(), h.customer_id)).label("rank"),
        )
        .select_from(h)
        .join(Customer, Customer.customer_id == h.customer_id)
        .outerjoin(a, and_(a.customer_id == h.customer_id, a.month == month))
        .where(Customer.opened_on <= as_of)
    )
    if not scope.is_all:
        # A branch's or a manager's households only: not the whole bank's aggregated then filtered.
        stmt = stmt.where(h.household_id.in_(_heads_in(scope)))
    return stmt.subquery("members")


def live_rows(*, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """One row per household shown at `as_of` in `scope`, computed from the extract (`COLUMNS`)."""
    m = member_rows(as_of=as_of, scope=scope)
    per = (
        select(
            m.c.household_id,
            func.count().label("members"),
            cents(func.sum(m.c.aum)).label("household_aum"),
            func.max(case((m.c.rank == 1, m.c.customer_id))).label("top_member"),
            func.max(m.c.aum).label("top_aum"),
            func.max(case((m.c.relation == HEAD, m.c.customer_id))).label("head_id"),
        )
        .group_by(m.c.household_id)
        .having(func.count() >= MIN_MEMBERS)
        .subquery("per")
    )
    c = Customer
    return (
        select(
            per.c.household_id,
            c.customer_id,
            c.name,
            c.phone,
            c.branch_id,
            c.manager_id,
            per.c.members,
            per.c.household_aum,
            tier_case(rules, per.c.household_aum).label("household_tier"),
            tier_case(rules, per.c.top_aum).label("top_tier"),
            per.c.top_member,
            per.c.top_aum,
        )
        .select_from(per)
        .join(c, c.customer_id == per.c.head_id)  # no head opened by A: not shown
        .where(*scope.where(c))
    )


def fact_rows(*, as_of: date, scope: Scope = ALL) -> Select[Any]:
    """The same rows, as written for `as_of` (the extract date or a month-end)."""
    f = HouseholdFact
    return select(*[getattr(f, col) for col in COLUMNS]).where(f.as_of == as_of, *scope.where(f))


def from_facts(session: Session, *, as_of: date, rules: Rules) -> bool:
    """Are the households at `as_of` written (with the facts, or at a month-end after the load)?"""
    held = source(session, as_of=as_of, rules=rules)
    return held.facts or held.month_end


def rows(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """One row per household shown at `as_of` in `scope` (`COLUMNS`), from the source that holds it."""
    if from_facts(session, as_of=as_of, rules=rules):
        return fact_rows(as_of=as_of, scope=scope)
    return live_rows(as_of=as_of, rules=rules, scope=scope)


def write_facts(conn: Connection, *, day: date, rules: Rules) -> None:
    """Write the households shown at `day` into household_fact (inside the caller's transaction)."""
    conn.execute(delete(HouseholdFact).where(HouseholdFact.as_of == day))
    live = live_rows(as_of=day, rules=rules).subquery("h")
    stmt = select(literal(day).label("as_of"), *[live.c[col] for col in COLUMNS])
    conn.execute(insert(HouseholdFact).from_select(["as_of", *COLUMNS], stmt))


def hidden(rules: Rules, row: Any) -> Any:
    """Hidden household value (家庭破壁): the household tier above every member's own tier."""
    return tier_rank(rules, row.household_aum) > tier_rank(rules, row.top_aum)


def member_aum_of_households(*, as_of: date, rules: Rules) -> Any:
    """(customer_id, household_aum) for each member of a household shown at `as_of`: what the
    shared entitlement reads (DOMAIN.md §8)."""
    shown = live_rows(as_of=as_of, rules=rules).subquery("shown")
    h = HouseholdMember
    return (
        select(h.customer_id.label("customer_id"), shown.c.household_aum.label("household_aum"))
        .join(shown, shown.c.household_id == h.household_id)
        .subquery("household_of")
    )


def totals(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, float | int]:
    """Households shown in `scope`, their members and AUM, and those of hidden value."""
    h = rows(session, as_of=as_of, rules=rules, scope=scope).subquery("h")
    hid = func.sum(case((hidden(rules, h.c), 1), else_=0))
    n, members, aum, hidden_n = session.execute(
        select(func.count(), func.sum(h.c.members), func.sum(h.c.household_aum), hid).select_from(h)
    ).one()
    return {
        "households": int(n or 0),
        "members": int(members or 0),
        "household_aum": round(float(aum or 0.0), 2),
        "hidden_value": int(hidden_n or 0),
    }


def entitlement_tier(rules: Rules, *, as_of: date, aum: Any, customer_id: Any) -> tuple[Any, list[tuple[Any, Any]]]:
    """The tier whose free tickets a customer has (DOMAIN.md §4, §8), as SQL over their basis
    `aum`, and the (subquery, ON clause) pairs to LEFT JOIN for it. Their own tier; with
    `households.share_entitlement`, the higher of that and their household's tier, which is the
    household's (a household's AUM holds each member's own)."""
    if not rules.households.share_entitlement:
        return tier_case(rules, aum), []
    shared = member_aum_of_households(as_of=as_of, rules=rules)
    return tier_case(rules, func.coalesce(shared.c.household_aum, aum)), [(shared, shared.c.customer_id == customer_id)]
