"""The contribution grade (客户分级, DOMAIN.md §9): four measures of each customer at an as-of
date A, their points by the rules' step tables (`rules.grades`), the weighted score and the
grade, as SQL (`grade_rows`), so a count by grade or a grade × tier grid aggregates in the
database.

Measures at A (docs/RULES.md, "Contribution grade"):
- aum: the basis AUM (§1);
- products: distinct product kinds held — opened on or before A and not matured on or before A
  (a product maturing on A has matured);
- activity: activity transactions (§3: kinds outside `dormant.non_activity_kinds`) on any of
  the customer's cards, whatever its status, dated in the `grades.activity_days` days up to A;
- channel: mobile-banking logins in the basis month (channel_monthly.csv); a store with no
  such row at all gives a mobile_banking holder `grades.channel_fallback_points`, anyone else 0.

The score is Σ weight × points / 100; it is compared with the grade bounds as the integer
Σ weight × points against 100 × bound, so a score of exactly 80 is an A.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Boolean, Integer, Select, case, cast, func, literal, null, or_, select
from sqlalchemy.orm import Session

from custdash.calendar import basis_month, end_of_day
from custdash.expressions import aum_join, aum_value, customers_at, in_scope, per_customer, tier_case, with_aum
from custdash.models import Card, ChannelMonthly, Customer, Product, Txn
from custdash.rules import Rules
from custdash.rules_grades import DIMENSIONS, GRADES
from custdash.scope import ALL, Scope
from custdash.source import HAS_LOGINS, extract_has

MOBILE = "mobile_banking"


def step_points(steps: Any, measure: Any) -> Any:
    """The points of a measure by a step table, as SQL: the last step whose bound it reaches."""
    whens = [(measure >= bound, literal(points)) for bound, points in reversed(steps[1:])]
    return case(*whens, else_=literal(steps[0][1])) if whens else literal(steps[0][1])


def has_logins(session: Session) -> bool:
    """Does the store hold any channel_monthly row (else the mobile-banking fallback applies)?
    Recorded by the load (`source.HAS_LOGINS`): not a lookup per page view."""
    return extract_has(session, HAS_LOGINS)


def measures(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, only: str | None = None
) -> Select[Any]:
    """Each customer existing at `as_of` in `scope` (`only`: that one customer): customer_id,
    branch_id, manager_id, tier and the four measures (aum, products, activity, channel; channel
    is None on the fallback)."""

    def who(column: Any) -> list[Any]:
        # One customer's rows through the customer-id indexes, else the scope's.
        return [column == only] if only is not None else in_scope(column, scope)

    month = basis_month(as_of)
    a = aum_join(month)
    held = (
        select(Product.customer_id.label("customer_id"), func.count(func.distinct(Product.product)).label("n"))
        .where(
            Product.opened_on <= as_of,
            or_(Product.matures_on.is_(None), Product.matures_on > as_of),
            *([Product.customer_id == only] if only is not None else per_customer(Product.customer_id, scope)),
        )
        .group_by(Product.customer_id)
        .subquery("held")
    )
    first = as_of - timedelta(days=rules.grades.activity_days - 1)
    active = (
        select(Card.customer_id.label("customer_id"), func.count().label("n"))
        .join(Txn, Txn.card_id == Card.card_id)
        .where(
            Txn.kind.not_in(list(rules.dormant.non_activity_kinds)),
            Txn.ts >= end_of_day(first - timedelta(days=1)),
            Txn.ts < end_of_day(as_of),
            # A branch's or a manager's cards only, not the whole bank's summed then joined.
            *who(Card.customer_id),
        )
        .group_by(Card.customer_id)
        .subquery("active")
    )
    if has_logins(session):
        logins = (
            select(ChannelMonthly.customer_id.label("customer_id"), ChannelMonthly.mobile_logins.label("n"))
            .where(ChannelMonthly.month == month, *who(ChannelMonthly.customer_id))
            .subquery("logins")
        )
        channel: Any = func.coalesce(logins.c.n, 0)
        extra = [(logins, logins.c.customer_id == Customer.customer_id)]
        mobile: Any = cast(null(), Boolean)
    else:
        # Typed NULL: PostgreSQL compares it with the steps' integer bounds.
        channel, extra = cast(null(), Integer), []
        mobile = (
            select(func.count())
            .where(
                Product.customer_id == Customer.customer_id,
                Product.product == MOBILE,
                Product.opened_on <= as_of,
                or_(Product.matures_on.is_(None), Product.matures_on > as_of),
            )
            .scalar_subquery()
            > 0
        )
    aum = aum_value(a)
    stmt = with_aum(
        select(
            Customer.customer_id,
            Customer.branch_id,
            Customer.manager_id,
            tier_case(rules, aum).label("tier"),
            aum.label("aum"),
            func.coalesce(held.c.n, 0).label("products"),
            func.coalesce(active.c.n, 0).label("activity"),
            channel.label("channel"),
            mobile.label("mobile_banking"),
        ).select_from(Customer),
        a,
        month,
    )
    stmt = stmt.outerjoin(held, held.c.customer_id == Customer.customer_id).outerjoin(
        active, active.c.customer_id == Customer.customer_id
    )
    for sub, on in extra:
        stmt = stmt.outerjoin(sub, on)
    if only is not None:
        return stmt.where(Customer.customer_id == only, *customers_at(as_of, scope))
    return stmt.where(*customers_at(as_of, scope, key_order=True))


def grade_rows(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, only: str | None = None
) -> Select[Any]:
    """`measures` with each dimension's points (`<dimension>_points`), the weighted sum
    (`weighted`, = 100 × score) and the `grade`."""
    g = rules.grades
    m = measures(session, as_of=as_of, rules=rules, scope=scope, only=only).subquery("m")
    points = {d: step_points(g.steps[d], m.c[d]) for d in DIMENSIONS if d != "channel"}
    points["channel"] = case(
        (m.c.channel.is_not(None), step_points(g.steps["channel"], m.c.channel)),
        (m.c.mobile_banking, literal(g.channel_fallback_points)),
        else_=literal(0),
    )
    weighted = sum((literal(g.weights[d]) * points[d] for d in DIMENSIONS), literal(0))
    grade = case(*[(weighted >= 100 * g.grade_bounds[k], literal(k)) for k in GRADES[:-1]], else_=literal(GRADES[-1]))
    return select(
        *m.c,
        *[points[d].label(f"{d}_points") for d in DIMENSIONS],
        weighted.label("weighted"),
        grade.label("grade"),
    )


def grade_counts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, int]:
    """The summary's `grades` block: customers per grade, every grade named (zeros included)."""
    rows = grade_rows(session, as_of=as_of, rules=rules, scope=scope).subquery("g")
    found = {grade: n for grade, n in session.execute(select(rows.c.grade, func.count()).group_by(rows.c.grade))}
    return {k: int(found.get(k, 0)) for k in GRADES}


def grade_of(session: Session, *, customer_id: str, as_of: date, rules: Rules, scope: Scope) -> dict[str, Any] | None:
    """One customer's grade with each dimension's measure and points (the reason, always
    shown), None outside `scope` or not a customer at `as_of`."""
    rows = grade_rows(session, as_of=as_of, rules=rules, scope=scope, only=customer_id).subquery("g")
    row = session.execute(select(rows)).mappings().one_or_none()
    if row is None:
        return None
    out = dict(row)
    out["score"] = out.pop("weighted") / 100
    out["aum"] = float(out["aum"])
    out["fallback"] = out["channel"] is None
    out["mobile_banking"] = bool(out["mobile_banking"]) if out["mobile_banking"] is not None else None
    return out
